package store_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// openSession issues a link of the claim and opens it, returning the
// session's secret.
func openSession(t *testing.T, db *store.DB, c *portal.Claim) string {
	t.Helper()
	ctx := context.Background()
	_, token, err := db.IssueLink(ctx, c.TenantID, c.ID, portal.ChannelEmail, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	op, err := db.OpenLink(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return op.Secret
}

// TestPageVersion: every change to a row the claim page reads moves the
// version the session is read with, in the writing transaction; a view
// (its event) does not.
func TestPageVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		c := newClaim("VERSION-1")
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		secret := openSession(t, db, c)
		version := func() portal.PageVersion {
			t.Helper()
			s, err := db.FindSession(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if !s.PageVersion.Known {
				t.Fatal("the session comes without its page's version")
			}
			return s.PageVersion
		}
		exec := func(q string, args ...any) func() error {
			return func() error { _, err := db.SQL().Exec(rebind(db, q), args...); return err }
		}
		// before is the version before a step (the dispute's step takes it
		// again after the identity check, which moves nothing of the page).
		var before portal.PageVersion
		steps := []struct {
			name   string
			change func() error
			moves  func(before, after portal.PageVersion) bool
		}{
			{"view event", func() error {
				_, err := db.AppendEventGrouped(ctx, tn.ID, c.ID, portal.EventClaimViewed, nil)
				return err
			}, func(b, a portal.PageVersion) bool { return a == b }},
			{"claim row", exec("UPDATE claims SET stage = stage WHERE id = ?", c.ID), func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"creditor row", exec("UPDATE creditors SET legal_name = 'Alpha Renamed SAS' WHERE id = ?", c.CreditorID), func(b, a portal.PageVersion) bool {
				return a.Creditor > b.Creditor && a.Claim == b.Claim
			}},
			{"debtor row", exec("UPDATE debtors SET name = 'Dupont & Fils SARL' WHERE id = ?", c.DebtorID), func(b, a portal.PageVersion) bool {
				return a.Debtor > b.Debtor && a.Claim == b.Claim
			}},
			{"invoice update", exec("UPDATE invoices SET amount = amount + 1 WHERE claim_id = ?", c.ID), func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"payment insert", func() error {
				return db.AddPayment(ctx, tn.ID, &portal.Payment{ClaimID: c.ID, Amount: 1000, ReceivedOn: portal.MustDate("2024-06-01"), Method: portal.PaymentTransfer})
			}, func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"payment delete", exec("DELETE FROM payments WHERE claim_id = ?", c.ID), func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"credit note", func() error {
				return db.AddCreditNote(ctx, tn.ID, &portal.CreditNote{ClaimID: c.ID, Number: "CN-1", Amount: 500, IssueDate: portal.MustDate("2024-06-02")})
			}, func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"payment reference", func() error {
				_, err := db.ClaimPaymentReference(ctx, tn.ID, c.ID)
				return err
			}, func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"dispute", func() error {
				s, err := db.FindSession(ctx, secret)
				if err != nil {
					return err
				}
				if secret, err = db.CheckIdentity(ctx, s.ID, "75011"); err != nil {
					return err
				}
				if s, err = db.FindSession(ctx, secret); err != nil {
					return err
				}
				before = version()
				return db.FileDispute(ctx, s, &portal.Dispute{Reason: portal.DisputeReasons[0], Text: "Never delivered."})
			}, func(b, a portal.PageVersion) bool { return a.Claim > b.Claim }},
			{"a rolled back change", func() error {
				tx, err := db.SQL().Begin()
				if err != nil {
					return err
				}
				if _, err := tx.Exec(rebind(db, "UPDATE claims SET stage = stage WHERE id = ?"), c.ID); err != nil {
					return err
				}
				return tx.Rollback()
			}, func(b, a portal.PageVersion) bool { return a == b }},
		}
		for _, s := range steps {
			before = version()
			if err := s.change(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if after := version(); !s.moves(before, after) {
				t.Errorf("%s: page version %+v → %+v", s.name, before, after)
			}
		}

		// Every table the page reads has its triggers.
		for _, table := range []string{"claims", "creditors", "debtors", "invoices", "payments", "credit_notes", "disputes",
			"dispute_files", "payment_references", "instalments", "instalment_charges", "agreements"} {
			q := "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE '%page_version%'"
			if db.Dialect == store.Postgres {
				q = "SELECT count(*) FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid WHERE r.relname = ? AND g.tgname LIKE '%page_version%' AND r.relnamespace = current_schema()::regnamespace"
			}
			var n int
			if err := db.SQL().QueryRow(rebind(db, q), table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("%s: no page version trigger", table)
			}
		}
	})
}

// TestPageCacheBounded: the cache keeps at most its bound of claims, the
// least recently viewed evicted first, and none for long after its last
// view; what it hands out are copies, never another tenant's.
func TestPageCacheBounded(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
			db, err := store.Open(storetest.URL(t, d), store.Options{PageCacheClaims: 2, Clock: clock,
				Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			tn := seedTenant(t, db, "Alpha")
			var sessions []*portal.PortalSession
			var claims []*portal.Claim
			for i := 0; i < 3; i++ {
				c := newClaim("BOUND-" + string(rune('A'+i)))
				if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				s, err := db.FindSession(ctx, openSession(t, db, c))
				if err != nil {
					t.Fatal(err)
				}
				claims, sessions = append(claims, c), append(sessions, s)
			}
			view := func(i int) *portal.Claim {
				t.Helper()
				got, err := db.FindPortalClaim(ctx, sessions[i])
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != claims[i].ID || len(got.Invoices) != 2 || got.PageVersion != sessions[i].PageVersion {
					t.Fatalf("claim %d: %+v", i, got)
				}
				return got
			}
			view(0)
			view(1)
			view(0) // 1 is now the least recent
			view(2)
			if n := db.PageCacheLen(); n != 2 || !db.PageCached(claims[0].ID) || db.PageCached(claims[1].ID) || !db.PageCached(claims[2].ID) {
				t.Fatalf("%d claims cached (want 2: the first and the third)", n)
			}
			// A hit hands out a copy: changing it changes nothing kept.
			got := view(0)
			got.Invoices[0].Amount, got.Debtor.Name = 1, "changed"
			if again := view(0); again.Invoices[0].Amount == 1 || again.Debtor.Name == "changed" {
				t.Fatal("the cached claim was changed through a copy handed out")
			}
			// A claim not viewed for a quarter of an hour is dropped.
			clock.T = clock.T.Add(10 * time.Minute)
			view(2)
			clock.T = clock.T.Add(6 * time.Minute)
			view(2)
			if db.PageCached(claims[0].ID) || !db.PageCached(claims[2].ID) {
				t.Fatal("a claim not viewed for 16 minutes is still cached, or the one just viewed is not")
			}
			// Another tenant's session never gets the claim.
			other := *sessions[0]
			other.TenantID = seedTenant(t, db, "Beta").ID
			if _, err := db.FindPortalClaim(ctx, &other); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant's session: %v", err)
			}
		})
	}
}
