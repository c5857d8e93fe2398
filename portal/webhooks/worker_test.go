package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	event  webhooks.Body
}

// receiver is a creditor's endpoint on loopback: it records every request
// and answers what status says (200 when nil).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status func(n int, ev webhooks.Body) int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev webhooks.Body
		_ = json.Unmarshal(body, &ev)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: body, event: ev})
		n := len(rc.got)
		status := rc.status
		rc.mu.Unlock()
		code := http.StatusOK
		if status != nil {
			code = status(n, ev)
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// env is a database with two tenants, a claim each, and a fixed clock.
type env struct {
	db             *store.DB
	clock          *portal.FixedClock
	tenantA        string
	tenantB        string
	claimA, claimB string
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	ctx := context.Background()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	e := &env{db: db, clock: clock}
	for i, name := range []string{"Alpha", "Beta"} {
		tn := &portal.Tenant{Name: name}
		must(t, db.CreateTenant(ctx, tn))
		must(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name + " SA", Country: "FR"}))
		c := newClaim(name + "-1")
		must(t, db.CreateClaim(ctx, tn.ID, c))
		if i == 0 {
			e.tenantA, e.claimA = tn.ID, c.ID
		} else {
			e.tenantB, e.claimB = tn.ID, c.ID
		}
	}
	return e
}

func newClaim(ref string) *portal.Claim {
	return &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
		Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) endpoint(t *testing.T, tenantID, url string) *webhooks.Endpoint {
	t.Helper()
	ep, err := e.db.CreateWebhookEndpoint(context.Background(), tenantID, webhooks.EndpointInput{URL: url})
	must(t, err)
	return ep
}

func (e *env) event(t *testing.T, tenantID, claimID string, n int) *portal.Event {
	t.Helper()
	ev, err := e.db.AppendEvent(context.Background(), tenantID, claimID, portal.EventNoteWritten, map[string]any{"n": n})
	must(t, err)
	return ev
}

func (e *env) worker(owner string) *webhooks.Worker {
	return &webhooks.Worker{Store: e.db, Clock: e.clock, Owner: owner, AllowPrivate: true,
		Log: slog.New(slog.DiscardHandler), Health: portal.NewJobHealth("webhooks")}
}

func runOnce(t *testing.T, w *webhooks.Worker) webhooks.Report {
	t.Helper()
	rep, err := w.RunOnce(context.Background())
	must(t, err)
	return rep
}

// independentVerify checks a delivery's headers as the Standard Webhooks
// specification describes them, without the package's code: the HMAC key
// is the base64 (standard alphabet) after "whsec_", the signed content
// "<webhook-id>.<webhook-timestamp>.<body>", and webhook-signature a
// space-separated list of "v1,<base64 HMAC-SHA256>", any of which may
// match.
func independentVerify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(h.Get("Webhook-Id") + "." + h.Get("Webhook-Timestamp") + "."))
	m.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, sig := range strings.Split(h.Get("Webhook-Signature"), " ") {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

// TestSignatureVector: the example of the Standard Webhooks reference
// libraries (secret, message id, timestamp, body and the signature they
// expect) is what Sign gives, and what Verify and the independent check
// accept.
func TestSignatureVector(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	sig, err := webhooks.Sign([]string{secret}, "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign: %q %v", sig, err)
	}
	h := http.Header{}
	must(t, webhooks.SetHeaders(h, []string{secret}, "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body))
	if !independentVerify(secret, h, body) || webhooks.VerifyAt(secret, h, body, 0, at) != nil {
		t.Fatalf("not verified: %v", h)
	}
	if _, err := webhooks.Sign([]string{"whsec_not base64"}, "x", at, body); err != webhooks.ErrBadSecret {
		t.Fatalf("bad secret: %v", err)
	}
	if _, err := webhooks.Sign(nil, "x", at, body); err != webhooks.ErrBadSecret {
		t.Fatalf("no secret: %v", err)
	}
}

// TestWebhookDeliverySigned: an event is POSTed as JSON with a signature
// that Verify and an independent HMAC check accept; a wrong secret, a
// changed body or an old signature are refused.
func TestWebhookDeliverySigned(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			ep := e.endpoint(t, e.tenantA, rc.URL+"/hooks?token=abc")
			ev := e.event(t, e.tenantA, e.claimA, 1)
			w := e.worker("w1")
			if rep := runOnce(t, w); rep.Delivered != 1 || rep.Claimed != 1 {
				t.Fatalf("report %+v", rep)
			}
			got := rc.requests()
			if len(got) != 1 {
				t.Fatalf("%d requests", len(got))
			}
			r := got[0]
			h := r.header
			if err := webhooks.VerifyAt(ep.Secret, h, r.body, 0, e.clock.T.Add(time.Minute)); err != nil {
				t.Fatalf("Verify: %v (%v)", err, h)
			}
			if !independentVerify(ep.Secret, h, r.body) || h.Get("webhook-id") != ev.ID ||
				h.Get("webhook-timestamp") != strconv.FormatInt(e.clock.T.Unix(), 10) || strings.Count(h.Get("webhook-signature"), "v1,") != 1 {
				t.Fatalf("independent check failed: %v", h)
			}
			if key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(ep.Secret, "whsec_")); len(key) != 32 {
				t.Fatalf("secret %q is not whsec_ and 32 bytes in base64", ep.Secret)
			}
			other := webhooks.NewSecret()
			if independentVerify(other, h, r.body) || webhooks.VerifyAt(other, h, r.body, 0, e.clock.T) != webhooks.ErrBadSignature {
				t.Fatal("a wrong secret verifies")
			}
			changed := []byte(strings.Replace(string(r.body), `"n":1`, `"n":2`, 1))
			if independentVerify(ep.Secret, h, changed) || webhooks.VerifyAt(ep.Secret, h, changed, 0, e.clock.T) != webhooks.ErrBadSignature {
				t.Fatal("a changed body verifies")
			}
			if err := webhooks.VerifyAt(ep.Secret, h, r.body, 0, e.clock.T.Add(6*time.Minute)); err != webhooks.ErrTooOld {
				t.Fatalf("old signature: %v", err)
			}
			otherID := h.Clone()
			otherID.Set("webhook-id", "another")
			if independentVerify(ep.Secret, otherID, r.body) || webhooks.VerifyAt(ep.Secret, otherID, r.body, 0, e.clock.T) != webhooks.ErrBadSignature {
				t.Fatal("the signature does not cover the id")
			}
			if err := webhooks.VerifyAt(ep.Secret, http.Header{}, r.body, 0, e.clock.T); err != webhooks.ErrNoSignature {
				t.Fatalf("no headers: %v", err)
			}
			b := r.event
			if b.ID != ev.ID || b.Kind != portal.EventNoteWritten || b.ClaimID != e.claimA || b.Seq != ev.Seq || !b.At.Equal(ev.At) ||
				string(b.Payload) != `{"n":1}` || b.Hash != ev.Hash || b.Actor.Kind == "" {
				t.Fatalf("body %s", r.body)
			}
			if strings.Contains(string(r.body), "ip") && strings.Contains(string(r.body), "user_agent") {
				t.Fatalf("the actor's address is sent: %s", r.body)
			}
			if r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", r.header)
			}
			// Delivered once: nothing more to send.
			if rep := runOnce(t, w); rep.Claimed != 0 || len(rc.requests()) != 1 {
				t.Fatalf("sent again: %+v", rep)
			}
			if st := w.Health.Status(); st.Runs != 0 {
				// RunOnce does not record: Run does.
				t.Fatalf("health %+v", st)
			}
		})
	}
}

// TestWebhookRetryAfter500: a 500 is retried after the backoff, with the
// same event id, then delivered.
func TestWebhookRetryAfter500(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			rc.status = func(n int, _ webhooks.Body) int {
				if n == 1 {
					return 500
				}
				return 204
			}
			e.endpoint(t, e.tenantA, rc.URL)
			ev := e.event(t, e.tenantA, e.claimA, 1)
			w := e.worker("w1")
			if rep := runOnce(t, w); rep.Retried != 1 {
				t.Fatalf("first attempt: %+v", rep)
			}
			ds, _ := e.db.WebhookDeliveries(context.Background(), e.tenantA)
			if len(ds) != 1 || ds[0].Status != webhooks.Retry || ds[0].Attempts != 1 || ds[0].LastStatus != 500 ||
				ds[0].NextAttemptAt.Before(e.clock.T.Add(22*time.Second)) || ds[0].NextAttemptAt.After(e.clock.T.Add(30*time.Second)) {
				t.Fatalf("after the 500: %+v", ds)
			}
			// Not before its time.
			if rep := runOnce(t, w); rep.Claimed != 0 {
				t.Fatalf("retried at once: %+v", rep)
			}
			e.clock.Advance(30 * time.Second)
			if rep := runOnce(t, w); rep.Delivered != 1 {
				t.Fatalf("second attempt: %+v", rep)
			}
			got := rc.requests()
			if len(got) != 2 || got[0].event.ID != ev.ID || got[1].event.ID != ev.ID || got[1].header.Get("webhook-id") != ev.ID || got[0].header.Get("webhook-id") != ev.ID {
				t.Fatalf("requests: %d", len(got))
			}
			ds, _ = e.db.WebhookDeliveries(context.Background(), e.tenantA)
			if ds[0].Status != webhooks.Delivered || ds[0].Attempts != 2 || ds[0].LastStatus != 204 {
				t.Fatalf("after the retry: %+v", ds[0])
			}
		})
	}
}

// TestWebhookOrderPerClaim: a claim's events reach an endpoint in seq
// order, a failing one holding back the later ones of its claim and no
// other claim's.
func TestWebhookOrderPerClaim(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			second := newClaim("Alpha-2")
			must(t, e.db.CreateClaim(ctx, e.tenantA, second))
			rc := newReceiver(t)
			// Claim A's first event fails twice.
			var failedFirst int
			var mu sync.Mutex
			rc.status = func(_ int, ev webhooks.Body) int {
				mu.Lock()
				defer mu.Unlock()
				if ev.ClaimID == e.claimA && ev.Seq == 2 && failedFirst < 2 {
					failedFirst++
					return 503
				}
				return 200
			}
			e.endpoint(t, e.tenantA, rc.URL)
			for i := 1; i <= 4; i++ {
				e.event(t, e.tenantA, e.claimA, i)
				e.event(t, e.tenantA, second.ID, i)
			}
			w := e.worker("w1")
			// One delivery per claim per run: the head of each.
			if rep := runOnce(t, w); rep.Claimed != 2 || rep.Delivered != 1 || rep.Retried != 1 {
				t.Fatalf("first run: %+v", rep)
			}
			for range 3 {
				runOnce(t, w)
			}
			for _, r := range rc.requests() {
				if r.event.ClaimID == e.claimA && r.event.Seq > 2 {
					t.Fatalf("claim A's seq %d sent before its seq 2 was delivered", r.event.Seq)
				}
			}
			for range 10 {
				e.clock.Advance(10 * time.Minute)
				runOnce(t, w)
			}
			seqs := map[string][]int64{}
			for _, r := range rc.requests() {
				seqs[r.event.ClaimID] = append(seqs[r.event.ClaimID], r.event.Seq)
			}
			if fmt.Sprint(seqs[e.claimA]) != "[2 2 2 3 4 5]" || fmt.Sprint(seqs[second.ID]) != "[2 3 4 5]" {
				t.Fatalf("order: %v", seqs)
			}
		})
	}
}

// TestWebhookOtherTenant: an endpoint receives its own tenant's events
// only.
func TestWebhookOtherTenant(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ra, rb := newReceiver(t), newReceiver(t)
			e.endpoint(t, e.tenantA, ra.URL)
			e.endpoint(t, e.tenantB, rb.URL)
			e.event(t, e.tenantA, e.claimA, 1)
			e.event(t, e.tenantA, e.claimA, 2)
			if rep := runOnce(t, e.worker("w1")); rep.Delivered != 1 {
				t.Fatalf("%+v", rep)
			}
			runOnce(t, e.worker("w1"))
			if len(ra.requests()) != 2 || len(rb.requests()) != 0 {
				t.Fatalf("A got %d, B got %d", len(ra.requests()), len(rb.requests()))
			}
			for _, r := range ra.requests() {
				if r.event.ClaimID != e.claimA {
					t.Fatalf("A got %s", r.body)
				}
			}
		})
	}
}

// TestWebhookRolledBack: an event whose transaction rolls back is never
// delivered: its outbox row rolls back with it. The test makes the last
// statement of a payment's transaction fail (a trigger on the outbox
// refusing payment events), then records a note, which goes.
func TestWebhookRolledBack(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			rc := newReceiver(t)
			e.endpoint(t, e.tenantA, rc.URL)
			ddl := []string{`CREATE TRIGGER refuse_payments AFTER INSERT ON webhook_deliveries
				WHEN NEW.kind = 'payment.recorded' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`}
			if dialect == store.Postgres {
				ddl = []string{`CREATE FUNCTION refuse_payments() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN RAISE EXCEPTION 'refused by the test'; END; $$`,
					`CREATE TRIGGER refuse_payments AFTER INSERT ON webhook_deliveries
					FOR EACH ROW WHEN (NEW.kind = 'payment.recorded') EXECUTE FUNCTION refuse_payments()`}
			}
			for _, q := range ddl {
				if _, err := e.db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			err := e.db.AddPayment(ctx, e.tenantA, &portal.Payment{ClaimID: e.claimA, Amount: 500, Currency: "EUR",
				ReceivedOn: portal.MustDate("2024-06-01"), Method: "transfer"})
			if err == nil {
				t.Fatal("the payment's transaction did not fail")
			}
			evs, _ := e.db.ListEvents(ctx, e.tenantA, e.claimA, 0, 0)
			if len(evs) != 1 {
				t.Fatalf("%d events: the payment's event stayed", len(evs))
			}
			ev := e.event(t, e.tenantA, e.claimA, 1)
			w := e.worker("w1")
			for range 3 {
				runOnce(t, w)
			}
			got := rc.requests()
			if len(got) != 1 || got[0].event.ID != ev.ID || got[0].event.Kind != portal.EventNoteWritten {
				t.Fatalf("%d requests: %v", len(got), got)
			}
		})
	}
}

// TestWebhookPermanentFailure: a receiver that keeps answering 503 is
// tried with growing delays until three days after the event, then the
// delivery is failed for good and the claim's next events go on.
func TestWebhookPermanentFailure(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			rc := newReceiver(t)
			down := true
			rc.status = func(int, webhooks.Body) int {
				if down {
					return 503
				}
				return 200
			}
			e.endpoint(t, e.tenantA, rc.URL)
			start := e.clock.T
			e.event(t, e.tenantA, e.claimA, 1)
			e.event(t, e.tenantA, e.claimA, 2)
			w := e.worker("w1")
			var delays []time.Duration
			last := e.clock.T
			for i := 0; ; i++ {
				if i > 100 {
					t.Fatal("never given up")
				}
				rep := runOnce(t, w)
				if rep.Claimed != 1 {
					t.Fatalf("attempt %d: %+v", i+1, rep)
				}
				ds, _ := e.db.WebhookDeliveries(ctx, e.tenantA)
				if ds[0].Status == webhooks.Failed {
					if !e.clock.T.Equal(start.Add(72*time.Hour)) || ds[0].Attempts != i+1 || !strings.Contains(ds[0].LastError, "503") {
						t.Fatalf("failed at %s after %d attempts: %+v", e.clock.T.Sub(start), i+1, ds[0])
					}
					break
				}
				if ds[0].Status != webhooks.Retry || ds[1].Attempts != 0 {
					t.Fatalf("attempt %d: %+v", i+1, ds)
				}
				delays = append(delays, ds[0].NextAttemptAt.Sub(last))
				last = ds[0].NextAttemptAt
				e.clock.T = ds[0].NextAttemptAt
			}
			// Growing delays, at most 6 hours, the last one cut at the budget.
			if len(delays) < 15 || delays[0] > 30*time.Second || delays[5] < 10*time.Minute {
				t.Fatalf("delays %v", delays)
			}
			for _, d := range delays {
				if d > 6*time.Hour {
					t.Fatalf("delay %s over the maximum: %v", d, delays)
				}
			}
			// Given up, and the endpoint disabled: nothing more is sent, the
			// claim's next event waits until the endpoint is enabled again.
			down = false
			n := len(rc.requests())
			if rep := runOnce(t, w); rep.Claimed != 0 || len(rc.requests()) != n {
				t.Fatalf("sent to a disabled endpoint: %+v", rep)
			}
			ep, err := e.db.FindWebhookEndpoint(ctx, e.tenantA, ds0(t, e).EndpointID)
			must(t, err)
			if ep.DisabledAt == nil || !strings.Contains(ep.DisabledReason, "503") {
				t.Fatalf("endpoint after three days: %+v", ep)
			}
			if _, err := e.db.SetWebhookEndpointEnabled(ctx, e.tenantA, ep.ID, true, ""); err != nil {
				t.Fatal(err)
			}
			rep := runOnce(t, w)
			got := rc.requests()
			if rep.Delivered != 1 || len(got) != n+1 || got[n].event.Seq != 3 {
				t.Fatalf("after enabling: %+v, %d requests", rep, len(got)-n)
			}
		})
	}
}

// ds0 is the first delivery of tenant A.
func ds0(t *testing.T, e *env) store.WebhookDelivery {
	t.Helper()
	ds, err := e.db.WebhookDeliveries(context.Background(), e.tenantA)
	must(t, err)
	if len(ds) == 0 {
		t.Fatal("no delivery")
	}
	return ds[0]
}

// TestWebhookRedirectNotFollowed: a redirect is not followed (its target
// is never asked) and fails the delivery.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			rc.status = func(n int, _ webhooks.Body) int {
				if n == 1 {
					return http.StatusTemporaryRedirect
				}
				return 200
			}
			e.endpoint(t, e.tenantA, rc.URL+"/hooks")
			e.event(t, e.tenantA, e.claimA, 1)
			if rep := runOnce(t, e.worker("w1")); rep.Failed != 1 {
				t.Fatalf("%+v", rep)
			}
			if got := rc.requests(); len(got) != 1 {
				t.Fatalf("the redirect was followed: %d requests", len(got))
			}
			ds, _ := e.db.WebhookDeliveries(context.Background(), e.tenantA)
			if ds[0].Status != webhooks.Failed || ds[0].LastStatus != 307 || !strings.Contains(ds[0].LastError, "redirect") {
				t.Fatalf("%+v", ds[0])
			}
		})
	}
}

// TestWebhookPrivateAddressRefused: without AllowPrivate, a loopback
// address is refused when dialled, and nothing reaches it.
func TestWebhookPrivateAddressRefused(t *testing.T) {
	e := newEnv(t, store.SQLite)
	rc := newReceiver(t)
	e.endpoint(t, e.tenantA, rc.URL)
	e.event(t, e.tenantA, e.claimA, 1)
	w := e.worker("w1")
	w.AllowPrivate = false
	if rep := runOnce(t, w); rep.Failed != 1 {
		t.Fatalf("%+v", rep)
	}
	if len(rc.requests()) != 0 {
		t.Fatal("a loopback receiver was reached")
	}
	ds, _ := e.db.WebhookDeliveries(context.Background(), e.tenantA)
	if !strings.Contains(ds[0].LastError, "loopback") {
		t.Fatalf("%+v", ds[0])
	}
}

// TestWebhookTwoWorkers: two workers polling at once send each delivery
// once.
func TestWebhookTwoWorkers(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			rc := newReceiver(t)
			rc.status = func(int, webhooks.Body) int { time.Sleep(5 * time.Millisecond); return 200 }
			e.endpoint(t, e.tenantA, rc.URL)
			for i := range 20 {
				c := newClaim(fmt.Sprintf("M-%d", i))
				must(t, e.db.CreateClaim(ctx, e.tenantA, c))
				e.event(t, e.tenantA, c.ID, i)
			}
			for round, claimed := 0, 1; claimed > 0; round++ {
				if round > 50 {
					t.Fatal("the outbox does not drain")
				}
				var wg sync.WaitGroup
				var mu sync.Mutex
				claimed = 0
				for _, owner := range []string{"w1", "w2"} {
					w := e.worker(owner)
					w.Batch = 4
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep, err := w.RunOnce(ctx)
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						claimed += rep.Claimed
						mu.Unlock()
					}()
				}
				wg.Wait()
			}
			seen := map[string]int{}
			for _, r := range rc.requests() {
				if r.event.Kind == portal.EventNoteWritten {
					seen[r.event.ID]++
				}
			}
			if len(seen) != 20 {
				t.Fatalf("%d events delivered, want 20", len(seen))
			}
			for id, n := range seen {
				if n != 1 {
					t.Fatalf("event %s sent %d times", id, n)
				}
			}
		})
	}
}

// TestWebhookRun: Run polls, delivers and reports in the job's health.
func TestWebhookRun(t *testing.T) {
	e := newEnv(t, store.SQLite)
	rc := newReceiver(t)
	e.endpoint(t, e.tenantA, rc.URL)
	e.event(t, e.tenantA, e.claimA, 1)
	w := e.worker("w1")
	w.Every = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(rc.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for w.Health.Status().Runs < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if st := w.Health.Status(); len(rc.requests()) != 1 || st.Name != "webhooks" || st.Runs < 2 || st.Failing != 0 || st.LastSuccess.IsZero() {
		t.Fatalf("%d requests, health %+v", len(rc.requests()), st)
	}
}

func TestNewClient(t *testing.T) {
	c := webhooks.NewClient(false)
	if c.Timeout != 10*time.Second || c.CheckRedirect == nil {
		t.Fatalf("client %+v", c)
	}
}
