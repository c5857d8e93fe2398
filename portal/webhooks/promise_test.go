package webhooks_test

import (
	"context"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestPromiseWebhooks (issue 19, "promise kept or broken"; issue 20): an
// endpoint subscribed to promise.kept and promise.broken receives the
// promise its claim's payment keeps and the one the promises job breaks,
// and nothing of the recording.
func TestPromiseWebhooks(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: "agent-1", TenantID: e.tenantA})
			rc := newReceiver(t)
			_, err := e.db.CreateWebhookEndpoint(ctx, e.tenantA, webhooks.EndpointInput{URL: rc.URL,
				Kinds: []portal.EventKind{portal.EventPromiseKept, portal.EventPromiseBroken}})
			must(t, err)
			other := newClaim("Alpha-2")
			must(t, e.db.CreateClaim(ctx, e.tenantA, other))
			kept, err := e.db.RecordPromise(ctx, e.tenantA, e.claimA, portal.PromiseInput{Amount: 5000, DueOn: portal.MustDate("2024-07-05"), Source: portal.PromiseFromAgent})
			must(t, err)
			broken, err := e.db.RecordPromise(ctx, e.tenantA, other.ID, portal.PromiseInput{Amount: 5000, DueOn: portal.MustDate("2024-07-05"), Source: portal.PromiseFromAgent})
			must(t, err)
			must(t, e.db.AddPayment(ctx, e.tenantA, &portal.Payment{ClaimID: e.claimA, Amount: 5000, ReceivedOn: portal.MustDate("2024-06-30"), Method: portal.PaymentTransfer}))
			e.clock.T = time.Date(2024, 7, 9, 10, 0, 0, 0, time.UTC)
			if rep, err := e.db.SweepPromises(ctx); err != nil || rep.Broken != 1 {
				t.Fatalf("sweep: %+v %v", rep, err)
			}
			runOnce(t, e.worker("a"))
			got := map[portal.EventKind]string{}
			for _, r := range rc.requests() {
				got[r.event.Kind] = r.event.ClaimID
			}
			if len(got) != 2 || got[portal.EventPromiseKept] != kept.ClaimID || got[portal.EventPromiseBroken] != broken.ClaimID {
				t.Fatalf("deliveries %v, want promise.kept of %s and promise.broken of %s", got, kept.ClaimID, broken.ClaimID)
			}
		})
	}
}
