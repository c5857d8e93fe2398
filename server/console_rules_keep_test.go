package server_test

import (
	"context"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsolePolicyKeepsHiddenFields: the console's policy form shows only
// some of the policy; saving it keeps the rest (ways to pay, the SEPA
// notice, date moves, response targets) as the API set them.
func TestConsolePolicyKeepsHiddenFields(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			set := negotiation.DefaultPolicy()
			set.PayMethods = []string{negotiation.PaySEPADebit, negotiation.PayTransfer}
			set.DebitNoticeDays = 5
			set.Plan.MaxDateMoves, set.Plan.MaxMoveDays = 2, 10
			if err := e.db.SetPolicy(ctx, e.tenantA, e.creditorA.ID, "", set); err != nil {
				t.Fatal(err)
			}
			if status, _, _ := e.do(e.owner, "POST", "/console/policy", policyForm(e.creditorA.ID)); status != 303 {
				t.Fatalf("save: %d", status)
			}
			p, _, err := e.db.CreditorPolicy(ctx, e.tenantA, e.creditorA.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.MinInstalment != 2500 {
				t.Errorf("the form's minimum instalment was not saved: %d", p.MinInstalment)
			}
			if len(p.PayMethods) != 2 || p.PayMethods[0] != negotiation.PaySEPADebit || p.DebitNoticeDays != 5 ||
				p.Plan.MaxDateMoves != 2 || p.Plan.MaxMoveDays != 10 {
				t.Errorf("saving from the console lost what the form does not show: %+v", p)
			}
		})
	}
}
