package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal/store/storetest"
)

// TestCreditorAPI: a tenant lists, creates, reads and changes its
// creditors (VAT and company numbers checked with their check digits, in
// words), reads and sets a creditor's negotiation policy; another
// tenant's creditor is 404 on every route; refused input changes nothing.
func TestCreditorAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			e.srv = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db,
				Clock: e.clock, Conversations: e.db, AccountLog: e.db})
			status, body := e.do(t, "GET", "/api/v1/creditors", e.keyA, "", "")
			list, _ := body["creditors"].([]any)
			if status != 200 || len(list) != 1 || list[0].(map[string]any)["legal_name"] != "Alpha SA" {
				t.Fatalf("list: %d %v", status, body)
			}
			for bad, field := range map[string]string{
				`{"country": "FR"}`:                                                    "legal_name",
				`{"legal_name": "X", "country": "DE"}`:                                 "country",
				`{"legal_name": "X", "company_number": "732829321"}`:                   "company_number",
				`{"legal_name": "X", "company_number": "12345"}`:                       "company_number",
				`{"legal_name": "X", "country": "BE", "company_number": "0123456748"}`: "company_number",
				`{"legal_name": "X", "vat_number": "FR12732829320"}`:                   "vat_number",
				`{"legal_name": "X", "vat_number": "BE0123456748"}`:                    "vat_number",
				`{"legal_name": "X", "iban": "FR1420041010050500013M02607"}`:           "iban",
				`{"legal_name": "X", "bic": "GEB"}`:                                    "bic",
				`{"legal_name": "X", "phone": "0612345678"}`:                           "phone",
				`{"legal_name": "X", "id": "01abc"}`:                                   "id",
			} {
				status, body := e.do(t, "POST", "/api/v1/creditors", e.keyA, "application/json", bad)
				_, msg, f := errorOf(body)
				if status != 400 || (f != field && !strings.Contains(msg, field)) || msg == "" {
					t.Errorf("%s: %d %q %q", bad, status, f, msg)
				}
			}
			status, cr := e.do(t, "POST", "/api/v1/creditors", e.keyA, "application/json",
				`{"legal_name": "Janssens BV", "country": "BE", "company_number": "0123.456.749", "vat_number": "be 0123 456 749", "iban": "BE68 5390 0754 7034", "email": "Compta@Janssens.be"}`)
			id, _ := cr["id"].(string)
			if status != 201 || id == "" || cr["company_number"] != "0123456749" || cr["vat_number"] != "BE0123456749" || cr["iban"] != "BE68539007547034" ||
				cr["email"] != "compta@janssens.be" {
				t.Fatalf("create: %d %v", status, cr)
			}
			if _, body := e.do(t, "GET", "/api/v1/creditors", e.keyA, "", ""); len(body["creditors"].([]any)) != 2 {
				t.Fatalf("list after create: %v", body)
			}
			if status, body := e.do(t, "GET", "/api/v1/creditors/"+id, e.keyA, "", ""); status != 200 || body["legal_name"] != "Janssens BV" {
				t.Fatalf("show: %d %v", status, body)
			}
			// A change names only what changes; a refused one changes nothing.
			if status, _ := e.do(t, "PATCH", "/api/v1/creditors/"+id, e.keyA, "application/json", `{"vat_number": "BE0123456700"}`); status != 400 {
				t.Fatalf("bad VAT accepted: %d", status)
			}
			status, body = e.do(t, "PATCH", "/api/v1/creditors/"+id, e.keyA, "application/json", `{"country": "FR", "company_number": "73282932000074", "vat_number": "FR44732829320"}`)
			if status != 200 || body["vat_number"] != "FR44732829320" || body["company_number"] != "73282932000074" || body["legal_name"] != "Janssens BV" || body["iban"] != "BE68539007547034" {
				t.Fatalf("update: %d %v", status, body)
			}
			if _, body := e.do(t, "GET", "/api/v1/creditors/"+id, e.keyA, "", ""); body["vat_number"] != "FR44732829320" {
				t.Fatalf("not stored: %v", body)
			}
			// The policy: the default until set, then what was set.
			status, pol := e.do(t, "GET", "/api/v1/creditors/"+id+"/policy", e.keyA, "", "")
			if status != 200 || pol["min_instalment"] != float64(2000) {
				t.Fatalf("default policy: %d %v", status, pol)
			}
			if status, body := e.do(t, "PUT", "/api/v1/creditors/"+id+"/policy", e.keyA, "application/json", `{"max_discount_bp": 20000}`); status != 400 ||
				!strings.Contains(fmt.Sprint(body), "max_discount_bp must be between 0 and 10000") {
				t.Fatalf("bad policy: %d %v", status, body)
			}
			if status, _ := e.do(t, "PUT", "/api/v1/creditors/"+id+"/policy", e.keyA, "application/json", `{"min_instalment": 5000, "max_promise_days": 10}`); status != 200 {
				t.Fatalf("set policy: %d", status)
			}
			if _, pol := e.do(t, "GET", "/api/v1/creditors/"+id+"/policy", e.keyA, "", ""); pol["min_instalment"] != float64(5000) || pol["max_promise_days"] != float64(10) {
				t.Fatalf("policy after set: %v", pol)
			}
			// The account log: the creation, the change, the policy, by the key,
			// each about the creditor.
			_, alog := e.do(t, "GET", "/api/v1/account-log", e.keyA, "", "")
			var kinds []string
			for _, x := range alog["entries"].([]any) {
				en := x.(map[string]any)
				if en["payload"].(map[string]any)["creditor_id"] != id {
					continue // the fixture's creditor
				}
				if en["actor"].(map[string]any)["kind"] != "api_key" || en["subject_id"] != id {
					t.Fatalf("entry %v", en)
				}
				kinds = append(kinds, en["kind"].(string))
			}
			if strings.Join(kinds, " ") != "policy.set creditor.updated creditor.created" {
				t.Fatalf("account log %v", kinds)
			}
			// Tenant B sees none of it.
			for _, r := range [][2]string{{"GET", ""}, {"PATCH", ""}, {"GET", "/policy"}, {"PUT", "/policy"}} {
				if status, _ := e.do(t, r[0], "/api/v1/creditors/"+id+r[1], e.keyB, "application/json", `{}`); status != 404 {
					t.Errorf("B %s %s: %d", r[0], r[1], status)
				}
			}
			if _, body := e.do(t, "GET", "/api/v1/creditors", e.keyB, "", ""); len(body["creditors"].([]any)) != 1 {
				t.Fatalf("B's list: %v", body)
			}
		})
	}
}
