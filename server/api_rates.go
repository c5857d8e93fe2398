package server

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/rules"
)

// The interest rates are the law's, so every tenant of an instance shares
// them: reading them is open to every tenant, changing them only to the
// owners of the tenants the operator lists (--rate-editors), and every
// change is recorded with who made it.

// ratesView is what GET /api/v1/rates and the console page show.
type ratesView struct {
	AsOf   portal.Date            `json:"as_of"`
	Series []rules.SeriesCoverage `json:"series"`
	// Changes are the lines recorded at run time, oldest first: who, when,
	// from which publication.
	Changes []portal.RateLine `json:"changes"`
	// Editable says whether the caller may change the rates.
	Editable bool `json:"editable"`
}

// rateEditor reports whether the tenant's owners may change the rates.
func (s *Server) rateEditor(tenantID string) bool {
	return tenantID != "" && slices.Contains(s.cfg.RateEditors, tenantID)
}

func (s *Server) ratesReady() error {
	if s.deps.RateFeed == nil || s.deps.Rates == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Rates are not configured on this instance.")
	}
	return nil
}

// ratesFor builds the view for a tenant. Lines recorded by another tenant
// keep their content (the rates are shared) but not who recorded them.
func (s *Server) ratesFor(c *fiber.Ctx, tenantID string) (*ratesView, error) {
	if err := s.ratesReady(); err != nil {
		return nil, err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	lines, err := s.deps.RateFeed.Store.RateLines(ctx)
	if err != nil {
		return nil, err
	}
	for i := range lines {
		if lines[i].TenantID != "" && lines[i].TenantID != tenantID {
			lines[i].RecordedBy, lines[i].TenantID = "another tenant's owner", ""
		}
	}
	today := s.today()
	return &ratesView{AsOf: today, Series: s.deps.Rates.Coverage(today), Changes: lines, Editable: s.rateEditor(tenantID)}, nil
}

func (s *Server) handleRatesShow(c *fiber.Ctx) error {
	v, err := s.ratesFor(c, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// rateInput is the body of PUT /api/v1/rates/:series/:from.
type rateInput struct {
	// Rate is the yearly percentage as text ("2.62"): no float on the way.
	Rate string `json:"rate"`
	// To is the first day after the rate (exclusive, as in the listing);
	// empty: the end of the half-year (the year for be_civil_legal).
	To     string `json:"to"`
	Status string `json:"status"`
	Source string `json:"source"`
}

// entryOf checks the parts of an operator's line that arrive as text.
func entryOf(series, from string, in rateInput) (ratefeed.Entry, error) {
	e := ratefeed.Entry{Series: strings.TrimSpace(series), Status: rules.Status(strings.TrimSpace(in.Status)), Source: strings.TrimSpace(in.Source)}
	var err error
	if e.From, err = parseDateField("from", from); err != nil {
		return e, err
	}
	if strings.TrimSpace(in.To) != "" {
		if e.To, err = parseDateField("to", in.To); err != nil {
			return e, err
		}
	}
	if strings.TrimSpace(in.Rate) == "" {
		return e, portal.FieldError("rate", "rate is required, a yearly percentage such as \"2.62\"")
	}
	if e.RateBP, err = rules.ParseRate(in.Rate); err != nil {
		return e, portal.FieldError("rate", "%s", portal.ErrorMessage(err))
	}
	return e, nil
}

// handleRateSet records an operator's line. API keys act for their tenant
// as its owner does.
func (s *Server) handleRateSet(c *fiber.Ctx) error {
	if err := s.ratesReady(); err != nil {
		return err
	}
	if !s.rateEditor(tenantOf(c)) {
		return errRatesNotEditable
	}
	var in rateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := entryOf(c.Params("series"), c.Params("from"), in)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.RateFeed.Set(ctx, e)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(l)
}

var errRatesNotEditable = portal.Errorf(portal.EFORBIDDEN,
	"The interest rates are shared by every tenant of this instance: only the tenants its operator lists with --rate-editors may change them (or use 'relais rates set').")

func (s *Server) handleConsoleRates(c *fiber.Ctx) error {
	return s.renderConsoleRates(c, fiber.StatusOK, "", rateInput{})
}

func (s *Server) renderConsoleRates(c *fiber.Ctx, status int, problem string, form rateInput) error {
	u := consoleUserOf(c)
	v, err := s.ratesFor(c, u.TenantID)
	if err != nil {
		return err
	}
	v.Editable = v.Editable && u.Role.AtLeast(portal.RoleOwner)
	c.Status(status)
	return s.renderConsole(c, "rates", map[string]any{"Title": s.consoleT(c).Text("console.rates.title"), "Rates": v, "SeriesNames": rules.SeriesNames(),
		"Problem": problem, "Form": form, "FormSeries": c.FormValue("series"), "FormFrom": c.FormValue("from")})
}

// handleConsoleRateSet records a line from the console form; a refused
// line shows the form again with the reason.
func (s *Server) handleConsoleRateSet(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.ratesReady(); err != nil {
		return err
	}
	if !s.rateEditor(consoleUserOf(c).TenantID) {
		return errRatesNotEditable
	}
	in := rateInput{Rate: c.FormValue("rate"), To: c.FormValue("to"), Status: c.FormValue("status"), Source: c.FormValue("source")}
	e, err := entryOf(c.FormValue("series"), c.FormValue("from"), in)
	if err == nil {
		ctx, cancel := s.userContext(c)
		_, err = s.deps.RateFeed.Set(ctx, e)
		cancel()
	}
	if portal.ErrorCode(err) == portal.EINVALID {
		return s.renderConsoleRates(c, fiber.StatusBadRequest, portal.ErrorMessage(err), in)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/console/rates", fiber.StatusSeeOther)
}
