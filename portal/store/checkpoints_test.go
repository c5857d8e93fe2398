package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestChainHeads: one head per claim of the tenant, the last event's, in
// claim order; another tenant's claims are not listed.
func TestChainHeads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		var claims []*portal.Claim
		for i, ref := range []string{"H-1", "H-2", "H-3"} {
			c := newClaim(ref)
			if err := db.CreateClaim(ctx, a.ID, c); err != nil {
				t.Fatal(err)
			}
			for j := 0; j < i*2; j++ {
				if _, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventNoteWritten, map[string]any{"j": j}); err != nil {
					t.Fatal(err)
				}
			}
			claims = append(claims, c)
		}
		if err := db.CreateClaim(ctx, b.ID, newClaim("OTHER")); err != nil {
			t.Fatal(err)
		}
		heads, err := db.ChainHeads(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(heads) != 3 {
			t.Fatalf("%d heads: %+v", len(heads), heads)
		}
		for i, h := range heads {
			if i > 0 && h.ClaimID <= heads[i-1].ClaimID {
				t.Fatalf("not in claim order: %+v", heads)
			}
			var c *portal.Claim
			for _, x := range claims {
				if x.ID == h.ClaimID {
					c = x
				}
			}
			if c == nil {
				t.Fatalf("head of a claim not the tenant's: %+v", h)
			}
			last, err := db.LastEvent(ctx, a.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if h.Seq != last.Seq || h.Hash != last.Hash || h.Reference != c.Reference {
				t.Fatalf("head %+v, last event %d %s", h, last.Seq, last.Hash)
			}
		}
		if heads, err := db.ChainHeads(ctx, "no-such-tenant"); err != nil || len(heads) != 0 {
			t.Fatalf("unknown tenant: %v %v", heads, err)
		}
	})
}

// TestCheckpointerDue: MakeDue makes a checkpoint of every tenant, then
// none until Every has passed; RunOnce does nothing while another
// instance holds the lease.
func TestCheckpointerDue(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 2, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
			if err := db.CreateClaim(ctx, a.ID, newClaim("D-1")); err != nil {
				t.Fatal(err)
			}
			signer, _ := evidence.GenerateSigner()
			dir := t.TempDir()
			c := &evidence.Checkpointer{Store: db, Leases: db, Signer: signer, Clock: clock, Dir: dir, Owner: "i1", Every: 24 * time.Hour}
			ws, ran, err := c.RunOnce(ctx)
			if err != nil || !ran || len(ws) != 2 {
				t.Fatalf("first run: %+v %v %v", ws, ran, err)
			}
			for _, w := range ws {
				want := map[string]int64{a.ID: 1, b.ID: 0}[w.TenantID]
				if filepath.Dir(w.Path) != filepath.Join(dir, w.TenantID) || w.Claims != want {
					t.Fatalf("written %+v", w)
				}
				if _, err := os.Stat(w.Path); err != nil {
					t.Fatal(err)
				}
			}
			clock.Advance(23 * time.Hour)
			if ws, _, err := c.RunOnce(ctx); err != nil || len(ws) != 0 {
				t.Fatalf("before a day: %+v %v", ws, err)
			}
			clock.Advance(time.Hour)
			if ok, err := db.AcquireLease(ctx, "evidence_checkpoint", "i2", time.Minute); err != nil || !ok {
				t.Fatalf("lease for i2: %v %v", ok, err)
			}
			if ws, ran, err := c.RunOnce(ctx); err != nil || ran || len(ws) != 0 {
				t.Fatalf("while i2 holds the lease: %+v %v %v", ws, ran, err)
			}
			clock.Advance(2 * time.Minute)
			if ws, ran, err := c.RunOnce(ctx); err != nil || !ran || len(ws) != 2 {
				t.Fatalf("a day later: %+v %v %v", ws, ran, err)
			}
			last, err := db.LastCheckpoints(ctx)
			if err != nil || !last[a.ID].Equal(clock.T) || !last[b.ID].Equal(clock.T) {
				t.Fatalf("last checkpoints %v, now %s: %v", last, clock.T, err)
			}
		})
	}
}
