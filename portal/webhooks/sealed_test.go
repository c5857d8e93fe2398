package webhooks_test

import (
	"context"
	"errors"
	"github.com/relais/relais/portal"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal/datakey"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestWebhookSecretUnreadable: an instance whose data key does not open
// the endpoint's secret sends nothing (never a request signed with a
// garbage secret) and counts no attempt against the endpoint; once its
// lease runs out, an instance with the right key delivers, with a
// signature the receiver's secret verifies.
func TestWebhookSecretUnreadable(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			ep := e.endpoint(t, e.tenantA, rc.URL+"/hooks")
			ev := e.event(t, e.tenantA, e.claimA, 1)

			wrong, err := datakey.Generate()
			must(t, err)
			other := storetest.MustOpenURL(t, e.db.URL, e.clock)
			other.UseDataKeys(wrong)
			bad := e.worker("w-wrong-key")
			bad.Store = other
			bad.Health = portal.NewJobHealth("webhooks")
			// The run fails (so /healthz shows it), saying why.
			rep, err := bad.RunOnce(context.Background())
			var held *webhooks.UnreadableSecrets
			if !errors.As(err, &held) || held.Deliveries != 1 || !strings.Contains(err.Error(), "does not decrypt") {
				t.Fatalf("run of the instance with another data key: %v, want UnreadableSecrets for 1 delivery", err)
			}
			if rep.Claimed != 0 || rep.Delivered+rep.Retried+rep.Failed != 0 {
				t.Fatalf("report of the instance with another data key: %+v", rep)
			}
			// Run records it for /healthz: once the lease runs out, the
			// delivery is held back again and the job reported failing.
			e.clock.Advance(3 * time.Minute)
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() { defer close(stopped); bad.Run(ctx) }()
			for deadline := time.Now().Add(10 * time.Second); bad.Health.Status().Runs == 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			<-stopped
			if st := bad.Health.Status(); st.Runs == 0 || st.Failing == 0 {
				t.Fatalf("health after the held-back delivery: %+v, want the job failing", st)
			}
			if got := rc.requests(); len(got) != 0 {
				t.Fatalf("%d requests sent with a secret that did not decrypt", len(got))
			}
			ds, err := e.db.WebhookDeliveries(context.Background(), e.tenantA)
			must(t, err)
			if len(ds) != 1 || ds[0].Attempts != 0 || ds[0].Status != webhooks.Retry {
				t.Fatalf("delivery after the refused send: %+v", ds)
			}

			good := e.worker("w-right-key")
			e.clock.Advance(3 * time.Minute) // the lease of the first instance runs out
			if rep := runOnce(t, good); rep.Delivered != 1 {
				t.Fatalf("report of the instance with the data key: %+v", rep)
			}
			got := rc.requests()
			if len(got) != 1 || got[0].header.Get("webhook-id") != ev.ID || !independentVerify(ep.Secret, got[0].header, got[0].body) {
				t.Fatalf("the delivery does not verify with the receiver's secret: %d requests", len(got))
			}
			ds, _ = e.db.WebhookDeliveries(context.Background(), e.tenantA)
			if ds[0].Attempts != 1 || ds[0].Status != webhooks.Delivered {
				t.Fatalf("delivery %+v", ds[0])
			}
		})
	}
}
