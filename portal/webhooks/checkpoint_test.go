package webhooks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestCheckpointWebhook: a checkpoint recorded is queued in the outbox
// for the tenant's endpoints that name checkpoint.signed, not for one that
// wants every kind (the large daily payload only to who asks for it),
// another tenant's nor one that wants other kinds; the worker POSTs it signed, and its payload is the checkpoint
// file, which verifies and names the tenant's claims only.
func TestCheckpointWebhook(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			every := e.endpoint(t, e.tenantA, rc.URL+"/every")
			only, err := e.db.CreateWebhookEndpoint(ctx, e.tenantA, webhooks.EndpointInput{URL: rc.URL + "/checkpoints",
				Kinds: []portal.EventKind{webhooks.KindCheckpointSigned}})
			must(t, err)
			notes, err := e.db.CreateWebhookEndpoint(ctx, e.tenantA, webhooks.EndpointInput{URL: rc.URL + "/notes",
				Kinds: []portal.EventKind{portal.EventNoteWritten}})
			must(t, err)
			e.endpoint(t, e.tenantB, rc.URL+"/other-tenant")
			e.event(t, e.tenantA, e.claimA, 1)
			runOnce(t, e.worker("w1")) // the claim's events first
			before := len(rc.requests())

			signer, _ := evidence.GenerateSigner()
			e.clock.Advance(time.Hour)
			c := &evidence.Checkpointer{Store: e.db, Leases: e.db, Signer: signer, Clock: e.clock, Dir: t.TempDir()}
			w, err := c.Make(ctx, e.tenantA)
			must(t, err)

			ds, err := e.db.WebhookDeliveries(ctx, e.tenantA)
			must(t, err)
			queued := map[string]bool{}
			for _, d := range ds {
				if d.Kind == webhooks.KindCheckpointSigned {
					queued[d.EndpointID] = true
					if d.Status != webhooks.Retry || d.ClaimID != "" || d.Seq != 0 {
						t.Fatalf("checkpoint delivery %+v", d)
					}
				}
			}
			if len(queued) != 1 || queued[every.ID] || !queued[only.ID] || queued[notes.ID] {
				t.Fatalf("checkpoint queued for %v (every %s, only %s, notes %s)", queued, every.ID, only.ID, notes.ID)
			}
			if other, _ := e.db.WebhookDeliveries(ctx, e.tenantB); len(other) != 0 {
				t.Fatalf("tenant B's outbox: %+v", other)
			}

			rep := runOnce(t, e.worker("w1"))
			if rep.Delivered != 1 {
				t.Fatalf("report %+v", rep)
			}
			got := rc.requests()[before:]
			if len(got) != 1 {
				t.Fatalf("%d requests", len(got))
			}
			for _, r := range got {
				if r.event.Kind != webhooks.KindCheckpointSigned || r.event.Hash != w.Root || r.header.Get("webhook-id") != r.event.ID || r.event.ID == "" {
					t.Fatalf("body %+v, webhook-id %q", r.event, r.header.Get("webhook-id"))
				}
				if !independentVerify(only.Secret, r.header, r.body) {
					t.Fatalf("signature: %v", r.header)
				}
				cp, _, err := evidence.ParseCheckpoint(r.event.Payload)
				if err != nil {
					t.Fatalf("payload is not a checkpoint: %v\n%s", err, r.body)
				}
				if cp.TenantID != e.tenantA || cp.TreeSize != 1 || cp.Root != w.Root || strings.Contains(string(r.event.Payload), e.claimB) {
					t.Fatalf("checkpoint %+v", cp)
				}
				if l, ok := cp.Leaf(e.claimA); !ok || l.Seq != 2 || l.Reference != "Alpha-1" {
					t.Fatalf("leaf %+v", l)
				}
			}
		})
	}
}

func TestEndpointKinds(t *testing.T) {
	in := webhooks.EndpointInput{URL: "https://example.com/hook", Kinds: []portal.EventKind{webhooks.KindCheckpointSigned, portal.EventNoteWritten}}
	if err := in.Validate(); err != nil {
		t.Fatalf("checkpoint.signed refused: %v", err)
	}
	in.Kinds = []portal.EventKind{"checkpoint.made"}
	if err := in.Validate(); err == nil {
		t.Fatal("an unknown kind accepted")
	}
	if portal.EventKind(webhooks.KindCheckpointSigned).Valid() {
		t.Fatal("checkpoint.signed is an event kind of the log: appendEvent would accept it")
	}
}
