package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var _ portal.DashboardStore = (*DB)(nil)

// Dashboard implements portal.DashboardStore: eleven aggregate queries,
// each grouped in SQL (per currency and month, bucket, stage, source or
// state), so the rows read back are a few dozen whatever the number of
// claims. Per-claim sums are grouped passes over the tenant's rows in
// claim order, on indexes holding the columns the query reads (migration
// 00123, so no table row is read for them); the payments by channel and
// the response time read what was recorded when the payments, contacts
// and messages were written (migration 00130), one range of the period:
// no query reads another tenant's rows. Read in one read-only transaction on PostgreSQL
// (REPEATABLE READ), so that every figure is one moment of the database.
//
// Cost: every claim of the tenant is read once per dashboard (ageing,
// outstanding): for a period ending today (the default) one summary row
// per claim (claim_summaries, migration 00127), for one ending earlier
// its invoices, payments and credit notes; measured in
// docs/performance.md (BenchmarkDashboard).
func (db *DB) Dashboard(ctx context.Context, tenantID string, f portal.DashboardFilter) (*portal.Dashboard, error) {
	return db.dashboard(ctx, tenantID, f, false)
}

// dashboard is Dashboard, with every figure computed from the claims'
// rows when live is set: no claim_summaries (migration 00127), and the
// payments by channel and response time from their source rows rather
// than what migration 00130 records (the equality tests compare both).
func (db *DB) dashboard(ctx context.Context, tenantID string, f portal.DashboardFilter, live bool) (*portal.Dashboard, error) {
	if f.From.IsZero() || f.To.IsZero() || f.To.Before(f.From) {
		return nil, portal.FieldError("period", "The period must end on or after its start.")
	}
	if len(f.Months()) > portal.MaxDashboardMonths {
		return nil, portal.FieldError("period", "The period may cover at most %d months.", portal.MaxDashboardMonths)
	}
	if f.Now.IsZero() {
		f.Now = db.Now()
	}
	q := &dashQuery{db: db, f: f, live: live, out: &portal.Dashboard{Filter: f}, args: map[string]any{
		"tenant": tenantID, "creditor": f.CreditorID,
		"from": f.From, "to": f.To, "asof": f.AsOf(),
		"fromT": timeUTC(f.From.Time()), "toT": timeUTC(f.To.AddDays(1).Time()), "asofT": timeUTC(f.AsOf().AddDays(1).Time()),
	}}
	run := func(tx *gorm.DB) error {
		q.tx = tx
		if db.Dialect == Postgres {
			// JIT compiling these short aggregates costs more than it saves.
			if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
				return translate("dashboard settings", err)
			}
		}
		for _, step := range []struct {
			name string
			run  func() error
		}{{"ageingAndStages", q.ageingAndStages}, {"monthly", q.monthly}, {"byChannel", q.byChannel}, {"plans", q.plans}, {"promises", q.promises},
			{"promisesKept", q.promisesKept}, {"disputes", q.disputes}, {"response", q.response}, {"breaches", q.breaches}} {
			start := time.Now()
			if err := step.run(); err != nil {
				return err
			}
			if dashboardStepTimed != nil {
				dashboardStepTimed(step.name, time.Since(start))
			}
		}
		return nil
	}
	var err error
	if db.Dialect == Postgres {
		err = db.conn(ctx).Transaction(run, readOnlySnapshot)
	} else {
		// SQLite: a plain read sees one snapshot per statement under WAL;
		// a transaction here would take the write lock (_txlock=immediate).
		err = run(db.conn(ctx))
	}
	if err != nil {
		return nil, err
	}
	q.out.Currencies = q.currencies()
	return q.out, nil
}

// dashboardStepTimed, when set (by BenchmarkDashboard), is told how long
// each of the dashboard's steps took.
var dashboardStepTimed func(step string, took time.Duration)

// readOnlySnapshot reads every figure of one dashboard from one snapshot.
var readOnlySnapshot = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

type dashQuery struct {
	db   *DB
	tx   *gorm.DB
	f    portal.DashboardFilter
	args map[string]any
	out  *portal.Dashboard
	// live computes every figure from the source rows, never from the
	// claim summaries or what migration 00130 records (DashboardLive,
	// for the tests that compare the two).
	live bool
	// principal is the claims' principal by currency and creation month
	// ("" before the period), added up by ageingAndStages for monthly.
	principal []principalRow
}

type principalRow struct {
	Currency  portal.Currency
	Month     string
	Principal int64
}

// claims is the claim condition of every query: the tenant's claims (c),
// of the filter's creditor when it names one.
func (q *dashQuery) claims() string {
	if q.f.CreditorID != "" {
		return "c.tenant_id = @tenant AND c.creditor_id = @creditor"
	}
	return "c.tenant_id = @tenant"
}

// byCreditor limits rows (alias) that carry their tenant and currency
// themselves to the filter's creditor's claims: without a creditor no
// claim is read. A semi-join (IN) rather than a JOIN, so that neither
// database drives the query from the claims and probes rows it has no
// claim index for (messages).
func (q *dashQuery) byCreditor(alias string) string {
	if q.f.CreditorID == "" {
		return ""
	}
	return " AND " + alias + ".claim_id IN (SELECT id FROM claims WHERE tenant_id = @tenant AND creditor_id = @creditor)"
}

func (q *dashQuery) scan(op, query string, dest any) error {
	return translate(op, q.tx.Raw(query, q.args).Scan(dest).Error)
}

// Dialect fragments.

// monthOf is the "YYYY-MM" of a DATE column.
func (q *dashQuery) monthOf(col string) string {
	if q.db.Dialect == Postgres {
		return "to_char(" + col + ", 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// monthOfTime is the "YYYY-MM" in UTC of a timestamp column (stored as
// UTC text on SQLite).
func (q *dashQuery) monthOfTime(col string) string {
	if q.db.Dialect == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// dayAfter is midnight UTC after a DATE column, to compare with times.
func (q *dashQuery) dayAfter(col string) string {
	if q.db.Dialect == Postgres {
		return "((" + col + " + 1)::timestamp AT TIME ZONE 'UTC')"
	}
	return "date(" + col + ", '+1 day')"
}

// midnight is a DATE expression as midnight UTC of that day, comparable
// with timestamps.
func (q *dashQuery) midnight(expr string) string {
	if q.db.Dialect == Postgres {
		return "((" + expr + ")::timestamp AT TIME ZONE 'UTC')"
	}
	return expr
}

// indexedBy has SQLite read a table through the named index: without
// statistics it prefers an index in the GROUP BY's order that reads every
// row of the tenant to the one that reads only the few rows in range.
func (q *dashQuery) indexedBy(index string) string {
	if q.db.Dialect == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// seconds is the seconds from one timestamp to a later one.
func (q *dashQuery) seconds(from, to string) string {
	if q.db.Dialect == Postgres {
		return "EXTRACT(EPOCH FROM (" + to + " - " + from + "))"
	}
	return "((julianday(" + to + ") - julianday(" + from + ")) * 86400.0)"
}

// monthly: collected per month, and outstanding at each month's end from
// what entered and left before the period plus each month's movements:
// the principal by claim creation month (from ageingAndStages' pass over
// the claims, which runs first) and two grouped queries (payments by
// month received, credit notes by month issued).
func (q *dashQuery) monthly() error {
	type row struct {
		Currency portal.Currency
		Month    string // "" before the period
		Amount   int64
	}
	var paid, credited []row
	if err := q.scan("dashboard payments", `SELECT p.currency AS currency,
		CASE WHEN p.received_on < @from THEN '' ELSE `+q.monthOf("p.received_on")+` END AS month, SUM(p.amount) AS amount
		FROM payments p
		WHERE p.tenant_id = @tenant`+q.byCreditor("p")+` AND p.received_on <= @to GROUP BY 1, 2`, &paid); err != nil {
		return err
	}
	if err := q.scan("dashboard credit notes", `SELECT c.currency AS currency,
		CASE WHEN n.issue_date < @from THEN '' ELSE `+q.monthOf("n.issue_date")+` END AS month, SUM(n.amount) AS amount
		FROM credit_notes n JOIN claims c ON c.id = n.claim_id
		WHERE n.tenant_id = @tenant AND `+q.claims()+` AND n.issue_date <= @to GROUP BY 1, 2`, &credited); err != nil {
		return err
	}
	type key struct {
		cur   portal.Currency
		month string
	}
	moves, collected := map[key]int64{}, map[key]int64{}
	curs := map[portal.Currency]bool{}
	for _, r := range q.principal {
		moves[key{r.Currency, r.Month}] += r.Principal
		curs[r.Currency] = true
	}
	for _, r := range paid {
		moves[key{r.Currency, r.Month}] -= r.Amount
		collected[key{r.Currency, r.Month}] += r.Amount
		curs[r.Currency] = true
	}
	for _, r := range credited {
		moves[key{r.Currency, r.Month}] -= r.Amount
		curs[r.Currency] = true
	}
	for _, cur := range sortedCurrencies(curs) {
		running := moves[key{cur, ""}]
		for _, m := range q.f.Months() {
			running += moves[key{cur, m}]
			q.out.Monthly = append(q.out.Monthly, portal.MonthFigure{Month: m, Currency: cur, Collected: collected[key{cur, m}], Outstanding: running})
		}
	}
	return nil
}

// perClaim is the derived table of the claims' own sums on AsOf (with
// their creation time):
// principal, oldest due date, paid and credited by then. Each sum is one
// grouped pass over the tenant's rows in claim order (the covering
// indexes of migration 00096), joined to the claims (one probe per claim
// of an index holding its currency, stage and creation time, migration
// 00123): a lookup per claim and sum would be four index probes per claim.
//
// For a period ending today (the dashboard's default) summaryRows reads
// claim_summaries instead; a period ending earlier needs these sums "by
// then".
func (q *dashQuery) perClaim(where string) string {
	return `SELECT c.currency AS currency, c.stage AS stage, c.created_at AS created_at, i.principal AS principal, i.due AS due,
		COALESCE(p.paid, 0) AS paid, COALESCE(n.credited, 0) AS credited
		FROM claims c
		JOIN (SELECT claim_id, SUM(amount) AS principal, MIN(due_date) AS due FROM invoices
			WHERE tenant_id = @tenant GROUP BY claim_id) i ON i.claim_id = c.id
		LEFT JOIN (SELECT claim_id, SUM(amount) AS paid FROM payments
			WHERE tenant_id = @tenant AND received_on <= @asof GROUP BY claim_id) p ON p.claim_id = c.id
		LEFT JOIN (SELECT claim_id, SUM(amount) AS credited FROM credit_notes
			WHERE tenant_id = @tenant AND issue_date <= @asof GROUP BY claim_id) n ON n.claim_id = c.id
		WHERE ` + q.claims() + ` AND ` + where
}

// fromSummaries says whether ageingAndStages reads claim_summaries: when
// the snapshot day is today (by the filter's Today, else by the injected
// clock) or later, and the period starts on the first of a month (the
// dashboard's periods are whole months; summaryRows tells the claims
// entered in the period by their creation month).
func (q *dashQuery) fromSummaries() bool {
	if q.live {
		return false
	}
	today := q.f.Today
	if today.IsZero() {
		today = portal.DateOf(q.f.Now)
	}
	return q.f.From.Day == 1 && !q.f.AsOf().Before(today)
}

// ageing and byStage in one pass over the claims' own sums:
//   - ageing: what each claim entered by AsOf still owes in principal on
//     AsOf, by the days its oldest invoice is past due then;
//   - byStage: the claims that entered in the period, by stage now, with
//     what was collected on them by AsOf;
//   - the principal entered per month, for monthly (which would otherwise
//     join every invoice to its claim a second time).
//
// SQL groups by currency, stage, cohort, bucket and creation month (a few
// hundred rows at most); Go adds them up into the three figures.
func (q *dashQuery) ageingAndStages() error {
	asOf := q.f.AsOf()
	q.args["d30"], q.args["d60"], q.args["d90"] = asOf.AddDays(-30), asOf.AddDays(-60), asOf.AddDays(-90)
	var rows []ageStageRow
	var err error
	if q.fromSummaries() {
		rows, err = q.summaryRows()
	} else {
		err = q.scan("dashboard ageing and stages", `SELECT currency, stage,
		CASE WHEN created_at >= @fromT THEN 1 ELSE 0 END AS cohort, CASE
		WHEN created_at >= @asofT OR principal - paid - credited <= 0 THEN ''
		WHEN due > @asof THEN '`+portal.AgeNotDue+`'
		WHEN due >= @d30 THEN '`+portal.Age0to30+`'
		WHEN due >= @d60 THEN '`+portal.Age31to60+`'
		WHEN due >= @d90 THEN '`+portal.Age61to90+`'
		ELSE '`+portal.AgeOver90+`' END AS bucket,
		CASE WHEN created_at < @fromT THEN '' ELSE `+q.monthOfTime("created_at")+` END AS month,
		COUNT(*) AS claims, SUM(principal) AS principal, SUM(paid) AS paid, SUM(principal - paid - credited) AS owed
		FROM (`+q.perClaim("c.created_at < @toT")+`) x GROUP BY 1, 2, 3, 4, 5`, &rows)
	}
	if err != nil {
		return err
	}
	entered := map[[2]string]int64{}
	for _, r := range rows {
		entered[[2]string{string(r.Currency), r.Month}] += r.Principal
	}
	for _, k := range sortedKeys(entered) {
		q.principal = append(q.principal, principalRow{Currency: portal.Currency(k[0]), Month: k[1], Principal: entered[k]})
	}
	ageing := map[[2]string]*portal.AgeingFigure{}
	stages := map[[2]string]*portal.RecoveryFigure{}
	for _, r := range rows {
		if r.Bucket != "" {
			k := [2]string{string(r.Currency), r.Bucket}
			if ageing[k] == nil {
				ageing[k] = &portal.AgeingFigure{Currency: r.Currency, Bucket: r.Bucket}
			}
			ageing[k].Claims += r.Claims
			ageing[k].Amount += r.Owed
		}
		if r.Cohort == 1 {
			k := [2]string{string(r.Stage), string(r.Currency)}
			if stages[k] == nil {
				stages[k] = &portal.RecoveryFigure{Stage: r.Stage, Currency: r.Currency}
			}
			stages[k].Claims += r.Claims
			stages[k].Principal += r.Principal
			stages[k].Collected += r.Paid
		}
	}
	for _, k := range sortedKeys(ageing) {
		q.out.Ageing = append(q.out.Ageing, *ageing[k])
	}
	for _, k := range sortedKeys(stages) {
		q.out.ByStage = append(q.out.ByStage, *stages[k])
	}
	return nil
}

// ageStageRow is what ageingAndStages adds up: the claims entered by the
// period's end of a currency and stage, entered in the period (Cohort 1)
// or before, in an ageing bucket on AsOf ("" for none: paid off, or
// entered after AsOf) and entered in Month ("" before the period).
type ageStageRow struct {
	Currency  portal.Currency
	Stage     portal.Stage
	Cohort    int
	Bucket    string
	Month     string
	Claims    int
	Principal int64
	Paid      int64
	Owed      int64
}

// summaryRows is ageingAndStages' rows for a period ending today, from
// claim_summaries (migration 00127: one row per claim, kept by triggers in
// the transactions that write the rows it sums). SQL groups the claims by
// currency, stage, creation month and oldest due date, the order of
// SQLite's index claim_summaries_grouped, so that it groups as it reads
// instead of sorting every claim; Go puts each group in its bucket, and in
// the period or before it by its month (From is the first of a month).
//
// The summaries' sums are all-time: the few claims with a payment or a
// credit note dated after AsOf (which the application refuses but an
// import or raw SQL may hold) are read again, and their groups get what
// they count on AsOf instead.
func (q *dashQuery) summaryRows() ([]ageStageRow, error) {
	type Group struct {
		Currency portal.Currency
		Stage    portal.Stage
		Month    string
		Due      portal.Date
	}
	var groups []struct {
		Group
		Claims, Open          int
		Principal, Paid, Owed int64
	}
	err := q.scan("dashboard ageing and stages", `SELECT c.currency AS currency, c.stage AS stage, c.created_month AS month, c.due_date AS due,
		COUNT(*) AS claims, SUM(c.principal) AS principal, SUM(c.paid) AS paid,
		SUM(CASE WHEN c.created_at < @asofT AND c.principal - c.paid - c.credited > 0 THEN 1 ELSE 0 END) AS open,
		SUM(CASE WHEN c.created_at < @asofT AND c.principal - c.paid - c.credited > 0 THEN c.principal - c.paid - c.credited ELSE 0 END) AS owed
		FROM claim_summaries c
		WHERE `+q.claims()+` AND c.due_date IS NOT NULL AND c.created_at < @toT
		GROUP BY c.currency, c.stage, c.created_month, c.due_date`, &groups)
	if err != nil {
		return nil, err
	}
	var later []struct {
		Group
		Early                                               int
		Principal, Paid, Credited, LaterPaid, LaterCredited int64
	}
	err = q.scan("dashboard ageing dated later", `SELECT c.currency AS currency, c.stage AS stage, c.created_month AS month, c.due_date AS due,
		CASE WHEN c.created_at < @asofT THEN 1 ELSE 0 END AS early, c.principal AS principal, c.paid AS paid, c.credited AS credited,
		l.later_paid AS later_paid, l.later_credited AS later_credited
		FROM (SELECT claim_id, CAST(SUM(paid) AS BIGINT) AS later_paid, CAST(SUM(credited) AS BIGINT) AS later_credited FROM (
			SELECT claim_id, amount AS paid, 0 AS credited FROM payments`+q.indexedBy("payments_tenant_received_cover")+`
				WHERE tenant_id = @tenant AND received_on > @asof
			UNION ALL SELECT claim_id, 0 AS paid, amount AS credited FROM credit_notes`+q.indexedBy("credit_notes_tenant_issued")+`
				WHERE tenant_id = @tenant AND issue_date > @asof) u GROUP BY claim_id) l
		JOIN claim_summaries c ON c.tenant_id = @tenant AND c.claim_id = l.claim_id
		WHERE `+q.claims()+` AND c.due_date IS NOT NULL AND c.created_at < @toT`, &later)
	if err != nil {
		return nil, err
	}
	type sums struct {
		claims, open          int
		principal, paid, owed int64
	}
	by := map[Group]*sums{}
	var order []Group
	for _, g := range groups {
		by[g.Group] = &sums{claims: g.Claims, open: g.Open, principal: g.Principal, paid: g.Paid, owed: g.Owed}
		order = append(order, g.Group)
	}
	for _, l := range later {
		g := by[l.Group]
		if g == nil {
			return nil, fmt.Errorf("dashboard ageing dated later: claim group %+v not in the summaries", l.Group)
		}
		// Out with the claim's all-time sums, in with its sums on AsOf.
		owing := func(paid, credited int64) (int, int64) {
			if owed := l.Principal - paid - credited; l.Early == 1 && owed > 0 {
				return 1, owed
			}
			return 0, 0
		}
		wasOpen, wasOwed := owing(l.Paid, l.Credited)
		open, owed := owing(l.Paid-l.LaterPaid, l.Credited-l.LaterCredited)
		g.paid -= l.LaterPaid
		g.open += open - wasOpen
		g.owed += owed - wasOwed
	}
	fromMonth := q.f.From.Time().Format("2006-01")
	var rows []ageStageRow
	for _, k := range order {
		g := by[k]
		if k.Month >= fromMonth {
			rows = append(rows, ageStageRow{Currency: k.Currency, Stage: k.Stage, Cohort: 1, Month: k.Month, Claims: g.claims, Principal: g.principal, Paid: g.paid})
		} else {
			rows = append(rows, ageStageRow{Currency: k.Currency, Stage: k.Stage, Claims: g.claims, Principal: g.principal})
		}
		if g.open > 0 {
			rows = append(rows, ageStageRow{Currency: k.Currency, Stage: k.Stage, Bucket: q.bucket(k.Due), Claims: g.open, Owed: g.owed})
		}
	}
	return rows, nil
}

// bucket is the ageing bucket on AsOf of a claim whose oldest invoice is
// due on due (the live query's CASE).
func (q *dashQuery) bucket(due portal.Date) string {
	asOf := q.f.AsOf()
	switch {
	case due.After(asOf):
		return portal.AgeNotDue
	case !due.Before(asOf.AddDays(-30)):
		return portal.Age0to30
	case !due.Before(asOf.AddDays(-60)):
		return portal.Age31to60
	case !due.Before(asOf.AddDays(-90)):
		return portal.Age61to90
	}
	return portal.AgeOver90
}

func sortedKeys[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	return keys
}

// byChannel: each payment received in the period (positive, not
// reversed) goes to the last contact before it on its claim, on or
// before the day it was received: a reminder sent (e-mail, SMS), a
// letter posted, or a portal link opened (by the link's channel).
// Nothing records which contact led to a payment, so this is derived.
// The last contact of each kind is recorded per payment in
// payment_channels as the payments and contacts are written (migration
// 00130's triggers, byChannelLive's rules): the dashboard reads the
// period's range of it.
func (q *dashQuery) byChannel() error {
	if q.live {
		return q.channels(q.byChannelLive())
	}
	return q.channels(`SELECT pc.currency AS currency, pc.amount AS amount, pc.rem_at AS rem_at, pc.rem_channel AS rem_channel,
		pc.link_at AS link_at, pc.link_channel AS link_channel, pc.letter_at AS letter_at
		FROM payment_channels pc
		WHERE pc.tenant_id = @tenant` + q.ofCreditor("pc") + ` AND pc.received_on >= @from AND pc.received_on <= @to`)
}

// ofCreditor limits the rows of payment_channels or message_turns (alias),
// which carry their claim's creditor (a claim never changes creditor), to
// the filter's creditor.
func (q *dashQuery) ofCreditor(alias string) string {
	if q.f.CreditorID == "" {
		return ""
	}
	return " AND " + alias + ".creditor_id = @creditor"
}

// byChannelLive is the payments of the period with the last contact of
// each kind before them, looked up per payment (five index probes each):
// the rules payment_channels records. The reversal check also asks for a
// non-empty reverses, which lets it use the partial index
// payments_reverses (else each payment would scan the table).
func (q *dashQuery) byChannelLive() string {
	next := q.dayAfter("p.received_on")
	return `SELECT p.currency AS currency, p.amount AS amount,
		(SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = p.claim_id AND rs.sent_at < ` + next + `) AS rem_at,
		(SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = p.claim_id AND rs.sent_at < ` + next + ` ORDER BY rs.sent_at DESC LIMIT 1) AS rem_channel,
		(SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = p.claim_id AND ps.created_at < ` + next + `) AS link_at,
		(SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id
			WHERE ps.claim_id = p.claim_id AND ps.created_at < ` + next + ` ORDER BY ps.created_at DESC LIMIT 1) AS link_channel,
		` + q.midnight("(SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = @tenant AND l.claim_id = p.claim_id AND l.sent_on <= p.received_on)") + ` AS letter_at
		FROM payments p
		WHERE p.tenant_id = @tenant` + q.byCreditor("p") + ` AND p.received_on >= @from AND p.received_on <= @to
		AND p.amount > 0 AND p.reverses = '' AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = p.id AND r.reverses <> '')`
}

// channels attributes the payments of from (currency, amount and the
// last contact of each kind) to the latest of those contacts, a reminder
// before a link before a letter on the same instant, and sums them by
// currency and source.
func (q *dashQuery) channels(from string) error {
	return q.scan("dashboard channels", `SELECT currency, CASE
		WHEN rem_at IS NOT NULL AND (link_at IS NULL OR rem_at >= link_at) AND (letter_at IS NULL OR rem_at >= letter_at) THEN '`+portal.SourceReminderPrefix+`' || rem_channel
		WHEN link_at IS NOT NULL AND (letter_at IS NULL OR link_at >= letter_at) THEN '`+portal.SourceLinkPrefix+`' || link_channel
		WHEN letter_at IS NOT NULL THEN '`+portal.SourceReminderPrefix+`letter'
		ELSE '`+portal.SourceNone+`' END AS source,
		COUNT(*) AS payments, SUM(amount) AS amount FROM (`+from+`) x GROUP BY 1, 2 ORDER BY 1, 2`, &q.out.ByChannel)
}

// plans: signed agreements with instalments, signed in the period, by
// state now (broken wins: a plan broken then paid off was still broken).
func (q *dashQuery) plans() error {
	return q.scan("dashboard plans", `SELECT currency, state, COUNT(*) AS plans, SUM(amount) AS amount, SUM(paid) AS paid FROM (
		SELECT a.currency AS currency, CASE
		WHEN EXISTS (SELECT 1 FROM events e WHERE e.claim_id = a.claim_id AND e.kind = '`+string(portal.EventPlanBroken)+`' AND e.at >= a.signed_at) THEN '`+portal.PlanBroken+`'
		WHEN NOT EXISTS (SELECT 1 FROM instalments i WHERE i.agreement_id = a.id AND i.status NOT IN ('paid', 'waived')) THEN '`+portal.PlanKept+`'
		ELSE '`+portal.PlanRunning+`' END AS state,
		(SELECT SUM(i.amount) FROM instalments i WHERE i.agreement_id = a.id) AS amount,
		(SELECT COALESCE(SUM(i.amount), 0) FROM instalments i WHERE i.agreement_id = a.id AND i.status = 'paid') AS paid
		FROM agreements a
		WHERE a.tenant_id = @tenant`+q.byCreditor("a")+` AND a.status = 'signed' AND a.signed_at >= @fromT AND a.signed_at < @toT
		AND EXISTS (SELECT 1 FROM instalments i WHERE i.agreement_id = a.id)
		) x GROUP BY 1, 2 ORDER BY 1, 2`, &q.out.Plans)
}

// promises: promises to pay offered in the period, by status. Whether an
// accepted promise was kept is not recorded (its date is inside the
// offer's terms), so it is not counted.
func (q *dashQuery) promises() error {
	return q.scan("dashboard promises", `SELECT o.status AS status, COUNT(*) AS count
		FROM offers o
		WHERE o.tenant_id = @tenant`+q.byCreditor("o")+` AND o.kind = 'promise' AND o.created_at >= @fromT AND o.created_at < @toT
		GROUP BY 1 ORDER BY 1`, &q.out.Promises)
}

// promisesKept: promises to pay made in the period (promises table,
// whatever their source), by currency and where they stand now.
func (q *dashQuery) promisesKept() error {
	return q.scan("dashboard promises kept", `SELECT p.currency AS currency, p.status AS status, COUNT(*) AS promises,
		SUM(p.amount) AS amount, SUM(p.paid_amount) AS paid
		FROM promises p
		WHERE p.tenant_id = @tenant`+q.byCreditor("p")+` AND p.created_at >= @fromT AND p.created_at < @toT
		GROUP BY 1, 2 ORDER BY 1, 2`, &q.out.PromisesKept)
}

// disputes: open at the end of AsOf (filed by then, not resolved by
// then) by age then, and those filed and resolved in the period.
func (q *dashQuery) disputes() error {
	at := q.f.AsOf().AddDays(1).Time()
	if q.f.Now.Before(at) {
		at = q.f.Now
	}
	q.args["age7"], q.args["age30"], q.args["age60"] = timeUTC(at.AddDate(0, 0, -7)), timeUTC(at.AddDate(0, 0, -30)), timeUTC(at.AddDate(0, 0, -60))
	var open []struct {
		Bucket string
		Count  int
		Oldest timeUTC
	}
	if err := q.scan("dashboard open disputes", `SELECT CASE
		WHEN d.created_at >= @age7 THEN '0-7' WHEN d.created_at >= @age30 THEN '8-30' WHEN d.created_at >= @age60 THEN '31-60' ELSE '60+' END AS bucket,
		COUNT(*) AS count, MIN(d.created_at) AS oldest
		FROM disputes d
		WHERE d.tenant_id = @tenant`+q.byCreditor("d")+` AND d.created_at < @asofT AND (d.resolved_at IS NULL OR d.resolved_at >= @asofT)
		GROUP BY 1`, &open); err != nil {
		return err
	}
	out := &q.out.Disputes
	out.ByAge = map[string]int{}
	for _, b := range portal.DisputeAgeBuckets {
		out.ByAge[b] = 0
	}
	for _, r := range open {
		out.ByAge[r.Bucket] = r.Count
		out.Open += r.Count
		if days := int(at.Sub(r.Oldest.Time()) / (24 * time.Hour)); days > out.OldestDays {
			out.OldestDays = days
		}
	}
	var moved struct{ Filed, Resolved int }
	err := q.scan("dashboard disputes moved", `SELECT
		COALESCE(SUM(CASE WHEN d.created_at >= @fromT AND d.created_at < @toT THEN 1 ELSE 0 END), 0) AS filed,
		COALESCE(SUM(CASE WHEN d.resolved_at >= @fromT AND d.resolved_at < @toT THEN 1 ELSE 0 END), 0) AS resolved
		FROM disputes d
		WHERE d.tenant_id = @tenant`+q.byCreditor("d")+` AND ((d.created_at >= @fromT AND d.created_at < @toT) OR (d.resolved_at >= @fromT AND d.resolved_at < @toT))`, &moved)
	out.Filed, out.Resolved = moved.Filed, moved.Resolved
	return err
}

// response: every debtor message of the period that opens a turn (the
// previous public message of the conversation is not the debtor's), and
// the time to the first agent's message after it. System messages (the
// automatic policy) are not an agent's answer. The turns and their first
// answer are recorded in message_turns as the messages are written
// (migration 00130's triggers, responseLive's rules): the dashboard reads
// the period's range of it.
func (q *dashQuery) response() error {
	turns := `SELECT t.asked_at AS asked, t.answered_at AS answered FROM message_turns t
		WHERE t.tenant_id = @tenant` + q.ofCreditor("t") + ` AND t.asked_at >= @fromT AND t.asked_at < @toT`
	if q.live {
		turns = q.responseLive()
	}
	secs := q.seconds("asked", "answered")
	var r struct {
		Asked, Answered    int
		Avg                float64
		B1m, B5m, B1h, B1d int
	}
	err := q.scan("dashboard response time", `SELECT COUNT(*) AS asked, COUNT(answered) AS answered, COALESCE(AVG(secs), 0) AS avg,
		COALESCE(SUM(CASE WHEN secs <= 60 THEN 1 ELSE 0 END), 0) AS b1m,
		COALESCE(SUM(CASE WHEN secs > 60 AND secs <= 300 THEN 1 ELSE 0 END), 0) AS b5m,
		COALESCE(SUM(CASE WHEN secs > 300 AND secs <= 3600 THEN 1 ELSE 0 END), 0) AS b1h,
		COALESCE(SUM(CASE WHEN secs > 3600 AND secs <= 86400 THEN 1 ELSE 0 END), 0) AS b1d
		FROM (SELECT answered, `+secs+` AS secs FROM (`+turns+`) y) z`, &r)
	if err != nil {
		return err
	}
	more := r.Answered - r.B1m - r.B5m - r.B1h - r.B1d
	q.out.Response = portal.ResponseFigures{Asked: r.Asked, Answered: r.Answered, AvgSeconds: int64(r.Avg + 0.5),
		ByTime: map[string]int{"1m": r.B1m, "5m": r.B5m, "1h": r.B1h, "1d": r.B1d, "more": more, "unanswered": r.Asked - r.Answered}}
	return nil
}

// responseLive is the turns of the period with their first answer,
// looked up per debtor message (the message before it and the answer
// after it, two index probes each): the rules message_turns records.
func (q *dashQuery) responseLive() string {
	return `SELECT d.created_at AS asked,
		(SELECT MIN(a.created_at) FROM messages a WHERE a.conversation_id = d.conversation_id AND a.seq > d.seq
			AND a.author_kind = '` + string(portal.ActorUser) + `' AND a.internal = FALSE) AS answered
		FROM messages d
		WHERE d.tenant_id = @tenant` + q.byCreditor("d") + ` AND d.author_kind = '` + string(portal.ActorDebtor) + `'
		AND d.created_at >= @fromT AND d.created_at < @toT
		AND COALESCE((SELECT pm.author_kind FROM messages pm WHERE pm.conversation_id = d.conversation_id AND pm.seq < d.seq
			AND pm.internal = FALSE AND pm.author_kind IN ('` + string(portal.ActorDebtor) + `', '` + string(portal.ActorUser) + `') ORDER BY pm.seq DESC LIMIT 1), '') <> '` + string(portal.ActorDebtor) + `'`
}

// breaches: the response targets missed whose answer was due in the
// period (response_breaches, recorded once per wait), by kind, and the
// lateness of those answered since.
func (q *dashQuery) breaches() error {
	var r struct {
		First, Next, Answered int
		Late                  float64
	}
	err := q.scan("dashboard breaches", `SELECT
		COALESCE(SUM(CASE WHEN b.kind = '`+negotiation.BreachFirst+`' THEN 1 ELSE 0 END), 0) AS first,
		COALESCE(SUM(CASE WHEN b.kind = '`+negotiation.BreachNext+`' THEN 1 ELSE 0 END), 0) AS next,
		COUNT(b.answered_at) AS answered,
		COALESCE(AVG(CASE WHEN b.answered_at IS NOT NULL THEN `+q.seconds("b.due_at", "b.answered_at")+` END), 0) AS late
		FROM response_breaches b
		WHERE b.tenant_id = @tenant`+q.byCreditor("b")+` AND b.due_at >= @fromT AND b.due_at < @toT`, &r)
	q.out.Breaches = portal.BreachFigures{First: r.First, Next: r.Next, Answered: r.Answered, AvgLateSeconds: int64(r.Late + 0.5)}
	return err
}

// currencies are every currency a figure has, in order.
func (q *dashQuery) currencies() []portal.Currency {
	set := map[portal.Currency]bool{}
	for _, m := range q.out.Monthly {
		set[m.Currency] = true
	}
	for _, a := range q.out.Ageing {
		set[a.Currency] = true
	}
	for _, s := range q.out.ByStage {
		set[s.Currency] = true
	}
	for _, c := range q.out.ByChannel {
		set[c.Currency] = true
	}
	for _, p := range q.out.Plans {
		set[p.Currency] = true
	}
	for _, p := range q.out.PromisesKept {
		set[p.Currency] = true
	}
	return sortedCurrencies(set)
}

func sortedCurrencies(set map[portal.Currency]bool) []portal.Currency {
	out := make([]portal.Currency, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(string(out[i]), string(out[j])) < 0 })
	return out
}
