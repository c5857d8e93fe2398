package evidence_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// seedLongChain makes a claim with n events in all: a conversation with
// notes, views and payments, like a long negotiation.
func seedLongChain(b *testing.B, db *store.DB, clock *portal.FixedClock, n int) (tenantID, claimID string) {
	b.Helper()
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Bench"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Bench SAS", Country: "FR"}); err != nil {
		b.Fatal(err)
	}
	c := &portal.Claim{Reference: "BENCH", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
		Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 1250000}}}
	if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
		b.Fatal(err)
	}
	debtor := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorDebtor, ID: "sess", IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"})
	text := strings.Repeat("Je propose de payer en plusieurs fois, à partir du mois prochain. ", 3)
	for i := 2; i <= n; i++ {
		clock.Advance(90 * time.Second)
		var err error
		switch i % 4 {
		case 0:
			_, err = db.AppendEvent(debtor, tn.ID, c.ID, portal.EventMessageSent, map[string]any{"text": text, "n": i})
		case 1:
			_, err = db.AppendEvent(ctx, tn.ID, c.ID, portal.EventMessageSent, map[string]any{"text": "Merci, nous étudions votre proposition.", "n": i})
		case 2:
			_, err = db.AppendEvent(debtor, tn.ID, c.ID, portal.EventClaimViewed, nil)
		default:
			_, err = db.AppendEvent(ctx, tn.ID, c.ID, portal.EventNoteWritten, map[string]any{"text": "appel", "n": i})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return tn.ID, c.ID
}

// heapPeak samples the live heap every millisecond while fn runs and
// returns the highest value above the heap before fn.
func heapPeak(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > base {
					mu.Lock()
					peak = max(peak, v-base)
					mu.Unlock()
				}
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkBundle10k builds the bundle of a claim with 10,000 events and
// reports the time per bundle, the peak live heap while building it, and
// the bundle size. Command and figures: docs/performance.md.
func BenchmarkBundle10k(b *testing.B) {
	const n = 10000
	for _, d := range storetest.Dialects {
		// Seed only when the sub-benchmark runs (-bench BenchmarkBundle10k/sqlite),
		// once, on the parent so that the database outlives the b.N rounds.
		parent := b
		var builder *evidence.Builder
		var tenantID, claimID string
		setup := func() {
			if builder != nil {
				return
			}
			clock := &portal.FixedClock{T: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(parent, d, clock)
			start := time.Now()
			tenantID, claimID = seedLongChain(parent, db, clock, n)
			parent.Logf("%s: seeded %d events in %s", d, n, time.Since(start).Round(time.Millisecond))
			signer, err := evidence.GenerateSigner()
			if err != nil {
				parent.Fatal(err)
			}
			builder = &evidence.Builder{Source: db, Signer: signer, Version: "bench"}
		}
		b.Run(d, func(b *testing.B) {
			setup()
			b.ReportAllocs()
			b.ResetTimer()
			var peak uint64
			var size int64
			for i := 0; i < b.N; i++ {
				w := &countWriter{}
				p := heapPeak(func() {
					if err := builder.WriteBundle(context.Background(), tenantID, claimID, w); err != nil {
						b.Fatal(err)
					}
				})
				peak, size = max(peak, p), w.n
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(size)/(1<<20), "bundle-MB")
		})
	}
}
