package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// BenchmarkDashboard measures store.Dashboard on a portfolio of 100,000
// claims (RELAIS_BENCH_CLAIMS to change it) on SQLite and PostgreSQL:
//
//	go test ./portal/store -run '^$' -bench BenchmarkDashboard -benchtime 10x
//
// The portfolio: two creditors, claims entered over 400 days (two
// invoices each), a payment on every second claim, a reminder e-mail on
// every claim, a portal link opened on every fourth, a dispute on every
// twentieth, a chat of four messages on every tenth; and another tenant
// of 10,000 claims that the figures must not read. The seeding (claims
// through ImportClaims, the rest in batched INSERTs) is not timed.
func BenchmarkDashboard(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("RELAIS_BENCH_CLAIMS")); err == nil && v > 0 {
		n = v
	}
	for _, dialect := range storetest.Dialects {
		clock := &portal.FixedClock{T: ts("2023-05-01T09:00:00Z")}
		db := storetest.MustOpen(b, dialect, clock)
		ctx := context.Background()
		start := time.Now()
		a := benchPortfolio(b, db, clock, "Alpha", n)
		benchPortfolio(b, db, clock, "Other", n/10)
		// What autovacuum does on a running PostgreSQL (SQLite has no
		// statistics unless ANALYZE ran, and plans by its indexes):
		// without statistics PostgreSQL plans the freshly loaded tables as
		// empty, and without the visibility map its index-only scans
		// (migration 00123) read the table rows anyway.
		if dialect == store.Postgres {
			if _, err := db.SQL().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%s: seeded %d + %d claims in %s", dialect, n, n/10, time.Since(start).Round(time.Second))
		creditors, err := db.FindCreditors(ctx, a.ID)
		if err != nil {
			b.Fatal(err)
		}
		year := portal.DashboardFilter{From: portal.MustDate("2023-07-01"), To: portal.MustDate("2024-06-30"), Today: portal.MustDate("2024-06-30"), Now: clock.T}
		one := year
		one.CreditorID = creditors[0].ID
		if d, err := db.Dashboard(ctx, a.ID, year); err == nil {
			var claims, pays int
			for _, r := range d.ByStage {
				claims += r.Claims
			}
			for _, c := range d.ByChannel {
				pays += c.Payments
			}
			b.Logf("%s: %d claims entered in the 12 months, %d payments in them, %d debtor turns", dialect, claims, pays, d.Response.Asked)
		}
		// What migration 00130's triggers recorded while seeding gives the
		// figures of the live queries.
		for _, f := range []portal.DashboardFilter{year, one} {
			got, err := db.Dashboard(ctx, a.ID, f)
			if err != nil {
				b.Fatal(err)
			}
			live, err := db.DashboardLive(ctx, a.ID, f)
			if err != nil {
				b.Fatal(err)
			}
			if g, l := fmt.Sprintf("%+v %+v", got.ByChannel, got.Response), fmt.Sprintf("%+v %+v", live.ByChannel, live.Response); g != l || len(got.ByChannel) == 0 {
				b.Fatalf("%s: recorded and live figures differ:\n%s\n%s", dialect, g, l)
			}
		}
		// "-live": the payments by channel and the response time from their
		// source rows (DashboardLive), what the dashboard did before
		// migration 00130, in the same run for an A/B under the same load.
		for _, run := range []struct {
			name string
			f    portal.DashboardFilter
			live bool
		}{{"12months", year, false}, {"12months-live", year, true}, {"12months-creditor", one, false}, {"12months-creditor-live", one, true}} {
			f, dashboard := run.f, db.Dashboard
			if run.live {
				dashboard = db.DashboardLive
			}
			b.Run(dialect+"/"+run.name, func(b *testing.B) {
				// Each step's mean time, logged after the run (docs/performance.md).
				steps, order := map[string]time.Duration{}, []string{}
				defer store.TimeDashboardSteps(func(step string, took time.Duration) {
					if _, ok := steps[step]; !ok {
						order = append(order, step)
					}
					steps[step] += took
				})()
				defer func() {
					var line []string
					for _, s := range order {
						line = append(line, fmt.Sprintf("%s %s", s, (steps[s]/time.Duration(max(b.N, 1))).Round(time.Millisecond)))
					}
					b.Logf("per step (N=%d): %s", b.N, strings.Join(line, ", "))
				}()
				cpu := cpuTime()
				for i := 0; i < b.N; i++ {
					d, err := dashboard(ctx, a.ID, f)
					if err != nil {
						b.Fatal(err)
					}
					if len(d.Monthly) == 0 || len(d.Ageing) == 0 {
						b.Fatalf("empty dashboard: %+v", d)
					}
				}
				// The process's CPU time (both databases' work on SQLite, only
				// the Go side on PostgreSQL): less moved by the machine's
				// load than the wall time.
				b.ReportMetric(float64((cpuTime()-cpu)/time.Millisecond)/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// benchPortfolio seeds one tenant of n claims.
func benchPortfolio(b *testing.B, db *store.DB, clock *portal.FixedClock, name string, n int) *portal.Tenant {
	b.Helper()
	ctx := context.Background()
	tn := &portal.Tenant{Name: name}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	var creditors []string
	for k := 0; k < 2; k++ {
		cr := &portal.Creditor{TenantID: tn.ID, LegalName: fmt.Sprintf("%s %d SAS", name, k), Country: "FR"}
		if err := db.CreateCreditor(ctx, cr); err != nil {
			b.Fatal(err)
		}
		creditors = append(creditors, cr.ID)
	}
	first := ts("2023-05-01T09:00:00Z")
	const batch = 1000
	for done := 0; done < n; done += batch {
		// Each batch enters later: 400 days over the whole portfolio.
		clock.T = first.AddDate(0, 0, done*400/n)
		day := portal.DateOf(clock.T)
		var claims []*portal.Claim
		for i := done; i < done+batch && i < n; i++ {
			claims = append(claims, &portal.Claim{Reference: fmt.Sprintf("B-%07d", i), CreditorID: creditors[i%2], Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: fmt.Sprintf("Débiteur %d SARL", i), Language: "fr", Postcode: "75011"},
				Invoices: []*portal.Invoice{
					{Number: "F-1", IssueDate: day.AddDays(-60), DueDate: day.AddDays(-30 + i%40), Amount: int64(10_000 + i%90_000)},
					{Number: "F-2", IssueDate: day.AddDays(-30), DueDate: day.AddDays(i % 30), Amount: 25_000},
				}})
		}
		if err := db.ImportClaims(ctx, tn.ID, claims); err != nil {
			b.Fatal(err)
		}
	}
	clock.T = ts("2024-06-30T12:00:00Z")
	type claimRow struct {
		id      string
		created time.Time
	}
	rows, err := db.SQL().QueryContext(ctx, rebind(db, "SELECT id, created_at FROM claims WHERE tenant_id = ? ORDER BY id"), tn.ID)
	if err != nil {
		b.Fatal(err)
	}
	var claims []claimRow
	for rows.Next() {
		var r claimRow
		var created any
		if err := rows.Scan(&r.id, &created); err != nil {
			b.Fatal(err)
		}
		switch v := created.(type) {
		case time.Time:
			r.created = v
		case string:
			r.created, _ = time.Parse("2006-01-02 15:04:05.999999999-07:00", v)
		}
		claims = append(claims, r)
	}
	rows.Close()
	seqs, err := db.FindSequences(ctx, tn.ID)
	if err != nil {
		b.Fatal(err)
	}
	var step *portal.ReminderStep
	for _, s := range seqs {
		for _, st := range s.Steps {
			if step == nil && st.Channel == portal.ChannelEmail {
				step = st
			}
		}
	}
	user := &portal.User{TenantID: tn.ID, Email: "agent@" + strings.ToLower(name) + ".bench", Role: portal.RoleAgent}
	if err := db.CreateUser(ctx, user, "correct horse battery"); err != nil {
		b.Fatal(err)
	}
	ins := newBulk(b, db)
	for i, c := range claims {
		id := func(kind string) string { return fmt.Sprintf("%s-%s-%d", kind, c.id, i) }
		at := func(days int) time.Time { return c.created.Add(time.Duration(days) * 24 * time.Hour) }
		ins.row("reminder_sends", []string{"id", "tenant_id", "claim_id", "step_id", "sequence_id", "position", "channel", "template_key", "status", "local_date", "created_at", "sent_at"},
			id("rs"), tn.ID, c.id, step.ID, step.SequenceID, step.Position, "email", step.TemplateKey, "sent", portal.DateOf(at(5)).String(), at(5), at(5))
		if i%2 == 0 {
			ins.row("payments", []string{"id", "tenant_id", "claim_id", "amount", "currency", "received_on", "method", "reference", "created_at"},
				id("p"), tn.ID, c.id, int64(5_000+i%20_000), "EUR", portal.DateOf(at(10+i%30)).String(), "transfer", "", at(10+i%30))
		}
		if i%4 == 0 {
			ins.row("portal_links", []string{"id", "tenant_id", "claim_id", "channel", "token_hash", "created_at", "expires_at"},
				id("l"), tn.ID, c.id, "sms", id("h"), at(6), at(60))
			ins.row("portal_sessions", []string{"id", "tenant_id", "claim_id", "link_id", "secret_hash", "language", "created_at", "expires_at"},
				id("s"), tn.ID, c.id, id("l"), id("sh"), "fr", at(7), at(8))
		}
		if i%20 == 0 {
			ins.row("disputes", []string{"id", "tenant_id", "claim_id", "reason", "status", "created_at"},
				id("d"), tn.ID, c.id, "wrong_amount", "open", at(8))
		}
		if i%10 == 0 {
			ins.row("conversations", []string{"id", "tenant_id", "claim_id", "state", "created_at", "updated_at"},
				id("c"), tn.ID, c.id, "active", at(7), at(7))
			for k, author := range []string{"debtor", "user", "debtor", "user"} {
				ins.row("messages", []string{"id", "tenant_id", "conversation_id", "claim_id", "seq", "client_id", "kind", "author_kind", "author_id", "body", "created_at"},
					id(fmt.Sprintf("m%d", k)), tn.ID, id("c"), c.id, k+1, id(fmt.Sprintf("cl%d", k)), "text", author, user.ID, "hello", at(7).Add(time.Duration(k*90)*time.Second))
			}
		}
	}
	ins.flush()
	return tn
}

// bulk inserts rows in multi-row INSERTs, table by table, in one
// transaction.
type bulk struct {
	b     *testing.B
	db    *store.DB
	order []string
	cols  map[string][]string
	rows  map[string][][]any
}

func newBulk(b *testing.B, db *store.DB) *bulk {
	return &bulk{b: b, db: db, cols: map[string][]string{}, rows: map[string][][]any{}}
}

func (k *bulk) row(table string, cols []string, vals ...any) {
	if _, ok := k.cols[table]; !ok {
		k.order = append(k.order, table)
		k.cols[table] = cols
	}
	k.rows[table] = append(k.rows[table], vals)
}

func (k *bulk) flush() {
	ctx := context.Background()
	tx, err := k.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		k.b.Fatal(err)
	}
	per := 1000
	if k.db.Dialect == store.SQLite {
		per = 100
	}
	for _, table := range k.order {
		cols, rows := k.cols[table], k.rows[table]
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for len(rows) > 0 {
			m := min(per, len(rows))
			var args []any
			for _, r := range rows[:m] {
				args = append(args, r...)
			}
			q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+", ", m), ", ")
			if _, err := tx.ExecContext(ctx, rebind(k.db, q), args...); err != nil {
				k.b.Fatalf("insert %s: %v", table, err)
			}
			rows = rows[m:]
		}
	}
	if err := tx.Commit(); err != nil {
		k.b.Fatal(err)
	}
}
