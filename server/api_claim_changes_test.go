package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestClaimChangesAPI: an API key changes the debtor's contact data (only
// the fields given) and records credit notes, each an evidence event with
// the key as actor; bad data and another tenant's claim change nothing.
func TestClaimChangesAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			e.srv.deps.ClaimChanges = e.db
			status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "CC"))
			if status != 201 {
				t.Fatal(status, body)
			}
			id := body["id"].(string)
			base := "/api/v1/claims/" + id

			status, body = e.do(t, "PATCH", base+"/debtor", e.keyA, "application/json", `{"email":"nope"}`)
			if code, _, field := errorOf(body); status != 400 || code != "invalid" || field != "debtor.email" {
				t.Fatalf("bad e-mail: %d %v", status, body)
			}
			status, body = e.do(t, "PATCH", base+"/debtor", e.keyA, "application/json", `{"email":"ap@debtor.test","language":"nl"}`)
			if status != 200 || body["email"] != "ap@debtor.test" || body["language"] != "nl" || body["name"] == "" {
				t.Fatalf("contact: %d %v", status, body)
			}
			evs, _ := e.db.ListEvents(context.Background(), e.tenantA, id, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventDebtorContactChanged || last.Actor.Kind != portal.ActorAPIKey {
				t.Fatalf("event %s by %+v", last.Kind, last.Actor)
			}

			status, body = e.do(t, "POST", base+"/credit-notes", e.keyA, "application/json", `{"number":"AV-1","issue_date":"2024-06-01","amount":999999999}`)
			if code, _, field := errorOf(body); status != 400 || code != "invalid" || field != "amount" {
				t.Fatalf("too much: %d %v", status, body)
			}
			status, body = e.do(t, "POST", base+"/credit-notes", e.keyA, "application/json", `{"number":"AV-1","issue_date":"2024-06-01","amount":1000}`)
			if status != 201 || body["amount"] != float64(1000) || body["id"] == "" {
				t.Fatalf("credit note: %d %v", status, body)
			}
			if status, _ := e.do(t, "POST", base+"/credit-notes", e.keyA, "application/json", `{"number":"AV-1","issue_date":"2024-06-01","amount":1000}`); status != 409 {
				t.Fatalf("same number: %d", status)
			}
			for _, r := range []struct{ method, path, body string }{
				{"PATCH", base + "/debtor", `{"email":"b@b.test"}`},
				{"POST", base + "/credit-notes", `{"number":"AV-2","issue_date":"2024-06-01","amount":1}`},
			} {
				if status, _ := e.do(t, r.method, r.path, e.keyB, "application/json", r.body); status != 404 {
					t.Errorf("%s %s with tenant B's key: %d", r.method, r.path, status)
				}
			}
			got, _ := e.db.FindClaim(context.Background(), e.tenantA, id)
			if got.Debtor.Email != "ap@debtor.test" || len(got.CreditNotes) != 1 {
				t.Fatalf("claim: %+v %d", got.Debtor, len(got.CreditNotes))
			}
		})
	}
}
