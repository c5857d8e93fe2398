package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// apiEnv is a server on a fresh database with two tenants, each with a
// creditor and an API key.
type apiEnv struct {
	db          *store.DB
	srv         *Server
	tenantA     string
	tenantB     string
	keyA, keyB  string
	revokedKeyA string
	logs        *bytes.Buffer
	clock       *portal.FixedClock
}

func newAPIEnv(t *testing.T, dialect string) *apiEnv {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &apiEnv{db: db, logs: logs, clock: clock}
	ctx := context.Background()
	for i, name := range []string{"Alpha", "Beta"} {
		tn := &portal.Tenant{Name: name}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name + " SA", Country: "FR"}); err != nil {
			t.Fatal(err)
		}
		_, key, err := db.CreateAPIKey(ctx, tn.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.tenantA, e.keyA = tn.ID, key
			k, revoked, _ := db.CreateAPIKey(ctx, tn.ID, "old")
			if err := db.RevokeAPIKey(ctx, tn.ID, k.ID); err != nil {
				t.Fatal(err)
			}
			e.revokedKeyA = revoked
		} else {
			e.tenantB, e.keyB = tn.ID, key
		}
	}
	e.srv = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: db, Tenants: db, Events: db, DB: db, Clock: clock, Logger: log, AccountLog: db})
	return e
}

// do sends a request through the real Fiber app and decodes a JSON answer.
func (e *apiEnv) do(t *testing.T, method, path, key, contentType string, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

const validClaimJSON = `{"reference":"INV-%s","currency":"EUR","jurisdiction":"FR",
 "debtor":{"kind":"business","name":"Dupont SARL","language":"fr","email":"a@b.fr","phone":"+33612345678","address":"1 rue X","postcode":"75011","country":"FR"},
 "invoices":[{"number":"F-1","issue_date":"2024-01-01","due_date":"2024-01-31","amount":100000}]}`

func errorOf(body map[string]any) (code, message, field string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	field, _ = e["field"].(string)
	return
}

func TestClaimAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			var id string
			t.Run("Create", func(t *testing.T) {
				status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "1"))
				if status != 201 {
					t.Fatalf("status %d: %v", status, body)
				}
				id, _ = body["id"].(string)
				if !portal.ValidID(id) || body["status"] != "open" || body["stage"] != "amicable" {
					t.Fatalf("body: %v", body)
				}
			})
			t.Run("Read", func(t *testing.T) {
				status, body := e.do(t, "GET", "/api/v1/claims/"+id, e.keyA, "", "")
				inv := body["invoices"].([]any)[0].(map[string]any)
				if status != 200 || body["reference"] != "INV-1" || inv["amount"] != float64(100000) || inv["due_date"] != "2024-01-31" {
					t.Fatalf("status %d: %v", status, body)
				}
			})
			t.Run("List", func(t *testing.T) {
				for _, r := range []string{"2", "3"} {
					if s, b := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, r)); s != 201 {
						t.Fatal(s, b)
					}
				}
				status, body := e.do(t, "GET", "/api/v1/claims?limit=2", e.keyA, "", "")
				claims := body["claims"].([]any)
				next, _ := body["next_cursor"].(string)
				if status != 200 || len(claims) != 2 || next == "" {
					t.Fatalf("page 1: %d %v", status, body)
				}
				_, body = e.do(t, "GET", "/api/v1/claims?limit=2&cursor="+next, e.keyA, "", "")
				if claims := body["claims"].([]any); len(claims) != 1 || claims[0].(map[string]any)["reference"] != "INV-3" {
					t.Fatalf("page 2: %v", body)
				}
				_, body = e.do(t, "GET", "/api/v1/claims?reference=INV-2", e.keyA, "", "")
				if claims := body["claims"].([]any); len(claims) != 1 {
					t.Fatalf("filter: %v", body)
				}
				if s, _ := e.do(t, "GET", "/api/v1/claims?limit=0", e.keyA, "", ""); s != 400 {
					t.Fatalf("limit=0: %d", s)
				}
			})
			t.Run("Payment", func(t *testing.T) {
				status, body := e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json", `{"amount":2500,"received_on":"2024-05-02","method":"transfer"}`)
				if status != 201 || body["currency"] != "EUR" {
					t.Fatalf("%d %v", status, body)
				}
				status, body = e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json", `{"amount":2500,"received_on":"2024-13-02"}`)
				if _, _, field := errorOf(body); status != 400 || field != "received_on" {
					t.Fatalf("%d %v", status, body)
				}
				_, body = e.do(t, "GET", "/api/v1/claims/"+id+"/events", e.keyA, "", "")
				if evs := body["events"].([]any); len(evs) != 2 || evs[1].(map[string]any)["kind"] != "payment.recorded" {
					t.Fatalf("events: %v", body)
				}
			})
			t.Run("ErrConflict", func(t *testing.T) {
				status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "1"))
				if code, msg, _ := errorOf(body); status != 409 || code != "conflict" || !strings.Contains(msg, "INV-1") {
					t.Fatalf("%d %v", status, body)
				}
			})
		})
	}
}

// TestClaimAPIBadInput sends one broken field at a time and expects a 400
// naming that field, and nothing stored.
// TestClaimAPIBadInput runs on both databases: a value PostgreSQL cannot
// store (a NUL character, the year 0000) is a 400 there too, never a 500.
func TestClaimAPIBadInput(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) { testClaimAPIBadInput(t, d) })
	}
}

func testClaimAPIBadInput(t *testing.T, dialect string) {
	e := newAPIEnv(t, dialect)
	base := fmt.Sprintf(validClaimJSON, "X")
	cases := []struct {
		name, from, to, field, msg string
	}{
		{"reference missing", `"reference":"INV-X"`, `"reference":""`, "reference", "required"},
		{"currency unknown", `"currency":"EUR"`, `"currency":"EUX"`, "currency", "unknown currency"},
		{"jurisdiction", `"jurisdiction":"FR"`, `"jurisdiction":"DE"`, "jurisdiction", "FR"},
		{"debtor kind", `"kind":"business"`, `"kind":"company"`, "debtor.kind", "business"},
		{"debtor name", `"name":"Dupont SARL"`, `"name":" "`, "debtor.name", "required"},
		{"debtor language", `"language":"fr"`, `"language":"es"`, "debtor.language", "fr, nl, en, de"},
		{"debtor email", `"email":"a@b.fr"`, `"email":"not-an-email"`, "debtor.email", "e-mail"},
		{"debtor phone", `"phone":"+33612345678"`, `"phone":"0612"`, "debtor.phone", "international"},
		{"debtor country", `"country":"FR"`, `"country":"France"`, "debtor.country", "two-letter"},
		{"invoice number", `"number":"F-1"`, `"number":""`, "invoices[0].number", "required"},
		{"issue date", `"issue_date":"2024-01-01"`, `"issue_date":"01/01/2024"`, "invoices[0].issue_date", "YYYY-MM-DD"},
		{"due before issue", `"due_date":"2024-01-31"`, `"due_date":"2023-12-31"`, "invoices[0].due_date", "before the issue date"},
		{"amount zero", `"amount":100000`, `"amount":0`, "invoices[0].amount", "positive"},
		{"amount float", `"amount":100000`, `"amount":12.5`, "invoices.amount", "whole number"},
		{"amount string", `"amount":100000`, `"amount":"12,5O"`, "invoices.amount", "whole number"},
		{"unknown field", `"currency":"EUR"`, `"currency":"EUR","colour":"red"`, "colour", "unknown field"},
		{"no invoices", `"invoices":[{"number":"F-1","issue_date":"2024-01-01","due_date":"2024-01-31","amount":100000}]`, `"invoices":[]`, "invoices", "at least one"},
		{"identity check without fact", `"currency":"EUR"`, `"currency":"EUR","identity_check":"birth_date"`, "identity_check", "no birth_date"},
		{"NUL in the name", `"name":"Dupont SARL"`, `"name":"Dupont\u0000SARL"`, "debtor.name", "NUL"},
		{"NUL in the address", `"address":"1 rue X"`, `"address":"1 rue\u0000X"`, "debtor.address", "NUL"},
		{"NUL in an invoice number", `"number":"F-1"`, `"number":"F\u00001"`, "invoices[0].number", "NUL"},
		{"year 0000", `"due_date":"2024-01-31"`, `"due_date":"0000-01-31"`, "invoices[0].due_date", "YYYY-MM-DD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(base, tc.from, tc.to, 1)
			if body == base {
				t.Fatalf("case did not change the body")
			}
			status, out := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", body)
			code, msg, field := errorOf(out)
			if status != 400 || code != "invalid" || field != tc.field || !strings.Contains(msg, tc.msg) {
				t.Fatalf("got %d %q %q %q", status, code, field, msg)
			}
		})
	}
	for name, body := range map[string]string{"not JSON": "{", "empty": "", "two values": `{} {}`} {
		t.Run(name, func(t *testing.T) {
			if status, out := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", body); status != 400 {
				t.Fatalf("%d %v", status, out)
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		if status, _ := e.do(t, "POST", "/api/v1/claims", e.keyA, "text/plain", base); status != 400 {
			t.Fatal(status)
		}
	})
	t.Run("nothing stored", func(t *testing.T) {
		list, _, _ := e.db.FindClaims(context.Background(), e.tenantA, portal.ClaimFilter{})
		if len(list) != 0 {
			t.Fatalf("%d claims stored from bad input", len(list))
		}
	})
}

func TestAPIKeys(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	for name, key := range map[string]string{"none": "", "wrong": "rls_abcdefgh_wrongwrongwrongwrongwrongwrong", "garbage": "x", "revoked": e.revokedKeyA} {
		t.Run(name, func(t *testing.T) {
			status, body := e.do(t, "GET", "/api/v1/claims", key, "", "")
			if code, _, _ := errorOf(body); status != 401 || code != "unauthorized" {
				t.Fatalf("%d %v", status, body)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "/api/v1") || strings.Contains(e.logs.String(), e.revokedKeyA) || strings.Contains(e.logs.String(), e.keyA) {
		t.Fatalf("logs must record requests but never keys:\n%s", e.logs.String())
	}
}

// TestTenantIsolation: tenant B's key gets 404 on every claim route of a
// claim of tenant A, found from the app's own route list.
func TestTenantIsolation(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "A"))
			if status != 201 {
				t.Fatal(status, body)
			}
			id := body["id"].(string)
			n := 0
			for _, r := range e.srv.App().GetRoutes(true) {
				if !strings.HasPrefix(r.Path, "/api/v1/claims/:id") || r.Method == "HEAD" {
					continue
				}
				path := strings.Replace(r.Path, ":id", id, 1)
				path = regexp.MustCompile(`:[a-z_]+`).ReplaceAllString(path, portal.NewID(time.Now()))
				status, body := e.do(t, r.Method, path, e.keyB, "application/json", `{}`)
				if status != 404 {
					t.Errorf("%s %s with tenant B's key: %d %v", r.Method, r.Path, status, body)
				}
				n++
			}
			if n < 3 {
				t.Fatalf("only %d claim routes checked", n)
			}
			if status, _ := e.do(t, "GET", "/api/v1/claims/"+id, e.keyA, "", ""); status != 200 {
				t.Fatalf("owner cannot read: %d", status)
			}
		})
	}
}

func TestCSVImportAPI(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	good := "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount\n" +
		"C-1,EUR,FR,business,Dupont SARL,fr,75011,F-1,2024-01-01,2024-01-31,\"1 000,50\"\n" +
		"C-1,EUR,FR,business,Dupont SARL,fr,75011,F-2,2024-02-01,2024-02-29,250.00\n"
	status, body := e.do(t, "POST", "/api/v1/claims/import", e.keyA, "text/csv", good)
	if status != 201 || body["imported"] != float64(1) {
		t.Fatalf("%d %v", status, body)
	}
	_, body = e.do(t, "GET", "/api/v1/claims?reference=C-1", e.keyA, "", "")
	claim := body["claims"].([]any)[0].(map[string]any)
	if invs := claim["invoices"].([]any); len(invs) != 2 || invs[0].(map[string]any)["amount"] != float64(100050) {
		t.Fatalf("imported: %v", claim)
	}
	status, body = e.do(t, "POST", "/api/v1/claims/import", e.keyA, "text/csv", good)
	lines, _ := body["errors"].([]any)
	if status != 400 || len(lines) != 1 || !strings.Contains(lines[0].(map[string]any)["message"].(string), "duplicate reference") {
		t.Fatalf("re-import: %d %v", status, body)
	}
}

// TestOpenAPIMatchesRoutes: every API, webhook and probe route of the app
// is in the OpenAPI document, and the document names no route the app does
// not have. HTML pages and assets are not part of the API.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	served := map[string]bool{}
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		if !(strings.HasPrefix(r.Path, "/api/") || strings.HasPrefix(r.Path, "/webhooks/") || r.Path == "/livez" || r.Path == "/readyz" || r.Path == "/healthz") {
			continue
		}
		key := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		served[key] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("OpenAPI out of date.\nroutes missing from the document: %v\ndocumented routes the app lacks: %v", missing, extra)
	}
	if len(served) < 8 {
		t.Fatalf("only %d routes found", len(served))
	}
}

// TestHealthzRates: /healthz names the rate series without today's rate,
// so that monitoring catches a half-year the operator has not loaded yet.
func TestHealthzRates(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Rates: rates})
	for day, want := range map[string]string{"2024-06-30": "[]", "2031-03-01": "[fr_b2b fr_legal_other fr_legal_natural_person be_b2b be_civil_legal]"} {
		e.clock.T = portal.MustDate(day).Time()
		resp, err := srv.App().Test(httptest.NewRequest("GET", "/healthz", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		var h struct {
			Missing []string `json:"rates_missing"`
		}
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if fmt.Sprint(h.Missing) != want {
			t.Errorf("on %s: rates_missing %v, want %s", day, h.Missing, want)
		}
	}
}

func TestProbesAndHeaders(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	for _, p := range []string{"/livez", "/readyz", "/healthz"} {
		req := httptest.NewRequest("GET", p, nil)
		resp, err := e.srv.App().Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, err, resp)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Fatalf("CSP: %q", csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("headers: %v", resp.Header)
		}
	}
	// /readyz answers 503 once the database is gone.
	e.db.Close()
	resp, _ := e.srv.App().Test(httptest.NewRequest("GET", "/readyz", nil), -1)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with closed DB: %d", resp.StatusCode)
	}
	resp, _ = e.srv.App().Test(httptest.NewRequest("GET", "/no/such/route", nil), -1)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
}

// TestBodyLimit needs a real listener: the limit is enforced while the
// request is read, before any handler runs.
func TestBodyLimit(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	srv := New(Config{BaseURL: "http://relais.test", BodyLimit: 1024}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.Shutdown(time.Second) })
	big := `{"reference":"` + strings.Repeat("x", 4096) + `"}`
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/claims", strings.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+e.keyA)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !strings.Contains(string(raw), "too_large") {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
}
