package server

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store/storetest"
)

// The rates API and console page: every tenant reads the shared rates;
// only a tenant listed as rate editor changes them, with who and when
// recorded; another tenant sees the change but not who made it; a bad
// entry is a 400 that records nothing.
func TestRatesAPIAndConsole(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newAPIEnv(t, d)
			ctx := context.Background()
			rates, err := rules.Default()
			if err != nil {
				t.Fatal(err)
			}
			feed := &ratefeed.Service{Rates: rates, Store: e.db, Clock: e.clock}
			if err := feed.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			e.srv = New(Config{BaseURL: "http://relais.test", RateEditors: []string{e.tenantA}},
				Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Rates: rates, RateFeed: feed,
					ConsoleSessions: e.db, Logger: slog.New(slog.DiscardHandler)})

			status, body := e.do(t, "GET", "/api/v1/rates", e.keyB, "", "")
			if status != 200 || body["editable"] != false || len(body["series"].([]any)) != 5 {
				t.Fatalf("rates as B: %d %v", status, body)
			}
			put := func(key, path, json string) (int, map[string]any) {
				return e.do(t, "PUT", path, key, "application/json", json)
			}
			if status, body := put(e.keyB, "/api/v1/rates/fr_legal_other/2026-07-01", `{"rate":"2.62","source":"arrêté"}`); status != 403 ||
				!strings.Contains(body["error"].(map[string]any)["message"].(string), "--rate-editors") {
				t.Fatalf("B is not an editor: %d %v", status, body)
			}
			for _, tt := range []struct{ path, json, field string }{
				{"/api/v1/rates/fr_legal_other/2026-07-01", `{"rate":"2.62"}`, "source"},
				{"/api/v1/rates/fr_legal_other/2026-07-01", `{"rate":"two","source":"x"}`, "rate"},
				{"/api/v1/rates/fr_legal_other/2026-07-01", `{"rate":"2.62","source":"x","extra":1}`, "extra"},
				{"/api/v1/rates/fr_legal_other/01-07-2026", `{"rate":"2.62","source":"x"}`, "from"},
				{"/api/v1/rates/eu_whatever/2026-07-01", `{"rate":"2.62","source":"x"}`, "series"},
				{"/api/v1/rates/fr_legal_other/2026-07-01", `{"rate":"2.62","source":"x","to":"2026-06-01"}`, "to"},
			} {
				status, body := put(e.keyA, tt.path, tt.json)
				if _, _, field := errorOf(body); status != 400 || field != tt.field {
					t.Errorf("%s %s: %d %v, want a 400 on %s", tt.path, tt.json, status, body, tt.field)
				}
			}
			if lines, _ := e.db.RateLines(ctx); len(lines) != 0 {
				t.Fatalf("refused entries recorded %d lines", len(lines))
			}
			status, body = put(e.keyA, "/api/v1/rates/fr_legal_other/2026-07-01", `{"rate":"2.62","source":"Arrêté du 22 juin 2026"}`)
			if status != 201 || body["rate_bp"] != float64(262) || body["to"] != "2027-01-01" || !strings.HasPrefix(body["recorded_by"].(string), "api_key:") {
				t.Fatalf("set as A: %d %v", status, body)
			}
			if p, err := rates.Rate(rules.SeriesFRLegalOther, portal.MustDate("2026-08-01")); err != nil || p.RateBP != 262 {
				t.Errorf("the rate is not in use: %+v %v", p, err)
			}
			_, body = e.do(t, "GET", "/api/v1/rates", e.keyB, "", "")
			ch := body["changes"].([]any)
			if len(ch) != 1 || ch[0].(map[string]any)["recorded_by"] != "another tenant's owner" || ch[0].(map[string]any)["tenant_id"] != nil {
				t.Errorf("B sees who in A recorded it: %v", ch)
			}

			// Console: owner of A enters a rate with the form; an agent of A
			// may not; a bad form shows the reason and records nothing.
			session := func(role portal.Role, tenant string) (cookie, csrf string) {
				u := &portal.User{TenantID: tenant, Email: string(role) + "@" + tenant[:6] + ".test", Role: role}
				if err := e.db.CreateUser(ctx, u, "a long enough password"); err != nil {
					t.Fatal(err)
				}
				s, tok, err := e.db.CreateConsoleSession(ctx, u, 3600e9)
				if err != nil {
					t.Fatal(err)
				}
				return tok, s.CSRFToken
			}
			send := func(cookie, method, path string, form url.Values) (int, string) {
				req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Cookie", "relais_console="+cookie)
				resp, err := e.srv.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			owner, ownerCSRF := session(portal.RoleOwner, e.tenantA)
			agent, agentCSRF := session(portal.RoleAgent, e.tenantA)
			status, page := send(owner, "GET", "/console/rates", nil)
			if status != 200 || !strings.Contains(page, `id="set-rate"`) || !strings.Contains(page, "Arrêté du 22 juin 2026") {
				t.Fatalf("rates page as owner: %d", status)
			}
			if status, page := send(agent, "GET", "/console/rates", nil); status != 200 || strings.Contains(page, `id="set-rate"`) {
				t.Errorf("an agent is offered the form: %d", status)
			}
			form := url.Values{"csrf": {agentCSRF}, "series": {"fr_legal_natural_person"}, "from": {"2026-07-01"}, "rate": {"6.55"}, "source": {"Arrêté"}}
			if status, _ := send(agent, "POST", "/console/rates", form); status != 403 {
				t.Errorf("agent posts a rate: %d", status)
			}
			form.Set("csrf", ownerCSRF)
			form.Set("rate", "6,5,5")
			if status, page := send(owner, "POST", "/console/rates", form); status != 400 || !strings.Contains(page, `role="alert"`) || !strings.Contains(page, `value="6,5,5"`) {
				t.Errorf("bad rate in the form: %d", status)
			}
			form.Set("rate", "6.55")
			form.Set("csrf", "forged")
			if status, _ := send(owner, "POST", "/console/rates", form); status != 403 {
				t.Errorf("forged CSRF: %d", status)
			}
			if lines, _ := e.db.RateLines(ctx); len(lines) != 1 {
				t.Fatalf("refused forms recorded lines: %d", len(lines))
			}
			form.Set("csrf", ownerCSRF)
			if status, _ := send(owner, "POST", "/console/rates", form); status != 303 {
				t.Fatalf("owner posts a rate: %d", status)
			}
			if p, err := rates.Rate(rules.SeriesFRLegalNaturalPerson, portal.MustDate("2026-12-31")); err != nil || p.RateBP != 655 {
				t.Errorf("the console's rate is not in use: %+v %v", p, err)
			}
			if _, page := send(owner, "GET", "/console/rates", nil); !strings.Contains(page, "user:") || !strings.Contains(page, "6.55%") {
				t.Errorf("the change is not listed with its author")
			}
			// In German (the owner chose no language: the browser's): words,
			// rates and dates in German.
			req := httptest.NewRequest("GET", "/console/rates", nil)
			req.Header.Set("Cookie", "relais_console="+owner)
			req.Header.Set("Accept-Language", "de-DE,de;q=0.9")
			resp, err := e.srv.App().Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			de, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mustContain(t, "rates in German", string(de), "<h1>Zinssätze</h1>", "Bis (einschließlich)", "Einen veröffentlichten Zinssatz eingeben",
				"<td class=\"num\">6,55\u00a0%</td>", "<td>1.\u00a0Juli 2026</td><td>31.\u00a0Dezember 2026</td>")
		})
	}
}
