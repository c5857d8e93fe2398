package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// portalEnv is a server on a fresh database with two tenants; tenant A
// has a French business claim (debtor speaks French, postcode check) and a
// Belgian one (debtor speaks Dutch, customer number check).
type portalEnv struct {
	t          *testing.T
	db         *store.DB
	srv        *Server
	clock      *portal.FixedClock
	logs       *bytes.Buffer
	rates      *rules.Rates
	tenantA    string
	keyA, keyB string
	fr, be     *portal.Claim
	// addr is set when the app listens on a real port (see listen).
	addr string
}

func newPortalEnv(t *testing.T, dialect string, cfg Config) *portalEnv {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := &portalEnv{t: t, db: db, clock: clock, logs: logs, rates: rates}
	ctx := context.Background()
	for i, name := range []string{"Boulangerie Martin SAS", "Other Tenant"} {
		tn := &portal.Tenant{Name: name}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name, Country: "FR",
			Email: "compta@martin.example", Phone: "+33140000000", IBAN: "FR1420041010050500013M02606"}); err != nil {
			t.Fatal(err)
		}
		_, key, err := db.CreateAPIKey(ctx, tn.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.tenantA, e.keyA = tn.ID, key
		} else {
			e.keyB = key
		}
	}
	d := portal.MustDate
	e.fr = &portal.Claim{Reference: "FR-B2B-0001", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont Traiteur SARL", Language: "fr", Postcode: "69002", Country: "FR"},
		Invoices: []*portal.Invoice{
			{Number: "F-2025-0412", IssueDate: d("2025-09-01"), DueDate: d("2025-10-01"), Amount: 124_000},
			{Number: "F-2025-0468", IssueDate: d("2025-10-01"), DueDate: d("2025-10-31"), Amount: 86_050},
		}}
	e.be = &portal.Claim{Reference: "BE-B2B-0003", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, IdentityCheck: portal.CheckCustomerNumber,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Café De Hoek BV", Language: "nl", CustomerNumber: "K-20417", Country: "BE"},
		Invoices: []*portal.Invoice{{Number: "2026/0107", IssueDate: d("2026-01-15"), DueDate: d("2026-02-14"), Amount: 312_500}}}
	if err := db.ImportClaims(ctx, e.tenantA, []*portal.Claim{e.fr, e.be}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddPayment(ctx, e.tenantA, &portal.Payment{ClaimID: e.fr.ID, Amount: 40_000, ReceivedOn: d("2025-12-15"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://relais.test"
	}
	e.srv = New(cfg, Deps{Claims: db, Tenants: db, Events: db, DB: db, Clock: clock, Logger: log, Links: db, Disputes: db, Rates: rates})
	return e
}

// api calls the creditor API as tenant A (or with key) and decodes JSON.
func (e *portalEnv) api(method, path, key, body string) (int, map[string]any) {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// issue creates a link through the API and returns its token.
func (e *portalEnv) issue(claimID string) (linkID, token string) {
	e.t.Helper()
	status, body := e.api("POST", "/api/v1/claims/"+claimID+"/links", e.keyA, `{"channel":"letter"}`)
	if status != 201 {
		e.t.Fatalf("issue link: %d %v", status, body)
	}
	u := body["url"].(string)
	i := strings.Index(u, "/p/")
	token, ok := u[i+3:], i > 0 && strings.HasPrefix(u, e.srv.cfg.BaseURL+"/p/")
	if !ok {
		e.t.Fatalf("link url %q is not <base-url>/p/<token>", u)
	}
	return body["id"].(string), token
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// listen serves the app on a random loopback port, as behind a proxy.
func (e *portalEnv) listen() {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go e.srv.App().Listener(ln)
	e.t.Cleanup(func() { e.srv.Shutdown(time.Second) })
	e.addr = ln.Addr().String()
}

// browser is a debtor's browser: it keeps cookies and an Accept-Language.
type browser struct {
	e       *portalEnv
	cookies map[string]string
	lang    string
	ip      string
}

func (e *portalEnv) browser(lang string) *browser {
	return &browser{e: e, cookies: map[string]string{}, lang: lang, ip: "203.0.113.7"}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) send(req *http.Request) page {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	req.Header.Set("X-Forwarded-For", b.ip)
	req.RemoteAddr = "127.0.0.1:1234"
	var resp *http.Response
	var err error
	if b.e.addr != "" {
		// Through a real listener: the peer is the loopback, the proxy
		// the env trusts, so X-Forwarded-For names the client.
		req.URL.Scheme, req.URL.Host, req.RequestURI = "http", b.e.addr, ""
		resp, err = noRedirect.Do(req)
	} else {
		resp, err = b.e.srv.App().Test(req, -1)
	}
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return page{resp.StatusCode, resp.Header, string(raw)}
}

func (b *browser) get(path string) page {
	return b.send(httptest.NewRequest("GET", path, nil))
}

func (b *browser) post(path string, form url.Values) page {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

// csrf reads the hidden csrf field of a page.
func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field in page %d: %s", p.status, p.body)
	}
	return m[1]
}

// verified opens a link and passes the identity check.
func (e *portalEnv) verified(claim *portal.Claim, answer string) *browser {
	e.t.Helper()
	_, token := e.issue(claim.ID)
	b := e.browser("")
	if p := b.get("/p/" + token); p.status != 303 {
		e.t.Fatalf("open: %d", p.status)
	}
	form := b.get("/p")
	if p := b.post("/p/identity", url.Values{"csrf": {csrfOf(e.t, form)}, "answer": {answer}}); p.status != 303 {
		e.t.Fatalf("identity: %d %s", p.status, p.body)
	}
	return b
}

func (e *portalEnv) events(claimID string) []*portal.Event {
	e.t.Helper()
	evs, err := e.db.ListEvents(context.Background(), e.tenantA, claimID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func kinds(evs []*portal.Event) map[portal.EventKind]int {
	out := map[portal.EventKind]int{}
	for _, ev := range evs {
		out[ev.Kind]++
	}
	return out
}

func mustContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s does not contain %q", what, s)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s contains %q", what, s)
		}
	}
}

func TestPortalLinks(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			// The test browser is behind a proxy on the loopback, trusted as
			// an operator would (--trusted-proxies): events record the client.
			e := newPortalEnv(t, dialect, Config{TrustedProxies: []string{"127.0.0.1"}})
			e.listen()
			linkID, token := e.issue(e.fr.ID)
			if !portal.ValidSecret(token) {
				t.Fatalf("token %q is not 26 lower-case base32 characters", token)
			}
			if status, body := e.api("POST", "/api/v1/claims/"+e.fr.ID+"/links", e.keyA, `{"channel":"pigeon"}`); status != 400 {
				t.Errorf("bad channel: %d %v", status, body)
			}
			status, body := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/links", e.keyA, "")
			raw, _ := json.Marshal(body)
			links, _ := body["links"].([]any)
			if status != 200 || len(links) != 1 {
				t.Fatalf("list links: %d %s", status, raw)
			}
			mustNotContain(t, "link listing", string(raw), token, portal.HashSecret(token))
			l := links[0].(map[string]any)
			if exp, _ := time.Parse(time.RFC3339, l["expires_at"].(string)); !exp.Equal(e.clock.T.Add(90 * 24 * time.Hour)) {
				t.Errorf("expires_at %v, want now + 90 days", l["expires_at"])
			}

			t.Run("Open", func(t *testing.T) {
				b := e.browser("de")
				p := b.get("/p/" + token)
				if p.status != 303 || p.header.Get("Location") != "/p" {
					t.Fatalf("open: %d %q", p.status, p.header.Get("Location"))
				}
				sc := strings.ToLower(p.header.Get("Set-Cookie"))
				mustContain(t, "session cookie", sc, "relais_portal=", "httponly", "samesite=lax", "max-age=28800")
				mustNotContain(t, "session cookie on http", sc, "secure", token)
				if p.header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(p.header.Get("X-Robots-Tag"), "noindex") {
					t.Errorf("headers: %v", p.header)
				}
				// Typed from paper: case and dashes between groups do not matter.
				typed := ""
				for i := 0; i < len(token); i += 4 {
					typed += strings.ToUpper(token[i:min(i+4, len(token))]) + "-"
				}
				if p := e.browser("").get("/p/" + strings.TrimSuffix(typed, "-")); p.status != 303 {
					t.Errorf("typed token %s: %d", typed, p.status)
				}
				home := b.get("/p")
				if home.status != 200 {
					t.Fatalf("/p: %d", home.status)
				}
				// The debtor's language (French) wins over the browser's.
				mustContain(t, "identity page", home.body, "Boulangerie Martin SAS", "Votre code postal", `<meta name="robots" content="noindex`, `lang="fr"`)
				mustNotContain(t, "identity page", home.body, "FR-B2B-0001", "F-2025-0412", "1\u00a0240", "Dupont", "http://", "https://")
				if !strings.Contains(home.header.Get("X-Robots-Tag"), "noindex") {
					t.Error("identity page without X-Robots-Tag")
				}
			})

			t.Run("Secure", func(t *testing.T) {
				e2 := newPortalEnv(t, store.SQLite, Config{BaseURL: "https://pay.example"})
				_, tok := e2.issue(e2.fr.ID)
				p := e2.browser("").get("/p/" + tok)
				mustContain(t, "https session cookie", strings.ToLower(p.header.Get("Set-Cookie")), "; secure", "httponly")
			})

			t.Run("Unknown", func(t *testing.T) {
				for lang, want := range map[string]string{"fr-BE,fr;q=0.9": "Ce lien n&#39;est pas valide", "de-DE": "Dieser Link ist ungültig", "nl": "Deze link is niet geldig", "en-GB": "This link is not valid", "": "Ce lien n&#39;est pas valide"} {
					p := e.browser(lang).get("/p/" + portal.NewSecret())
					if p.status != 404 {
						t.Errorf("%s: unknown token %d", lang, p.status)
					}
					mustContain(t, "404 page "+lang, p.body, want)
				}
				if p := e.browser("en").get("/p/not-a-token"); p.status != 404 {
					t.Errorf("garbage token: %d", p.status)
				}
			})

			t.Run("RevokeAndGone", func(t *testing.T) {
				_, tok := e.issue(e.be.ID)
				b := e.browser("en")
				if p := b.get("/p/" + tok); p.status != 303 {
					t.Fatal(p.status)
				}
				var beLink string
				_, body := e.api("GET", "/api/v1/claims/"+e.be.ID+"/links", e.keyA, "")
				beLink = body["links"].([]any)[0].(map[string]any)["id"].(string)
				if status, _ := e.api("DELETE", "/api/v1/claims/"+e.fr.ID+"/links/"+beLink, e.keyA, ""); status != 404 {
					t.Errorf("revoke a link through another claim: %d", status)
				}
				if status, _ := e.api("DELETE", "/api/v1/claims/"+e.be.ID+"/links/"+beLink, e.keyA, ""); status != 204 {
					t.Fatalf("revoke: %d", status)
				}
				if status, _ := e.api("DELETE", "/api/v1/claims/"+e.be.ID+"/links/"+beLink, e.keyA, ""); status != 409 {
					t.Errorf("revoke twice: %d", status)
				}
				// The session opened with the link ends with it.
				if p := b.get("/p"); p.status != 401 {
					t.Errorf("session of a revoked link: %d", p.status)
				}
				// Gone, in the debtor's language (Dutch), with the creditor's contact.
				p := e.browser("en").get("/p/" + tok)
				if p.status != 410 {
					t.Fatalf("revoked: %d", p.status)
				}
				mustContain(t, "410 page", p.body, "Deze link is niet meer geldig", "compta@martin.example", "tel:&#43;33140000000", `lang="nl"`)
				mustNotContain(t, "410 page", p.body, "BE-B2B-0003", "312")
				// The switcher's choice wins over the debtor's language.
				b2 := e.browser("nl")
				b2.cookies["relais_lang"] = "en"
				mustContain(t, "410 page with switcher", b2.get("/p/"+tok).body, "This link is no longer valid")
			})

			t.Run("Expired", func(t *testing.T) {
				e.clock.Advance(90*24*time.Hour + time.Second)
				defer func() { e.clock.T = time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC) }()
				p := e.browser("de").get("/p/" + token)
				if p.status != 410 {
					t.Fatalf("expired: %d", p.status)
				}
				mustContain(t, "expired page", p.body, "Ce lien n&#39;est plus valable", "Comment joindre Boulangerie Martin SAS")
			})

			t.Run("Events", func(t *testing.T) {
				evs := e.events(e.fr.ID)
				k := kinds(evs)
				if k[portal.EventLinkIssued] != 1 || k[portal.EventLinkOpened] != 2 {
					t.Errorf("events %v", k)
				}
				if k := kinds(e.events(e.be.ID)); k[portal.EventLinkRevoked] != 1 || k[portal.EventLinkOpened] != 1 {
					t.Errorf("BE events %v", k)
				}
				for _, ev := range evs {
					mustNotContain(t, string(ev.Kind)+" payload", ev.Payload, token, portal.HashSecret(token))
					if ev.Kind == portal.EventLinkOpened {
						mustContain(t, "link.opened payload", ev.Payload, portal.ShortHash(token), linkID)
						if ev.Actor.Kind != portal.ActorDebtor || ev.Actor.IP != "203.0.113.7" {
							t.Errorf("link.opened actor %+v", ev.Actor)
						}
					}
				}
			})

			t.Run("TokenNeverLogged", func(t *testing.T) {
				logs := e.logs.String()
				if !strings.Contains(logs, "/p/:token") {
					t.Fatalf("the request log does not name the route; logs:\n%s", logs)
				}
				mustNotContain(t, "logs", logs, token, portal.HashSecret(token))
			})
		})
	}
}

func TestPortalRateLimit(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{TokenBurst: 3, TokenEvery: time.Minute, TrustedProxies: []string{"127.0.0.1"}})
	e.listen()
	b := e.browser("fr")
	for i := 0; i < 3; i++ {
		if p := b.get("/p/" + portal.NewSecret()); p.status != 404 {
			t.Fatalf("guess %d: %d", i+1, p.status)
		}
	}
	p := b.get("/p/" + portal.NewSecret())
	if p.status != 429 || p.header.Get("Retry-After") != "60" {
		t.Fatalf("4th guess: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
	}
	mustContain(t, "429 page", p.body, "Trop de tentatives")
	// Even a valid token waits: the limiter does not tell good from bad.
	_, token := e.issue(e.fr.ID)
	if p := b.get("/p/" + token); p.status != 429 {
		t.Errorf("valid token while limited: %d", p.status)
	}
	other := e.browser("fr")
	other.ip = "198.51.100.9"
	if p := other.get("/p/" + token); p.status != 303 {
		t.Errorf("another IP is limited too: %d", p.status)
	}
	e.clock.Advance(time.Minute)
	if p := b.get("/p/" + token); p.status != 303 {
		t.Errorf("after a minute: %d", p.status)
	}
}

func TestPortalIdentity(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			_, token := e.issue(e.fr.ID)
			b := e.browser("")
			b.get("/p/" + token)
			form := b.get("/p")
			csrf := csrfOf(t, form)

			t.Run("NothingBeforeCheck", func(t *testing.T) {
				for _, path := range []string{"/p/computation", "/p/contest"} {
					p := b.get(path)
					if p.status != 403 {
						t.Errorf("%s before the check: %d", path, p.status)
					}
					mustNotContain(t, path, p.body, "FR-B2B-0001", "F-2025-0412")
				}
				if p := e.browser("").get("/p"); p.status != 401 {
					t.Errorf("/p without a session: %d", p.status)
				}
			})
			t.Run("CSRF", func(t *testing.T) {
				if p := b.post("/p/identity", url.Values{"answer": {"69002"}}); p.status != 403 {
					t.Errorf("no csrf: %d", p.status)
				}
				p := b.post("/p/identity", url.Values{"answer": {"69002"}, "csrf": {strings.Repeat("0", 32)}})
				if p.status != 403 {
					t.Errorf("wrong csrf: %d", p.status)
				}
				mustContain(t, "csrf page", p.body, "Le formulaire a expiré")
			})
			t.Run("WrongThenLocked", func(t *testing.T) {
				for i := 1; i <= 4; i++ {
					p := b.post("/p/identity", url.Values{"answer": {"75011"}, "csrf": {csrf}})
					if p.status != 403 {
						t.Fatalf("wrong answer %d: %d", i, p.status)
					}
					mustContain(t, "wrong answer page", p.body, "ne correspond pas", `value="75011"`)
				}
				p := b.post("/p/identity", url.Values{"answer": {"75011"}, "csrf": {csrf}})
				if p.status != 429 || p.header.Get("Retry-After") != "900" {
					t.Fatalf("5th wrong answer: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
				}
				mustContain(t, "locked page", p.body, "trop de réponses erronées", "compta@martin.example")
				// Locked: even the right answer is refused for 15 minutes.
				e.clock.Advance(14 * time.Minute)
				if p := b.post("/p/identity", url.Values{"answer": {"69002"}, "csrf": {csrf}}); p.status != 429 {
					t.Fatalf("right answer while locked: %d", p.status)
				}
				k := kinds(e.events(e.fr.ID))
				if k[portal.EventIdentityFailed] != 5 || k[portal.EventIdentityLocked] != 1 || k[portal.EventIdentityPassed] != 0 {
					t.Errorf("events %v", k)
				}
			})
			t.Run("Pass", func(t *testing.T) {
				e.clock.Advance(2 * time.Minute)
				p := b.post("/p/identity", url.Values{"answer": {" 69 002 "}, "csrf": {csrf}})
				if p.status != 303 || p.header.Get("Location") != "/p" {
					t.Fatalf("right answer: %d %s", p.status, p.body)
				}
				if k := kinds(e.events(e.fr.ID)); k[portal.EventIdentityPassed] != 1 {
					t.Errorf("events %v", k)
				}
				mustContain(t, "claim page", b.get("/p").body, "FR-B2B-0001")
			})
			t.Run("SessionRotatedAndSignOut", func(t *testing.T) {
				// A session cookie fixed or seen before the check opens nothing
				// after it: the check issued a new secret.
				_, tok := e.issue(e.fr.ID)
				d := e.browser("")
				d.get("/p/" + tok)
				before := d.cookies["relais_portal"]
				form := d.get("/p")
				if p := d.post("/p/identity", url.Values{"answer": {"69002"}, "csrf": {csrfOf(t, form)}}); p.status != 303 {
					t.Fatalf("identity: %d", p.status)
				}
				after := d.cookies["relais_portal"]
				if after == "" || after == before {
					t.Fatalf("the session secret was not rotated: %q → %q", before, after)
				}
				fixed := e.browser("")
				fixed.cookies["relais_portal"] = before
				if p := fixed.get("/p"); p.status != 401 {
					t.Errorf("the pre-check secret still opens the session: %d", p.status)
				}
				page := d.get("/p")
				mustContain(t, "claim page", page.body, `action="/p/signout"`, "Se déconnecter")
				if p := d.post("/p/signout", url.Values{"csrf": {"forged"}}); p.status != 403 {
					t.Errorf("sign-out without its token: %d", p.status)
				}
				p := d.post("/p/signout", url.Values{"csrf": {csrfOf(t, page)}})
				if p.status != 200 {
					t.Fatalf("sign-out: %d", p.status)
				}
				mustContain(t, "signed-out page", p.body, "Vous êtes déconnecté")
				mustNotContain(t, "signed-out page", p.body, "FR-B2B-0001", `action="/p/signout"`)
				again := e.browser("")
				again.cookies["relais_portal"] = after
				if p := again.get("/p"); p.status != 401 {
					t.Errorf("the secret still works after sign-out: %d", p.status)
				}
				if k := kinds(e.events(e.fr.ID)); k[portal.EventPortalSignedOut] != 1 {
					t.Errorf("events %v", k)
				}
			})
			t.Run("CustomerNumber", func(t *testing.T) {
				_, tok := e.issue(e.be.ID)
				b := e.browser("")
				b.get("/p/" + tok)
				form := b.get("/p")
				mustContain(t, "Dutch identity page", form.body, "Uw klantnummer")
				if p := b.post("/p/identity", url.Values{"answer": {"k 20417"}, "csrf": {csrfOf(t, form)}}); p.status != 303 {
					t.Fatalf("customer number: %d", p.status)
				}
			})
		})
	}
}

func TestIdentityNormalisation(t *testing.T) {
	c := &portal.Claim{IdentityCheck: portal.CheckBirthDate, Debtor: &portal.Debtor{BirthDate: portal.MustDate("1980-05-17")}}
	for _, in := range []string{"17/05/1980", "17.05.1980", "17-05-1980", "1980-05-17", "17051980", " 17 / 05 / 1980 ", "17/5/1980"} {
		if !portal.IdentityMatches(c, in) {
			t.Errorf("%q does not match 1980-05-17", in)
		}
	}
	for _, in := range []string{"", "18/05/1980", "05/17/1980", "1980", "x"} {
		if portal.IdentityMatches(c, in) {
			t.Errorf("%q matches 1980-05-17", in)
		}
	}
	inv := &portal.Claim{IdentityCheck: portal.CheckInvoiceNumber, Debtor: &portal.Debtor{},
		Invoices: []*portal.Invoice{{Number: "F-2025-0412"}, {Number: "F-2025-0468"}}}
	for in, want := range map[string]bool{"f 2025 0468": true, "F20250412": true, "F-2025-0413": false, "": false} {
		if got := portal.IdentityMatches(inv, in); got != want {
			t.Errorf("invoice %q: %v, want %v", in, got, want)
		}
	}
}

func TestPortalClaimPage(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			b := e.verified(e.fr, "69002")
			claim, err := e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
			if err != nil {
				t.Fatal(err)
			}
			today := portal.MustDate("2026-05-15")
			bal, err := e.rates.Compute(claim, today)
			if err != nil {
				t.Fatal(err)
			}
			if bal.Total <= bal.Principal-bal.Paid || bal.Interest == 0 {
				t.Fatalf("fixture: expected interest and indemnities, got %+v", bal)
			}
			p := b.get("/p")
			if p.status != 200 {
				t.Fatalf("/p: %d", p.status)
			}
			mustContain(t, "claim page", p.body, "FR-B2B-0001", "F-2025-0412", "F-2025-0468",
				i18n.Money("fr", bal.Total, "EUR"), i18n.Money("fr", bal.Interest, "EUR"), i18n.Money("fr", bal.Indemnities, "EUR"),
				i18n.Money("fr", 40_000, "EUR"), "1\u00a0240,00\u00a0€", "15\u00a0décembre 2025",
				"Aucune démarche officielle", "mise en demeure", "compta@martin.example", `href="/p/computation"`, `href="/p/contest"`,
				`id="pay"`, `id="plan"`, `id="contest"`, "Total dû")
			mustContain(t, "claim page", p.body, chatScriptTag, `data-ws="/p/chat"`)
			mustNotContain(t, "claim page", strings.ReplaceAll(p.body, chatScriptTag, ""), "<script", "style=", "http://", "https://")

			c := b.get("/p/computation")
			if c.status != 200 {
				t.Fatalf("/p/computation: %d", c.status)
			}
			for _, inv := range bal.Invoices {
				for _, per := range inv.Periods {
					mustContain(t, "computation page", c.body, i18n.Money("fr", per.Amount, "EUR"), i18n.Rate("fr", per.RateBP), i18n.Date("fr", per.From))
				}
			}
			// Each line names the article it comes from.
			mustContain(t, "computation lines", c.body, "(Code de commerce L441-10)</small>", "(Code de commerce L441-10, D441-5)</li>")
			mustContain(t, "computation page", c.body, "Code de commerce L441-10", "Banque centrale européenne", "indemnité forfaitaire de 40 euros",
				"Les paiements sont imputés", i18n.Money("fr", bal.Total, "EUR"))
			k := kinds(e.events(e.fr.ID))
			if k[portal.EventClaimViewed] != 1 || k[portal.EventComputationViewed] != 1 {
				t.Errorf("events %v", k)
			}

			t.Run("LanguageSwitch", func(t *testing.T) {
				p := b.get("/p/lang/de?next=" + url.QueryEscape("/p/computation"))
				if p.status != 303 || p.header.Get("Location") != "/p/computation" {
					t.Fatalf("switch: %d %q", p.status, p.header.Get("Location"))
				}
				if b.cookies["relais_lang"] != "de" {
					t.Fatalf("cookies %v", b.cookies)
				}
				if ps, err := e.db.FindSession(context.Background(), b.cookies["relais_portal"]); err != nil || ps.Language != "de" {
					t.Errorf("the session's language did not follow the switch: %v %v", ps, err)
				}
				de := b.get("/p")
				mustContain(t, "German page", de.body, `lang="de"`, "Gesamtbetrag", i18n.Money("de", bal.Total, "EUR"), "15.\u00a0Dezember 2025")
				b.get("/p/lang/en?next=https://evil.example/")
				en := b.get("/p")
				mustContain(t, "English page", en.body, `lang="en"`, "Total due", i18n.Money("en", bal.Total, "EUR"))
				if p := b.get("/p/lang/en?next=//evil.example"); p.header.Get("Location") != "/p" {
					t.Errorf("open redirect: %q", p.header.Get("Location"))
				}
				if p := b.get("/p/lang/xx"); p.status != 404 {
					t.Errorf("unknown language: %d", p.status)
				}
				b.get("/p/lang/fr")
			})

			t.Run("RatePending", func(t *testing.T) {
				// Rates known only to 31 December 2025: the page shows the
				// total counted to that day and says so; the computation page
				// lists the days not counted yet.
				partial, err := rules.LoadRates(strings.NewReader(`{"format":"relais-rates/1","series":[
					{"name":"fr_b2b","periods":[{"from":"2025-07-01","to":"2026-01-01","rate_bp":1215,"status":"confirmed","source":"test"}]}]}`))
				if err != nil {
					t.Fatal(err)
				}
				stored, err := e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
				if err != nil {
					t.Fatal(err)
				}
				want, err := partial.Compute(stored, portal.DateOf(e.clock.T))
				if err != nil || want.Complete || want.ComputedTo != portal.MustDate("2025-12-31") {
					t.Fatalf("partial balance: %v %+v", err, want)
				}
				srv := New(Config{BaseURL: "http://relais.test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock,
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Links: e.db, Disputes: e.db, Rates: partial})
				saved := e.srv
				e.srv = srv
				defer func() { e.srv = saved }()
				p := b.get("/p")
				if p.status != 200 {
					t.Fatalf("%d", p.status)
				}
				mustContain(t, "page with a rate missing", p.body, `id="total-due"`, i18n.Money("fr", want.Total, "EUR"),
					"Intérêts comptés jusqu&#39;au 31\u00a0décembre 2025", "premier semestre 2026", "F-2025-0412")
				if want.Total == bal.Total {
					t.Fatalf("the partial total %d equals the full one", want.Total)
				}
				comp := b.get("/p/computation")
				mustContain(t, "computation with a rate missing", comp.body, `class="pending"`, "intérêts pas encore comptés")
			})

			t.Run("BalanceAPI", func(t *testing.T) {
				status, body := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/balance?at=2026-05-15", e.keyA, "")
				if status != 200 || int64(body["total"].(float64)) != bal.Total || int64(body["interest"].(float64)) != bal.Interest {
					t.Fatalf("balance: %d %v", status, body)
				}
				if invs := body["invoices"].([]any); len(invs) != 2 || len(invs[0].(map[string]any)["periods"].([]any)) == 0 {
					t.Errorf("invoice lines %v", invs)
				}
				if status, _ := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/balance?at=15/05/2026", e.keyA, ""); status != 400 {
					t.Errorf("bad date: %d", status)
				}
				// Beyond the last published rate: the amounts counted to that
				// day, marked incomplete, with the missing series.
				status, body = e.api("GET", "/api/v1/claims/"+e.fr.ID+"/balance?at=2030-01-01", e.keyA, "")
				missing, _ := body["missing_rates"].([]any)
				if status != 200 || body["complete"] != false || body["computed_to"] == "2030-01-01" || len(missing) == 0 ||
					missing[0].(map[string]any)["series"] != "fr_b2b" || body["total"].(float64) <= float64(bal.Total) {
					t.Errorf("rate missing: %d %v", status, body)
				}
				if status, _ := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/balance", e.keyB, ""); status != 404 {
					t.Errorf("other tenant: %d", status)
				}
			})
		})
	}
}

// multipartForm builds a contest form.
func multipartForm(t *testing.T, fields map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := w.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func (b *browser) postMultipart(path string, fields map[string]string, files map[string][]byte) page {
	ct, body := multipartForm(b.e.t, fields, files)
	req := httptest.NewRequest("POST", path, body)
	req.Header.Set("Content-Type", ct)
	return b.send(req)
}

var (
	pdfFile = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	pngFile = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	exeFile = append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 64)...)
)

func TestPortalDispute(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			b := e.verified(e.fr, "69002")
			form := b.get("/p/contest")
			if form.status != 200 {
				t.Fatalf("form: %d", form.status)
			}
			csrf := csrfOf(t, form)
			mustContain(t, "contest form", form.body, "J&#39;ai déjà payé", "F-2025-0412", `enctype="multipart/form-data"`)
			ok := map[string]string{"csrf": csrf, "reason": "already_paid", "text": "Payé par virement le 3 mars <b>merci</b>"}
			with := func(k, v string) map[string]string {
				m := map[string]string{}
				for a, b := range ok {
					m[a] = b
				}
				m[k] = v
				return m
			}
			files := func(n int) map[string][]byte {
				m := map[string][]byte{}
				for i := 0; i < n; i++ {
					m[fmt.Sprintf("scan%d.pdf", i)] = pdfFile
				}
				return m
			}
			for _, tc := range []struct {
				name   string
				fields map[string]string
				files  map[string][]byte
				status int
				says   string
			}{
				{"NoCSRF", with("csrf", ""), nil, 403, "Le formulaire a expiré"},
				{"WrongCSRF", with("csrf", strings.Repeat("a", 32)), nil, 403, "Le formulaire a expiré"},
				{"NoReason", with("reason", ""), nil, 400, "Choisissez une raison"},
				{"BadReason", with("reason", "bored"), nil, 400, "Choisissez une raison"},
				{"TextTooLong", with("text", strings.Repeat("é", portal.MaxDisputeText+1)), nil, 400, "dépasse 2000 caractères"},
				{"SixFiles", ok, files(6), 400, "au plus 5 fichiers"},
				{"Oversize", ok, map[string][]byte{"big.pdf": append(append([]byte{}, pdfFile...), make([]byte, portal.MaxFileSize)...)}, 413, "dépasse 10 MB"},
				{"DisguisedExe", ok, map[string][]byte{"facture.pdf": exeFile}, 400, "pas un document PDF, JPEG ou PNG"},
				{"DisguisedPNG", ok, map[string][]byte{"facture.pdf": pngFile}, 400, "pas un document PDF, JPEG ou PNG"},
				{"Empty", ok, map[string][]byte{"vide.pdf": {}}, 400, "Un fichier est vide"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := b.postMultipart("/p/contest", tc.fields, tc.files)
					if p.status != tc.status {
						t.Fatalf("%d, want %d: %s", p.status, tc.status, p.body)
					}
					mustContain(t, "answer", p.body, tc.says)
					if tc.status != 403 && tc.fields["text"] == ok["text"] {
						// What was typed is kept (escaped).
						mustContain(t, "form kept", p.body, "Payé par virement le 3 mars &lt;b&gt;merci&lt;/b&gt;")
					}
				})
			}
			// Nothing half-saved.
			if _, body := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/disputes", e.keyA, ""); len(body["disputes"].([]any)) != 0 {
				t.Fatalf("a refused form left a dispute: %v", body)
			}
			if k := kinds(e.events(e.fr.ID)); k[portal.EventDisputeFiled] != 0 || k[portal.EventFileUploaded] != 0 {
				t.Fatalf("a refused form left events: %v", k)
			}

			p := b.postMultipart("/p/contest", with("invoice_id", e.fr.Invoices[1].ID), map[string][]byte{"releve.pdf": pdfFile, "photo.png": pngFile})
			if p.status != 303 || p.header.Get("Location") != "/p#dispute" {
				t.Fatalf("file dispute: %d %s", p.status, p.body)
			}
			claim, _ := e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
			if claim.Status != portal.StatusDisputed {
				t.Errorf("status %s, want disputed", claim.Status)
			}
			status, body := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/disputes", e.keyA, "")
			ds := body["disputes"].([]any)
			if status != 200 || len(ds) != 1 {
				t.Fatalf("disputes: %d %v", status, body)
			}
			d := ds[0].(map[string]any)
			if d["reason"] != "already_paid" || d["status"] != "open" || d["invoice_id"] != e.fr.Invoices[1].ID || !strings.Contains(d["text"].(string), "<b>merci</b>") {
				t.Errorf("dispute %v", d)
			}
			want := map[string]string{portal.SHA256Hex(pdfFile): "application/pdf", portal.SHA256Hex(pngFile): "image/png"}
			for _, f := range d["files"].([]any) {
				fm := f.(map[string]any)
				if want[fm["sha256"].(string)] != fm["content_type"] {
					t.Errorf("file %v", fm)
				}
				for key, wantStatus := range map[string]int{e.keyA: 200, e.keyB: 404} {
					req := httptest.NewRequest("GET", "/api/v1/claims/"+e.fr.ID+"/disputes/"+d["id"].(string)+"/files/"+fm["id"].(string), nil)
					req.Header.Set("Authorization", "Bearer "+key)
					resp, err := e.srv.App().Test(req, -1)
					if err != nil {
						t.Fatal(err)
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != wantStatus {
						t.Errorf("download file: %d, want %d", resp.StatusCode, wantStatus)
					} else if wantStatus == 200 && (portal.SHA256Hex(raw) != fm["sha256"] || resp.Header.Get("Content-Type") != fm["content_type"] ||
						!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment")) {
						t.Errorf("downloaded file differs: %v", resp.Header)
					}
				}
				delete(want, fm["sha256"].(string))
			}
			if len(want) != 0 {
				t.Errorf("files missing: %v", want)
			}
			k := kinds(e.events(e.fr.ID))
			if k[portal.EventDisputeFiled] != 1 || k[portal.EventFileUploaded] != 2 || k[portal.EventStatusChanged] != 1 {
				t.Errorf("events %v", k)
			}
			for _, ev := range e.events(e.fr.ID) {
				if ev.Kind == portal.EventFileUploaded && !strings.Contains(ev.Payload, portal.SHA256Hex(pdfFile)) && !strings.Contains(ev.Payload, portal.SHA256Hex(pngFile)) {
					t.Errorf("file.uploaded without sha256: %s", ev.Payload)
				}
			}
			home := b.get("/p")
			mustContain(t, "claim page while disputed", home.body, "Vous avez contesté cette créance le 15\u00a0mai 2026", "en cours d&#39;examen")
			mustNotContain(t, "claim page while disputed", home.body, `href="/p/contest"`)
			if p := b.postMultipart("/p/contest", ok, nil); p.status != 409 {
				t.Errorf("second dispute: %d", p.status)
			}

			disputeID := d["id"].(string)
			resolve := func(id, body string) (int, map[string]any) {
				return e.api("POST", "/api/v1/claims/"+e.fr.ID+"/disputes/"+id+"/resolve", e.keyA, body)
			}
			if status, _ := resolve(disputeID, `{"outcome":"partly_accepted","reason":"part paid"}`); status != 400 {
				t.Errorf("partly accepted without amount: %d", status)
			}
			if status, _ := resolve(disputeID, `{"outcome":"partly_accepted","reason":"too much","adjusted_amount":86051}`); status != 400 {
				t.Errorf("credit above the invoice: %d", status)
			}
			if status, _ := resolve(disputeID, `{"outcome":"maybe","reason":"x"}`); status != 400 {
				t.Errorf("bad outcome: %d", status)
			}
			status, body = resolve(disputeID, `{"outcome":"partly_accepted","reason":"Delivery fee waived","adjusted_amount":10000}`)
			if status != 200 || body["status"] != "partly_accepted" || body["credit_note_id"] == "" {
				t.Fatalf("resolve: %d %v", status, body)
			}
			if status, _ := resolve(disputeID, `{"outcome":"upheld","reason":"again"}`); status != 409 {
				t.Errorf("resolve twice: %d", status)
			}
			claim, _ = e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
			if claim.Status != portal.StatusOpen || len(claim.CreditNotes) != 1 || claim.CreditNotes[0].Amount != 10000 || claim.CreditNotes[0].InvoiceID != e.fr.Invoices[1].ID {
				t.Fatalf("after partly accepted: status %s credit notes %+v", claim.Status, claim.CreditNotes)
			}
			mustContain(t, "page after resolution", b.get("/p").body, "acceptée en partie", "Delivery fee waived", `href="/p/contest"`)

			// Upheld: the claim resumes; accepted: it is closed.
			for _, outcome := range []struct {
				name string
				want portal.Status
			}{{"upheld", portal.StatusOpen}, {"accepted", portal.StatusClosed}} {
				if p := b.postMultipart("/p/contest", ok, nil); p.status != 303 {
					t.Fatalf("dispute again: %d %s", p.status, p.body)
				}
				_, body := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/disputes", e.keyA, "")
				id := body["disputes"].([]any)[0].(map[string]any)["id"].(string)
				if status, body := resolve(id, `{"outcome":"`+outcome.name+`","reason":"checked"}`); status != 200 {
					t.Fatalf("%s: %d %v", outcome.name, status, body)
				}
				claim, _ = e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
				if claim.Status != outcome.want {
					t.Errorf("%s: status %s, want %s", outcome.name, claim.Status, outcome.want)
				}
			}
			// A closed claim cannot be contested any more, and its page asks
			// nothing.
			if p := b.postMultipart("/p/contest", ok, nil); p.status != 409 {
				t.Errorf("contest a closed claim: %d", p.status)
			}
			closed := b.get("/p")
			mustContain(t, "closed claim page", closed.body, "Ce dossier est clos", "compta@martin.example")
			mustNotContain(t, "closed claim page", closed.body, `href="/p/contest"`, `id="pay"`, "Et ensuite")
		})
	}
}

// TestPortalIdentityConcurrent sends many wrong answers at once: the link
// locks after exactly MaxIdentityFailures recorded failures, whatever the
// interleaving.
func TestPortalIdentityConcurrent(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			_, token := e.issue(e.fr.ID)
			b := e.browser("")
			b.get("/p/" + token)
			csrf := csrfOf(t, b.get("/p"))
			const n = 12
			statuses := make(chan int, n)
			for i := 0; i < n; i++ {
				go func() {
					req := httptest.NewRequest("POST", "/p/identity", strings.NewReader(url.Values{"answer": {"00000"}, "csrf": {csrf}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.AddCookie(&http.Cookie{Name: "relais_portal", Value: b.cookies["relais_portal"]})
					resp, err := e.srv.App().Test(req, -1)
					if err != nil {
						statuses <- 0
						return
					}
					resp.Body.Close()
					statuses <- resp.StatusCode
				}()
			}
			count := map[int]int{}
			for i := 0; i < n; i++ {
				count[<-statuses]++
			}
			if count[403] != portal.MaxIdentityFailures-1 || count[429] != n-portal.MaxIdentityFailures+1 {
				t.Errorf("statuses %v: want %d wrong answers then locked", count, portal.MaxIdentityFailures)
			}
			k := kinds(e.events(e.fr.ID))
			if k[portal.EventIdentityFailed] != portal.MaxIdentityFailures || k[portal.EventIdentityLocked] != 1 {
				t.Errorf("events %v", k)
			}
		})
	}
}

// TestPortalDeadlines shows the debtor "by when": the formal notice's
// period for a French consumer, the free period for a Belgian one.
func TestPortalDeadlines(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	d := portal.MustDate
	fr := &portal.Claim{Reference: "FR-CONS-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR, FormalNoticeOn: d("2026-05-12"),
		Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Claire Moreau", Language: "fr", Postcode: "13001"},
		Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: d("2026-01-05"), DueDate: d("2026-02-04"), Amount: 48_990}}}
	be := &portal.Claim{Reference: "BE-CONS-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, FirstReminderOn: d("2026-05-11"),
		Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Lukas Peeters", Language: "de", Postcode: "4700"},
		Invoices: []*portal.Invoice{{Number: "B-1", IssueDate: d("2026-02-10"), DueDate: d("2026-03-12"), Amount: 61_275}}}
	if err := e.db.ImportClaims(context.Background(), e.tenantA, []*portal.Claim{fr, be}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		claim  *portal.Claim
		answer string
		says   string
		kind   escalation.DeadlineKind
	}{
		{fr, "13001", "La mise en demeure vous laisse jusqu&#39;au ", escalation.KindNoticePeriod},
		{be, "4700", "Vor dem ", escalation.KindBEConsumerPeriod},
	} {
		var due portal.Date
		for _, dl := range escalation.Deadlines(escalation.Facts{Jurisdiction: tc.claim.Jurisdiction, DebtorKind: portal.DebtorConsumer,
			FormalNoticeOn: tc.claim.FormalNoticeOn, FirstReminderOn: tc.claim.FirstReminderOn, FirstReminderChannel: escalation.ChannelEmail}, portal.MustDate("2026-05-15")) {
			if dl.Kind == tc.kind {
				due = dl.Due
			}
		}
		if due.IsZero() {
			t.Fatalf("%s: no %s deadline", tc.claim.Reference, tc.kind)
		}
		p := e.verified(tc.claim, tc.answer).get("/p")
		mustContain(t, tc.claim.Reference, p.body, tc.says+i18n.Date(tc.claim.Debtor.Language, due))
	}
	// Once the period is over, it is no longer shown.
	e.clock.Advance(30 * 24 * time.Hour)
	mustNotContain(t, "after the period", e.verified(fr, "13001").get("/p").body, "vous laisse jusqu")
}
