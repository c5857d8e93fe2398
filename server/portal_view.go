package server

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
)

// templateFS holds the debtor portal pages: layout.html wraps each page.
//
//go:embed templates/*.html
var templateFS embed.FS

// helpersScriptTag loads the portal's page helpers (static/js/relais.js)
// on a page without the chat, which loads them itself: the payment return
// page, which follows the payment's confirmation.
const helpersScriptTag = `<script src="/static/js/relais.js"></script>`

// pageNames are the pages of the portal, each templates/<name>.html.
var pageNames = []string{"error", "identity", "code", "claim", "computation", "contest", "payreturn", "home"}

// parsePages parses each page once per language (pages[lang][name]), each
// translation without arguments ({{.Tr "key"}}, {{$.Tr "key"}} or
// {{$v.Tr "key"}}) written into the template as its escaped text: the
// claim page calls Tr some 150 times, each a reflective method call and an
// escaper call per view (issue 22). TestStaticTranslations checks that
// the pages come out byte for byte as from the templates as written.
func parsePages(b *i18n.Bundle) (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, lang := range portal.Languages {
		t := b.For(lang)
		pages, err := parsePagesWith(func(src string) string {
			return staticTr.ReplaceAllStringFunc(src, func(m string) string {
				text := t.Text(staticTr.FindStringSubmatch(m)[1])
				if strings.Contains(text, "{{") || strings.Contains(text, "}}") {
					return m
				}
				return escapedText(text)
			})
		})
		if err != nil {
			return nil, err
		}
		out[lang] = pages
	}
	return out, nil
}

// staticTr matches a translation without arguments in a portal template.
var staticTr = regexp.MustCompile(`\{\{(?:\$v|\$)?\.Tr "([a-z0-9_.]+)"\}\}`)

// escapeTemplate is what html/template writes for a string in an HTML
// text or quoted attribute context (both use its HTML escaper).
var escapeTemplate = template.Must(template.New("escape").Parse("{{.}}"))

func escapedText(s string) string {
	var b strings.Builder
	if err := escapeTemplate.Execute(&b, s); err != nil {
		panic("escape: " + err.Error())
	}
	return b.String()
}

// parsePagesWith parses every page with the layout, each source passed
// through edit first.
func parsePagesWith(edit func(string) string) (map[string]*template.Template, error) {
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
		t, err := template.New("layout").Funcs(templateFuncs).Parse(edit(string(layout)))
		if err == nil {
			_, err = t.New(name).Parse(edit(string(body)))
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

// HardshipKinds are the hardships a debtor may name, for the chat script
// to word a request for a new plan.
func (v *view) HardshipKinds() []string { return portal.HardshipKinds }

// Months is the twelve month names of the page's language, separated by
// "|", for the chat script to write dates as the pages do.
func (v *view) Months() string {
	names := make([]string, 12)
	for m := 1; m <= 12; m++ {
		// "5 mars 2000", "5. März 2000": the name is between the day and the year.
		d := v.t.Date(portal.Date{Year: 2000, Month: time.Month(m), Day: 5})
		if i := strings.Index(d, "\u00a0"); i >= 0 {
			d = d[i+len("\u00a0"):]
		}
		names[m-1] = strings.TrimSuffix(d, " 2000")
	}
	return strings.Join(names, "|")
}

// lineView is what the "invoice-lines" template shows: one invoice's
// principal, interest and indemnity, each charged, paid and due, in the
// page's language. The claim page and the computation page both use it,
// so that an invoice reads the same on both.
type lineView struct {
	V *view
	L rules.InvoiceLine
}

// Line prepares an invoice line for the "invoice-lines" template.
func (v *view) Line(l rules.InvoiceLine) lineView { return lineView{V: v, L: l} }

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
	t, ok := s.pages[v.t.Lang][page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	if v.Title == "" {
		v.Title = v.Tr("title." + page)
	}
	// Straight into the response's pooled body buffer: a page is 13 KiB,
	// which a fresh buffer would grow to on every view.
	resp := c.Response()
	resp.ResetBody()
	if err := t.ExecuteTemplate(resp.BodyWriter(), "layout", v); err != nil {
		resp.ResetBody()
		s.log.Error("render page", "page", page, "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("Internal error.")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Status(status)
	return nil
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
	errMove:            {"error.move.title", "error.move.text"},
	errPlan:            {"error.plan.title", "error.plan.text"},
}

// Codes of the portal's error pages that refine a domain code by the field
// of the error.
const (
	errCSRF            = "csrf"
	errCardUnavailable = "card_unavailable"
	errMove            = "move"
	errPlan            = "plan"
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
	case moveField:
		if code == portal.EINVALID || code == portal.ECONFLICT {
			code = errMove
		}
	case planField:
		if code == portal.EINVALID || code == portal.ECONFLICT {
			code = errPlan
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
	case errCardUnavailable, errMove, errPlan:
		page.Retry = "/p#pay"
	}
	v.Page = page
	return s.render(c, status, "error", v)
}

// backPath keeps the switcher's return path inside the portal.
func backPath(next string) string {
	if next == "/" { // the home page
		return next
	}
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
	if s.pages, err = parsePages(b); err != nil {
		return err
	}
	if s.deps.Rates == nil {
		if s.deps.Rates, err = rules.Default(); err != nil {
			return err
		}
	}
	s.loc = portal.Zone()
	return nil
}

// templateFuncs are the helpers the pages use besides the view's methods.
var templateFuncs = template.FuncMap{
	"dateOf": func(t time.Time) portal.Date { return portal.DateOf(t.In(portal.Zone())) },
	// basis names the article a computation line comes from.
	"basis": rules.Basis,
	// zoneName is the portal's time zone, in which the chat writes times.
	"zoneName": func() string { return portal.Zone().String() },
	// compact drops the spaces of a printed IBAN, as banking apps want it.
	"compact": func(s string) string { return strings.ReplaceAll(s, " ", "") },
	// add sums amounts in minor units; neg negates one.
	"add": func(vs ...int64) int64 {
		var sum int64
		for _, v := range vs {
			sum += v
		}
		return sum
	},
	"neg": func(v int64) int64 { return -v },
	// periodRules lists the rules of an invoice's interest periods, each
	// once, in the order they first apply: the page gives a rule's
	// sentence once per invoice, not under every period.
	"periodRules": func(ps []rules.PeriodLine) []string {
		var out []string
		seen := map[string]bool{}
		for _, p := range ps {
			if !seen[p.Rule] {
				seen[p.Rule] = true
				out = append(out, p.Rule)
			}
		}
		return out
	},
	"invoiceOf": func(c *portal.Claim, id string) *portal.Invoice {
		for _, inv := range c.Invoices {
			if inv.ID == id {
				return inv
			}
		}
		return nil
	},
}
