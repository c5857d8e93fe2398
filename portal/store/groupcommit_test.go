package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// verifyChain checks a claim's whole chain (seq 1..n, each prev_hash the
// previous hash, hashes recomputed) and returns its events.
func verifyChain(t *testing.T, db *store.DB, tenantID, claimID string) []*portal.Event {
	t.Helper()
	evs, err := db.ListEvents(context.Background(), tenantID, claimID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	prev := portal.GenesisHash
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.ComputeHash() != e.Hash || portal.SHA256Hex([]byte(e.Payload)) != e.PayloadHash {
			t.Fatalf("chain of %s broken at %d: %+v", claimID, i, e)
		}
		prev = e.Hash
	}
	return evs
}

// waitQueued waits until n events wait for the group writer.
func waitQueued(t *testing.T, db *store.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for db.GroupQueued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d events queued, want %d", db.GroupQueued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitConcurrent appends page views to a few claims of two
// tenants from many goroutines at once: every event is stored, each
// goroutine's events in the order it appended them, and every chain
// verifies. Events queued while a transaction is in flight share the next.
func TestGroupCommitConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tenants := []*portal.Tenant{seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")}
		var claims []*portal.Claim
		for i := 0; i < 6; i++ {
			c := newClaim("GROUP-" + string(rune('A'+i)))
			if err := db.CreateClaim(ctx, tenants[i%2].ID, c); err != nil {
				t.Fatal(err)
			}
			claims = append(claims, c)
		}
		const goroutines, each = 60, 5
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				c := claims[g%len(claims)]
				for i := 0; i < each; i++ {
					e, err := db.AppendEventGrouped(ctx, c.TenantID, c.ID, portal.EventClaimViewed, map[string]any{"g": g, "i": i})
					if err == nil && (e == nil || e.ClaimID != c.ID || e.Hash == "") {
						t.Errorf("appended event %+v", e)
					}
					errs <- err
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range claims {
			evs := verifyChain(t, db, c.TenantID, c.ID)
			if len(evs) != 1+goroutines/len(claims)*each {
				t.Fatalf("claim %s: %d events, want %d", c.Reference, len(evs), 1+goroutines/len(claims)*each)
			}
			last := map[int]int{}
			for _, e := range evs[1:] {
				var p struct{ G, I int }
				if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
					t.Fatal(err)
				}
				if want, ok := last[p.G]; (ok && p.I != want+1) || (!ok && p.I != 0) || p.G%len(claims) != indexOf(claims, c) {
					t.Fatalf("claim %s: event %d of goroutine %d out of order (after %d)", c.Reference, p.I, p.G, last[p.G])
				}
				last[p.G] = p.I
			}
		}

		if db.Dialect == store.Postgres {
			// No group on PostgreSQL: each view in a transaction of its own,
			// none waiting for another's.
			t.Run("TransactionPerView", func(t *testing.T) {
				log, err := db.LogQueries()
				if err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				for g := 0; g < 40; g++ {
					wg.Add(1)
					go func(g int) {
						defer wg.Done()
						c := claims[g%len(claims)]
						if _, err := db.AppendEventGrouped(ctx, c.TenantID, c.ID, portal.EventClaimViewed, map[string]any{"own": g}); err != nil {
							t.Error(err)
						}
					}(g)
				}
				wg.Wait()
				if n := log.Transactions(); n != 40 {
					t.Fatalf("40 views in %d transactions, want 40 on PostgreSQL", n)
				}
				if db.GroupQueued() != 0 {
					t.Fatal("an event waits in the SQLite group queue on PostgreSQL")
				}
				for _, c := range claims {
					verifyChain(t, db, c.TenantID, c.ID)
				}
			})
			return
		}
		t.Run("OneTransaction", func(t *testing.T) {
			release := db.HoldGroupCommit()
			log, err := db.LogQueries()
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var returned atomic.Int32
			for g := 0; g < 40; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					c := claims[g%len(claims)]
					if _, err := db.AppendEventGrouped(ctx, c.TenantID, c.ID, portal.EventClaimViewed, map[string]any{"held": g}); err != nil {
						t.Error(err)
					}
					returned.Add(1)
				}(g)
			}
			waitQueued(t, db, 40)
			time.Sleep(20 * time.Millisecond)
			if n := returned.Load(); n != 0 {
				t.Fatalf("%d appends returned before their commit", n)
			}
			release()
			wg.Wait()
			if n := log.Transactions(); n != 1 {
				t.Fatalf("40 queued events in %d transactions, want 1:\n%v", n, log.Statements())
			}
			for _, c := range claims {
				verifyChain(t, db, c.TenantID, c.ID)
			}
		})
	})
}

func indexOf(cs []*portal.Claim, c *portal.Claim) int {
	for i := range cs {
		if cs[i] == c {
			return i
		}
	}
	return -1
}

// TestGroupCommitFailure: when the group's transaction fails, every
// caller in it gets the error and none of its events is stored; an event
// naming another tenant's claim is refused alone; the writer goes on.
func TestGroupCommitFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		ca, cb := newClaim("FAIL-A"), newClaim("FAIL-B")
		if err := db.CreateClaim(ctx, a.ID, ca); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateClaim(ctx, b.ID, cb); err != nil {
			t.Fatal(err)
		}
		// A real failure inside the transaction: the database refuses one
		// event of the group.
		poison := []string{`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.payload LIKE '%poison%'
			BEGIN SELECT RAISE(ABORT, 'poisoned on purpose'); END`}
		if db.Dialect == store.Postgres {
			poison = []string{`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.payload LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned on purpose'; END IF; RETURN NEW; END; $$`,
				`CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION poison()`}
		}
		for _, q := range poison {
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			var n int
			if err := db.SQL().QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		const n = 20
		if db.Dialect == store.Postgres {
			// Each view in a transaction of its own: the poisoned one fails
			// alone and stores nothing, the 19 others are stored.
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					c := []*portal.Claim{ca, cb}[i%2]
					payload := map[string]any{"i": i}
					if i == n-1 {
						payload["text"] = "poison"
					}
					_, errs[i] = db.AppendEventGrouped(ctx, c.TenantID, c.ID, portal.EventClaimViewed, payload)
				}(i)
			}
			wg.Wait()
			for i, err := range errs {
				if (err == nil) != (i != n-1) {
					t.Fatalf("append %d: %v", i, err)
				}
			}
			if got := count(); got != before+n-1 {
				t.Fatalf("%d events stored, want %d", got-before, n-1)
			}
			before = count()
		} else {
			groupFails(t, db, ca, cb, n, count)
		}

		t.Run("ErrNotFound", func(t *testing.T) {

			// Beta's claim under Alpha's tenant: refused alone.
			var wg sync.WaitGroup
			var wrong, right error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, wrong = db.AppendEventGrouped(ctx, a.ID, cb.ID, portal.EventClaimViewed, nil)
			}()
			go func() {
				defer wg.Done()
				_, right = db.AppendEventGrouped(ctx, a.ID, ca.ID, portal.EventClaimViewed, nil)
			}()
			wg.Wait()
			if portal.ErrorCode(wrong) != portal.ENOTFOUND || right != nil {
				t.Fatalf("other tenant's claim: %v; own claim: %v", wrong, right)
			}
			if got := count(); got != before+1 {
				t.Fatalf("%d events stored, want 1", got-before)
			}
			verifyChain(t, db, a.ID, ca.ID)
			verifyChain(t, db, b.ID, cb.ID)
		})
	})
}

// BenchmarkViewAppend appends claim.viewed events from 64 goroutines to 64
// claims, one transaction per event (AppendEvent) against the group commit
// (AppendEventGrouped), on both databases:
//
//	go test ./portal/store -run '^$' -bench ViewAppend -benchtime 2s
func BenchmarkViewAppend(b *testing.B) {
	for _, d := range storetest.Dialects {
		db := storetest.MustOpen(b, d, portal.SystemClock{})
		ctx := context.Background()
		tn := &portal.Tenant{Name: "Bench"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			b.Fatal(err)
		}
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Bench SAS", Country: "FR"}); err != nil {
			b.Fatal(err)
		}
		var claims []*portal.Claim
		for i := 0; i < 64; i++ {
			c := newClaim(fmt.Sprintf("VIEW-%02d", i))
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				b.Fatal(err)
			}
			claims = append(claims, c)
		}
		for _, mode := range []struct {
			name   string
			append func(ctx context.Context, tenantID, claimID string, kind portal.EventKind, payload any) (*portal.Event, error)
		}{{"PerView", db.AppendEvent}, {"Grouped", db.AppendEventGrouped}} {
			b.Run(d+"/"+mode.name, func(b *testing.B) {
				var next atomic.Int64
				b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					c := claims[int(next.Add(1))%len(claims)]
					for pb.Next() {
						if _, err := mode.append(ctx, tn.ID, c.ID, portal.EventClaimViewed, map[string]any{"session_id": "bench"}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// groupFails queues n views of ca and cb in one group on SQLite, the last
// poisoned: every caller gets the error and no event is stored.
func groupFails(t *testing.T, db *store.DB, ca, cb *portal.Claim, n int, count func() int) {
	t.Helper()
	ctx := context.Background()
	before := count()
	release := db.HoldGroupCommit()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := []*portal.Claim{ca, cb}[i%2]
			payload := map[string]any{"i": i}
			if i == n-1 {
				payload["text"] = "poison"
			}
			_, errs[i] = db.AppendEventGrouped(ctx, c.TenantID, c.ID, portal.EventClaimViewed, payload)
		}(i)
	}
	waitQueued(t, db, n)
	release()
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Fatalf("append %d acknowledged although its group's commit failed", i)
		}
	}
	if got := count(); got != before {
		t.Fatalf("%d events stored by a failed group", got-before)
	}

}
