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

	// Ceiling 2: the page's SQL run directly (session, claim, creditor,
	// debtor, invoices, payments, credit notes, and the claim.viewed event
	// append with its chain-head read), same concurrency, no HTTP.
	rawRPS, rawP99, err := rawPageQueries(ctx, o, db, dialect, claims)
	if err != nil {
		return nil, err
	}
	if relais.Errors > 0 {
		return nil, fmt.Errorf("claim page: %d of %d requests failed", relais.Errors, relais.Requests)
	}
	fig := func(r loadResult) string {
		return fmt.Sprintf("%.0f req/s, p99 %s", r.RPS(), r.P99.Round(100*time.Microsecond))
	}
	target := "≥ 50 % of bare Fiber"
	if dialect == store.Postgres {
		target = "≥ 80 % of raw queries"
	}
	return []row{
		{fmt.Sprintf("claim page GET /p (%d KiB), %d clients, vs bare Fiber same size", len(body)/1024, o.clients), dialect,
			fig(relais), fig(bareRes), fmt.Sprintf("%.0f %%", 100*relais.RPS()/bareRes.RPS()), target},
		{fmt.Sprintf("claim page GET /p, %d clients, vs its SQL run directly", o.clients), dialect,
			fig(relais), fmt.Sprintf("%.0f q-sets/s, p99 %s", rawRPS, rawP99.Round(100*time.Microsecond)),
			fmt.Sprintf("%.0f %%", 100*relais.RPS()/rawRPS), target},
	}, nil
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

// rawPageQueries runs the page's queries directly for o.duration from
// o.clients goroutines and returns query-sets per second and their p99.
func rawPageQueries(ctx context.Context, o options, db *benchDB, dialect string, claims []*portal.Claim) (float64, time.Duration, error) {
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
		if err := db.SQL().QueryRowContext(ctx, q("SELECT secret_hash FROM portal_sessions WHERE claim_id = ? LIMIT 1"), c.ID).Scan(&id); err != nil {
			return 0, 0, fmt.Errorf("session of claim: %w", err)
		}
		sessionIDs = append(sessionIDs, id)
	}
	lock := ""
	if dialect == store.Postgres {
		lock = " FOR UPDATE"
	}
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
		if err := drain(conn.QueryContext(ctx, q("SELECT * FROM portal_sessions WHERE secret_hash = ?"), sessionIDs[i%len(sessionIDs)])); err != nil {
			return err
		}
		for _, s := range []string{"SELECT * FROM claims WHERE id = ? AND tenant_id = ?"} {
			if err := drain(conn.QueryContext(ctx, q(s), c.ID, c.TenantID)); err != nil {
				return err
			}
		}
		for _, s := range []string{"SELECT * FROM creditors WHERE id = ?", "SELECT * FROM debtors WHERE id = ?"} {
			id := c.CreditorID
			if strings.Contains(s, "debtors") {
				id = c.DebtorID
			}
			if err := drain(conn.QueryContext(ctx, q(s), id)); err != nil {
				return err
			}
		}
		for _, s := range []string{"SELECT * FROM invoices WHERE claim_id = ? ORDER BY due_date", "SELECT * FROM payments WHERE claim_id = ?", "SELECT * FROM credit_notes WHERE claim_id = ?"} {
			if err := drain(conn.QueryContext(ctx, q(s), c.ID)); err != nil {
				return err
			}
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := drain(tx.QueryContext(ctx, q("SELECT id FROM claims WHERE id = ?"+lock), c.ID)); err != nil {
			return err
		}
		var seq int64
		var hash string
		if err := tx.QueryRowContext(ctx, q("SELECT seq, hash FROM events WHERE claim_id = ? ORDER BY seq DESC LIMIT 1"), c.ID).Scan(&seq, &hash); err != nil {
			return err
		}
		now := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, q(`INSERT INTO events (id, tenant_id, claim_id, seq, at, kind, actor_kind, actor_id, ip, user_agent, payload, payload_hash, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, 'claim.viewed', 'debtor', 'bench', '', '', '{}', ?, ?, ?)`),
			portal.NewID(now), c.TenantID, c.ID, seq+1, now, portal.SHA256Hex([]byte("{}")), hash, portal.SHA256Hex([]byte(hash))); err != nil {
			return err
		}
		return tx.Commit()
	}
	var wg sync.WaitGroup
	var count atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, o.clients)
	start := time.Now()
	stop := start.Add(o.duration)
	for g := 0; g < o.clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; time.Now().Before(stop); i += o.clients {
				t0 := time.Now()
				if err := one(g); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[g] = append(lat[g], time.Since(t0))
				count.Add(1)
			}
		}(g)
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, 0, fmt.Errorf("raw queries: %w", err)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return float64(count.Load()) / time.Since(start).Seconds(), percentile(all, 99), nil
}
