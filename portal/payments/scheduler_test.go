package payments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/portal/webhooks"
)

// outcomes is a transport in front of stripe-mock: every request reaches
// stripe-mock through the real stripe-go client, and the PaymentIntent
// answer is then turned into the outcome the test wants for that
// instalment (stripe-mock itself always answers requires_payment_method,
// which the client reads as a decline).
type outcomes struct {
	mu      sync.Mutex
	want    map[string]string // instalment id -> portal.Charge* outcome
	keys    []string          // idempotency keys of PaymentIntent creations
	charged map[string]int    // instalment id -> PaymentIntent creations
	// found: instalment id -> status of the PaymentIntent a search finds
	// (stripe-mock's own search answer matches nothing of ours).
	found    map[string]string
	searches []string // search queries
	// forms: instalment id -> the form of its last PaymentIntent creation;
	// intents: instalment id -> the id stripe-mock gave it.
	forms   map[string]url.Values
	intents map[string]string
	// setupPM, when set, replaces the payment method of a SetupIntent read
	// back (stripe-mock's fixture is a card).
	setupPM map[string]any
}

// search answers a PaymentIntent search as Stripe would for the charges
// the test says were made.
func (o *outcomes) search(req *http.Request, resp *http.Response) *http.Response {
	q := req.URL.Query().Get("query")
	o.mu.Lock()
	o.searches = append(o.searches, q)
	var data []map[string]any
	for inst, status := range o.found {
		if strings.Contains(q, "'"+inst+"'") {
			data = append(data, map[string]any{"id": "pi_found_" + inst, "object": "payment_intent", "status": status, "amount": 5000, "currency": "eur",
				"metadata": map[string]string{"instalment_id": inst, "attempt": "1"}})
		}
	}
	o.mu.Unlock()
	if data == nil {
		return resp // stripe-mock's fixture: nothing with our metadata
	}
	resp.Body.Close()
	b, _ := json.Marshal(map[string]any{"object": "search_result", "url": "/v1/payment_intents/search", "has_more": false, "data": data})
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	return resp
}

func (o *outcomes) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.URL.Path == "/v1/payment_intents/search" {
		return o.search(req, resp), nil
	}
	if err == nil && strings.HasPrefix(req.URL.Path, "/v1/setup_intents/") && req.Method == "GET" && o.setupPM != nil {
		return o.rewriteSetup(resp), nil
	}
	if err != nil || req.URL.Path != "/v1/payment_intents" || req.Method != "POST" {
		return resp, err
	}
	form, _ := url.ParseQuery(string(body))
	inst := form.Get("metadata[instalment_id]")
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var pi struct{ ID string }
	json.Unmarshal(out, &pi)
	o.mu.Lock()
	o.keys = append(o.keys, req.Header.Get("Idempotency-Key"))
	o.charged[inst]++
	want := o.want[inst]
	if o.forms != nil {
		o.forms[inst], o.intents[inst] = form, pi.ID
	}
	o.mu.Unlock()
	if want == outcomeLost {
		// Stripe made the charge; its answer never arrives.
		return nil, errors.New("read: connection reset by peer")
	}
	switch want {
	case portal.ChargeSucceeded:
		out = statusRe.ReplaceAll(out, []byte(`"status":"succeeded"`))
	case portal.ChargeProcessing:
		out = statusRe.ReplaceAll(out, []byte(`"status":"processing"`))
	case portal.ChargeAuthRequired:
		resp.StatusCode = 402
		out = []byte(`{"error": {"type": "card_error", "code": "authentication_required", "message": "This payment requires authentication.", "payment_intent": {"id": "pi_auth_` + inst + `", "object": "payment_intent"}}}`)
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// rewriteSetup gives a SetupIntent read back the payment method setupPM.
func (o *outcomes) rewriteSetup(resp *http.Response) *http.Response {
	var si map[string]any
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(b, &si) == nil {
		o.mu.Lock()
		si["payment_method"] = o.setupPM
		o.mu.Unlock()
		b, _ = json.Marshal(si)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	return resp
}

// outcomeLost: the charge reaches Stripe, its answer is lost.
const outcomeLost = "lost"

var statusRe = regexp.MustCompile(`"status":\s*"requires_payment_method"`)

func (o *outcomes) set(inst, outcome string) {
	o.mu.Lock()
	o.want[inst] = outcome
	o.mu.Unlock()
}

// seedPlan puts the claim in a plan of instalments (due dates, amounts,
// methods). It uses the negotiation side's tables when they are there, and
// otherwise creates an instalments table of the same shape.
func seedPlan(t *testing.T, db *store.DB, c *portal.Claim, plan []planItem) []string {
	t.Helper()
	sqlDB := db.SQL()
	now := "2024-06-01 10:00:00"
	ph := func(q string) string {
		if db.Dialect != store.Postgres {
			return q
		}
		n := 0
		var b strings.Builder
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + itoa(int64(n)))
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := sqlDB.Exec(ph(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var hasAgreements bool
	if db.Dialect == store.Postgres {
		sqlDB.QueryRow("SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'agreements')").Scan(&hasAgreements)
	} else {
		var n int
		sqlDB.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'agreements'").Scan(&n)
		hasAgreements = n > 0
	}
	agreement := portal.NewID(time.Now())
	if hasAgreements {
		conv, offer := portal.NewID(time.Now()), portal.NewID(time.Now())
		exec("INSERT INTO conversations (id, tenant_id, claim_id, state, created_at, updated_at) VALUES (?, ?, ?, 'closed', ?, ?)", conv, c.TenantID, c.ID, now, now)
		exec("INSERT INTO offers (id, tenant_id, claim_id, conversation_id, message_id, made_by_kind, kind, terms, verdict, status, created_at) VALUES (?, ?, ?, ?, 'm', 'debtor', 'plan', '{}', '{}', 'accepted', ?)",
			offer, c.TenantID, c.ID, conv, now)
		exec("INSERT INTO agreements (id, tenant_id, claim_id, offer_id, status, balance, currency, schedule, created_at) VALUES (?, ?, ?, ?, 'signed', 0, 'EUR', '{}', ?)",
			agreement, c.TenantID, c.ID, offer, now)
	} else {
		ts := "TIMESTAMP"
		if db.Dialect == store.Postgres {
			ts = "TIMESTAMPTZ"
		}
		exec(`CREATE TABLE IF NOT EXISTS instalments (
			id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), claim_id TEXT NOT NULL REFERENCES claims(id),
			agreement_id TEXT NOT NULL, seq INTEGER NOT NULL, due_on DATE NOT NULL, amount BIGINT NOT NULL CHECK (amount > 0),
			currency TEXT NOT NULL, method TEXT NOT NULL CHECK (method IN ('card', 'transfer')),
			status TEXT NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'paid', 'failed', 'missed', 'waived')),
			created_at ` + ts + ` NOT NULL, updated_at ` + ts + ` NOT NULL)`)
	}
	var ids []string
	for i, p := range plan {
		id := portal.NewID(time.Now())
		exec("INSERT INTO instalments (id, tenant_id, claim_id, agreement_id, seq, due_on, amount, currency, method, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'EUR', ?, 'due', ?, ?)",
			id, c.TenantID, c.ID, agreement, i+1, p.due, p.amount, p.method, now, now)
		ids = append(ids, id)
	}
	exec("UPDATE claims SET status = 'in_plan' WHERE id = ?", c.ID)
	return ids
}

type planItem struct {
	due    string
	amount int64
	method string
}

type schedEnv struct {
	*env
	out   *outcomes
	sched *payments.Scheduler
	card  *stripe.Client
}

func newSchedEnv(t *testing.T, dialect string) *schedEnv {
	e := newEnv(t, dialect)
	out := &outcomes{want: map[string]string{}, charged: map[string]int{}, found: map[string]string{}}
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: "whsec_x", APIBase: mock.Require(t), HTTPClient: &http.Client{Transport: out, Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Card = sc
	s := &payments.Scheduler{Store: e.db, Card: sc, Clock: e.clock, Owner: "test-1", Zone: time.UTC,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	return &schedEnv{env: e, out: out, sched: s, card: sc}
}

// saveCard goes through the real setup flow: a customer and a setup
// Checkout at stripe-mock, then the signed setup_intent.succeeded event.
func (e *schedEnv) saveCard(t *testing.T, c *portal.Claim) {
	t.Helper()
	ctx := context.Background()
	u, err := e.svc.StartSetup(ctx, portal.CheckoutStart{TenantID: c.TenantID, ClaimID: c.ID, SuccessURL: "http://relais.test/ok", CancelURL: "http://relais.test/no"})
	if err != nil || u == "" {
		t.Fatalf("setup: %q %v", u, err)
	}
	customer, _, err := e.db.StripeCustomer(ctx, c.TenantID, c.DebtorID)
	if err != nil || !strings.HasPrefix(customer, "cus_") {
		t.Fatalf("customer %q %v", customer, err)
	}
	res, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_setup_" + c.ID, Type: portal.CardSetupSucceeded, RawType: "setup_intent.succeeded",
		SetupIntentID: "seti_1", CustomerID: customer, PaymentMethodID: "pm_card_" + c.ID, TenantID: c.TenantID, ClaimID: c.ID})
	if err != nil || res.Duplicate {
		t.Fatalf("setup event: %v", err)
	}
	if _, pm, _ := e.db.StripeCustomer(ctx, c.TenantID, c.DebtorID); pm != "pm_card_"+c.ID {
		t.Fatalf("saved card %q", pm)
	}
}

func (e *schedEnv) statuses(t *testing.T, c *portal.Claim) []string {
	t.Helper()
	ins, err := e.db.ListInstalments(context.Background(), c.TenantID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range ins {
		out = append(out, in.Status)
	}
	return out
}

func (e *schedEnv) at(day string) {
	e.clock.T = portal.MustDate(day).Time().Add(9 * time.Hour)
}

func lastKinds(t *testing.T, db *store.DB, c *portal.Claim, n int) []portal.EventKind {
	evs, err := db.ListEvents(context.Background(), c.TenantID, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []portal.EventKind
	for _, ev := range evs[max(0, len(evs)-n):] {
		out = append(out, ev.Kind)
	}
	return out
}

func TestScheduler(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.saveCard(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "card"}, {"2024-08-01", 5000, "card"}, {"2024-09-01", 5000, "card"}})

			t.Run("NotDueYet", func(t *testing.T) {
				e.at("2024-06-30")
				rep, err := e.sched.RunOnce(ctx)
				if err != nil || rep.Charged+rep.Failed != 0 || len(e.out.keys) != 0 {
					t.Fatalf("report %+v err %v keys %v", rep, err, e.out.keys)
				}
			})
			t.Run("Due", func(t *testing.T) {
				e.at("2024-07-01")
				e.out.set(ids[0], portal.ChargeSucceeded)
				rep, err := e.sched.RunOnce(ctx)
				if err != nil || rep.Charged != 1 {
					t.Fatalf("report %+v err %v", rep, err)
				}
				if st := e.statuses(t, c); st[0] != "paid" || st[1] != "due" {
					t.Fatalf("statuses %v", st)
				}
				got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
				if len(got.Payments) != 1 || got.Payments[0].Amount != 5000 || got.Payments[0].Method != portal.PaymentCard {
					t.Fatalf("payments %+v", got.Payments)
				}
				if e.out.keys[0] != "relais-instalment-"+ids[0]+"-1" {
					t.Fatalf("idempotency key %q", e.out.keys[0])
				}
				// The same day again: nothing more.
				if rep, _ := e.sched.RunOnce(ctx); rep.Charged+rep.Failed != 0 || e.out.charged[ids[0]] != 1 {
					t.Fatalf("charged twice: %+v", rep)
				}
			})
			t.Run("DeclinedRetryThenMissed", func(t *testing.T) {
				e.at("2024-08-01") // stripe-mock's answer: declined
				rep, err := e.sched.RunOnce(ctx)
				if err != nil || rep.Failed != 1 {
					t.Fatalf("report %+v err %v", rep, err)
				}
				ins, _ := e.db.ListInstalments(ctx, c.TenantID, c.ID)
				if ins[1].Status != "failed" || ins[1].NextAttemptOn.String() != "2024-08-04" || ins[1].Attempts != 1 {
					t.Fatalf("instalment %+v", ins[1])
				}
				if k := lastKinds(t, e.db, c, 1); k[0] != portal.EventPaymentFailed {
					t.Fatalf("events %v", k)
				}
				e.at("2024-08-03")
				if rep, _ := e.sched.RunOnce(ctx); rep.Failed+rep.Charged != 0 {
					t.Fatalf("retried before the retry date: %+v", rep)
				}
				e.at("2024-08-04")
				rep, err = e.sched.RunOnce(ctx)
				if err != nil || rep.Failed != 1 || e.out.charged[ids[1]] != 2 {
					t.Fatalf("retry: %+v %v charged %d", rep, err, e.out.charged[ids[1]])
				}
				if st := e.statuses(t, c); st[1] != "missed" {
					t.Fatalf("statuses %v", st)
				}
				got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
				if got.Status != portal.StatusInPlan {
					t.Fatalf("one missed instalment broke the plan: %s", got.Status)
				}
				if !contains(e.out.keys, "relais-instalment-"+ids[1]+"-2") {
					t.Fatalf("keys %v", e.out.keys)
				}
				// The debtor catches up on the portal: the missed instalment is paid.
				e.at("2024-08-06")
				if _, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_catch_up", Type: portal.CardPaymentSucceeded, RawType: "payment_intent.succeeded",
					PaymentIntentID: "pi_catch_up", Amount: 5000, Currency: "EUR", TenantID: c.TenantID, ClaimID: c.ID, InstalmentID: ids[1], Created: e.clock.T}); err != nil {
					t.Fatal(err)
				}
				if st := e.statuses(t, c); st[1] != "paid" {
					t.Fatalf("statuses %v", st)
				}
			})
			t.Run("AuthRequiredThenBroken", func(t *testing.T) {
				e.at("2024-09-01")
				e.out.set(ids[2], portal.ChargeAuthRequired)
				rep, err := e.sched.RunOnce(ctx)
				if err != nil || rep.Failed != 1 {
					t.Fatalf("report %+v err %v", rep, err)
				}
				ins, _ := e.db.ListInstalments(ctx, c.TenantID, c.ID)
				if ins[2].Status != "failed" || ins[2].LastCode != "authentication_required" {
					t.Fatalf("instalment %+v", ins[2])
				}
				e.at("2024-09-04")
				if rep, _ := e.sched.RunOnce(ctx); rep.Charged+rep.Failed+rep.Missed != 0 || e.out.charged[ids[2]] != 1 {
					t.Fatalf("an instalment needing authentication was charged again: %+v", rep)
				}
				e.at("2024-09-05")
				rep, err = e.sched.RunOnce(ctx)
				if err != nil || rep.Missed != 1 || rep.Broken != 0 {
					t.Fatalf("report %+v err %v", rep, err)
				}
				e.at("2024-09-16") // 15 days late: still in plan
				if rep, _ := e.sched.RunOnce(ctx); rep.Broken != 0 {
					t.Fatalf("broken at 15 days: %+v", rep)
				}
				e.at("2024-09-17")
				if rep, _ := e.sched.RunOnce(ctx); rep.Broken != 1 {
					t.Fatalf("not broken at 16 days late: %+v", rep)
				}
				got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
				if got.Status != portal.StatusOpen {
					t.Fatalf("claim status %s", got.Status)
				}
				k := lastKinds(t, e.db, c, 2)
				if k[0] != portal.EventPlanBroken || k[1] != portal.EventStatusChanged {
					t.Fatalf("events %v", k)
				}
				if rep, _ := e.sched.RunOnce(ctx); rep.Broken != 0 {
					t.Fatal("broken twice")
				}
			})
		})
	}
}

func TestSchedulerLateBreaksPlan(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-08-01", 5000, "transfer"}})
			e.at("2024-07-05")
			rep, err := e.sched.RunOnce(ctx)
			if err != nil || rep.Missed != 1 || rep.Broken != 0 {
				t.Fatalf("report %+v err %v", rep, err)
			}
			e.at("2024-07-16")
			if rep, _ := e.sched.RunOnce(ctx); rep.Broken != 0 {
				t.Fatalf("15 days late is not yet broken: %+v", rep)
			}
			e.at("2024-07-17")
			if rep, _ := e.sched.RunOnce(ctx); rep.Broken != 1 {
				t.Fatalf("16 days late: %+v", rep)
			}
			got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
			if got.Status != portal.StatusOpen {
				t.Fatalf("status %s", got.Status)
			}
		})
	}
}

func TestSchedulerTwoMissedBreakPlan(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-07-08", 5000, "transfer"}, {"2024-07-15", 5000, "transfer"}})
			e.at("2024-07-05")
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Missed != 1 || rep.Broken != 0 {
				t.Fatalf("report %+v err %v", rep, err)
			}
			e.at("2024-07-12") // the second missed, 11 days after the first was due
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Missed != 1 || rep.Broken != 1 {
				t.Fatalf("report %+v err %v", rep, err)
			}
			if k := lastKinds(t, e.db, c, 3); k[0] != portal.EventInstalmentMissed || k[1] != portal.EventPlanBroken {
				t.Fatalf("events %v", k)
			}
		})
	}
}

// TestSchedulerCreditorPolicyBreaksPlan: a creditor whose policy breaks a
// plan at the first missed instalment sees it broken one run earlier than
// the default (two missed).
func TestSchedulerCreditorPolicyBreaksPlan(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			pol := negotiation.DefaultPolicy()
			pol.Plan.MaxMissed = 1
			if err := e.db.SetPolicy(ctx, c.TenantID, c.CreditorID, "", pol); err != nil {
				t.Fatal(err)
			}
			seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-07-08", 5000, "transfer"}})
			e.at("2024-07-05")
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Missed != 1 || rep.Broken != 1 {
				t.Fatalf("report %+v err %v", rep, err)
			}
			if k := lastKinds(t, e.db, c, 3); k[1] != portal.EventPlanBroken {
				t.Fatalf("events %v", k)
			}
			bad := negotiation.DefaultPolicy()
			bad.Plan.MaxMissed = -1
			if err := e.db.SetPolicy(ctx, c.TenantID, c.CreditorID, "", bad); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("negative threshold accepted: %v", err)
			}
		})
	}
}

func TestInstalmentEarlyAndSettle(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "card"}, {"2024-08-01", 6000, "card"}, {"2024-09-01", 7000, "card"}})
			// Pay the second instalment early.
			if _, err := e.svc.StartCheckout(ctx, portal.CheckoutStart{TenantID: c.TenantID, ClaimID: c.ID, InstalmentID: ids[1],
				SuccessURL: "http://relais.test/ok", CancelURL: "http://relais.test/no"}); err != nil {
				t.Fatal(err)
			}
			res, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_early", Type: portal.CardPaymentSucceeded, RawType: "payment_intent.succeeded",
				PaymentIntentID: "pi_early", Amount: 6000, Currency: "EUR", TenantID: c.TenantID, ClaimID: c.ID, InstalmentID: ids[1], Created: e.clock.T})
			if err != nil || len(res.Payments) != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			if st := e.statuses(t, c); st[0] != "due" || st[1] != "paid" || st[2] != "due" {
				t.Fatalf("statuses %v", st)
			}
			if _, err := e.db.InstalmentDue(ctx, c.TenantID, c.ID, ids[1]); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("paying a paid instalment: %v", err)
			}
			// Settle the rest with one payment.
			if _, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_rest", Type: portal.CardPaymentSucceeded, RawType: "payment_intent.succeeded",
				PaymentIntentID: "pi_rest", Amount: 12000, Currency: "EUR", TenantID: c.TenantID, ClaimID: c.ID, Created: e.clock.T}); err != nil {
				t.Fatal(err)
			}
			if st := e.statuses(t, c); st[0] != "paid" || st[2] != "paid" {
				t.Fatalf("statuses %v", st)
			}
		})
	}
}

func TestSchedulerConcurrent(t *testing.T) {
	e := newSchedEnv(t, store.Postgres)
	ctx := context.Background()
	c := e.claim
	e.saveCard(t, c)
	var plan []planItem
	for i := 0; i < 12; i++ {
		plan = append(plan, planItem{"2024-07-01", 1000, "card"})
	}
	ids := seedPlan(t, e.db, c, plan)
	for _, id := range ids {
		e.out.set(id, portal.ChargeSucceeded)
	}
	e.at("2024-07-01")
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		s := *e.sched
		s.Owner = "instance-" + itoa(int64(i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RunOnce(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if n := e.out.charged[id]; n != 1 {
			t.Errorf("instalment %s charged %d times", id, n)
		}
	}
	got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
	if len(got.Payments) != 12 {
		t.Fatalf("%d payments", len(got.Payments))
	}
	for _, st := range e.statuses(t, c) {
		if st != "paid" {
			t.Fatalf("status %s", st)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestPaymentReceivedOnTenantDay: a card payment made at 00:30 in Paris
// (22:30 UTC the day before) is received on the Paris day, the day the
// balance is computed for; on the UTC day it would be counted a day early.
func TestPaymentReceivedOnTenantDay(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			created := time.Date(2024, 7, 1, 22, 30, 0, 0, time.UTC) // 00:30 on 2 July in Paris (UTC+2)
			res, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_midnight", Type: portal.CardPaymentSucceeded, RawType: "payment_intent.succeeded",
				PaymentIntentID: "pi_midnight", Amount: 1000, Currency: "EUR", TenantID: c.TenantID, ClaimID: c.ID, Created: created})
			if err != nil || len(res.Payments) != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			if got := res.Payments[0].ReceivedOn; got != portal.MustDate("2024-07-02") {
				t.Fatalf("received on %s, want 2024-07-02 (the tenant's day)", got)
			}
		})
	}
}

// TestSchedulerInDoubtChargeKeepsItsKey: Stripe charges the card but its
// answer is lost (a timeout, a crash before the result is stored). When the
// lease runs out the next run charges again under the same idempotency
// key, so Stripe answers with the first charge instead of making a second
// one; the attempt counts once and the payment is recorded once.
func TestSchedulerInDoubtChargeKeepsItsKey(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.saveCard(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "card"}})
			e.at("2024-07-01")
			e.out.set(ids[0], outcomeLost)
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged+rep.Failed != 0 {
				t.Fatalf("lost answer: report %+v err %v", rep, err)
			}
			// Within the lease nobody retries.
			e.clock.T = e.clock.T.Add(4 * time.Minute)
			e.out.set(ids[0], portal.ChargeSucceeded)
			if rep, _ := e.sched.RunOnce(ctx); rep.Charged != 0 {
				t.Fatalf("retried inside the lease: %+v", rep)
			}
			e.clock.T = e.clock.T.Add(2 * time.Minute)
			rep, err := e.sched.RunOnce(ctx)
			if err != nil || rep.Charged != 1 {
				t.Fatalf("retry after the lease: report %+v err %v", rep, err)
			}
			key := "relais-instalment-" + ids[0] + "-1"
			for _, k := range e.out.keys {
				if k != key {
					t.Fatalf("a retry of a charge in doubt used another idempotency key: %v", e.out.keys)
				}
			}
			if len(e.out.keys) < 2 {
				t.Fatalf("keys %v: the retry did not reach Stripe", e.out.keys)
			}
			ins, _ := e.db.ListInstalments(ctx, c.TenantID, c.ID)
			if ins[0].Status != "paid" || ins[0].Attempts != 1 {
				t.Fatalf("instalment %+v", ins[0])
			}
			got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
			if len(got.Payments) != 1 || got.Payments[0].Amount != 5000 {
				t.Fatalf("payments %+v", got.Payments)
			}
		})
	}
}

// TestSchedulerInDoubtForADay: the answer of a charge is lost and Relais is
// down for more than a day, past Stripe's 24-hour idempotency keys. Before
// charging again the scheduler asks Stripe (search by instalment and
// attempt): a charge that was made is recorded without a second one; when
// none was made, the instalment is charged.
func TestSchedulerInDoubtForADay(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.saveCard(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "card"}, {"2024-07-01", 5000, "card"}})
			e.at("2024-07-01")
			e.out.set(ids[0], outcomeLost)
			e.out.set(ids[1], outcomeLost)
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged+rep.Failed != 0 {
				t.Fatalf("lost answers: report %+v err %v", rep, err)
			}
			before := map[string]int{ids[0]: e.out.charged[ids[0]], ids[1]: e.out.charged[ids[1]]}
			// Stripe made the first charge, not the second.
			e.out.found[ids[0]] = "succeeded"
			e.out.set(ids[1], portal.ChargeSucceeded)
			e.clock.T = e.clock.T.Add(25 * time.Hour)
			rep, err := e.sched.RunOnce(ctx)
			if err != nil || rep.Charged != 2 {
				t.Fatalf("a day later: report %+v err %v", rep, err)
			}
			if e.out.charged[ids[0]] != before[ids[0]] {
				t.Fatalf("the charge Stripe had made was charged again")
			}
			if e.out.charged[ids[1]] == before[ids[1]] {
				t.Fatalf("the charge Stripe had not made was not retried")
			}
			if len(e.out.searches) != 2 || !strings.Contains(e.out.searches[0], "metadata['attempt']:'1'") {
				t.Fatalf("searches %v", e.out.searches)
			}
			got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
			refs := map[string]bool{}
			for _, p := range got.Payments {
				refs[p.Reference] = true
			}
			if len(got.Payments) != 2 || !refs["pi_found_"+ids[0]] {
				t.Fatalf("payments %+v", got.Payments)
			}
			if st := e.statuses(t, c); st[0] != "paid" || st[1] != "paid" {
				t.Fatalf("statuses %v", st)
			}
		})
	}
}

// TestInstalmentPaidEvent: a transfer matched on a bank statement, or a
// payment recorded through the API, that pays an instalment in full
// records instalment.paid (which webhooks carry to the creditor) in the
// payment's transaction; a partial one does not.
func TestInstalmentPaidEvent(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-08-01", 5000, "transfer"}})
			n := 0
			pay := func(amount int64) {
				t.Helper()
				n++
				line := &portal.StatementLine{BankRef: "REF-" + itoa(int64(n)), BookedOn: portal.MustDate("2024-06-30"), Amount: amount,
					Currency: "EUR", Credit: true, Reference: c.Reference, Status: portal.LineMatched, ClaimID: c.ID}
				if _, err := e.db.RecordStatement(ctx, c.TenantID, "camt053", []*portal.StatementLine{line}); err != nil {
					t.Fatal(err)
				}
			}
			paidEvents := func() []map[string]any {
				evs, err := e.db.ListEvents(ctx, c.TenantID, c.ID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				var out []map[string]any
				for _, ev := range evs {
					if ev.Kind == portal.EventInstalmentPaid {
						var p map[string]any
						json.Unmarshal([]byte(ev.Payload), &p)
						out = append(out, p)
					}
				}
				return out
			}
			pay(3000)
			if got := paidEvents(); len(got) != 0 {
				t.Fatalf("a partial payment recorded %v", got)
			}
			pay(2000)
			got := paidEvents()
			if len(got) != 1 || got[0]["instalment_id"] != ids[0] || got[0]["amount"] != float64(5000) || got[0]["due_on"] != "2024-07-01" {
				t.Fatalf("instalment.paid %v", got)
			}
			// A payment recorded through the API pays the next one too.
			e.at("2024-07-30")
			if err := e.db.AddPayment(ctx, c.TenantID, &portal.Payment{ClaimID: c.ID, Amount: 5000, Currency: "EUR",
				ReceivedOn: portal.MustDate("2024-07-30"), Method: "transfer"}); err != nil {
				t.Fatal(err)
			}
			if got := paidEvents(); len(got) != 2 || got[1]["instalment_id"] != ids[1] {
				t.Fatalf("after an API payment: %v", got)
			}
		})
	}
}

// TestReversalReopensInstalments: a payment that paid instalments of a
// plan, once reversed (recorded by mistake) or refunded by the provider,
// leaves those instalments, and those only, due again with instalment.due
// naming the payment; the scheduler charges a card instalment again and
// the plan's sweep finds a transfer instalment late, then missed.
func TestReversalReopensInstalments(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.saveCard(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-08-01", 5000, "card"}, {"2024-09-01", 5000, "transfer"}})
			dueEvents := func() []map[string]any {
				t.Helper()
				evs, err := e.db.ListEvents(ctx, c.TenantID, c.ID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				var out []map[string]any
				for _, ev := range evs {
					var p map[string]any
					json.Unmarshal([]byte(ev.Payload), &p)
					if ev.Kind == portal.EventInstalmentDue && p["reversal_id"] != nil {
						out = append(out, p)
					}
				}
				return out
			}

			t.Run("Reversed", func(t *testing.T) {
				e.at("2024-07-02")
				p := &portal.Payment{ClaimID: c.ID, Amount: 5000, Currency: "EUR", ReceivedOn: portal.MustDate("2024-07-01"), Method: "transfer"}
				if err := e.db.AddPayment(ctx, c.TenantID, p); err != nil {
					t.Fatal(err)
				}
				if st := e.statuses(t, c); st[0] != "paid" || st[1] != "due" {
					t.Fatalf("statuses after the payment %v", st)
				}
				rev, err := e.db.ReversePayment(ctx, c.TenantID, c.ID, p.ID, "the transfer was returned by the bank")
				if err != nil {
					t.Fatal(err)
				}
				ins, err := e.db.ListInstalments(ctx, c.TenantID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if ins[0].Status != portal.InstalmentDue || ins[0].Paid != 0 || ins[1].Status != portal.InstalmentDue {
					t.Fatalf("after the reversal: %+v %+v", ins[0], ins[1])
				}
				got := dueEvents()
				if len(got) != 1 || got[0]["instalment_id"] != ids[0] || got[0]["payment_id"] != p.ID || got[0]["reversal_id"] != rev.ID {
					t.Fatalf("instalment.due events %v", got)
				}
				// Reversing it again changes nothing.
				if _, err := e.db.ReversePayment(ctx, c.TenantID, c.ID, p.ID, "twice"); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("second reversal: %v", err)
				}
				// The sweep finds it late, then missed (grace of 3 days).
				e.at("2024-07-05")
				if _, err := e.sched.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				if st := e.statuses(t, c); st[0] != "missed" {
					t.Fatalf("the reopened instalment after its grace: %v", st)
				}
				// Paid again, the plan goes on.
				if err := e.db.AddPayment(ctx, c.TenantID, &portal.Payment{ClaimID: c.ID, Amount: 5000, Currency: "EUR",
					ReceivedOn: portal.MustDate("2024-07-05"), Method: "transfer"}); err != nil {
					t.Fatal(err)
				}
				if st := e.statuses(t, c); st[0] != "paid" || st[1] != "due" {
					t.Fatalf("statuses after paying it again %v", st)
				}
			})

			t.Run("Refunded", func(t *testing.T) {
				e.at("2024-08-01")
				e.out.set(ids[1], portal.ChargeSucceeded)
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
					t.Fatalf("charge: %+v %v", rep, err)
				}
				if st := e.statuses(t, c); st[1] != "paid" {
					t.Fatalf("statuses after the charge %v", st)
				}
				got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
				var intent string
				for _, p := range got.Payments {
					if p.Method == portal.PaymentCard && p.Amount == 5000 {
						intent = p.Reference
					}
				}
				res, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_refund_1", Type: portal.CardChargeRefunded, RawType: "charge.refunded",
					Created: e.clock.T, PaymentIntentID: intent, ChargeID: "ch_refund_1", Amount: 5000, AmountRefunded: 5000, Currency: "EUR",
					TenantID: c.TenantID, ClaimID: c.ID})
				if err != nil || len(res.Payments) != 1 || res.Payments[0].Amount != -5000 {
					t.Fatalf("refund: %+v %v", res, err)
				}
				ins, _ := e.db.ListInstalments(ctx, c.TenantID, c.ID)
				if ins[1].Status != portal.InstalmentDue || ins[1].Paid != 0 || ins[2].Status != portal.InstalmentDue {
					t.Fatalf("after the refund: %+v", ins[1])
				}
				if got := dueEvents(); len(got) != 2 || got[1]["instalment_id"] != ids[1] || got[1]["reversal_id"] != res.Payments[0].ID {
					t.Fatalf("instalment.due events %v", got)
				}
				// The scheduler charges it again, with a new attempt's key.
				due, err := e.db.DueCardInstalments(ctx, portal.MustDate("2024-08-02"), e.clock.T, 10)
				if err != nil || len(due) != 1 || due[0].ID != ids[1] {
					t.Fatalf("due card instalments %+v %v", due, err)
				}
				e.at("2024-08-02")
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 || e.out.charged[ids[1]] != 2 {
					t.Fatalf("charged again: %+v %v (%d charges)", rep, err, e.out.charged[ids[1]])
				}
				if st := e.statuses(t, c); st[1] != "paid" {
					t.Fatalf("statuses after the new charge %v", st)
				}
			})
		})
	}
}

// TestInstalmentDueEvent: the scheduler records instalment.due (which
// webhooks carry to the creditor) for each instalment of a plan in force
// on its due date, once, whatever the runs and the instances running at
// the same time; not before its date, not for one paid early, and it
// reaches the creditor's webhook endpoint.
func TestInstalmentDueEvent(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSchedEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-07-01", 5000, "transfer"},
				{"2024-08-01", 5000, "transfer"}, {"2024-09-01", 5000, "transfer"}})
			if _, err := e.db.CreateWebhookEndpoint(ctx, c.TenantID, webhooks.EndpointInput{URL: "https://creditor.example/hooks",
				Kinds: []portal.EventKind{portal.EventInstalmentDue}}); err != nil {
				t.Fatal(err)
			}
			dueEvents := func() []string {
				t.Helper()
				evs, err := e.db.ListEvents(ctx, c.TenantID, c.ID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, ev := range evs {
					if ev.Kind == portal.EventInstalmentDue {
						var p struct {
							InstalmentID string `json:"instalment_id"`
							DueOn        string `json:"due_on"`
						}
						json.Unmarshal([]byte(ev.Payload), &p)
						out = append(out, p.InstalmentID+"@"+p.DueOn)
					}
				}
				return out
			}
			e.at("2024-06-30")
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Due != 0 || len(dueEvents()) != 0 {
				t.Fatalf("before the date: %+v %v %v", rep, err, dueEvents())
			}
			// The first is paid early (a payment goes to the instalments in
			// order): it never falls due.
			if err := e.db.AddPayment(ctx, c.TenantID, &portal.Payment{ClaimID: c.ID, Amount: 5000, Currency: "EUR", InvoiceID: "",
				ReceivedOn: portal.MustDate("2024-06-30"), Method: "transfer", Reference: "early"}); err != nil {
				t.Fatal(err)
			}
			if st := e.statuses(t, c); st[0] != "paid" {
				t.Fatalf("statuses %v", st)
			}
			e.at("2024-07-01")
			// Three instances at once, then the same day again.
			var wg sync.WaitGroup
			total := make([]int, 3)
			for i := range total {
				s := *e.sched
				s.Owner = "instance-" + itoa(int64(i))
				wg.Add(1)
				go func() {
					defer wg.Done()
					rep, err := s.RunOnce(ctx)
					if err != nil {
						t.Error(err)
					}
					total[i] = rep.Due
				}()
			}
			wg.Wait()
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Due != 0 {
				t.Fatalf("the same day again: %+v %v", rep, err)
			}
			want := []string{ids[1] + "@2024-07-01"}
			if got := dueEvents(); strings.Join(got, ",") != strings.Join(want, ",") || total[0]+total[1]+total[2] != 1 {
				t.Fatalf("instalment.due %v (reported %v), want %v", got, total, want)
			}
			e.at("2024-08-02")
			if _, err := e.sched.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			want = append(want, ids[2]+"@2024-08-01")
			if got := dueEvents(); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("instalment.due %v, want %v", got, want)
			}
			// Each went to the endpoint subscribed to instalment.due.
			var n int
			if err := e.db.SQL().QueryRow("SELECT COUNT(*) FROM webhook_deliveries WHERE claim_id = '" + c.ID + "' AND kind = 'instalment.due'").Scan(&n); err != nil || n != 2 {
				t.Fatalf("%d deliveries of instalment.due, %v", n, err)
			}
		})
	}
}
