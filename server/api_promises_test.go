package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestPromisesAPI (issue 20): an API key records a promise to pay (source
// agent, promise.recorded by the key) and lists it; a bad date or amount
// is refused naming the field and stores nothing; another tenant's key
// gets 404 on both routes.
func TestPromisesAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			e.srv.deps.Promises = e.db
			status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "PR"))
			if status != 201 {
				t.Fatal(status, body)
			}
			id := body["id"].(string)
			base := "/api/v1/claims/" + id + "/promises"
			for _, bad := range []struct{ body, field string }{
				{`{"amount":5000,"due_on":"2024-06-01"}`, "due_on"},     // past (today 30 June 2024)
				{`{"amount":5000,"due_on":"2024-08-30"}`, "due_on"},     // beyond the policy's 30 days
				{`{"amount":5000,"due_on":"30/07/2024"}`, "due_on"},     // not a date
				{`{"amount":-1,"due_on":"2024-07-10"}`, "amount"},       // negative
				{`{"amount":99999999,"due_on":"2024-07-10"}`, "amount"}, // more than the balance
			} {
				status, body := e.do(t, "POST", base, e.keyA, "application/json", bad.body)
				if code, _, field := errorOf(body); status != 400 || code != "invalid" || field != bad.field {
					t.Errorf("%s: %d %v, want 400 on %s", bad.body, status, body, bad.field)
				}
			}
			status, body = e.do(t, "POST", base, e.keyA, "application/json", `{"amount":5000,"due_on":"2024-07-10","note":"by phone"}`)
			if status != 201 || body["status"] != "expected" || body["source"] != "agent" || body["by_kind"] != "api_key" || body["currency"] != "EUR" || body["amount"] != float64(5000) {
				t.Fatalf("record: %d %v", status, body)
			}
			status, body = e.do(t, "GET", base, e.keyA, "", "")
			list, _ := body["promises"].([]any)
			if status != 200 || len(list) != 1 || list[0].(map[string]any)["due_on"] != "2024-07-10" {
				t.Fatalf("list: %d %v", status, body)
			}
			evs, _ := e.db.ListEvents(context.Background(), e.tenantA, id, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventPromiseRecorded || last.Actor.Kind != portal.ActorAPIKey {
				t.Fatalf("event %s by %+v", last.Kind, last.Actor)
			}
			for _, m := range []string{"GET", "POST"} {
				if status, _ := e.do(t, m, base, e.keyB, "application/json", `{"amount":5000,"due_on":"2024-07-10"}`); status != 404 {
					t.Errorf("%s with tenant B's key: %d", m, status)
				}
			}
			if ps, _ := e.db.ClaimPromises(context.Background(), e.tenantA, id); len(ps) != 1 {
				t.Fatalf("%d promises stored, want 1", len(ps))
			}
		})
	}
}
