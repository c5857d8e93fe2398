package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// beConsumerClaimJSON is a Belgian consumer claim with two invoices; %s is
// the reference, %s the contract's terms (fields with a trailing comma).
const beConsumerClaimJSON = `{"reference":"%s","currency":"EUR","jurisdiction":"BE",%s
 "debtor":{"kind":"consumer","name":"Jan Peeters","language":"nl","postcode":"9000","country":"BE"},
 "invoices":[{"number":"B-1","issue_date":"2024-01-01","due_date":"2024-01-31","amount":10000},
             {"number":"B-2","issue_date":"2024-02-01","due_date":"2024-02-29","amount":5000}]}`

// TestClaimTermsAPI: a claim carries its contract's damages clause,
// interest clause and Belgian prescription through the API and back; a
// claim that says nothing has none.
func TestClaimTermsAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json",
				fmt.Sprintf(beConsumerClaimJSON, "BE-T1", `"damages_clause":true,"prescription":"periodic","contract_rate_bp":850,`))
			if status != 201 || body["damages_clause"] != true || body["prescription"] != "periodic" || body["contract_rate_bp"] != float64(850) {
				t.Fatalf("create: %d %v", status, body)
			}
			id := body["id"].(string)
			status, body = e.do(t, "GET", "/api/v1/claims/"+id, e.keyA, "", "")
			if status != 200 || body["damages_clause"] != true || body["prescription"] != "periodic" || body["contract_rate_bp"] != float64(850) {
				t.Fatalf("read back: %d %v", status, body)
			}
			_, body = e.do(t, "GET", "/api/v1/claims/"+id+"/events", e.keyA, "", "")
			if ev := body["events"].([]any)[0].(map[string]any); !strings.Contains(fmt.Sprint(ev["payload"]), "damages_clause") {
				t.Fatalf("claim.created does not record the damages clause: %v", ev)
			}
			status, body = e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(beConsumerClaimJSON, "BE-T2", ""))
			if _, has := body["prescription"]; status != 201 || body["damages_clause"] != false || body["contract_rate_bp"] != nil || has {
				t.Fatalf("claim without terms: %d %v", status, body)
			}
		})
	}
}

// TestClaimTermsAPIBadInput: a bad damages clause or prescription is a 400
// naming the field, and nothing is stored.
func TestClaimTermsAPIBadInput(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	for _, tc := range []struct {
		name, body, field, msg string
	}{
		{"damages clause as a word", fmt.Sprintf(beConsumerClaimJSON, "BAD-1", `"damages_clause":"yes",`), "damages_clause", "boolean"},
		{"damages clause as a number", fmt.Sprintf(beConsumerClaimJSON, "BAD-2", `"damages_clause":1,`), "damages_clause", "boolean"},
		{"prescription unknown", fmt.Sprintf(beConsumerClaimJSON, "BAD-3", `"prescription":"forever",`), "prescription", "personal, goods_to_consumer or periodic"},
		{"prescription not a string", fmt.Sprintf(beConsumerClaimJSON, "BAD-4", `"prescription":10,`), "prescription", "string"},
		{"prescription of a French claim", strings.Replace(fmt.Sprintf(validClaimJSON, "BAD-5"), `"jurisdiction":"FR",`, `"jurisdiction":"FR","prescription":"personal",`, 1), "prescription", "Belgian claims only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", tc.body)
			if code, msg, field := errorOf(body); status != 400 || code != "invalid" || field != tc.field || !strings.Contains(msg, tc.msg) {
				t.Fatalf("%d %v", status, body)
			}
		})
	}
	if _, body := e.do(t, "GET", "/api/v1/claims", e.keyA, "", ""); len(body["claims"].([]any)) != 0 {
		t.Fatalf("a bad claim was stored: %v", body)
	}
}

// TestPaymentInvoiceAPI: a payment may name the invoice the debtor chose
// to pay (Code civil 1342-10), one of the claim's: it is stored and in the
// evidence; another claim's invoice, or no invoice at all, is refused.
func TestPaymentInvoiceAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			create := func(ref string) map[string]any {
				t.Helper()
				status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(beConsumerClaimJSON, ref, ""))
				if status != 201 {
					t.Fatalf("%d %v", status, body)
				}
				return body
			}
			claim, other := create("PAY-1"), create("PAY-2")
			id := claim["id"].(string)
			second := claim["invoices"].([]any)[1].(map[string]any)["id"].(string)
			foreign := other["invoices"].([]any)[0].(map[string]any)["id"].(string)

			status, body := e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
				`{"amount":5000,"received_on":"2024-05-02","invoice_id":"`+second+`"}`)
			if status != 201 || body["invoice_id"] != second {
				t.Fatalf("payment of B-2: %d %v", status, body)
			}
			c, err := e.db.FindClaim(context.Background(), e.tenantA, id)
			if err != nil || len(c.Payments) != 1 || c.Payments[0].InvoiceID != second {
				t.Fatalf("stored payment: %+v %v", c.Payments, err)
			}
			evs, _ := e.db.ListEvents(context.Background(), e.tenantA, id, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventPaymentRecorded || !strings.Contains(last.Payload, `"invoice_id":"`+second+`"`) {
				t.Fatalf("event: %s %s", last.Kind, last.Payload)
			}
			for name, inv := range map[string]string{"another claim's invoice": foreign, "not an id": "F-1", "unknown id": portal.NewID(e.clock.Now())} {
				status, body := e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
					`{"amount":1000,"received_on":"2024-05-03","invoice_id":"`+inv+`"}`)
				if code, msg, field := errorOf(body); status != 400 || code != "invalid" || field != "invoice_id" || !strings.Contains(msg, "not the id of an invoice of claim PAY-1") {
					t.Fatalf("%s: %d %v", name, status, body)
				}
			}
			if c, _ := e.db.FindClaim(context.Background(), e.tenantA, id); len(c.Payments) != 1 {
				t.Fatalf("a refused payment was stored: %+v", c.Payments)
			}
		})
	}
}
