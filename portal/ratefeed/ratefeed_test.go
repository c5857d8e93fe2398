package ratefeed_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ecb"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// The day of the tests: the second half of 2026 has started and the
// embedded data has no fr_b2b or be_b2b line for it.
var now = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// ecbServer answers the series path with a recorded file, or fails as
// told by mode ("ok", "500", "slow", "empty", "malformed").
func ecbServer(t *testing.T, mode *atomic.Value) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := "mro.csv"
		if r.URL.Query().Get("format") == ecb.FormatJSON {
			file = "mro.json"
		}
		switch mode.Load().(string) {
		case "500":
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		case "slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
			return
		case "empty":
			file = "empty.csv"
		case "malformed":
			file = "malformed.csv"
		}
		b, err := os.ReadFile("../ecb/testdata/" + file)
		if err != nil {
			t.Error(err)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// frClaim is a French B2B claim of EUR 1,000.00 due on 31 May 2026.
func frClaim() *portal.Claim {
	return &portal.Claim{ID: "c1", Reference: "R-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "SARL Test", Language: "fr"},
		Invoices: []*portal.Invoice{{ID: "i1", Number: "F-1", IssueDate: portal.MustDate("2026-05-01"),
			DueDate: portal.MustDate("2026-05-31"), Amount: 100000}}}
}

func newFeed(t *testing.T, db *store.DB, srv *httptest.Server, format string) *ratefeed.Service {
	t.Helper()
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	f := &ratefeed.Service{Rates: rates, Store: db, Clock: &portal.FixedClock{T: now}}
	if srv != nil {
		f.ECB = &ecb.Client{BaseURL: srv.URL, Format: format, HTTP: &http.Client{Timeout: time.Second}}
	}
	if err := f.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	lines, err := db.RateLines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(lines)
}

func TestUpdate(t *testing.T) {
	for _, format := range []string{ecb.FormatCSV, ecb.FormatJSON} {
		t.Run(format, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				var mode atomic.Value
				mode.Store("ok")
				srv := ecbServer(t, &mode)
				feed := newFeed(t, db, srv, format)
				today := portal.DateOf(now)

				before, err := feed.Rates.Compute(frClaim(), today)
				if err != nil || before.Complete || before.ComputedTo != portal.MustDate("2026-06-30") {
					t.Fatalf("before the update: %v complete=%v to %s", err, before.Complete, before.ComputedTo)
				}
				// 1 000.00 at 12.15 % (ECB 2.15 % on 1 January + 10) for the
				// 30 days from 1 to 30 June 2026: 1000 * 0.1215 * 30/365.
				if before.Interest != 999 {
					t.Errorf("interest counted to 30 June: %d, want 999", before.Interest)
				}

				// Every bad answer changes nothing.
				for _, bad := range []string{"500", "slow", "empty", "malformed"} {
					mode.Store(bad)
					if _, err := feed.Update(ctx); err == nil {
						t.Errorf("%s: no error", bad)
					}
					if n := count(t, db); n != 0 {
						t.Fatalf("%s: %d lines recorded", bad, n)
					}
				}
				if b, _ := feed.Rates.Compute(frClaim(), today); b.Complete {
					t.Fatal("a failed update completed the balance")
				}

				mode.Store("ok")
				rep, err := feed.Update(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]rules.Period{}
				for _, p := range rep.Added {
					got[p.Series+" "+p.From.String()] = p
				}
				fr, be := got["fr_b2b 2026-07-01"], got["be_b2b 2026-07-01"]
				// L441-10: 2.15 % in force on 1 July + 10 = 12.15 %; law of
				// 2002: 2.15 + 8 = 10.15, rounded up to the half point: 10.50.
				if fr.RateBP != 1215 || fr.To != portal.MustDate("2027-01-01") || fr.Status != rules.StatusDerived {
					t.Errorf("fr_b2b 2026-H2: %+v", fr)
				}
				if be.RateBP != 1050 || be.Status != rules.StatusDerived {
					t.Errorf("be_b2b 2026-H2: %+v", be)
				}
				for _, p := range []rules.Period{fr, be} {
					if !strings.Contains(p.Source, srv.URL) || !strings.Contains(p.Source, "FM.D.U2.EUR.4F.KR.MRR_FR.LEV") {
						t.Errorf("source of %s: %q", p.Series, p.Source)
					}
				}
				// Half-years the embedded data already holds at the same
				// rate are not recorded again.
				if _, dup := got["fr_b2b 2025-07-01"]; dup {
					t.Errorf("an already known half-year was recorded: %v", rep.Added)
				}
				after, err := feed.Rates.Compute(frClaim(), today)
				if err != nil || !after.Complete || after.Interest <= before.Interest {
					t.Fatalf("after the update: %v complete=%v interest %d", err, after.Complete, after.Interest)
				}
				n := count(t, db)

				// A second update finds nothing new.
				if rep, err := feed.Update(ctx); err != nil || len(rep.Added) != 0 || count(t, db) != n {
					t.Errorf("second update: %v %v", err, rep.Added)
				}

				// Another instance on the same database: Refresh loads the
				// lines without a restart.
				other := &ratefeed.Service{Rates: mustDefault(t), Store: db, Clock: &portal.FixedClock{T: now}}
				if b, _ := other.Rates.Compute(frClaim(), today); b.Complete {
					t.Fatal("the second instance is complete before it loads")
				}
				if ok, err := other.Refresh(ctx); err != nil || !ok {
					t.Fatalf("refresh: %v %v", ok, err)
				}
				if b, _ := other.Rates.Compute(frClaim(), today); !b.Complete || b.Total != after.Total {
					t.Errorf("second instance: complete=%v total %d, want %d", b.Complete, b.Total, after.Total)
				}
				if ok, err := other.Refresh(ctx); err != nil || ok {
					t.Errorf("refresh without change reloaded: %v %v", ok, err)
				}
			})
		})
	}
}

func mustDefault(t *testing.T) *rules.Rates {
	t.Helper()
	r, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: "u1", TenantID: "t1"})
		feed := newFeed(t, db, nil, "")
		from := portal.MustDate("2026-07-01")
		if _, err := feed.Rates.Rate(rules.SeriesFRLegalOther, from); err == nil {
			t.Fatal("the embedded data already has fr_legal_other 2026-H2")
		}

		// Refused entries record nothing, each with the field at fault.
		for _, tt := range []struct {
			e     ratefeed.Entry
			field string
		}{
			{ratefeed.Entry{Series: "fr_legal", From: from, RateBP: 262, Source: "x"}, "series"},
			{ratefeed.Entry{Series: rules.SeriesFRLegalOther, From: from, RateBP: 262}, "source"},
			{ratefeed.Entry{Series: rules.SeriesFRLegalOther, From: from, To: from, RateBP: 262, Source: "x"}, "to"},
			{ratefeed.Entry{Series: rules.SeriesFRLegalOther, From: from, RateBP: 20000, Source: "x"}, "rate"},
			{ratefeed.Entry{Series: rules.SeriesFRLegalOther, From: from, RateBP: 262, Source: "x", Status: rules.StatusDerived}, "status"},
			{ratefeed.Entry{Series: rules.SeriesFRLegalOther, RateBP: 262, Source: "x"}, "from"},
		} {
			_, err := feed.Set(ctx, tt.e)
			if portal.ErrorCode(err) != portal.EINVALID || portal.ErrorField(err) != tt.field {
				t.Errorf("%+v: %v (field %q), want field %q", tt.e, err, portal.ErrorField(err), tt.field)
			}
		}
		if n := count(t, db); n != 0 {
			t.Fatalf("%d lines recorded by refused entries", n)
		}

		l, err := feed.Set(ctx, ratefeed.Entry{Series: rules.SeriesFRLegalOther, From: from, RateBP: 262,
			Source: "Arrêté du 20 juin 2026 relatif à la fixation du taux de l'intérêt légal"})
		if err != nil {
			t.Fatal(err)
		}
		if l.ID == "" || l.To != portal.MustDate("2027-01-01") || l.Status != "confirmed" || l.RecordedBy != "user:u1" ||
			l.TenantID != "t1" || l.Origin != portal.RateOriginOperator || !l.RecordedAt.Equal(db.Now()) {
			t.Errorf("recorded line %+v", l)
		}
		p, err := feed.Rates.Rate(rules.SeriesFRLegalOther, portal.MustDate("2026-12-31"))
		if err != nil || p.RateBP != 262 || p.Origin != "database" {
			t.Errorf("rate after set: %+v %v", p, err)
		}

		// Confirming a likely embedded line records it as confirmed with
		// the publication checked.
		c, err := feed.Confirm(ctx, rules.SeriesBEB2B, portal.MustDate("2026-01-01"), "Moniteur belge, avis du SPF Finances, 2026-H1")
		if err != nil || c.RateBP != 1050 || c.Status != "confirmed" {
			t.Fatalf("confirm: %+v %v", c, err)
		}
		if _, err := feed.Confirm(ctx, rules.SeriesBEB2B, portal.MustDate("2026-02-01"), "x"); portal.ErrorField(err) != "from" {
			t.Errorf("confirm inside a line: %v", err)
		}
		lines, _ := db.RateLines(ctx)
		if len(lines) != 2 || lines[0].Series != rules.SeriesFRLegalOther || lines[1].Series != rules.SeriesBEB2B {
			t.Errorf("history %+v", lines)
		}
	})
}

// A line a person confirmed is never replaced by a derived one: the
// update reports the difference instead.
func TestUpdateKeepsConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mode atomic.Value
		mode.Store("ok")
		feed := newFeed(t, db, ecbServer(t, &mode), ecb.FormatCSV)
		if _, err := feed.Set(ctx, ratefeed.Entry{Series: rules.SeriesFRB2B, From: portal.MustDate("2026-07-01"), RateBP: 1300,
			Source: "Operator's entry"}); err != nil {
			t.Fatal(err)
		}
		rep, err := feed.Update(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Conflicts) != 1 || !strings.Contains(rep.Conflicts[0], "fr_b2b from 2026-07-01") {
			t.Errorf("conflicts %v", rep.Conflicts)
		}
		for _, p := range rep.Added {
			if p.Series == rules.SeriesFRB2B {
				t.Errorf("the confirmed line was replaced: %+v", p)
			}
		}
		if p, _ := feed.Rates.Rate(rules.SeriesFRB2B, portal.MustDate("2026-08-01")); p.RateBP != 1300 {
			t.Errorf("fr_b2b 2026-H2 is %d", p.RateBP)
		}
	})
}

// The scheduler runs the update at once, records the run for /healthz,
// and a failure leaves the rates as they were and counts as failing.
func TestScheduler(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var mode atomic.Value
		mode.Store("500")
		feed := newFeed(t, db, ecbServer(t, &mode), ecb.FormatCSV)
		health := portal.NewJobHealth("rates_update")
		sc := &ratefeed.Scheduler{Feed: feed, Leases: db, Owner: "test", RetryMin: 20 * time.Millisecond, RefreshEvery: -1, Health: health}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { sc.Run(ctx); close(done) }()
		waitFor(t, func() bool { return health.Status().Failing >= 2 })
		if n := count(t, db); n != 0 {
			t.Fatalf("failing updates recorded %d lines", n)
		}
		mode.Store("ok")
		waitFor(t, func() bool { st := health.Status(); return st.Failing == 0 && !st.LastSuccess.IsZero() })
		cancel()
		<-done
		if b, _ := feed.Rates.Compute(frClaim(), portal.DateOf(now)); !b.Complete {
			t.Error("the scheduler's update did not complete the balance")
		}
		// The lease is free again for another instance.
		if ok, err := db.AcquireLease(context.Background(), "rates_update", "other", time.Minute); err != nil || !ok {
			t.Errorf("lease after the run: %v %v", ok, err)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
