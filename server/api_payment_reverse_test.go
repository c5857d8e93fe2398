package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// A negative manual payment is refused and changes nothing (it used to
// break the claim's balance and every later statement import); a payment
// recorded by mistake is reversed instead, once, with its reason, as a
// negative payment naming it — never deleted.
func TestPaymentReverse(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newAPIEnv(t, d)
			status, body := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "R"))
			if status != 201 {
				t.Fatalf("claim: %d %v", status, body)
			}
			id := body["id"].(string)
			balance := func() int64 {
				t.Helper()
				status, b := e.do(t, "GET", "/api/v1/claims/"+id+"/balance", e.keyA, "", "")
				if status != 200 {
					t.Fatalf("balance: %d %v", status, b)
				}
				return int64(b["total"].(float64))
			}
			before := balance()
			if status, body := e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
				`{"amount": -100, "received_on": "2024-06-01"}`); status != 400 {
				t.Fatalf("negative payment: %d %v", status, body)
			} else if _, msg, field := errorOf(body); field != "amount" || msg == "" {
				t.Errorf("negative payment error %v", body)
			}
			if balance() != before {
				t.Fatal("a refused payment changed the balance")
			}
			status, body = e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
				`{"amount": 50000, "received_on": "2024-06-01", "reference": "VIR 123"}`)
			if status != 201 {
				t.Fatalf("payment: %d %v", status, body)
			}
			pid := body["id"].(string)
			paid := balance()
			if paid >= before {
				t.Fatalf("the payment did not lower the balance: %d → %d", before, paid)
			}
			path := "/api/v1/claims/" + id + "/payments/" + pid + "/reverse"
			if status, _ := e.do(t, "POST", path, e.keyA, "application/json", `{"reason": " "}`); status != 400 {
				t.Errorf("no reason: %d", status)
			}
			if status, _ := e.do(t, "POST", path, e.keyB, "application/json", `{"reason": "typo"}`); status != 404 {
				t.Errorf("another tenant: %d", status)
			}
			if status, _ := e.do(t, "POST", "/api/v1/claims/"+id+"/payments/"+portal.NewID(e.clock.T)+"/reverse", e.keyA, "application/json", `{"reason": "typo"}`); status != 404 {
				t.Errorf("unknown payment: %d", status)
			}
			status, body = e.do(t, "POST", path, e.keyA, "application/json", `{"reason": "entered on the wrong claim"}`)
			if status != 201 || body["amount"] != float64(-50000) || body["reverses"] != pid {
				t.Fatalf("reverse: %d %v", status, body)
			}
			if got := balance(); got != before {
				t.Errorf("after the reversal the balance is %d, want %d as before the payment", got, before)
			}
			if status, _ := e.do(t, "POST", path, e.keyA, "application/json", `{"reason": "again"}`); status != 409 {
				t.Errorf("second reversal: %d", status)
			}
			if status, _ := e.do(t, "POST", "/api/v1/claims/"+id+"/payments/"+body["id"].(string)+"/reverse", e.keyA, "application/json", `{"reason": "x"}`); status != 400 {
				t.Errorf("reversing a reversal: %d", status)
			}
			evs, err := e.db.ListEvents(context.Background(), e.tenantA, id, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range evs {
				if ev.Kind == portal.EventPaymentReversed {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d payment.reversed events", n)
			}
			c, err := e.db.FindClaim(context.Background(), e.tenantA, id)
			if err != nil || len(c.Payments) != 2 {
				t.Fatalf("payments kept: %v %d", err, len(c.Payments))
			}
		})
	}
}
