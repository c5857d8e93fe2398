package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// Tests of issue 26.5: the limits are one limiter design, shared by the
// instances on PostgreSQL, and a sign-in lock cannot keep the real user
// out.

const limitPassword = "correct horse battery"

// limitServer is one instance of the server, listening on a loopback
// port behind a trusted proxy at 127.0.0.1: X-Forwarded-For names the
// client.
type limitServer struct {
	srv  *Server
	base string
}

// limitInstance starts an instance on db, with the limiter cmd/relais
// gives it: the database's on PostgreSQL, memory on SQLite.
func limitInstance(t *testing.T, db *store.DB, clock portal.Clock) *limitServer {
	t.Helper()
	deps := Deps{Claims: db, Tenants: db, Events: db, DB: db, Clock: clock, Logger: slog.New(slog.DiscardHandler),
		Links: db, Disputes: db, ConsoleSessions: db}
	if db.Dialect == store.Postgres {
		deps.Limiter = db.Limiter()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv := New(Config{BaseURL: base, TokenBurst: 3, TokenEvery: time.Minute, TrustedProxies: []string{"127.0.0.1"}}, deps)
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(time.Second) })
	return &limitServer{srv: srv, base: base}
}

// send sends req to the instance from client address ip.
func (s *limitServer) send(t *testing.T, req *http.Request, ip string) (*http.Response, string) {
	t.Helper()
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// limitUser creates a tenant and its owner, who signs in with
// limitPassword.
func limitUser(t *testing.T, db *store.DB) *portal.User {
	t.Helper()
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Alpha"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	u := &portal.User{TenantID: tn.ID, Email: "ann@alpha.test", Name: "Ann", Role: portal.RoleOwner}
	if err := db.CreateUser(ctx, u, limitPassword); err != nil {
		t.Fatal(err)
	}
	return u
}

type signInResult struct {
	status     int
	retryAfter string
	body       string
}

// signIn posts the sign-in form to srv from client address ip.
func signIn(t *testing.T, srv *limitServer, ip, email, password string) signInResult {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.base+"/console/login", strings.NewReader(url.Values{"csrf": {"tok"}, "email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: consoleLoginCSRF, Value: "tok"})
	resp, body := srv.send(t, req, ip)
	return signInResult{resp.StatusCode, resp.Header.Get("Retry-After"), body}
}

// twoLimitInstances opens two handles on one fresh PostgreSQL database and a
// server on each, as two instances behind a load balancer.
func twoLimitInstances(t *testing.T, clock portal.Clock) (a, b *limitServer, db *store.DB) {
	t.Helper()
	u := storetest.URL(t, store.Postgres)
	dbA, dbB := storetest.MustOpenURL(t, u, clock), storetest.MustOpenURL(t, u, clock)
	return limitInstance(t, dbA, clock), limitInstance(t, dbB, clock), dbA
}

// TestLimiterLoginShared: the sign-in limits of one source and of one
// account are counted in PostgreSQL, so failures on instance A count on
// instance B.
func TestLimiterLoginShared(t *testing.T) {
	clock := &portal.FixedClock{T: time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC)}
	a, b, db := twoLimitInstances(t, clock)
	u := limitUser(t, db)
	t.Run("Source", func(t *testing.T) {
		ip := "198.51.100.1"
		for i := 0; i < loginPerIP; i++ {
			srv := []*limitServer{a, b}[i%2]
			if r := signIn(t, srv, ip, fmt.Sprintf("nobody%d@alpha.test", i), "wrong"); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, r.status)
			}
		}
		for name, srv := range map[string]*limitServer{"A": a, "B": b} {
			r := signIn(t, srv, ip, "other@alpha.test", "wrong")
			if r.status != http.StatusTooManyRequests || r.retryAfter != "45" || !strings.Contains(r.body, "wait 45 seconds") {
				t.Fatalf("instance %s after %d failures split over both: %d Retry-After %q", name, loginPerIP, r.status, r.retryAfter)
			}
		}
	})
	t.Run("Account", func(t *testing.T) {
		for i := 0; i < loginFailsPerEmail; i++ {
			srv := []*limitServer{a, b}[i%2]
			if r := signIn(t, srv, fmt.Sprintf("198.51.100.%d", 10+i), u.Email, "wrong"); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d on the account: %d", i+1, r.status)
			}
		}
		r := signIn(t, b, "203.0.113.9", u.Email, limitPassword)
		if r.status != http.StatusTooManyRequests || r.retryAfter != "30" || !strings.Contains(r.body, "wait 30 seconds") {
			t.Fatalf("the account after %d failures over both instances: %d Retry-After %q", loginFailsPerEmail, r.status, r.retryAfter)
		}
		if !strings.Contains(r.body, `value="`+u.Email+`"`) {
			t.Fatal("the refused form lost the e-mail typed")
		}
	})
}

// TestLimiterLoginAttackDoesNotLockOut: an attacker trying the account
// five times a second without a pause, from 100 addresses in turn (each
// under its own source limit), keeps it slowed but cannot keep the real
// user out: from an address of their own they are told the true wait (at
// most loginAccountEvery) and signed in when it is over, though the
// attacker tried again first at every second. The attacker's guesses
// (password checks) are the first 5, then one per address per 30 s and
// the account's refills.
func TestLimiterLoginAttackDoesNotLockOut(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, d, clock)
			srv := limitInstance(t, db, clock)
			u := limitUser(t, db)
			guesses, n := 0, 0
			attack := func() { // one second of the attack
				for i := 0; i < 5; i++ {
					r := signIn(t, srv, fmt.Sprintf("198.51.100.%d", n%100+1), u.Email, fmt.Sprintf("guess %d", n))
					n++
					switch r.status {
					case http.StatusUnauthorized:
						guesses++
					case http.StatusTooManyRequests:
						if w, err := strconv.Atoi(r.retryAfter); err != nil || w < 1 || w > 30 {
							t.Fatalf("attacker refused with Retry-After %q", r.retryAfter)
						}
					default:
						t.Fatalf("attacker's sign-in: %d", r.status)
					}
				}
			}
			const user = "203.0.113.50"
			for s := 0; s < 15; s++ {
				attack()
				clock.Advance(time.Second)
			}
			// 5 at once, then no address has waited its turn yet (each came
			// back after 20 s): only the account's refill, taken by whoever
			// came first.
			if guesses < loginFailsPerEmail || guesses > loginFailsPerEmail+1 {
				t.Fatalf("%d guesses in 15 s, want %d or %d: the account is not slowed", guesses, loginFailsPerEmail, loginFailsPerEmail+1)
			}
			attack()
			r := signIn(t, srv, user, u.Email, limitPassword)
			wait, err := strconv.Atoi(r.retryAfter)
			if r.status != http.StatusTooManyRequests || err != nil || wait < 1 || wait > 30 ||
				!strings.Contains(r.body, fmt.Sprintf("wait %d seconds", wait)) {
				t.Fatalf("the real user under attack: %d Retry-After %q", r.status, r.retryAfter)
			}
			// Too early: the rest of the wait, truly.
			attack()
			clock.Advance(10 * time.Second)
			attack()
			if r := signIn(t, srv, user, u.Email, limitPassword); r.status != http.StatusTooManyRequests ||
				r.retryAfter != strconv.Itoa(wait-10) || !strings.Contains(r.body, fmt.Sprintf("wait %d seconds", wait-10)) {
				t.Fatalf("10 s into a wait of %d s: %d Retry-After %q", wait, r.status, r.retryAfter)
			}
			for s := 10; s < wait; s++ {
				clock.Advance(time.Second)
				attack()
			}
			if r := signIn(t, srv, user, u.Email, limitPassword); r.status != http.StatusSeeOther {
				t.Fatalf("the real user after the %d s they were told: %d Retry-After %q", wait, r.status, r.retryAfter)
			}
		})
	}
}

// TestLimiterLinkShared: the link-open limit of one client address is
// counted in PostgreSQL: three guesses over two instances use it up on
// both; another address is not affected.
func TestLimiterLinkShared(t *testing.T) {
	clock := &portal.FixedClock{T: time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC)}
	a, b, _ := twoLimitInstances(t, clock)
	guess := func(srv *limitServer, ip string) (int, string) {
		req, _ := http.NewRequest("GET", srv.base+"/p/"+portal.NewSecret(), nil)
		resp, _ := srv.send(t, req, ip)
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for i, srv := range []*limitServer{a, b, a} {
		if st, _ := guess(srv, "198.51.100.7"); st != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i+1, st)
		}
	}
	for name, srv := range map[string]*limitServer{"A": a, "B": b} {
		if st, ra := guess(srv, "198.51.100.7"); st != http.StatusTooManyRequests || ra != "60" {
			t.Fatalf("4th guess on instance %s: %d Retry-After %q", name, st, ra)
		}
	}
	if st, _ := guess(b, "198.51.100.8"); st != http.StatusNotFound {
		t.Fatalf("another address: %d", st)
	}
	clock.Advance(time.Minute)
	if st, _ := guess(b, "198.51.100.7"); st != http.StatusNotFound {
		t.Fatalf("after a minute: %d", st)
	}
}
