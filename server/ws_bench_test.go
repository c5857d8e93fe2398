package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	contrib "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// BenchmarkChatVsEcho measures, in one run, the live chat with
// RELAIS_BENCH_CONVS conversations (default 1000: a debtor and an agent
// connected on each) against a bare echo server on the same websocket
// library (gofiber/contrib/websocket over fasthttp/websocket):
//
//   - memory per idle connection: this process's heap in use and goroutine
//     stacks with the connections open, less before, divided by their
//     number; the clients run in a child process (idleMemory), so the
//     figure is the server's alone;
//   - latency, on at most 1,000 of the conversations (clients in this
//     process): a debtor sends a text, the time until the agent has it
//     (validate, store with its seq and evidence event, ack, fan out)
//     versus the time an echo takes to come back; p50 and p99 of
//     sequential samples.
//
// Run: go test ./server -run '^$' -bench ChatVsEcho -benchtime 1x
// (RELAIS_BENCH_DB=postgres to run on PostgreSQL).
func BenchmarkChatVsEcho(b *testing.B) {
	convs := 1000
	if v, err := strconv.Atoi(os.Getenv("RELAIS_BENCH_CONVS")); err == nil && v > 0 {
		convs = v
	}
	live := min(convs, 1000)
	dialect := store.SQLite
	if os.Getenv("RELAIS_BENCH_DB") == store.Postgres {
		dialect = store.Postgres
	}
	samples := 2000
	e := newBenchEnv(b, dialect)
	cookies := e.debtorCookies(b, convs)
	agentCookie := e.cookies[e.owner.ID]

	// Memory first, before the latency runs' connections of this process
	// (whose teardown would still be under way): echo connections idle,
	// then as many chat connections.
	echoBase := startEcho(b)
	echoMem := idleMemory(b, "echo", idleClients{Base: echoBase, Echo: 2 * convs}, nil)
	chatMem := idleMemory(b, "chat", idleClients{Base: e.base, DebtorCookies: cookies, AgentCookie: agentCookie}, e.srv.hub.Conns)

	// Latency: the echo, then the chat.
	echoConns := make([]*benchConn, 2*live)
	for i := range echoConns {
		echoConns[i] = benchDial(b, echoBase, "/echo", nil)
	}
	echoLat := make([]time.Duration, 0, samples)
	for i := 0; i < samples; i++ {
		c := echoConns[i%len(echoConns)]
		t0 := time.Now()
		c.write(b, []byte(`{"type":"text","id":"x","text":"bonjour"}`))
		<-c.got
		echoLat = append(echoLat, time.Since(t0))
	}
	for _, c := range echoConns {
		c.ws.Close()
	}

	// Chat: a debtor and an agent on each of the first live conversations.
	type pair struct{ debtor, agent *benchConn }
	pairs := make([]pair, live)
	for k := range pairs {
		h := http.Header{}
		h.Set("Cookie", cookieSession+"="+cookies[k])
		pairs[k].debtor = benchDial(b, e.base, "/p/chat", h)
		h = http.Header{}
		h.Set("Cookie", consoleCookie+"="+agentCookie)
		pairs[k].agent = benchDial(b, e.base, "/console/chat/"+pairs[k].debtor.conversation(b), h)
	}
	chatLat := make([]time.Duration, 0, samples)
	b.ResetTimer()
	for s := 0; s < samples; s++ {
		p := pairs[s%len(pairs)]
		t0 := time.Now()
		p.debtor.write(b, []byte(fmt.Sprintf(`{"type":"text","id":"b-%d","text":"bonjour %d"}`, s, s)))
		<-p.agent.got
		chatLat = append(chatLat, time.Since(t0))
	}
	b.StopTimer()

	// The fair ceiling: an echo that first does the chat's durable write
	// (PostMessage: the sequence number under the conversation's row lock,
	// the message, its evidence event on the claim's chain, one
	// transaction) and answers only after its commit.
	durableBase := startDurableEcho(b, e.db)
	durable := benchDial(b, durableBase, "/echo-durable", nil)
	durableLat := make([]time.Duration, 0, samples)
	for s := 0; s < samples; s++ {
		conv := pairs[s%len(pairs)].debtor.conversation(b)
		t0 := time.Now()
		durable.write(b, []byte(fmt.Sprintf(`{"tenant":%q,"conv":%q,"id":"d-%d","text":"bonjour %d"}`, e.tenantID, conv, s, s)))
		<-durable.got
		durableLat = append(durableLat, time.Since(t0))
	}
	durable.ws.Close()
	dp50, dp99 := percentiles(durableLat)
	b.ReportMetric(float64(dp50.Microseconds()), "durable_p50_µs")
	b.ReportMetric(float64(dp99.Microseconds()), "durable_p99_µs")
	cp50, cp99 := percentiles(chatLat)
	b.ReportMetric(float64(cp99)/float64(dp99), "p99_vs_durable")
	ep50, ep99 := percentiles(echoLat)
	b.ReportMetric(float64(convs), "conversations")
	b.ReportMetric(float64(cp50.Microseconds()), "chat_p50_µs")
	b.ReportMetric(float64(cp99.Microseconds()), "chat_p99_µs")
	b.ReportMetric(float64(ep50.Microseconds()), "echo_p50_µs")
	b.ReportMetric(float64(ep99.Microseconds()), "echo_p99_µs")
	b.ReportMetric(float64(cp50)/float64(ep50), "p50_ratio")
	b.ReportMetric(float64(cp99)/float64(ep99), "p99_ratio")
	chatMem.report(b, "chat")
	echoMem.report(b, "echo")
	b.ReportMetric(chatMem.total/echoMem.total, "mem_ratio")
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2], d[len(d)*99/100]
}

// benchConn is a minimal client: a reader that signals each message frame
// (chat) or any frame (echo) on got, dropping the rest.
type benchConn struct {
	ws    *websocket.Conn
	got   chan struct{}
	first chan map[string]any
}

func benchDial(b *testing.B, base, path string, h http.Header) *benchConn {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Origin", base)
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+path, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		b.Fatalf("dial %s: %v (HTTP %d)", path, err, status)
	}
	c := &benchConn{ws: ws, got: make(chan struct{}, 1), first: make(chan map[string]any, 1)}
	echo := strings.HasPrefix(path, "/echo")
	go func() {
		first := true
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if first && !echo {
				var f map[string]any
				_ = json.Unmarshal(data, &f)
				c.first <- f
				first = false
				continue
			}
			if echo || strings.HasPrefix(string(data), `{"type":"message"`) {
				select {
				case c.got <- struct{}{}:
				default:
				}
			}
		}
	}()
	return c
}

func (c *benchConn) write(b *testing.B, p []byte) {
	if err := c.ws.WriteMessage(websocket.TextMessage, p); err != nil {
		b.Fatal(err)
	}
}

// conversation waits for the welcome frame and returns its conversation.
func (c *benchConn) conversation(b *testing.B) string {
	select {
	case f := <-c.first:
		id, _ := f["conversation_id"].(string)
		c.first <- f
		return id
	case <-time.After(10 * time.Second):
		b.Fatal("no welcome")
	}
	return ""
}

func startEcho(b *testing.B) string {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/echo", contrib.New(func(c *contrib.Conn) {
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if c.WriteMessage(mt, msg) != nil {
				return
			}
		}
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// startDurableEcho serves /echo-durable: each text frame names a
// conversation; the frame is stored as a debtor's message with the chat's
// own transaction (PostMessage) and echoed back after the commit.
func startDurableEcho(b *testing.B, db *store.DB) string {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/echo-durable", contrib.New(func(c *contrib.Conn) {
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			var f struct{ Tenant, Conv, ID, Text string }
			if err := json.Unmarshal(msg, &f); err != nil {
				b.Error(err)
				return
			}
			m := &negotiation.Message{TenantID: f.Tenant, ConversationID: f.Conv, ClientID: f.ID, Kind: negotiation.MsgText,
				Author: negotiation.Author{Kind: portal.ActorDebtor, ID: "bench", Name: "Debtor"}, Text: f.Text}
			if _, _, err := db.PostMessage(context.Background(), m); err != nil {
				b.Error(err)
				return
			}
			if c.WriteMessage(mt, msg) != nil {
				return
			}
		}
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// newBenchEnv is newChatEnv for a benchmark.
func newBenchEnv(b *testing.B, dialect string) *chatEnv {
	clock := &portal.FixedClock{T: testClock}
	db := storetest.MustOpen(b, dialect, clock)
	// The benchmark loads one instance from one address and one console
	// session on purpose: the chat's limits per address, per session and
	// per minute are off.
	return newChatEnvOn(b, db, clock, nil, func(c *Config) { c.ChatPerAddress, c.ChatMessagesPerMinute, c.ChatPerSession = -1, -1, -1 })
}

// debtorCookies makes n claims with verified portal sessions.
func (e *chatEnv) debtorCookies(b *testing.B, n int) []string {
	ctx := context.Background()
	out := make([]string, n)
	for i := 0; i < n; i++ {
		c := &portal.Claim{Reference: fmt.Sprintf("B-%d", i), Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Debtor", Language: "fr", Postcode: "75011"},
			Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
		if err := e.db.CreateClaim(ctx, e.tenantID, c); err != nil {
			b.Fatal(err)
		}
		_, token, err := e.db.IssueLink(ctx, e.tenantID, c.ID, portal.ChannelLetter, 24*time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		o, err := e.db.OpenLink(ctx, token)
		if err != nil {
			b.Fatal(err)
		}
		secret, err := e.db.CheckIdentity(ctx, o.Session.ID, "75011")
		if err != nil {
			b.Fatal(err)
		}
		out[i] = secret
	}
	return out
}
