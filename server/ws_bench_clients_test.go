package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// The idle connections of BenchmarkChatVsEcho are opened by a child
// process (this test binary run again with idleClientsEnv set), so that
// the server's memory per connection is measured alone, and each process
// needs one descriptor per connection rather than two (issue 22).

// idleClientsEnv, when set, makes the test binary the idle clients'
// process: it reads an idleClients from stdin, opens the connections,
// prints "ready" and holds them until stdin is closed.
const idleClientsEnv = "RELAIS_BENCH_IDLE_CLIENTS"

func TestMain(m *testing.M) {
	if os.Getenv(idleClientsEnv) != "" {
		if err := runIdleClients(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "idle clients:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// idleClients is what the child opens: Echo connections on Base+/echo, or
// for each debtor cookie a debtor on /p/chat and then an agent (with
// AgentCookie) on that debtor's conversation.
type idleClients struct {
	Base          string
	Echo          int
	DebtorCookies []string
	AgentCookie   string
}

func (ic idleClients) conns() int { return ic.Echo + 2*len(ic.DebtorCookies) }

func runIdleClients(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return err
	}
	var ic idleClients
	if err := json.Unmarshal(line, &ic); err != nil {
		return err
	}
	// Small buffers: this process's memory is not measured, but 20,000
	// connections of the default dialer would still be 160 MB.
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, HandshakeTimeout: 30 * time.Second}
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	dial := func(path, cookie string) (*websocket.Conn, error) {
		h := http.Header{}
		h.Set("Origin", ic.Base)
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		ws, resp, err := d.Dial("ws"+strings.TrimPrefix(ic.Base, "http")+path, h)
		if err != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			return nil, fmt.Errorf("dial %s (connection %d): %w (HTTP %d)", path, len(conns)+1, err, status)
		}
		conns = append(conns, ws)
		return ws, nil
	}
	// read drops every frame (the pings are answered by the library)
	// until the connection ends.
	read := func(ws *websocket.Conn) {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}
	for i := 0; i < ic.Echo; i++ {
		ws, err := dial("/echo", "")
		if err != nil {
			return err
		}
		go read(ws)
	}
	for _, cookie := range ic.DebtorCookies {
		ws, err := dial("/p/chat", cookieSession+"="+cookie)
		if err != nil {
			return err
		}
		var welcome struct {
			Type           string `json:"type"`
			ConversationID string `json:"conversation_id"`
		}
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		if err := ws.ReadJSON(&welcome); err != nil || welcome.Type != "welcome" {
			return fmt.Errorf("debtor welcome: %v (%q)", err, welcome.Type)
		}
		_ = ws.SetReadDeadline(time.Time{})
		go read(ws)
		agent, err := dial("/console/chat/"+welcome.ConversationID, consoleCookie+"="+ic.AgentCookie)
		if err != nil {
			return err
		}
		go read(agent)
	}
	if _, err := fmt.Fprintln(out, "ready"); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, r) // until the parent closes stdin
	return nil
}

// idleMem is the memory per idle connection: total is heap in use and
// stacks; live (the heap's live objects, less than the spans holding
// them) and stack are parts of it, for reading.
type idleMem struct{ total, live, stack float64 }

// report reports m as the benchmark's metrics name_B/idle_conn,
// name_live_B/idle_conn and name_stack_B/idle_conn.
func (m idleMem) report(b *testing.B, name string) {
	b.ReportMetric(m.total, name+"_B/idle_conn")
	b.ReportMetric(m.live, name+"_live_B/idle_conn")
	b.ReportMetric(m.stack, name+"_stack_B/idle_conn")
}

// idleMemory has a child process open the connections of ic against this
// process's server and returns the growth of this process's heap in use
// and goroutine stacks per connection, both read after a GC, with the
// connections open; the child ends (and its connections close) before it
// returns. live, when not nil, counts the server's live connections: the
// measurement fails unless they are all there. RELAIS_BENCH_HEAPPROFILE=<prefix> writes the heap profile of
// that moment to <prefix>-<label>.pprof.
func idleMemory(b *testing.B, label string, ic idleClients, live func() int) idleMem {
	b.Helper()
	spec, err := json.Marshal(ic)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), idleClientsEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	// Two collections: the first frees the pools' objects into their
	// victim caches, the second frees those.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("idle clients (%s): %v", label, err)
		}
		time.Sleep(time.Second) // the server sees the connections close
	}()
	if _, err := stdin.Write(append(spec, '\n')); err != nil {
		b.Fatal(err)
	}
	ready, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || ready != "ready\n" {
		b.Fatalf("idle clients (%s): %q, %v", label, ready, err)
	}
	time.Sleep(time.Second) // welcome frames and replays settle
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if live != nil && live() != ic.conns() {
		b.Fatalf("idle clients (%s): %d connections live on the server, want %d", label, live(), ic.conns())
	}
	if prefix := os.Getenv("RELAIS_BENCH_HEAPPROFILE"); prefix != "" {
		if f, err := os.Create(prefix + "-" + label + ".pprof"); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			_ = f.Close()
		}
	}
	n := float64(ic.conns())
	return idleMem{
		total: (float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)) / n,
		live:  (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n,
		stack: (float64(after.StackInuse) - float64(before.StackInuse)) / n,
	}
}
