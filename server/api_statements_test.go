package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/relais/relais/portal/store/storetest"
)

func TestStatementAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			p := newPayEnv(t, dialect, "")
			p.srv = p.srvPay
			ctx := context.Background()
			ref, err := p.db.ClaimPaymentReference(ctx, p.tenantA, p.claimA.ID)
			if err != nil {
				t.Fatal(err)
			}
			csv := "date,amount,currency,reference,counterparty_name,counterparty_iban,bank_ref\n" +
				"2024-06-29,250.00,EUR," + ref.Printed + ",Peeters BV,,B-1\n" +
				"2024-06-29,9.99,EUR,who knows,Somebody,,B-2\n"
			status, body := p.do(t, "POST", "/api/v1/statements", p.keyA, "text/csv", csv)
			if status != 201 {
				t.Fatalf("import: %d %v", status, body)
			}
			id := body["id"].(string)
			if m := body["matched"].([]any); len(m) != 1 || m[0].(map[string]any)["claim_id"] != p.claimA.ID {
				t.Fatalf("matched %v", body["matched"])
			}
			unmatched := body["unmatched"].([]any)[0].(map[string]any)["id"].(string)

			if status, body := p.do(t, "POST", "/api/v1/statements", p.keyA, "text/csv", csv); status != 200 || body["id"] != "" || body["duplicates"] != float64(2) {
				t.Fatalf("second import: %d %v", status, body)
			}
			if s := p.state(t, p.claimA); len(s.payments) != 1 || s.payments[0] != 25000 {
				t.Fatalf("state %v", s)
			}
			if status, body := p.do(t, "GET", "/api/v1/statements/"+id, p.keyA, "", ""); status != 200 || len(body["unmatched"].([]any)) != 1 {
				t.Fatalf("show: %d %v", status, body)
			}
			if status, _ := p.do(t, "GET", "/api/v1/statements/"+id, p.keyB, "", ""); status != 404 {
				t.Fatalf("other tenant: %d", status)
			}
			accept := fmt.Sprintf("/api/v1/statements/%s/suggestions/%s/accept", id, unmatched)
			if status, _ := p.do(t, "POST", accept, p.keyB, "application/json", `{"claim_id":"`+p.claimA.ID+`"}`); status != 404 {
				t.Fatalf("other tenant accepts: %d", status)
			}
			if status, body := p.do(t, "POST", accept, p.keyA, "application/json", `{"claim_id":"`+p.claimA.ID+`"}`); status != 200 || body["status"] != "accepted" {
				t.Fatalf("accept: %d %v", status, body)
			}
			if status, _ := p.do(t, "POST", accept, p.keyA, "application/json", `{"claim_id":"`+p.claimA.ID+`"}`); status != 409 {
				t.Fatalf("accept twice: %d", status)
			}
			if status, body := p.do(t, "POST", "/api/v1/statements", p.keyA, "application/pdf", "x"); status != 400 {
				t.Fatalf("bad type: %d %v", status, body)
			}
			if status, body := p.do(t, "POST", "/api/v1/statements?format=camt053", p.keyA, "application/xml", "<not-camt"); status != 400 {
				t.Fatalf("bad xml: %d %v", status, body)
			}
		})
	}
}
