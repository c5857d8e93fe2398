package server

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

// TestClientIPForgedHeader (issue 26.4): without a trusted proxy (the
// default) X-Forwarded-For is ignored, whoever sends it: a client that
// rotates the header is still one address to the link limiter and the
// login limiter, and the evidence records the address it connected from.
func TestClientIPForgedHeader(t *testing.T) {
	t.Run("LinkLimiter", func(t *testing.T) {
		e := newPortalEnv(t, store.SQLite, Config{TokenBurst: 3})
		e.listen() // loopback: before the fix, a loopback peer was a trusted proxy
		b := e.browser("fr")
		for i := 0; i < 3; i++ {
			b.ip = fmt.Sprintf("198.51.100.%d", i+1)
			if p := b.get("/p/" + portal.NewSecret()); p.status != 404 {
				t.Fatalf("guess %d: %d", i+1, p.status)
			}
		}
		b.ip = "198.51.100.99"
		if p := b.get("/p/" + portal.NewSecret()); p.status != 429 {
			t.Fatalf("4th guess with a new X-Forwarded-For: %d, want 429 (the header bypasses the limiter)", p.status)
		}
	})
	t.Run("EventRecordsPeer", func(t *testing.T) {
		e := newPortalEnv(t, store.SQLite, Config{})
		e.listen()
		_, token := e.issue(e.fr.ID)
		b := e.browser("fr")
		b.ip = "203.0.113.66"
		if p := b.get("/p/" + token); p.status != 303 {
			t.Fatalf("open: %d", p.status)
		}
		found := false
		for _, ev := range e.events(e.fr.ID) {
			if ev.Kind == portal.EventLinkOpened {
				found = true
				if ev.Actor.IP != "127.0.0.1" {
					t.Errorf("link.opened records IP %q, want the peer 127.0.0.1 (X-Forwarded-For was %s)", ev.Actor.IP, b.ip)
				}
			}
		}
		if !found {
			t.Fatal("no link.opened event")
		}
	})
}

// TestClientIPLoginLimiter: the console's per-address sign-in limit holds
// against a rotated X-Forwarded-For.
func TestClientIPLoginLimiter(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	e.listen()
	b := e.browser("en")
	status := 0
	for i := 0; i <= loginPerIP; i++ {
		b.cookies[consoleLoginCSRF] = "tok" // double submit: the cookie and the field
		b.ip = fmt.Sprintf("192.0.2.%d", i+1)
		status = b.post("/console/login", url.Values{"csrf": {"tok"}, "email": {fmt.Sprintf("u%d@nowhere.test", i)}, "password": {"wrong"}}).status
		if i < loginPerIP && status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, status)
		}
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("attempt %d with a new X-Forwarded-For: %d, want 429", loginPerIP+1, status)
	}
}

// TestClientIPTrustedProxy: behind configured proxies the client is the
// rightmost X-Forwarded-For address that is not one of them: what the
// client wrote to the left of it changes nothing, for the limiter or the
// evidence.
func TestClientIPTrustedProxy(t *testing.T) {
	proxies := []string{"127.0.0.1", "10.0.0.0/8"}
	t.Run("LinkLimiter", func(t *testing.T) {
		e := newPortalEnv(t, store.SQLite, Config{TokenBurst: 3, TrustedProxies: proxies})
		e.listen()
		b := e.browser("fr")
		for i := 0; i < 3; i++ {
			b.ip = fmt.Sprintf("6.6.6.%d, 203.0.113.5, 10.1.2.3", i+1) // forged, client, internal proxy
			if p := b.get("/p/" + portal.NewSecret()); p.status != 404 {
				t.Fatalf("guess %d: %d", i+1, p.status)
			}
		}
		b.ip = "6.6.6.99, 203.0.113.5, 10.1.2.3"
		if p := b.get("/p/" + portal.NewSecret()); p.status != 429 {
			t.Fatalf("4th guess of 203.0.113.5: %d, want 429", p.status)
		}
		other := e.browser("fr")
		other.ip = "203.0.113.6, 10.1.2.3"
		if p := other.get("/p/" + portal.NewSecret()); p.status != 404 {
			t.Fatalf("another client behind the same proxy: %d", p.status)
		}
	})
	t.Run("EventRecordsClient", func(t *testing.T) {
		e := newPortalEnv(t, store.SQLite, Config{TrustedProxies: proxies})
		e.listen()
		for _, tt := range []struct{ xff, want string }{
			{"1.1.1.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"},
			{"203.0.113.8, not-an-address, 10.0.0.9", "10.0.0.9"}, // garbage ends the walk at the last trusted hop
			{"10.4.4.4, 10.0.0.9", "10.4.4.4"},                    // all trusted: the leftmost
			{"[2001:db8::7]:4711", "2001:db8::7"},
		} {
			_, token := e.issue(e.fr.ID)
			b := e.browser("fr")
			b.ip = tt.xff
			if p := b.get("/p/" + token); p.status != 303 {
				t.Fatalf("open: %d", p.status)
			}
			evs := e.events(e.fr.ID)
			last := evs[len(evs)-1]
			if last.Kind != portal.EventLinkOpened || last.Actor.IP != tt.want {
				t.Errorf("X-Forwarded-For %q: %s records IP %q, want %s", tt.xff, last.Kind, last.Actor.IP, tt.want)
			}
		}
	})
}

// TestClientIPActorForwarded: the actor of a forwarded request carries the
// peer and the whole X-Forwarded-For chain (several headers are one list);
// a request that no trusted proxy forwarded carries none, and a later
// request on the same keep-alive connection is not given an earlier one's
// address.
func TestClientIPActorForwarded(t *testing.T) {
	for _, tt := range []struct {
		name      string
		proxies   []string
		headers   []string
		ip, chain string
	}{
		{"NoProxyConfigured", nil, []string{"203.0.113.5"}, "127.0.0.1", ""},
		{"Forwarded", []string{"127.0.0.0/8", "10.0.0.0/8"}, []string{"6.6.6.6, 203.0.113.5", "10.1.2.3"},
			"203.0.113.5", "peer 127.0.0.1; X-Forwarded-For: 6.6.6.6, 203.0.113.5, 10.1.2.3"},
		{"TrustedPeerWithoutHeader", []string{"127.0.0.1"}, nil, "127.0.0.1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newPortalEnv(t, store.SQLite, Config{TrustedProxies: tt.proxies})
			app := fiber.New()
			app.Use(e.srv.clientAddress)
			app.Get("/actor", e.srv.portalMiddleware, func(c *fiber.Ctx) error {
				ctx, cancel := e.srv.userContext(c)
				defer cancel()
				return c.JSON(portal.ActorFrom(ctx))
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go app.Listener(ln)
			t.Cleanup(func() { app.Shutdown() })
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			get := func(headers []string) portal.Actor {
				t.Helper()
				req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/actor", nil)
				for _, h := range headers {
					req.Header.Add("X-Forwarded-For", h)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var a portal.Actor
				if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
					t.Fatal(err)
				}
				return a
			}
			a := get(tt.headers)
			if a.IP != tt.ip || a.Forwarded != tt.chain {
				t.Fatalf("actor IP %q forwarded %q, want %q %q", a.IP, a.Forwarded, tt.ip, tt.chain)
			}
			// The same connection, no header: the peer, not the last client.
			if a := get(nil); a.IP != "127.0.0.1" || a.Forwarded != "" {
				t.Fatalf("next request on the connection: %+v", a)
			}
		})
	}
}

func TestTrustedProxyParse(t *testing.T) {
	got, err := ParseTrustedProxies([]string{" 10.0.0.0/8", "192.0.2.7", "", "::ffff:198.51.100.0/120", "2001:db8::/32", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "198.51.100.0/24", "2001:db8::/32", "::1/128"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", "10.0.0", "*"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
