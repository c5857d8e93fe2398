package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/server/servertest"
)

// relaisBin is the binary under test, built once by TestMain.
var relaisBin string

// ratesFile extends the embedded interest rates up to today ("": none
// missing).
var ratesFile string

const (
	stripeSecretKey     = "sk_test_123"
	stripeWebhookSecret = "whsec_faults_test"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relais-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	relaisBin = filepath.Join(dir, "relais")
	build := exec.Command(goTool(), "build", "-o", relaisBin, "github.com/relais/relais/cmd/relais")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: building relais:", err)
		os.Exit(1)
	}
	// The invoices of these tests are overdue today: carry the last known
	// interest rates over when today's are not published in Relais' data
	// yet, so balances (and card payments) work whatever the date.
	rates, err := rules.Default()
	if err == nil {
		var b []byte
		b, _, err = rates.CarryOver(portal.DateOf(time.Now()), "FAULT TESTS ONLY: last known rate carried over")
		if err == nil && b != nil {
			ratesFile = filepath.Join(dir, "rates.json")
			err = os.WriteFile(ratesFile, b, 0o600)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults: rates:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// runCLI runs a relais command to its end and returns its stdout.
func runCLI(t testing.TB, args ...string) string {
	t.Helper()
	out, _ := runCLIFull(t, args...)
	return out
}

// runCLIFull runs a relais command to its end and returns its stdout and
// stderr.
func runCLIFull(t testing.TB, args ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(relaisBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("relais %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return strings.TrimSpace(out.String()), errOut.String()
}

// serveConfig is how one instance is started.
// noChatLimits turns the live chat's per-session, per-address and
// per-minute limits off, for the tests that load one instance from one
// machine on purpose.
var noChatLimits = []string{"RELAIS_CHAT_PER_SESSION=-1", "RELAIS_CHAT_PER_ADDRESS=-1", "RELAIS_CHAT_MESSAGES_PER_MINUTE=-1"}

type serveConfig struct {
	DatabaseURL string
	// KeyFile is the evidence signing key, shared by the instances of one
	// deployment.
	KeyFile string
	// StripeBase is the Stripe API base; empty turns card payment off.
	StripeBase string
	// Port to listen on; 0 picks a free one.
	Port int
	// Env adds to (and overrides) the environment of the process.
	Env []string
}

// instance is one `relais serve` subprocess.
type instance struct {
	t     testing.TB
	cfg   serveConfig
	Base  string // http://127.0.0.1:port, also the base URL
	debug string // host:port of the pprof listener
	// checkpoints is where serve writes its evidence checkpoints (not the
	// package's directory).
	checkpoints string
	logs        *servertest.LogBuffer
	cmd         *exec.Cmd
	done        chan struct{}
}

// startInstance starts relais serve and waits until /readyz answers 200.
func startInstance(t testing.TB, cfg serveConfig) *instance {
	t.Helper()
	if cfg.Port == 0 {
		cfg.Port = freePort(t)
	}
	in := &instance{t: t, cfg: cfg, Base: fmt.Sprintf("http://127.0.0.1:%d", cfg.Port), logs: &servertest.LogBuffer{},
		checkpoints: t.TempDir()}
	in.debug = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	t.Cleanup(func() {
		in.kill()
		if t.Failed() {
			t.Logf("logs of %s:\n%s", in.Base, tail(in.logs.String(), 120))
		}
	})
	in.start()
	return in
}

func (in *instance) start() {
	in.t.Helper()
	args := []string{"serve", "--addr", strings.TrimPrefix(in.Base, "http://"), "--database-url", in.cfg.DatabaseURL,
		"--key-file", in.cfg.KeyFile, "--debug-addr", in.debug, "--scheduler-every", "1s", "--shutdown-wait", "5s",
		"--checkpoint-dir", in.checkpoints}
	if ratesFile != "" {
		args = append(args, "--rates-file", ratesFile)
	}
	cmd := exec.Command(relaisBin, args...)
	cmd.Env = append(os.Environ(), "RELAIS_LOG_LEVEL=info")
	if in.cfg.StripeBase != "" {
		cmd.Env = append(cmd.Env, "STRIPE_SECRET_KEY="+stripeSecretKey, "STRIPE_WEBHOOK_SECRET="+stripeWebhookSecret,
			"STRIPE_API_BASE="+in.cfg.StripeBase)
	}
	cmd.Env = append(cmd.Env, in.cfg.Env...)
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	fmt.Fprintf(in.logs, "--- start %s\n", time.Now().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.cmd, in.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(in.done)
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-in.done:
			in.t.Fatalf("relais serve exited at start:\n%s", tail(in.logs.String(), 60))
		default:
		}
		if status, _ := in.get("/readyz"); status == 200 {
			return
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("relais serve not ready after 60 s:\n%s", tail(in.logs.String(), 60))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL: no shutdown, no flush, like a
// crashed host or the OOM killer.
func (in *instance) kill() {
	if in.cmd == nil {
		return
	}
	in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.done
	fmt.Fprintf(in.logs, "--- killed %s\n", time.Now().Format(time.RFC3339Nano))
	in.cmd = nil
}

// stop ends the process with SIGTERM, as an orchestrator does, and waits
// for its graceful shutdown.
func (in *instance) stop() {
	in.t.Helper()
	if in.cmd == nil {
		return
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		in.t.Errorf("relais serve did not stop within 30 s of SIGTERM")
	}
	in.kill()
}

// restart starts the instance again on the same address and database.
func (in *instance) restart() {
	in.t.Helper()
	in.kill()
	in.start()
}

var httpClient = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get returns the status and body of GET path, 0 when the request failed.
func (in *instance) get(path string) (int, string) {
	resp, err := httpClient.Get(in.Base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// healthz returns the jobs of /healthz by name.
func (in *instance) jobs() map[string]jobStatus {
	_, body := in.get("/healthz")
	var h struct {
		Jobs []jobStatus `json:"jobs"`
	}
	json.Unmarshal([]byte(body), &h)
	out := map[string]jobStatus{}
	for _, j := range h.Jobs {
		out[j.Name] = j
	}
	return out
}

type jobStatus struct {
	Name        string    `json:"name"`
	LastRun     time.Time `json:"last_run"`
	LastSuccess time.Time `json:"last_success"`
	Failing     int64     `json:"consecutive_failures"`
}

// runtimeStats reads the goroutine count and the live heap (after a GC)
// from the instance's pprof listener.
func (in *instance) runtimeStats() (goroutines int, heap int64) {
	in.t.Helper()
	body := fetch(in.t, "http://"+in.debug+"/debug/pprof/goroutine?debug=1")
	m := regexp.MustCompile(`goroutine profile: total (\d+)`).FindStringSubmatch(body)
	if m == nil {
		in.t.Fatalf("goroutine profile: %.200s", body)
	}
	goroutines, _ = strconv.Atoi(m[1])
	// Two GCs: objects in sync.Pools survive the first in the pools' victim
	// caches and are freed by the second.
	fetch(in.t, "http://"+in.debug+"/debug/pprof/heap?debug=1&gc=1")
	body = fetch(in.t, "http://"+in.debug+"/debug/pprof/heap?debug=1&gc=1")
	h := regexp.MustCompile(`# HeapAlloc = (\d+)`).FindStringSubmatch(body)
	if h == nil {
		in.t.Fatalf("heap profile without HeapAlloc")
	}
	heap, _ = strconv.ParseInt(h[1], 10, 64)
	return goroutines, heap
}

func fetch(t testing.TB, u string) string {
	t.Helper()
	resp, err := httpClient.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// creditor is a tenant with an API key.
type creditor struct {
	Tenant, Key string
}

// newCreditor creates a tenant and an API key with the CLI, as an operator
// would; it also migrates a fresh database.
func newCreditor(t testing.TB, dbURL string) creditor {
	t.Helper()
	tenant := runCLI(t, "tenant", "add", "--database-url", dbURL, "--name", "Fault Test SA", "--country", "FR")
	key := runCLI(t, "apikey", "create", "--database-url", dbURL, "--tenant", tenant, "--name", "faults")
	return creditor{Tenant: tenant, Key: key}
}

// api calls the creditor API of in and decodes the JSON answer.
func (c creditor) api(t testing.TB, in *instance, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.Base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, map[string]any{"transport": err.Error()}
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// download saves an API download of in to file.
func (in *instance) download(t testing.TB, c creditor, path, file string) {
	t.Helper()
	req, _ := http.NewRequest("GET", in.Base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.Key)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, b)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// claimRef is a claim with a fresh portal link.
type claimRef struct {
	ID, Reference, Postcode, Link string
}

// newClaim creates a French business claim of 1,000.00 EUR through the API
// and issues an SMS link to it.
func (c creditor) newClaim(t testing.TB, in *instance, ref string) claimRef {
	t.Helper()
	postcode := "75011"
	status, body := c.api(t, in, "POST", "/api/v1/claims", map[string]any{
		"reference": ref, "currency": "EUR", "jurisdiction": "FR",
		"debtor":   map[string]any{"kind": "business", "name": "Dupont SARL " + ref, "language": "fr", "postcode": postcode, "country": "FR"},
		"invoices": []map[string]any{{"number": "F-" + ref, "issue_date": "2026-01-05", "due_date": "2026-02-04", "amount": 100000}},
	})
	if status != 201 && status != 200 {
		t.Fatalf("create claim %s: %d %v", ref, status, body)
	}
	id, _ := body["id"].(string)
	status, link := c.api(t, in, "POST", "/api/v1/claims/"+id+"/links", map[string]any{"channel": "sms"})
	if status != 201 && status != 200 {
		t.Fatalf("issue link %s: %d %v", ref, status, link)
	}
	u, _ := link["url"].(string)
	return claimRef{ID: id, Reference: ref, Postcode: postcode, Link: u}
}

// debtor is a browser session on the portal that passed the identity
// check.
type debtor struct {
	claim  claimRef
	client *http.Client
	base   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// openPortal follows the claim's link on in, answers the identity check and
// returns the verified session.
func openPortal(t testing.TB, in *instance, c claimRef) *debtor {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &debtor{claim: c, base: in.Base, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	path := c.Link[strings.Index(c.Link, "/p/"):]
	status, form := d.do(t, "GET", path, nil)
	m := csrfField.FindStringSubmatch(form)
	if status != 200 || m == nil {
		t.Fatalf("open link: %d %.300s", status, form)
	}
	status, page := d.do(t, "POST", "/p/identity", url.Values{"csrf": {m[1]}, "answer": {c.Postcode}})
	if status != 200 || !strings.Contains(page, c.Reference) {
		t.Fatalf("identity check: %d %.300s", status, page)
	}
	return d
}

// do sends a request of the debtor's browser (following redirects) and
// returns the final status and body; status 0 when the request failed.
func (d *debtor) do(t testing.TB, method, path string, form url.Values) (int, string) {
	t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, d.base+path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "fr")
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// submit posts a form of the page at page (with its CSRF token) without
// following the redirect; it returns the status, the Location and the body.
func (d *debtor) submit(t testing.TB, page, action string, form url.Values) (int, string, string) {
	t.Helper()
	status, body := d.do(t, "GET", page, nil)
	m := csrfField.FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("GET %s: %d, no CSRF token", page, status)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", d.base+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "fr")
	noFollow := *d.client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// on returns the same session pointed at another instance of the
// deployment (sessions live in the shared database).
func (d *debtor) on(in *instance) *debtor {
	cp := *d
	cp.base = in.Base
	u, _ := url.Parse(d.base)
	v, _ := url.Parse(in.Base)
	for _, ck := range d.client.Jar.Cookies(u) {
		jar := cp.client.Jar
		jar.SetCookies(v, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	}
	return &cp
}

// chat is one websocket connection to the live chat, with its frames read
// into a channel.
type chat struct {
	conn   *websocket.Conn
	frames chan map[string]any
	closed chan struct{}
}

// dialChat opens the debtor's chat on the instance of the session.
func (d *debtor) dialChat(after int64) (*chat, error) {
	u, _ := url.Parse(d.base)
	var cookies []string
	for _, ck := range d.client.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	h := http.Header{"Origin": {d.base}, "Cookie": {strings.Join(cookies, "; ")}}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := dialer.Dial("ws"+strings.TrimPrefix(d.base, "http")+"/p/chat?after="+strconv.FormatInt(after, 10), h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial chat: %d %w", resp.StatusCode, err)
		}
		return nil, err
	}
	c := &chat{conn: conn, frames: make(chan map[string]any, 1024), closed: make(chan struct{})}
	go func() {
		defer close(c.closed)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var f map[string]any
			if json.Unmarshal(data, &f) == nil {
				select {
				case c.frames <- f:
				default: // a test that stopped reading does not block the socket
				}
			}
		}
	}()
	return c, nil
}

// send writes a frame.
func (c *chat) send(v any) error {
	b, _ := json.Marshal(v)
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// next returns the next frame of type typ (skipping others), nil after
// timeout or when the connection closed.
func (c *chat) next(typ string, timeout time.Duration) map[string]any {
	return c.nextOf(timeout, typ)
}

// nextOf returns the next frame of one of types.
func (c *chat) nextOf(timeout time.Duration, types ...string) map[string]any {
	deadline := time.After(timeout)
	for {
		select {
		case f := <-c.frames:
			for _, typ := range types {
				if f["type"] == typ {
					return f
				}
			}
		case <-c.closed:
			return nil
		case <-deadline:
			return nil
		}
	}
}

// close drops the TCP connection without a close frame, like a phone
// losing its network.
func (c *chat) close() { c.conn.Close() }

// goodbye closes the connection properly: a close frame, then the socket.
func (c *chat) goodbye() {
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
	select {
	case <-c.closed:
	case <-time.After(2 * time.Second):
	}
	c.conn.Close()
}

// isRefusal tells a handshake the server answered with an HTTP error from
// a network failure.
func isRefusal(err error) bool {
	return strings.HasPrefix(err.Error(), "dial chat: ")
}

// stripeEvent builds a checkout.session.completed event paying amount on a
// claim, as Stripe sends it once the debtor paid on the hosted page.
func stripeEvent(tenant string, c claimRef, eventID, paymentIntent string, amount int64) []byte {
	b, _ := json.Marshal(map[string]any{"id": eventID, "object": "event", "api_version": "2023-10-16",
		"created": time.Now().Unix(), "type": "checkout.session.completed",
		"data": map[string]any{"object": map[string]any{"id": "cs_" + paymentIntent, "object": "checkout.session", "mode": "payment",
			"payment_status": "paid", "amount_total": amount, "currency": "eur", "payment_intent": paymentIntent,
			"metadata": map[string]string{"claim_id": c.ID, "tenant_id": tenant}}}})
	return b
}

// deliverWebhook posts a signed event, as Stripe does; it returns the
// status (0 when the connection failed).
func deliverWebhook(ctx context.Context, base string, body []byte) int {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: stripeWebhookSecret, Timestamp: time.Now()})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sp.Header)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}
