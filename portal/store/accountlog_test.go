package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestAccountChanges: policy and retention changes are written once each
// to the account log, with their actor and subject, and read back by kind
// and subject, newest first, each tenant its own.
func TestAccountChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: "usr-owner", TenantID: a.ID, IP: "203.0.113.7"})
		c := newClaim("R-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		cr := c.CreditorID
		p := negotiation.DefaultPolicy()
		for _, min := range []int64{3000, 4000} {
			p.MinInstalment = min
			if err := db.SetPolicy(ctx, a.ID, cr, "", p); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetPolicy(ctx, a.ID, cr, c.ID, p); err != nil {
			t.Fatal(err)
		}
		p.MinInstalment = -1
		if err := db.SetPolicy(ctx, a.ID, cr, "", p); err == nil {
			t.Fatal("a bad policy was saved")
		}
		if err := db.SetRetention(ctx, a.ID, portal.RetentionPolicy{NoPrescriptionMonths: 72, GraceMonths: 6}); err != nil {
			t.Fatal(err)
		}

		ofCreditor, err := db.AccountChanges(ctx, a.ID, portal.AccountPolicySet, cr, 10)
		if err != nil || len(ofCreditor) != 2 || !strings.Contains(string(ofCreditor[0].Payload), `"min_instalment":4000`) ||
			!strings.Contains(string(ofCreditor[1].Payload), `"min_instalment":3000`) || ofCreditor[0].SubjectID != cr {
			t.Fatalf("the creditor's policy changes, newest first: %v %+v", err, ofCreditor)
		}
		if e := ofCreditor[0]; e.Actor.Kind != portal.ActorUser || e.Actor.ID != "usr-owner" || e.Actor.IP != "203.0.113.7" || e.At.Sub(db.Now()).Abs() > time.Second {
			t.Errorf("entry %+v", e)
		}
		if ofClaim, _ := db.AccountChanges(ctx, a.ID, portal.AccountPolicySet, c.ID, 10); len(ofClaim) != 1 || ofClaim[0].SubjectID != c.ID {
			t.Errorf("the claim's override: %+v", ofClaim)
		}
		if all, _ := db.AccountChanges(ctx, a.ID, portal.AccountPolicySet, "", 10); len(all) != 3 {
			t.Errorf("%d policy entries for three changes", len(all))
		}
		if last, _ := db.AccountChanges(ctx, a.ID, portal.AccountPolicySet, "", 1); len(last) != 1 || last[0].SubjectID != c.ID {
			t.Errorf("limit 1: %+v", last)
		}
		ret, _ := db.AccountChanges(ctx, a.ID, portal.AccountRetentionSet, "", 10)
		if len(ret) != 1 || ret[0].SubjectID != "" || !strings.Contains(string(ret[0].Payload), `"no_prescription_months":72`) {
			t.Errorf("retention: %+v", ret)
		}
		log, _ := db.AccountLog(ctx, a.ID, 100)
		kinds := map[string]int{}
		for _, e := range log {
			kinds[e.Kind]++
			if e.Kind == portal.AccountCreditorCreated && e.SubjectID != cr {
				t.Errorf("creditor.created about %q, want %q", e.SubjectID, cr)
			}
		}
		if kinds[portal.AccountPolicySet] != 3 || kinds[portal.AccountRetentionSet] != 1 || kinds[portal.AccountCreditorCreated] != 1 {
			t.Errorf("account log kinds %v", kinds)
		}
		for _, kind := range []string{portal.AccountPolicySet, portal.AccountRetentionSet} {
			if other, _ := db.AccountChanges(ctx, b.ID, kind, "", 10); len(other) != 0 {
				t.Errorf("Beta sees Alpha's %s: %+v", kind, other)
			}
		}
	})
}
