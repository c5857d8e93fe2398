package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/ratelimit"
	"github.com/relais/relais/portal/rules"
)

// templateFS holds the debtor portal pages: layout.html wraps each page.
//
//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the pages of the portal, each templates/<name>.html.
var pageNames = []string{"error", "identity", "claim", "computation", "contest", "payreturn"}

func parsePages() (map[string]*template.Template, error) {
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		body, err := fs.ReadFile(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		t, err := template.New("layout").Funcs(templateFuncs).Parse(string(layout))
		if err == nil {
			_, err = t.New(name).Parse(string(body))
		}
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// langOption is one entry of the language switcher.
type langOption struct {
	Code, Name, Href string
	Current          bool
}

var languageNames = map[string]string{"fr": "Français", "nl": "Nederlands", "en": "English", "de": "Deutsch"}

// view is what every portal template receives. Tr, Money, Date and Rate
// translate and format in the page's language.
type view struct {
	t        *i18n.T
	Lang     string
	Title    string
	Langs    []langOption
	Creditor *portal.Creditor
	Currency portal.Currency
	CSRF     string
	// SignedIn is set on the pages of a verified session: the footer
	// offers to sign out.
	SignedIn bool
	// Page is the page-specific data.
	Page any
}

func (v *view) Tr(key string, pairs ...any) string { return v.t.Text(key, pairs...) }
func (v *view) Money(amount int64) string          { return v.t.Money(amount, v.Currency) }
func (v *view) Date(d portal.Date) string          { return v.t.Date(d) }
func (v *view) Rate(bp int64) string               { return v.t.Rate(bp) }

// newView prepares the shared part of a page in lang; back is the portal
// path the language switcher returns to.
func (s *Server) newView(c *fiber.Ctx, lang, back string, cr *portal.Creditor) *view {
	v := &view{t: s.i18n.For(lang), Lang: lang, Creditor: cr, Currency: "EUR", CSRF: s.csrfToken(c)}
	if ps, ok := c.Locals(localSession).(*portal.PortalSession); ok && ps.Verified {
		v.SignedIn = true
	}
	for _, l := range portal.Languages {
		v.Langs = append(v.Langs, langOption{Code: l, Name: languageNames[l], Current: l == lang,
			Href: "/p/lang/" + l + "?next=" + url.QueryEscape(back)})
	}
	return v
}

// render writes a page with a status.
func (s *Server) render(c *fiber.Ctx, status int, page string, v *view) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	if v.Title == "" {
		v.Title = v.Tr("title." + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render page", "page", page, "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("Internal error.")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// errorView is the data of the error page.
type errorView struct {
	Heading, Message string
	// Contact shows how to reach the creditor (expired link).
	Contact bool
	// Retry is the "try again" link, if any.
	Retry string
}

// errorKeys maps error codes to the heading and message keys of the page.
var errorKeys = map[string][2]string{
	portal.ENOTFOUND:     {"error.not_found.title", "error.not_found.text"},
	portal.EGONE:         {"error.gone.title", "error.gone.text"},
	portal.ERATELIMIT:    {"error.rate_limited.title", "error.rate_limited.text"},
	portal.EUNAUTHORIZED: {"error.no_session.title", "error.no_session.text"},
	portal.EFORBIDDEN:    {"error.forbidden.title", "error.forbidden.text"},
	portal.EINVALID:      {"error.invalid.title", "error.invalid.text"},
	portal.ETOOLARGE:     {"error.too_large.title", "error.too_large.text"},
	portal.EUNAVAILABLE:  {"error.unavailable.title", "error.unavailable.text"},
	portal.EINTERNAL:     {"error.internal.title", "error.internal.text"},
	// Page-specific refinements of the codes above.
	errCSRF:            {"error.csrf.title", "error.csrf.text"},
	errCardUnavailable: {"error.card_unavailable.title", "error.card_unavailable.text"},
}

// Codes of the portal's error pages that refine a domain code by the field
// of the error.
const (
	errCSRF            = "csrf"
	errCardUnavailable = "card_unavailable"
)

// renderPortalError is the error renderer of portal pages: a page in the
// debtor's language, never an internal detail.
func (s *Server) renderPortalError(c *fiber.Ctx, status int, err error) error {
	code := portal.ErrorCode(err)
	if code == "method_not_allowed" || code == "" {
		code = portal.ENOTFOUND
	}
	switch portal.ErrorField(err) {
	case "csrf":
		code = errCSRF
	case cardField:
		if code == portal.EUNAVAILABLE {
			code = errCardUnavailable
		}
	}
	keys, ok := errorKeys[code]
	if !ok {
		keys = errorKeys[portal.EINTERNAL]
	}
	var cr *portal.Creditor
	if cl, ok := c.Locals(localPortalClaim).(*portal.Claim); ok {
		cr = cl.Creditor
	}
	v := s.newView(c, s.portalLang(c, ""), "/p", cr)
	page := &errorView{Contact: cr != nil && (code == portal.EGONE || code == portal.ERATELIMIT)}
	v.Title = v.Tr(keys[0])
	page.Heading, page.Message = v.Title, v.Tr(keys[1])
	switch code {
	case portal.EFORBIDDEN, errCSRF:
		page.Retry = "/p"
	case errCardUnavailable:
		page.Retry = "/p#pay"
	}
	v.Page = page
	return s.render(c, status, "error", v)
}

// backPath keeps the switcher's return path inside the portal.
func backPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/p") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/p"
	}
	// Never send the debtor back to a token URL.
	if rest := strings.TrimPrefix(next, "/p/"); portal.ValidSecret(portal.NormaliseToken(rest)) {
		return "/p"
	}
	return next
}

// initPortal loads what the debtor portal pages need.
func (s *Server) initPortal() error {
	b, err := i18n.New()
	if err != nil {
		return err
	}
	s.i18n = b
	if s.pages, err = parsePages(); err != nil {
		return err
	}
	if s.deps.Rates == nil {
		if s.deps.Rates, err = rules.Default(); err != nil {
			return err
		}
	}
	s.tokenLimiter = ratelimit.New(s.cfg.TokenBurst, s.cfg.TokenEvery, s.deps.Clock)
	s.loc = portal.Zone()
	return nil
}

// templateFuncs are the helpers the pages use besides the view's methods.
var templateFuncs = template.FuncMap{
	"dateOf": func(t time.Time) portal.Date { return portal.DateOf(t.In(portal.Zone())) },
	// basis names the article a computation line comes from.
	"basis": rules.Basis,
	"invoiceOf": func(c *portal.Claim, id string) *portal.Invoice {
		for _, inv := range c.Invoices {
			if inv.ID == id {
				return inv
			}
		}
		return nil
	},
}
