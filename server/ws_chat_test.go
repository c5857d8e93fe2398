package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// chatEnv is a real server on a random port with a tenant, a claim, an
// agent and an owner signed in, and a debtor session on the claim.
type chatEnv struct {
	db       *store.DB
	srv      *Server
	base     string
	clock    *portal.FixedClock
	tenantID string
	claim    *portal.Claim
	agent    *portal.User
	owner    *portal.User
	viewer   *portal.User
	cookies  map[string]string // user ID → console cookie
	debtor   *portal.PortalSession
	// debtorCookie is the verified portal session's secret.
	debtorCookie string
	balance      int64
	today        portal.Date
	// signer signs the evidence bundles the server makes.
	signer *evidence.Signer
}

var testClock = time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)

func newChatEnv(t *testing.T, dialect string) *chatEnv {
	t.Helper()
	clock := &portal.FixedClock{T: testClock}
	db := storetest.MustOpen(t, dialect, clock)
	return newChatEnvOn(t, db, clock, nil)
}

// newChatEnvOn starts a server on db; with seed from another env it reuses
// that env's tenant, claim and users (a second instance).
func newChatEnvOn(t testing.TB, db *store.DB, clock *portal.FixedClock, seed *chatEnv, tune ...func(*Config)) *chatEnv {
	t.Helper()
	ctx := context.Background()
	e := &chatEnv{db: db, clock: clock, cookies: map[string]string{}, today: portal.DateOf(clock.T)}
	if seed == nil {
		tn := &portal.Tenant{Name: "Alpha", Timezone: "UTC"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Alpha SAS", Country: "FR", Address: "1 rue de la Paix, Paris"}); err != nil {
			t.Fatal(err)
		}
		e.tenantID = tn.ID
		e.claim = &portal.Claim{Reference: "R-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011", Address: "3 rue Oberkampf"},
			Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
		if err := db.CreateClaim(ctx, tn.ID, e.claim); err != nil {
			t.Fatal(err)
		}
		for _, u := range []**portal.User{&e.agent, &e.owner, &e.viewer} {
			role := map[**portal.User]portal.Role{&e.agent: portal.RoleAgent, &e.owner: portal.RoleOwner, &e.viewer: portal.RoleViewer}[u]
			*u = &portal.User{TenantID: tn.ID, Email: string(role) + "@alpha.test", Name: "Ann " + string(role), Role: role}
			if err := db.CreateUser(ctx, *u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
		}
		// The debtor opens a portal link and passes the identity check.
		_, token, err := db.IssueLink(ctx, tn.ID, e.claim.ID, portal.ChannelLetter, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		opening, err := db.OpenLink(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := db.CheckIdentity(ctx, opening.Session.ID, "75011")
		if err != nil {
			t.Fatal(err)
		}
		e.debtor, e.debtorCookie = opening.Session, secret
	} else {
		e.tenantID, e.claim, e.agent, e.owner, e.viewer, e.debtor, e.debtorCookie = seed.tenantID, seed.claim, seed.agent, seed.owner, seed.viewer, seed.debtor, seed.debtorCookie
	}
	for _, u := range []*portal.User{e.agent, e.owner, e.viewer} {
		_, tok, err := db.CreateConsoleSession(ctx, u, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.cookies[u.ID] = tok
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := &negotiation.Service{Store: db, Claims: db, Balance: negotiation.RulesBalance(rates), Clock: clock, Location: negotiation.TenantLocation(db), Assignments: db}
	full, _ := db.FindClaim(ctx, e.tenantID, e.claim.ID)
	if e.balance, err = svc.Balance(full, e.today); err != nil {
		t.Fatal(err)
	}
	if e.signer, err = evidence.GenerateSigner(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	deps := Deps{Claims: db, Tenants: db, Events: db, DB: db, Clock: clock,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Negotiation: svc, Conversations: db, Replies: db, Resolutions: db, Reads: db, Breaches: db, ConsoleSessions: db, Rates: rates, Links: db, Disputes: db,
		Timelines: db, Evidence: &evidence.Builder{Source: db, Signer: e.signer, Version: "test"},
		Promises: db, // promises to pay (issue 20)
		// The back-office forms (issue 18): escalation, letters with a fresh
		// link, contact data and credit notes.
		Escalation: db, ClaimChanges: db, Dashboard: db, AccountLog: db, Letters: &store.LetterStore{DB: db, Rates: rates,
			PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
				l, token, err := db.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, 0)
				if err != nil {
					return "", "", err
				}
				return l.ID, PortalURL(e.base, token), nil
			}}}
	if bus := db.ChatBus(); bus != nil {
		deps.ChatBus = bus
	}
	if db.Dialect == store.Postgres { // as cmd/relais wires it: the instances share the limits
		deps.Limiter = db.Limiter()
	}
	cfg := Config{BaseURL: e.base, Version: "test"}
	for _, f := range tune {
		f(&cfg)
	}
	e.srv = New(cfg, deps)
	go func() { _ = e.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.Shutdown(2 * time.Second) })
	return e
}

// wsClient is a real websocket client reading frames in the background.
type wsClient struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan map[string]any
	closed chan int // close code
	mu     sync.Mutex
	n      int
	// internalOK: an agent's client, which may receive internal messages.
	internalOK bool
}

func (e *chatEnv) dial(t *testing.T, path string, header http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Origin") == "" {
		header.Set("Origin", e.base)
	}
	c, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.base, "http")+path, header)
	if err != nil {
		return nil, resp, err
	}
	w := &wsClient{t: t, c: c, frames: make(chan map[string]any, 1000), closed: make(chan int, 1)}
	go func() {
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				code := -1
				if ce, ok := err.(*websocket.CloseError); ok {
					code = ce.Code
				}
				w.closed <- code
				close(w.frames)
				return
			}
			var f map[string]any
			if err := json.Unmarshal(data, &f); err != nil {
				t.Errorf("server sent non-JSON: %s", data)
			}
			w.frames <- f
		}
	}()
	t.Cleanup(func() { c.Close() })
	return w, resp, nil
}

func (e *chatEnv) debtorClient(t *testing.T, after int64) *wsClient {
	t.Helper()
	h := http.Header{}
	h.Set("Cookie", cookieSession+"="+e.debtorCookie)
	w, _, err := e.dial(t, fmt.Sprintf("/p/chat?after=%d", after), h)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (e *chatEnv) agentClient(t *testing.T, u *portal.User, convID string, after int64) *wsClient {
	t.Helper()
	h := http.Header{}
	h.Set("Cookie", consoleCookie+"="+e.cookies[u.ID])
	w, _, err := e.dial(t, fmt.Sprintf("/console/chat/%s?after=%d", convID, after), h)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.c.WriteMessage(websocket.TextMessage, b); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

// expect returns the next frame of type typ, failing on any frame of
// another type except those in skip.
func (w *wsClient) expect(typ string, skip ...string) map[string]any {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				w.t.Fatalf("connection closed while waiting for %s", typ)
			}
			if f["type"] == typ {
				return f
			}
			ok = false
			for _, s := range skip {
				ok = ok || f["type"] == s
			}
			if !ok {
				w.t.Fatalf("want a %s frame, got %v", typ, f)
			}
		case <-timeout:
			w.t.Fatalf("no %s frame within 10s", typ)
		}
	}
}

// message returns the next stored message, skipping presence and typing.
func (w *wsClient) message() map[string]any {
	w.t.Helper()
	return w.expect("message", "presence", "typing", "ack")["msg"].(map[string]any)
}

// next returns the next frame whose type is one of types, skipping
// messages, presence and typing frames.
func (w *wsClient) next(types ...string) map[string]any {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				w.t.Fatalf("connection closed while waiting for %v", types)
			}
			for _, t := range types {
				if f["type"] == t {
					return f
				}
			}
		case <-timeout:
			w.t.Fatalf("no %v frame within 10s", types)
		}
	}
}

// until returns the next stored message of kind, skipping others.
func (w *wsClient) until(kind string) map[string]any {
	w.t.Helper()
	for {
		if m := w.expect("message", "presence", "typing", "ack")["msg"].(map[string]any); m["kind"] == kind {
			return m
		}
	}
}

// quiet asserts no frame but presence/typing arrives within d.
func (w *wsClient) quiet(d time.Duration) {
	w.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-w.frames:
			if ok && f["type"] != "presence" && f["type"] != "typing" {
				w.t.Fatalf("unexpected frame %v", f)
			}
		case <-deadline:
			return
		}
	}
}

func (e *chatEnv) messages(t *testing.T, convID string) []*negotiation.Message {
	t.Helper()
	msgs, err := e.db.Messages(context.Background(), e.tenantID, convID, 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestChatNegotiation(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			debtor := e.debtorClient(t, 0)
			w := debtor.expect("welcome")
			convID := w["conversation_id"].(string)
			if w["role"] != "debtor" || num(w["v"]) != 1 || w["agents_online"] == true {
				t.Fatalf("welcome: %v", w)
			}
			// Sunday 30 June 2024 10:00 UTC: agents are back Monday 9:00.
			if w["answer_by"] != "2024-07-01T09:00:00Z" {
				t.Fatalf("answer_by: %v", w["answer_by"])
			}

			// Text from the debtor, acknowledged with its seq, then echoed.
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour, je ne peux pas tout payer."})
			if a := debtor.expect("ack", "message"); a["id"] != "d-1" || num(a["seq"]) != 1 {
				t.Fatalf("ack: %v", a)
			}
			// The agent joins and gets the history.
			agent := e.agentClient(t, e.agent, convID, 0)
			if w := agent.expect("welcome"); w["role"] != "agent" {
				t.Fatal(w)
			}
			if m := agent.message(); m["text"] != "Bonjour, je ne peux pas tout payer." || num(m["seq"]) != 1 {
				t.Fatalf("replay: %v", m)
			}
			if p := debtor.expect("presence", "message"); p["agents_online"] != true {
				t.Fatalf("presence: %v", p)
			}
			agent.send(map[string]any{"type": "typing"})
			if ty := debtor.expect("typing", "message"); ty["from"] != "agent" {
				t.Fatal(ty)
			}
			// An internal note never reaches the debtor; the text after it does.
			agent.send(map[string]any{"type": "note", "id": "a-1", "text": "Client fiable, accepter 6 mois."})
			agent.expect("ack", "message")
			agent.send(map[string]any{"type": "text", "id": "a-2", "text": "Que proposez-vous ?"})
			if m := debtor.message(); m["text"] == "Client fiable, accepter 6 mois." {
				t.Fatal("the debtor received an internal note")
			} else if m["text"] != "Que proposez-vous ?" || m["author"].(map[string]any)["name"] != "Ann agent" {
				t.Fatalf("agent text: %v", m)
			}

			// An offer outside the policy (12 months on ~€1,100: 6 allowed)
			// goes to the queue with the bound and the nearest plan.
			amount := (e.balance + 11) / 12
			debtor.send(map[string]any{"type": "offer", "id": "d-2", "offer": map[string]any{
				"kind": "plan", "count": 12, "amount": amount, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
			debtor.expect("ack", "message")
			var offerMsg map[string]any
			for offerMsg == nil {
				if m := debtor.message(); m["kind"] == "offer" {
					offerMsg = m
				}
			}
			v := offerMsg["verdict"].(map[string]any)
			br := v["breaches"].([]any)[0].(map[string]any)
			if v["accepted"] == true || br["bound"] != "plan_length" || num(br["limit"]) != 6 || v["nearest"].(map[string]any)["count"] != float64(6) {
				t.Fatalf("verdict: %v", v)
			}
			q, _ := e.db.Queue(context.Background(), e.tenantID, 0)
			if len(q) != 1 || q[0].ID != convID {
				t.Fatalf("queue: %+v", q)
			}
			offerID := offerMsg["offer_id"].(string)
			if m := agent.until("offer"); m["offer_id"] != offerID {
				t.Fatalf("agent did not see the offer: %v", m)
			}

			// Counter-offer: 6 monthly instalments; the debtor accepts it.
			counter := map[string]any{"kind": "plan", "count": 6, "amount": (e.balance + 5) / 6, "first_date": "2024-07-15", "frequency": "monthly", "method": "card"}
			agent.send(map[string]any{"type": "counter_offer", "id": "a-3", "offer": counter})
			agent.expect("ack", "message")
			var counterMsg map[string]any
			for counterMsg == nil {
				if m := debtor.message(); m["kind"] == "counter_offer" {
					counterMsg = m
				}
			}
			rec, err := e.db.FindOffer(context.Background(), e.tenantID, offerID)
			if err != nil || rec.Status != negotiation.OfferCountered {
				t.Fatalf("first offer after the counter: %v %+v", err, rec)
			}
			debtor.send(map[string]any{"type": "accept", "id": "d-3", "offer_id": counterMsg["offer_id"]})
			debtor.expect("ack", "message")
			var accept map[string]any
			for accept == nil {
				if m := debtor.message(); m["kind"] == "accept" {
					accept = m
				}
			}
			agreementID, _ := accept["agreement_id"].(string)
			if agreementID == "" {
				t.Fatalf("accept without agreement: %v", accept)
			}
			// Signing without ticking the acknowledgement is refused; with it
			// the PDF is made and the claim goes in_plan.
			debtor.send(map[string]any{"type": "sign", "id": "d-4", "agreement_id": agreementID})
			if er := debtor.expect("error", "message"); er["field"] != "acknowledge" {
				t.Fatal(er)
			}
			debtor.send(map[string]any{"type": "sign", "id": "d-5", "agreement_id": agreementID, "acknowledge": true})
			signed := debtor.expect("signed", "message")["agreement"].(map[string]any)
			ag, err := e.db.FindAgreement(context.Background(), e.tenantID, agreementID)
			if err != nil || ag.Status != negotiation.AgreementSigned || !strings.HasPrefix(string(ag.PDF), "%PDF-") || ag.PDFSHA256 != portal.SHA256Hex(ag.PDF) || signed["pdf_sha256"] != ag.PDFSHA256 {
				t.Fatalf("agreement: %v %+v", err, signed)
			}
			if ag.Schedule.Total != e.balance || len(ag.Schedule.Instalments) != 6 {
				t.Fatalf("schedule: %+v (balance %d)", ag.Schedule, e.balance)
			}
			ins, _ := e.db.PlanInstalments(context.Background(), e.tenantID, e.claim.ID)
			if len(ins) != 6 || ins[0].Method != negotiation.MethodCard {
				t.Fatalf("instalments: %+v", ins)
			}
			if c, _ := e.db.FindClaim(context.Background(), e.tenantID, e.claim.ID); c.Status != portal.StatusInPlan {
				t.Fatalf("claim status %s", c.Status)
			}
			// Every offer is on the claim's timeline and in the API.
			offers, _ := e.db.ClaimOffers(context.Background(), e.tenantID, e.claim.ID)
			if len(offers) != 2 || offers[1].Status != negotiation.OfferAccepted {
				t.Fatalf("offers: %+v", offers)
			}
			// The debtor downloads their copy with the portal session.
			req0, _ := http.NewRequest("GET", e.base+"/p/agreements/"+agreementID+"/pdf", nil)
			req0.Header.Set("Cookie", cookieSession+"="+e.debtorCookie)
			resp0, err := http.DefaultClient.Do(req0)
			if err != nil {
				t.Fatal(err)
			}
			copy0, _ := io.ReadAll(resp0.Body)
			resp0.Body.Close()
			if resp0.StatusCode != 200 || portal.SHA256Hex(copy0) != ag.PDFSHA256 {
				t.Fatalf("debtor pdf: %d", resp0.StatusCode)
			}
			// ... and in the creditor API (CPCE R124-5), with the conversation.
			_, key, err := e.db.CreateAPIKey(context.Background(), e.tenantID, "test")
			if err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]string{"/offers": `"status":"countered"`, "/conversation": `"kind":"note"`} {
				req, _ := http.NewRequest("GET", e.base+"/api/v1/claims/"+e.claim.ID+path, nil)
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
					t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
				}
			}
			// The agent downloads the PDF from the console.
			req, _ := http.NewRequest("GET", e.base+"/console/agreements/"+agreementID+"/pdf", nil)
			req.Header.Set("Cookie", consoleCookie+"="+e.cookies[e.agent.ID])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || portal.SHA256Hex(body) != ag.PDFSHA256 {
				t.Fatalf("pdf download: %d", resp.StatusCode)
			}
		})
	}
}
