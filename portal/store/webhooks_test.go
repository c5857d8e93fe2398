package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestWebhookOutbox: the deliveries of an event are written in the
// event's transaction, for the endpoints of the event's tenant that want
// its kind, and roll back with it.
func TestWebhookOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		ca, cb := newClaim("R-A"), newClaim("R-B")
		if err := db.CreateClaim(ctx, a.ID, ca); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateClaim(ctx, b.ID, cb); err != nil {
			t.Fatal(err)
		}
		all, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://erp.alpha.example/hooks"})
		if err != nil {
			t.Fatal(err)
		}
		payments, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://erp.alpha.example/pay",
			Kinds: []portal.EventKind{portal.EventPaymentRecorded}})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateWebhookEndpoint(ctx, b.ID, webhooks.EndpointInput{URL: "https://beta.example/hooks"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(all.Secret, "whsec_") || len(all.Secret) < 40 || all.Secret == payments.Secret {
			t.Fatalf("secrets %q %q", all.Secret, payments.Secret)
		}

		t.Run("RolledBack", func(t *testing.T) {
			seen, err := db.AppendEventThenFail(ctx, a.ID, ca.ID, portal.EventClaimViewed)
			if err != nil {
				t.Fatal(err)
			}
			if seen != 1 {
				t.Fatalf("inside the transaction: %d deliveries, want 1", seen)
			}
			ds, err := db.WebhookDeliveries(ctx, a.ID)
			if err != nil || len(ds) != 0 {
				t.Fatalf("after the rollback: %v %+v", err, ds)
			}
			evs, _ := db.ListEvents(ctx, a.ID, ca.ID, 0, 0)
			if len(evs) != 1 {
				t.Fatalf("events after the rollback: %d", len(evs))
			}
		})

		t.Run("KindsAndTenants", func(t *testing.T) {
			if _, err := db.AppendEvent(ctx, a.ID, ca.ID, portal.EventClaimViewed, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AppendEvent(ctx, a.ID, ca.ID, portal.EventPaymentRecorded, map[string]any{"amount": 100}); err != nil {
				t.Fatal(err)
			}
			ds, err := db.WebhookDeliveries(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, d := range ds {
				got[d.EndpointID] = append(got[d.EndpointID], string(d.Kind))
				if d.Status != webhooks.Retry || d.ClaimID != ca.ID {
					t.Fatalf("delivery %+v", d)
				}
			}
			if strings.Join(got[all.ID], " ") != "claim.viewed payment.recorded" || strings.Join(got[payments.ID], " ") != "payment.recorded" || len(got) != 2 {
				t.Fatalf("deliveries by endpoint: %v", got)
			}
			// Only a claim's first view is sent: later views stay in the
			// evidence chain.
			if _, err := db.AppendEvent(ctx, a.ID, ca.ID, portal.EventClaimViewed, nil); err != nil {
				t.Fatal(err)
			}
			if ds, _ := db.WebhookDeliveries(ctx, a.ID); len(ds) != 3 {
				t.Fatalf("a second view was sent: %d deliveries", len(ds))
			}
			// Tenant B's endpoint sees nothing of A's claims.
			if ds, _ := db.WebhookDeliveries(ctx, b.ID); len(ds) != 0 {
				t.Fatalf("tenant B's deliveries: %+v", ds)
			}
			if _, err := db.AppendEvent(ctx, b.ID, cb.ID, portal.EventClaimViewed, nil); err != nil {
				t.Fatal(err)
			}
			ds, _ = db.WebhookDeliveries(ctx, b.ID)
			if len(ds) != 1 || ds[0].EndpointID != other.ID {
				t.Fatalf("tenant B's deliveries: %+v", ds)
			}
		})

		t.Run("Endpoints", func(t *testing.T) {
			list, err := db.ListWebhookEndpoints(ctx, a.ID)
			if err != nil || len(list) != 2 || list[0].ID != all.ID || list[0].Secret != "" || len(list[0].Kinds) != 0 ||
				len(list[1].Kinds) != 1 || list[1].Kinds[0] != portal.EventPaymentRecorded {
				t.Fatalf("list: %v %+v", err, list)
			}
			if err := db.DeleteWebhookEndpoint(ctx, b.ID, all.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant deletes: %v", err)
			}
			if err := db.DeleteWebhookEndpoint(ctx, a.ID, payments.ID); err != nil {
				t.Fatal(err)
			}
			ds, _ := db.WebhookDeliveries(ctx, a.ID)
			for _, d := range ds {
				if d.EndpointID == payments.ID {
					t.Fatalf("a deleted endpoint's delivery stayed: %+v", d)
				}
			}
			for _, bad := range []string{"http://erp.example/hooks", "ftp://erp.example/", "https://user:pw@erp.example/", "/hooks",
				"https://erp.example/#x", "", "javascript:alert(1)"} {
				if _, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: bad}); portal.ErrorField(err) != "url" {
					t.Errorf("url %q: %v", bad, err)
				}
			}
			for _, ok := range []string{"http://127.0.0.1:8081/hooks", "http://localhost/hooks", "http://[::1]:9/x"} {
				ep, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: ok})
				if err != nil {
					t.Fatalf("url %q: %v", ok, err)
				}
				if err := db.DeleteWebhookEndpoint(ctx, a.ID, ep.ID); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://x.example", Kinds: []portal.EventKind{"nope"}}); portal.ErrorField(err) != "kinds" {
				t.Fatalf("bad kind: %v", err)
			}
			for i := len(list) - 1; i < webhooks.MaxEndpoints; i++ {
				if _, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://x.example"}); err != nil {
					t.Fatal(i, err)
				}
			}
			if _, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://x.example"}); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("endpoint %d: %v", webhooks.MaxEndpoints+1, err)
			}
		})
	})
}

// TestWebhookOutboxCost: a tenant without endpoints pays no statement
// for webhooks: whether it has any is asked by the chain head's read.
func TestWebhookOutboxCost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("R-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		log, err := db.LogQueries()
		if err != nil {
			t.Fatal(err)
		}
		count := func() (stmts, webhook int) {
			for _, s := range log.Statements() {
				if strings.Contains(s, "webhook") && !(strings.Contains(s, "FROM events e WHERE e.claim_id")) {
					webhook++
				}
			}
			return len(log.Statements()), webhook
		}
		if _, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventLinkOpened, nil); err != nil {
			t.Fatal(err)
		}
		without, n := count()
		if n != 0 {
			t.Fatalf("%d webhook statements for an event of a tenant without endpoints: %q", n, log.Statements())
		}
		if _, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://erp.example/h"}); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		if _, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventLinkOpened, nil); err != nil {
			t.Fatal(err)
		}
		with, n := count()
		if n != 2 || with != without+2 {
			t.Fatalf("with an endpoint: %d statements (%d without), %d for webhooks: %q", with, without, n, log.Statements())
		}
		if ds, _ := db.WebhookDeliveries(ctx, a.ID); len(ds) != 1 {
			t.Fatalf("%d deliveries", len(ds))
		}
	})
}
