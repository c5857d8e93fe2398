package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server"
)

// benchClaimPage measures the debtor's claim page (GET /p with a verified
// session; each client is a different debtor on a different claim, as in
// life) against two ceilings: a bare Fiber handler returning a page of the
// same size, and the SQL the page needs run directly on the same pool.
func benchClaimPage(ctx context.Context, o options) ([]row, error) {
	var rows []row
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		db, err := openBenchDB(ctx, o, dialect)
		if err != nil {
			return nil, err
		}
		r, err := claimPageOn(ctx, o, db, dialect)
		db.cleanup()
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

func claimPageOn(ctx context.Context, o options, db *benchDB, dialect string) ([]row, error) {
	rates, err := rules.Default()
	if err != nil {
		return nil, err
	}
	tenant, _, err := seedTenant(ctx, db.DB)
	if err != nil {
		return nil, err
	}
	if err := seedClaims(ctx, db.DB, tenant, o.clients); err != nil {
		return nil, err
	}
	claims, _, err := db.FindClaims(ctx, tenant, portal.ClaimFilter{Limit: o.clients})
	if err != nil {
		return nil, err
	}
	pay := &payments.Service{Claims: db.DB, Store: db.DB, References: db.DB, Rates: rates, Clock: portal.SystemClock{}}
	// Every session is opened from this one address: lift the per-IP link
	// limiter, which is not what is measured.
	srv := server.New(server.Config{BaseURL: "http://bench.test", TokenBurst: 1 << 20}, server.Deps{Claims: db.DB, Tenants: db.DB, Events: db.DB, DB: db.DB,
		Links: db.DB, Disputes: db.DB, Rates: rates, Transfers: pay, Instalments: db.DB, Logger: o.log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.App().Listener(ln)
	defer srv.Shutdown(5 * time.Second)
	base := "http://" + ln.Addr().String()

	// One verified session per claim, through the real link and identity check.
	cookies := make([]string, len(claims))
	for i, c := range claims {
		if cookies[i], err = verifiedSession(ctx, db.DB, base, tenant, c); err != nil {
			return nil, err
		}
	}
	var next atomic.Int64
	pageReq := func() *http.Request {
		req, _ := http.NewRequest("GET", base+"/p", nil)
		req.Header.Set("Cookie", cookies[int(next.Add(1))%len(cookies)])
		return req
	}
	page, err := fetch(pageReq())
	if err != nil {
		return nil, err
	}
	if !strings.Contains(page, claims[0].Reference) && !strings.Contains(page, "B-") {
		return nil, fmt.Errorf("the claim page does not show the claim")
	}
	relais := runLoad(ctx, o.clients, o.duration, pageReq)

	// Ceiling 1: a bare Fiber handler returning a page of the same size.
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	body := []byte(page)
	bare.Get("/p", func(c *fiber.Ctx) error { c.Set("Content-Type", "text/html; charset=utf-8"); return c.Send(body) })
	bln, _ := net.Listen("tcp", "127.0.0.1:0")
	go bare.Listener(bln)
	defer bare.ShutdownWithTimeout(5 * time.Second)
	bareRes := runLoad(ctx, o.clients, o.duration, func() *http.Request {
		req, _ := http.NewRequest("GET", "http://"+bln.Addr().String()+"/p", nil)
		return req
	})

	// Ceiling 2: the page's SQL run directly, same concurrency, no HTTP,
	// no templates, its claim.viewed event as the page records it
	// (AppendEventGrouped: group-committed on SQLite, a transaction of its
	// own on PostgreSQL). Each client views its claim again and again, so
	// the page's reads come from its cache after the first view: the
	// ceiling is the session's statement and the event (hit). For
	// comparison, the whole set of a cache miss, and on SQLite the hit's
	// set with one transaction per view.
	raw, err := rawPageQueries(ctx, o, db, dialect, claims, true, false)
	if err != nil {
		return nil, err
	}
	rawMiss, err := rawPageQueries(ctx, o, db, dialect, claims, true, true)
	if err != nil {
		return nil, err
	}
	var rawTx loadResult
	if dialect == store.SQLite {
		if rawTx, err = rawPageQueries(ctx, o, db, dialect, claims, false, false); err != nil {
			return nil, err
		}
	}
	if relais.Errors > 0 {
		return nil, fmt.Errorf("claim page: %d of %d requests failed", relais.Errors, relais.Requests)
	}
	fig := func(r loadResult, unit string) string {
		return fmt.Sprintf("%.0f %s, p50 %s, p99 %s", r.RPS(), unit, r.P50.Round(100*time.Microsecond), r.P99.Round(100*time.Microsecond))
	}
	pct := func(a, b loadResult) string { return fmt.Sprintf("%.0f %%", 100*a.RPS()/b.RPS()) }
	view := "view group-committed"
	if dialect == store.Postgres {
		view = "view in a transaction of its own"
	}
	rows := []row{
		{fmt.Sprintf("claim page GET /p (%d KiB), %d clients, vs bare Fiber same size", len(body)/1024, o.clients), dialect,
			fig(relais, "req/s"), fig(bareRes, "req/s"), pct(relais, bareRes), "≥ 20 % of bare Fiber, p99 < 25 ms"},
		{fmt.Sprintf("claim page GET /p, %d clients, vs its SQL run directly (cache hit: %d statements, %s)", o.clients, rawStatements(dialect, false), view), dialect,
			fig(relais, "req/s"), fig(raw, "sets/s"), pct(relais, raw), "≥ 80 % of its SQL"},
		{fmt.Sprintf("its SQL on a cache miss (%d statements) vs a hit", rawStatements(dialect, true)), dialect,
			fig(rawMiss, "sets/s"), fig(raw, "sets/s"), pct(rawMiss, raw), "-"},
	}
	if dialect == store.SQLite {
		rows = append(rows, row{"its SQL (hit) with one transaction per view instead of the group commit", dialect,
			fig(rawTx, "sets/s"), fig(raw, "sets/s"), pct(rawTx, raw), "-"})
	}
	return rows, nil
}

func fetch(req *http.Request) (string, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("%s: %d", req.URL.Path, resp.StatusCode)
	}
	return string(b), nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// verifiedSession opens a fresh link of claim c and passes the identity
// check, returning the Cookie header of the session.
func verifiedSession(ctx context.Context, db *store.DB, base, tenant string, c *portal.Claim) (string, error) {
	_, token, err := db.IssueLink(ctx, tenant, c.ID, portal.ChannelEmail, time.Hour)
	if err != nil {
		return "", err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/p/" + token)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("opening the link: %d", resp.StatusCode)
	}
	opened := resp.Cookies()
	var cookie []string
	for _, ck := range opened {
		cookie = append(cookie, ck.Name+"="+ck.Value)
	}
	header := strings.Join(cookie, "; ")
	req, _ := http.NewRequest("GET", base+"/p", nil)
	req.Header.Set("Cookie", header)
	page, err := fetch(req)
	if err != nil {
		return "", err
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("no csrf field on the identity page")
	}
	req, _ = http.NewRequest("POST", base+"/p/identity", strings.NewReader(url.Values{"csrf": {m[1]}, "answer": {c.Debtor.Postcode}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", header)
	resp, err = client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("identity check: %d", resp.StatusCode)
	}
	// The check issues a new session secret: the cookie of the link no
	// longer opens the session.
	jar := map[string]string{}
	for _, ck := range append(opened, resp.Cookies()...) {
		jar[ck.Name] = ck.Value
	}
	cookie = cookie[:0]
	for name, value := range jar {
		cookie = append(cookie, name+"="+value)
	}
	return strings.Join(cookie, "; "), nil
}

// rawStatements is how many statements rawPageQueries runs per view, as
// the page does on a cache hit or miss (TestClaimPageQueries).
func rawStatements(dialect string, miss bool) int {
	n := 3
	if miss {
		n = 8
	}
	if dialect == store.Postgres {
		n++
	}
	return n
}

// rawPageQueries runs the page's statements directly for o.duration from
// o.clients goroutines: the session with its claim page's version (the
// store's statement); on a miss, also the claim with its creditor and
// debtor, its invoices, payments and credit notes (one UNION ALL), its
// disputes, payment reference and instalments; and the claim.viewed event
// as the page records it (grouped: AppendEventGrouped, group-committed on
// SQLite) or in a transaction of its own (AppendEvent: on PostgreSQL the
// claim lock, the chain head read, the insert).
func rawPageQueries(ctx context.Context, o options, db *benchDB, dialect string, claims []*portal.Claim, grouped, miss bool) (loadResult, error) {
	q := func(s string) string {
		if dialect == store.Postgres {
			n := 0
			return regexp.MustCompile(`\?`).ReplaceAllStringFunc(s, func(string) string { n++; return fmt.Sprintf("$%d", n) })
		}
		return s
	}
	var sessionIDs []string
	for _, c := range claims {
		var id string
		if err := db.SQL().QueryRowContext(ctx, q("SELECT secret_hash FROM portal_sessions WHERE claim_id = ? AND verified LIMIT 1"), c.ID).Scan(&id); err != nil {
			return loadResult{}, fmt.Errorf("session of claim: %w", err)
		}
		sessionIDs = append(sessionIDs, id)
	}
	var (
		session = q(`SELECT s.id, s.tenant_id, s.claim_id, s.link_id, s.language, s.verified, s.identity_passed,
			s.created_at, s.expires_at, c.page_version, cr.page_version, de.page_version
			FROM portal_sessions s LEFT JOIN claims c ON c.id = s.claim_id AND c.tenant_id = s.tenant_id
			LEFT JOIN creditors cr ON cr.id = c.creditor_id LEFT JOIN debtors de ON de.id = c.debtor_id
			WHERE s.secret_hash = ? LIMIT 1`)
		claim = q("SELECT claims.*, cr.*, de.* FROM claims JOIN creditors cr ON cr.id = claims.creditor_id JOIN debtors de ON de.id = claims.debtor_id WHERE claims.id = ? AND claims.tenant_id = ?")
		// The store's one statement for the three (loadChildren).
		children = []string{q(`SELECT 0 AS kind, id, tenant_id, claim_id, amount, created_at, due_date, number, issue_date, first_reminder_on,
				payment_reference, first_reminder_channel, '', '', '' FROM invoices WHERE claim_id = ?
			UNION ALL SELECT 1 AS kind, id, tenant_id, claim_id, amount, created_at, received_on, id, NULL, NULL,
				currency, method, reference, invoice_id, reverses FROM payments WHERE claim_id = ?
			UNION ALL SELECT 2 AS kind, id, tenant_id, claim_id, amount, created_at, issue_date, id, NULL, NULL,
				invoice_id, number, '', '', '' FROM credit_notes WHERE claim_id = ? ORDER BY 1, 7, 8`)}
		ofTenant = []string{q("SELECT * FROM disputes WHERE tenant_id = ? AND claim_id = ? ORDER BY id DESC"),
			q("SELECT * FROM payment_references WHERE tenant_id = ? AND claim_id = ? LIMIT 1"),
			q(`SELECT i.id, i.tenant_id, i.claim_id, c.debtor_id, i.agreement_id, i.seq, i.due_on, i.amount, i.currency,
				i.method, i.status, COALESCE(ch.paid_amount, 0) AS paid, COALESCE(ch.attempts, 0) AS attempts,
				ch.next_attempt_on, COALESCE(ch.last_code, '') AS last_code, COALESCE(a.debit_notice_days, 0) AS notice_days
				FROM instalments i JOIN claims c ON c.id = i.claim_id LEFT JOIN agreements a ON a.id = i.agreement_id
				LEFT JOIN instalment_charges ch ON ch.instalment_id = i.id WHERE i.tenant_id = ? AND i.claim_id = ? ORDER BY i.agreement_id, i.seq`)}
	)
	one := func(i int) error {
		c := claims[i%len(claims)]
		conn := db.SQL()
		drain := func(rows *sql.Rows, err error) error {
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Close()
		}
		if err := drain(conn.QueryContext(ctx, session, sessionIDs[i%len(sessionIDs)])); err != nil {
			return err
		}
		if miss {
			if err := drain(conn.QueryContext(ctx, claim, c.ID, c.TenantID)); err != nil {
				return err
			}
			for _, s := range children {
				if err := drain(conn.QueryContext(ctx, s, c.ID, c.ID, c.ID)); err != nil {
					return err
				}
			}
			for _, s := range ofTenant {
				if err := drain(conn.QueryContext(ctx, s, c.TenantID, c.ID)); err != nil {
					return err
				}
			}
		}
		payload := map[string]any{"session_id": "bench"}
		if grouped {
			_, err := db.AppendEventGrouped(ctx, c.TenantID, c.ID, portal.EventClaimViewed, payload)
			return err
		}
		_, err := db.AppendEvent(ctx, c.TenantID, c.ID, portal.EventClaimViewed, payload)
		return err
	}
	var wg sync.WaitGroup
	var firstErr atomic.Value
	lat := make([][]time.Duration, o.clients)
	start := time.Now()
	stop := start.Add(o.duration)
	for g := 0; g < o.clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for time.Now().Before(stop) {
				t0 := time.Now()
				if err := one(g); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[g] = append(lat[g], time.Since(t0))
			}
		}(g)
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return loadResult{}, fmt.Errorf("raw queries: %w", err)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return loadResult{Requests: len(all), Duration: time.Since(start), P50: percentile(all, 50), P99: percentile(all, 99)}, nil
}
