package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server/servertest"
)

// actor is one kind of caller of the authorisation matrix: the headers and
// cookies it sends, and its CSRF token for forms.
type actor struct {
	name    string
	header  map[string]string
	cookies map[string]string
	csrf    string
}

// authzFixture is a fully wired app (the same build as `relais serve`)
// with two tenants, one claim each, and a session or key for every actor.
type authzFixture struct {
	a              *app
	claimA, claimB *portal.Claim
	creditorA      string
	conversationA  string
	actors         []*actor
	// logs is everything the app logged; secrets lists what must never
	// appear in it (keys, link tokens, session cookies, passwords).
	logs    *servertest.LogBuffer
	secrets []string
}

func (f *authzFixture) do(t *testing.T, ac *actor, method, path string) (int, string) {
	t.Helper()
	form := url.Values{}
	if ac.csrf != "" {
		form.Set("csrf", ac.csrf)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if strings.HasPrefix(path, "/api/") {
		req = httptest.NewRequest(method, path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range ac.header {
		req.Header.Set(k, v)
	}
	for k, v := range ac.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := f.a.server.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

func newAuthzFixture(t *testing.T, dialect string) *authzFixture {
	t.Helper()
	ctx := context.Background()
	cfg := config{DatabaseURL: storetest.URL(t, dialect), BaseURL: "http://relais.test", Addr: "127.0.0.1:0",
		KeyFile: t.TempDir() + "/signing.key", LinkTTL: 90 * 24 * time.Hour,
		// Card payment on, so that the webhook and pay routes are live; the
		// matrix never reaches Stripe (the API base answers nothing).
		StripeSecretKey: "sk_test_authz", StripeWebhookSecret: "whsec_authz", StripeAPIBase: "http://127.0.0.1:9"}
	logs := &servertest.LogBuffer{}
	a, err := build(ctx, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.db.Close() })
	f := &authzFixture{a: a, logs: logs, secrets: []string{"a long enough password", cfg.StripeSecretKey, cfg.StripeWebhookSecret}}
	db := a.db
	anon := &actor{name: "anonymous"}
	f.actors = append(f.actors, anon)
	var users [2]map[portal.Role]*portal.User
	for i, name := range []string{"A", "B"} {
		tn := &portal.Tenant{Name: "Tenant " + name}
		must(t, db.CreateTenant(ctx, tn))
		cr := &portal.Creditor{TenantID: tn.ID, LegalName: "Creditor " + name, Country: "FR", IBAN: "FR1420041010050500013M02606"}
		must(t, db.CreateCreditor(ctx, cr))
		claim := &portal.Claim{Reference: "R-" + name, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Debtor " + name, Language: "fr", Postcode: "7500" + name},
			Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2025-01-01"), DueDate: portal.MustDate("2025-01-31"), Amount: 10000}}}
		must(t, db.CreateClaim(ctx, tn.ID, claim))
		_, key, err := db.CreateAPIKey(ctx, tn.ID, "k")
		must(t, err)
		f.secrets = append(f.secrets, key)
		f.actors = append(f.actors, &actor{name: "api key " + name, header: map[string]string{"Authorization": "Bearer " + key}})
		users[i] = map[portal.Role]*portal.User{}
		for _, role := range []portal.Role{portal.RoleOwner, portal.RoleAgent, portal.RoleViewer} {
			u := &portal.User{TenantID: tn.ID, Email: string(role) + "@" + strings.ToLower(name) + ".test", Role: role}
			must(t, db.CreateUser(ctx, u, "a long enough password"))
			users[i][role] = u
			if i == 1 && role != portal.RoleOwner {
				continue // tenant B: its owner is enough
			}
			sess, token, err := db.CreateConsoleSession(ctx, u, time.Hour)
			must(t, err)
			f.secrets = append(f.secrets, token)
			f.actors = append(f.actors, &actor{name: string(role) + " " + name, cookies: map[string]string{"relais_console": token}, csrf: sess.CSRFToken})
		}
		f.actors = append(f.actors, f.debtor(t, "debtor of claim "+name, tn.ID, claim, "7500"+name, false))
		if i == 0 {
			f.claimA, f.creditorA = claim, cr.ID
			conv, err := db.OpenConversation(ctx, tn.ID, claim.ID)
			must(t, err)
			f.conversationA = conv.ID
			k, revoked, _ := db.CreateAPIKey(ctx, tn.ID, "old")
			must(t, db.RevokeAPIKey(ctx, tn.ID, k.ID))
			f.actors = append(f.actors, &actor{name: "revoked key A", header: map[string]string{"Authorization": "Bearer " + revoked}})
			f.actors = append(f.actors, f.debtor(t, "revoked link A", tn.ID, claim, "7500A", true))
		} else {
			f.claimB = claim
		}
	}
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// debtor opens a link, passes the identity check and, for revoked, has the
// link revoked afterwards.
func (f *authzFixture) debtor(t *testing.T, name, tenantID string, claim *portal.Claim, answer string, revoke bool) *actor {
	t.Helper()
	ctx := context.Background()
	link, token, err := f.a.db.IssueLink(ctx, tenantID, claim.ID, portal.ChannelEmail, time.Hour)
	must(t, err)
	f.secrets = append(f.secrets, token)
	ac := &actor{name: name, cookies: map[string]string{}}
	send := func(method, path string, form url.Values) *http.Response {
		req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range ac.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := f.a.server.App().Test(req, -1)
		must(t, err)
		for _, c := range resp.Cookies() {
			ac.cookies[c.Name] = c.Value
		}
		return resp
	}
	send("GET", "/p/"+token, nil)
	resp := send("GET", "/p", nil)
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no csrf on the identity page", name)
	}
	ac.csrf = string(m[1])
	if resp := send("POST", "/p/identity", url.Values{"csrf": {ac.csrf}, "answer": {answer}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s: identity check %d", name, resp.StatusCode)
	}
	// The check issued a new session secret, and with it a new form token.
	resp = send("GET", "/p", nil)
	body, _ = io.ReadAll(resp.Body)
	if m = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body); m == nil && !revoke {
		t.Fatalf("%s: no csrf on the claim page", name)
	} else if m != nil {
		ac.csrf = string(m[1])
	}
	for _, v := range ac.cookies {
		f.secrets = append(f.secrets, v)
	}
	if revoke {
		must(t, f.a.db.RevokeLink(ctx, tenantID, claim.ID, link.ID))
	}
	return ac
}

// concretePath fills a route pattern with the fixture's IDs (tenant A's
// claim and creditor), or random IDs for sub-resources.
func (f *authzFixture) concretePath(pattern string) (path string, randomIDs bool) {
	p := pattern
	p = strings.Replace(p, "/claims/:id", "/claims/"+f.claimA.ID, 1)
	p = strings.Replace(p, "/creditors/:id", "/creditors/"+f.creditorA, 1)
	p = strings.Replace(p, "/conversations/:id", "/conversations/"+f.conversationA, 1)
	p = strings.Replace(p, "/console/chat/:id", "/console/chat/"+f.conversationA, 1)
	p = strings.Replace(p, "/template-texts/:template/:language", "/template-texts/friendly/fr", 1)
	p = strings.Replace(p, ":lang", "fr", 1)
	p = strings.Replace(p, ":token", "abcdefghijklmnopqrstuvwxyz", 1)
	randomIDs = strings.Contains(p, ":")
	if p == "/p/pay/return" { // names a Checkout session that does not exist
		p, randomIDs = p+"?session_id=cs_test_a1b2c3d4e5f6", true
	}
	return regexp.MustCompile(`:[a-z_]+`).ReplaceAllString(p, portal.NewID(time.Now())), randomIDs
}

// Policies of the authorisation matrix: who may call a route.
type policy int

const (
	// public: anyone; the route holds no private data or its path carries
	// the capability (a link token). Only "no server error" is checked.
	public policy = iota
	// apiClaim: an API key of the claim's tenant; another tenant's key gets
	// 404 (the claim's existence is not revealed); everyone else 401.
	apiClaim
	// apiTenant: any valid API key, scoped to its own tenant; others 401.
	apiTenant
	// debtor: a verified portal session (its own claim only, no ID in the
	// path); everyone else, revoked links included, 401.
	debtor
	// consoleRead: a signed-in user of the tenant; others are sent to the
	// sign-in page; a user of another tenant gets 404 on A's resources.
	consoleRead
	// consoleWrite: agent or owner of the tenant; viewer 403; user of
	// another tenant 404; no session 401.
	consoleWrite
	// consoleTenantWrite: agent or owner, on their own tenant's data with
	// no ID in the path (a new claim, a CSV import): viewer 403; a user of
	// another tenant acts on their own tenant; no session 401.
	consoleTenantWrite
	// consoleOwner: the owner of the tenant only; agent and viewer 403;
	// owner of another tenant 404; no session 401.
	consoleOwner
	// consoleSettings: the signed-in tenant's own settings (policy,
	// sequences, retention, statements, letters): the owner of any tenant
	// acts on its own (a path naming another tenant's resource is 404);
	// agent and viewer 403; no session 401.
	consoleSettings
	// consoleWork: agents and owners act on their own tenant (statements,
	// letters); a path naming another tenant's resource is 404; viewer
	// 403; no session 401.
	consoleWork
	// consoleOwnerNew: an owner, creating something of their own tenant
	// (no ID in the path); agent and viewer 403; no session 401.
	consoleOwnerNew
	// consoleTenantOwner: the owner of a tenant, on the tenant's own
	// settings (prepared replies); agent and viewer 403; another tenant's
	// owner sees only its own (a reply of A's is 404 to it).
	consoleTenantOwner
	// apiRateEditor, consoleRateEditor: the tenants listed with
	// --rate-editors (none in the fixture): every key, or every signed-in
	// user, gets 403; others 401.
	apiRateEditor
	consoleRateEditor
	// consoleUser: any signed-in user, on their own settings (the console
	// language); others are sent to the sign-in page.
	consoleUser
	// consoleSelf: any signed-in user, on their own session (sign-out);
	// others 401. Checked last, since it ends the sessions.
	consoleSelf
	// webhook: authenticated by the provider's signature only: 400 unsigned.
	webhook
	// websocket: checked by TestAuthzWebsockets with real upgrades.
	websocket
)

// authzTable declares the policy of every route of the app. A route that
// is not here fails TestAuthzMatrix: a new route cannot ship unreviewed.
var authzTable = map[string]policy{
	"GET /": public, "GET /livez": public, "GET /readyz": public, "GET /healthz": public, "GET /favicon.ico": public,
	"GET /api/openapi.json": public, "GET /verify": public, "GET /verify/public-key": public,
	"GET /p/:token": public, "GET /p/lang/:lang": public,
	"GET /u/:token": public, "POST /u/:token": public,
	"GET /console/login": public, "POST /console/login": public,

	"POST /api/v1/claims": apiTenant, "GET /api/v1/claims": apiTenant, "GET /api/v1/exports/claims.csv": apiTenant, "POST /api/v1/claims/import": apiTenant,
	"GET /api/v1/evidence/public-key": apiTenant, "GET /api/v1/letters/to-print": apiTenant,
	"GET /api/v1/sequences": apiTenant, "POST /api/v1/sequences": apiTenant,
	// The tenant's own template texts: its key acts for the whole tenant;
	// another tenant's creditor is 404 (TestAPITemplateTexts).
	"GET /api/v1/template-texts": apiTenant, "PUT /api/v1/template-texts/:template/:language": apiTenant,
	"DELETE /api/v1/template-texts/:template/:language": apiTenant,
	"PUT /api/v1/creditors/:id/policy":                  apiClaim, // another tenant's creditor is 404 like a claim
	"GET /api/v1/creditors/:id/policy":                  apiClaim, "GET /api/v1/creditors/:id": apiClaim, "PATCH /api/v1/creditors/:id": apiClaim,
	"GET /api/v1/creditors": apiTenant, "POST /api/v1/creditors": apiTenant,
	"GET /api/v1/account-log": apiTenant,
	"POST /api/v1/statements": apiTenant,
	// A statement of another tenant is 404 like a claim.
	"GET /api/v1/statements/:id": apiClaim, "POST /api/v1/statements/:id/suggestions/:line_id/accept": apiClaim,
	// Personal data: an API key acts for its whole tenant, as the owner does.
	// The export's body names the debtor: another tenant's claim is 404.
	"GET /api/v1/retention": apiTenant, "PUT /api/v1/retention": apiTenant, "POST /api/v1/debtors/export": apiTenant,
	// Interest rates are shared by every tenant: any key reads them; only
	// the tenants listed with --rate-editors change them (none here).
	"GET /api/v1/rates": apiTenant, "PUT /api/v1/rates/:series/:from": apiRateEditor,
	// Webhook endpoints (issue 19): an API key acts for its tenant, as the
	// owner does; another tenant's endpoint is 404 like a claim.
	"POST /api/v1/webhooks": apiTenant, "GET /api/v1/webhooks": apiTenant, "DELETE /api/v1/webhooks/:id": apiClaim,
	"GET /api/v1/webhooks/:id": apiClaim, "POST /api/v1/webhooks/:id/rotate": apiClaim, "POST /api/v1/webhooks/:id/disable": apiClaim,
	"POST /api/v1/webhooks/:id/enable": apiClaim, "GET /api/v1/webhooks/:id/deliveries": apiClaim,
	"POST /api/v1/webhooks/:id/deliveries/:delivery_id/resend": apiClaim, "GET /api/v1/event-kinds": apiTenant,

	"GET /api/v1/claims/:id": apiClaim, "POST /api/v1/claims/:id/payments": apiClaim, "POST /api/v1/claims/:id/payments/:payment_id/reverse": apiClaim,
	"POST /api/v1/claims/:id/credit-notes": apiClaim, "PATCH /api/v1/claims/:id/debtor": apiClaim,
	"GET /api/v1/claims/:id/events": apiClaim, "GET /api/v1/claims/:id/instalments": apiClaim,
	"GET /api/v1/claims/:id/balance": apiClaim, "POST /api/v1/claims/:id/links": apiClaim,
	"GET /api/v1/claims/:id/links": apiClaim, "DELETE /api/v1/claims/:id/links/:link_id": apiClaim,
	"GET /api/v1/claims/:id/disputes": apiClaim, "POST /api/v1/claims/:id/disputes/:dispute_id/resolve": apiClaim,
	"GET /api/v1/claims/:id/disputes/:dispute_id/files/:file_id": apiClaim,
	"GET /api/v1/claims/:id/evidence.zip":                        apiClaim, "GET /api/v1/claims/:id/offers": apiClaim,
	"GET /api/v1/claims/:id/conversation": apiClaim, "GET /api/v1/claims/:id/policy": apiClaim,
	"PUT /api/v1/claims/:id/policy": apiClaim, "POST /api/v1/claims/:id/stage": apiClaim,
	"POST /api/v1/claims/:id/status": apiClaim, "POST /api/v1/claims/:id/dates": apiClaim,
	"GET /api/v1/claims/:id/timeline": apiClaim, "POST /api/v1/claims/:id/letters": apiClaim,
	"GET /api/v1/claims/:id/letters": apiClaim, "GET /api/v1/claims/:id/letters/:letter_id.pdf": apiClaim,
	"POST /api/v1/claims/:id/letters/:letter_id/sent": apiClaim, "PUT /api/v1/claims/:id/sequence": apiClaim,
	"GET /api/v1/claims/:id/reminders": apiClaim, "POST /api/v1/claims/:id/reminders/:send_id/bounce": apiClaim,
	// Promises to pay (issue 20).
	"GET /api/v1/claims/:id/promises": apiClaim, "POST /api/v1/claims/:id/promises": apiClaim,

	"GET /p/": debtor, "POST /p/identity": debtor, "POST /p/signout": debtor, "GET /p/computation": debtor, "GET /p/contest": debtor,
	"POST /p/contest": debtor, "POST /p/pay/card": debtor, "POST /p/pay/setup": debtor, "POST /p/plan/move": debtor, "POST /p/plan/hardship": debtor, "POST /p/plan/method": debtor,
	"GET /p/pay/return": debtor, "GET /p/pay/qr.png": debtor, "GET /p/agreements/:id/pdf": debtor, "GET /p/agreements/:id/mandate.pdf": debtor,
	// The receipt of a claim paid in full (issue 24.11): the session's own
	// claim; in the console, agents and owners of its tenant.
	"GET /p/receipt.pdf": debtor, "GET /console/claims/:id/receipt.pdf": consoleWrite,
	// The one-time code of the identity check (issue 26.14): a session
	// waiting for it; a verified one is sent back to its claim.
	"POST /p/code": debtor, "POST /p/code/resend": debtor,
	// A promise to pay from the portal (issue 20).
	"POST /p/promise": debtor,

	"GET /console/": consoleRead, "GET /console/claims": consoleRead, "GET /console/claims.csv": consoleRead, "GET /console/claims/:id": consoleRead,
	"GET /console/claims/:id/evidence.zip": consoleRead, "GET /console/claims/:id/timeline": consoleRead,
	"GET /console/conversations/:id": consoleRead, "GET /console/agreements/:id/pdf": consoleRead,
	"POST /console/claims/:id/conversation": consoleWrite, "POST /console/conversations/:id/take": consoleWrite,
	"GET /console/claims/:id/debtor-export.zip": consoleOwner,
	"GET /console/rates":                        consoleRead, "POST /console/rates": consoleRateEditor,
	"POST /console/logout": consoleSelf,
	// Transcripts of a conversation (issue 21); ?notes=1 is for owners.
	"GET /console/conversations/:id/transcript.pdf": consoleRead, "GET /console/conversations/:id/transcript.csv": consoleRead,
	"POST /console/conversations/:id/resolve": consoleWrite, "POST /console/conversations/:id/read": consoleRead, "GET /console/satisfaction": consoleRead, "POST /p/survey": debtor,
	"GET /api/v1/claims/:id/conversation.pdf": apiClaim, "GET /api/v1/claims/:id/conversation.csv": apiClaim,
	// Prepared replies (issue 21): kept by the tenant's owners.
	"GET /console/replies": consoleTenantOwner, "POST /console/replies": consoleTenantOwner, "GET /console/replies/:reply_id": consoleTenantOwner,
	"POST /console/replies/:reply_id": consoleTenantOwner, "POST /console/replies/:reply_id/delete": consoleTenantOwner,
	// Automatic assignment of conversations (issue 21): the tenant's owner in
	// the console (a form of the replies page), an API key for its tenant.
	"POST /console/assignment": consoleTenantOwner, "GET /api/v1/assignment": apiTenant, "PUT /api/v1/assignment": apiTenant,
	// The console language of the signed-in user, any role (issue 25.7).
	"POST /console/language": consoleUser, "POST /console/away": consoleUser,
	// Disputes in the console (issue 25): any user of the tenant reads a
	// dispute and downloads its files; agents and owners resolve it.
	"GET /console/claims/:id/disputes/:dispute_id": consoleRead, "GET /console/claims/:id/disputes/:dispute_id/files/:file_id": consoleRead,
	"POST /console/claims/:id/disputes/:dispute_id/resolve": consoleWrite,
	// The creditor's back-office (issue 18): agents and owners create and
	// import claims and change them (contact data, payments and their
	// reversal, credit notes, links, letters, stage, status, dates); any
	// user reads the claim's page; the letter to print carries a live link.
	"GET /console/claims/new": consoleTenantWrite, "POST /console/claims": consoleTenantWrite,
	"GET /console/claims/import": consoleTenantWrite, "POST /console/claims/import": consoleTenantWrite,
	"POST /console/claims/import/confirm": consoleTenantWrite,
	"GET /console/claims/:id/manage":      consoleRead,
	"POST /console/claims/:id/debtor":     consoleWrite, "POST /console/claims/:id/payments": consoleWrite,
	"POST /console/claims/:id/payments/:payment_id/reverse": consoleWrite, "POST /console/claims/:id/credit-notes": consoleWrite,
	"POST /console/claims/:id/links": consoleWrite, "POST /console/claims/:id/links/:link_id/revoke": consoleWrite,
	"POST /console/claims/:id/letters": consoleWrite, "GET /console/claims/:id/letters/:letter_id.pdf": consoleWrite,
	"POST /console/claims/:id/letters/:letter_id/sent": consoleWrite,
	// Promises to pay (issue 20): agents and owners record one.
	"POST /console/claims/:id/promises": consoleWrite,
	"POST /console/claims/:id/stage":    consoleWrite, "POST /console/claims/:id/status": consoleWrite,
	"POST /console/claims/:id/dates": consoleWrite, "POST /console/claims/:id/sequence": consoleWrite,
	// Court documents of a claim (issue 23): the claim's tenant by API
	// key; agents and owners in the console.
	"GET /api/v1/claims/:id/court/fr-injonction.pdf": apiClaim, "GET /api/v1/claims/:id/court/bordereau.pdf": apiClaim,
	"GET /console/claims/:id/court/fr-injonction.pdf": consoleWrite, "GET /console/claims/:id/court/bordereau.pdf": consoleWrite,
	"GET /api/v1/claims/:id/court/eu-form-a.json": apiClaim, "GET /api/v1/claims/:id/court/eu-form-a.pdf": apiClaim,
	"GET /console/claims/:id/court/eu-form-a.pdf": consoleWrite,
	"GET /api/v1/claims/:id/court/be-file.pdf":    apiClaim, "GET /console/claims/:id/court/be-file.pdf": consoleWrite,
	"GET /api/v1/claims/:id/court": apiClaim,
	// Court documents recorded as evidence: made and stored by the claim's
	// tenant's key, or its agents and owners (CSRF), and downloaded back.
	"POST /api/v1/claims/:id/court/:document": apiClaim, "GET /api/v1/claims/:id/court/documents": apiClaim,
	"GET /api/v1/claims/:id/court/documents/:file_id": apiClaim,
	"POST /console/claims/:id/court/:document":        consoleWrite, "GET /console/claims/:id/court/documents/:file_id": consoleWrite,
	// Rules and money (issue 18): every user of the tenant reads; owners
	// change the tenant's settings.
	"GET /console/policy": consoleRead, "POST /console/policy": consoleSettings,
	"GET /console/statements": consoleRead, "POST /console/statements": consoleWork,
	"GET /console/statements/:id": consoleRead, "POST /console/statements/:id/lines/:line_id/accept": consoleWork,
	"GET /console/letters": consoleRead, "GET /console/letters/print.pdf": consoleRead, "POST /console/letters/posted": consoleWork,
	"GET /console/sequences": consoleRead, "POST /console/sequences": consoleSettings, "POST /console/sequences/:id": consoleSettings, "GET /console/sequences/templates/:key": consoleRead,
	"POST /console/sequences/templates/:key/:lang": consoleSettings,
	"GET /console/retention":                       consoleRead, "POST /console/retention": consoleSettings,
	// Webhook endpoints in the console (issue 19): any user reads them and
	// their delivery logs; owners change them.
	"GET /console/webhooks": consoleRead, "GET /console/webhooks/:id": consoleRead, "POST /console/webhooks": consoleOwnerNew,
	"POST /console/webhooks/:id/rotate": consoleOwner, "POST /console/webhooks/:id/disable": consoleOwner,
	"POST /console/webhooks/:id/enable": consoleOwner, "POST /console/webhooks/:id/delete": consoleOwner,
	"POST /console/webhooks/:id/deliveries/:delivery_id/resend": consoleOwner,
	// The portfolio dashboard (issue 18): read by every user of the tenant,
	// its own claims only.
	"GET /console/dashboard": consoleRead, "GET /console/dashboard.csv": consoleRead,

	"POST /webhooks/stripe": webhook,
	"GET /p/chat":           websocket, "GET /console/chat/:id": websocket,
	"GET /console/queue/live": websocket, // the live queue (issue 21): any user of the tenant
}

// appRoutes lists "METHOD /pattern" of every route, from the app itself.
func appRoutes(f *authzFixture) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range f.a.server.App().GetRoutes(true) {
		key := r.Method + " " + r.Path
		if r.Method == "HEAD" || r.Method == "USE" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, key)
	}
	// Sign-out ends the actors' sessions: run it after everything else.
	last := func(r string) bool { return r == "POST /console/logout" || r == "POST /p/signout" }
	sort.SliceStable(out, func(i, j int) bool {
		if last(out[i]) != last(out[j]) {
			return last(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// expectation says whether a (policy, actor) pair must be allowed, denied
// (401, or 303 to the sign-in page for console pages), forbidden (403) or
// hidden (404). With randomIDs the path names a sub-resource that does not
// exist, so an allowed caller may get 404 too.
func expectation(p policy, ac string, randomIDs bool) string {
	allowed := "allowed"
	if randomIDs {
		allowed = "allowed-or-404"
	}
	switch p {
	case apiClaim:
		switch ac {
		case "api key A":
			return allowed
		case "api key B":
			return "hidden"
		}
	case apiTenant:
		if ac == "api key A" || ac == "api key B" {
			return "allowed"
		}
	case debtor:
		if ac == "debtor of claim A" || ac == "debtor of claim B" {
			return allowed
		}
	case consoleRead, consoleWrite:
		switch ac {
		case "owner A", "agent A":
			return allowed
		case "viewer A":
			if p == consoleWrite {
				return "forbidden"
			}
			return allowed
		case "owner B":
			if strings.Contains(allowed, "404") || p == consoleWrite {
				return "hidden"
			}
			return "tenant-scoped"
		}
	case consoleTenantWrite:
		switch ac {
		case "owner A", "agent A", "owner B":
			return allowed
		case "viewer A":
			return "forbidden"
		}
	case consoleOwnerNew:
		switch ac {
		case "owner A", "owner B":
			return "allowed"
		case "agent A", "viewer A":
			return "forbidden"
		}
	case consoleOwner:
		switch ac {
		case "owner A":
			return allowed
		case "agent A", "viewer A":
			return "forbidden"
		case "owner B":
			return "hidden"
		}
	case consoleSettings, consoleWork:
		switch ac {
		case "owner A", "owner B":
			return "allowed-or-404"
		case "agent A":
			if p == consoleWork {
				return "allowed-or-404"
			}
			return "forbidden"
		case "viewer A":
			return "forbidden"
		}
	case consoleTenantOwner:
		switch ac {
		case "owner A", "owner B":
			return allowed
		case "agent A", "viewer A":
			return "forbidden"
		}
	case apiRateEditor:
		if ac == "api key A" || ac == "api key B" {
			return "forbidden"
		}
	case consoleRateEditor:
		switch ac {
		case "owner A", "agent A", "viewer A", "owner B":
			return "forbidden"
		}
	case consoleUser:
		switch ac {
		case "owner A", "agent A", "viewer A", "owner B":
			return "allowed"
		}
	case consoleSelf:
		switch ac {
		case "owner A", "agent A", "viewer A", "owner B":
			return "signed-out"
		}
	case webhook:
		return "bad-request"
	case public:
		return "any"
	}
	return "denied"
}

func outcomeOK(want string, status int, location string) bool {
	deniedRedirect := status == 303 && location == "/console/login"
	switch want {
	case "allowed":
		return status < 500 && status != 401 && status != 403 && status != 404 && !deniedRedirect || status == 503
	case "allowed-or-404":
		return status < 500 && status != 401 && status != 403 && !deniedRedirect || status == 503
	case "denied":
		return status == 401 || deniedRedirect
	case "forbidden":
		return status == 403
	case "hidden":
		return status == 404
	case "tenant-scoped":
		// A page of tenant A's resource seen by tenant B: only not-found;
		// list pages show B's own data.
		return status == 200 || status == 404
	case "signed-out":
		return deniedRedirect // signing out ends on the sign-in page
	case "bad-request":
		return status == 400
	}
	return status < 500
}

// TestAuthzMatrix sends every route of the app as every actor and checks
// the outcome against authzTable, on both databases.
func TestAuthzMatrix(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newAuthzFixture(t, dialect)
			for _, rt := range appRoutes(f) {
				p, ok := authzTable[rt]
				if !ok {
					t.Errorf("route %s is not in the authorisation table: declare who may call it", rt)
					continue
				}
				if p == websocket {
					continue
				}
				method, pattern, _ := strings.Cut(rt, " ")
				path, randomIDs := f.concretePath(pattern)
				for _, ac := range f.actors {
					want := expectation(p, ac.name, randomIDs)
					if want == "tenant-scoped" && strings.Contains(pattern, ":id") {
						// The path names tenant A's resource: B sees only not-found.
						want = "hidden"
					}
					status, loc := f.do(t, ac, method, path)
					if !outcomeOK(want, status, loc) {
						t.Errorf("%s as %s: got %d %s, want %s", rt, ac.name, status, loc, want)
					}
				}
			}
			f.checkLogs(t)
			for rt := range authzTable {
				found := false
				for _, r := range appRoutes(f) {
					found = found || r == rt
				}
				if !found {
					t.Errorf("authorisation table names %s, which the app does not serve", rt)
				}
			}
		})
	}
}

// TestAuthzWebsockets upgrades each chat websocket as every actor through a
// real listener: only the claim's debtor reaches /p/chat's conversation (a
// debtor's session names its claim), only tenant A's users reach A's
// conversation, and another tenant's user gets 404.
func TestAuthzWebsockets(t *testing.T) {
	f := newAuthzFixture(t, storetest.Dialects[0])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go f.a.server.App().Listener(ln)
	t.Cleanup(func() { f.a.server.Shutdown(2 * time.Second) })
	base := "ws://" + ln.Addr().String()
	routes := map[string]func(actor string) int{
		"/p/chat": func(ac string) int {
			if ac == "debtor of claim A" || ac == "debtor of claim B" {
				return 101
			}
			return 401
		},
		// The live queue: every console user, of their own tenant only.
		"/console/queue/live": func(ac string) int {
			switch ac {
			case "owner A", "agent A", "viewer A", "owner B":
				return 101
			}
			return 401
		},
		"/console/chat/" + f.conversationA: func(ac string) int {
			switch ac {
			case "owner A", "agent A", "viewer A":
				return 101
			case "owner B":
				return 404
			}
			return 401
		},
	}
	for path, want := range routes {
		for _, ac := range f.actors {
			header := http.Header{"Origin": {"http://relais.test"}}
			for k, v := range ac.header {
				header.Set(k, v)
			}
			var cookies []string
			for k, v := range ac.cookies {
				cookies = append(cookies, k+"="+v)
			}
			if len(cookies) > 0 {
				header.Set("Cookie", strings.Join(cookies, "; "))
			}
			conn, resp, err := fastws.DefaultDialer.Dial(base+path, header)
			got := 0
			if resp != nil {
				got = resp.StatusCode
			}
			if conn != nil {
				conn.Close()
			}
			if got != want(ac.name) {
				t.Errorf("websocket %s as %s: got %d (%v), want %d", path, ac.name, got, err, want(ac.name))
			}
		}
	}
	// A foreign Origin is refused even with a valid session.
	var debtorA *actor
	for _, ac := range f.actors {
		if ac.name == "debtor of claim A" {
			debtorA = ac
		}
	}
	header := http.Header{"Origin": {"https://evil.example"}}
	for k, v := range debtorA.cookies {
		header.Add("Cookie", k+"="+v)
	}
	if conn, resp, _ := fastws.DefaultDialer.Dial(base+"/p/chat", header); conn != nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("cross-origin upgrade: %v", resp)
	}
}

// checkLogs fails when any secret used during the test reached the logs,
// and checks the logs did record the requests (so the scan is not vacuous).
func (f *authzFixture) checkLogs(t *testing.T) {
	t.Helper()
	logs := f.logs.String()
	if strings.Count(logs, "msg=request") < 100 {
		t.Fatalf("the request log is missing: %d lines", strings.Count(logs, "\n"))
	}
	for _, s := range f.secrets {
		if len(s) >= 8 && strings.Contains(logs, s) {
			t.Errorf("a secret (%s...) appears in the logs", s[:6])
		}
	}
}
