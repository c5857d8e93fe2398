package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestPaymentReceivedInTheFuture: a payment dated after today (the
// tenant's day) is refused, through the API and through the console form,
// with a message saying why on its field, and nothing is recorded; today's
// date is taken.
func TestPaymentReceivedInTheFuture(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Run("API", func(t *testing.T) {
				e := newAPIEnv(t, d)
				status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "F"))
				if status != 201 {
					t.Fatalf("claim: %d %v", status, body)
				}
				id := body["id"].(string)
				later := portal.DateOf(e.clock.T.Add(48 * time.Hour))
				status, body = e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
					`{"amount": 1000, "received_on": "`+later.String()+`"}`)
				if code, msg, field := errorOf(body); status != 400 || code != "invalid" || field != "received_on" || !strings.Contains(msg, "in the future") {
					t.Fatalf("future payment: %d %v", status, body)
				}
				c, err := e.db.FindClaim(context.Background(), e.tenantA, id)
				if err != nil || len(c.Payments) != 0 {
					t.Fatalf("payments after the refusal: %v %v", c, err)
				}
				today := portal.DateOf(e.clock.T.In(portal.Zone()))
				if status, body := e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
					`{"amount": 1000, "received_on": "`+today.String()+`"}`); status != 201 {
					t.Fatalf("today's payment: %d %v", status, body)
				}
			})
			t.Run("Console", func(t *testing.T) {
				e := newChatEnv(t, d)
				agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
				later := portal.DateOf(e.clock.T.Add(48 * time.Hour))
				r := agent.post("/console/claims/"+e.claim.ID+"/payments", url.Values{"payment.amount": {"10"}, "payment.received_on": {later.String()}, "payment.method": {"transfer"}})
				if r.status != 400 || !strings.Contains(r.body, `id="e-payment.received_on">Required: the day the money arrived, YYYY-MM-DD, not in the future.`) {
					t.Fatalf("future payment: %d %s", r.status, r.body)
				}
				c, err := e.db.FindClaim(context.Background(), e.tenantID, e.claim.ID)
				if err != nil || len(c.Payments) != 0 {
					t.Fatalf("payments after the refusal: %v %v", c.Payments, err)
				}
			})
		})
	}
}
