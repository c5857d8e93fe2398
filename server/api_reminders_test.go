package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	stdmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/sms"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store/storetest"
)

func newReminderEnv(t *testing.T, dialect string) *apiEnv {
	e := newAPIEnv(t, dialect)
	e.srv = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db,
		Clock: e.clock, Reminders: e.db, OptOuts: e.db, Links: e.db,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return e
}

func (e *apiEnv) page(t *testing.T, method, path, contentType, body string) (int, string, map[string]string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), map[string]string{"csp": resp.Header.Get("Content-Security-Policy"), "type": resp.Header.Get("Content-Type")}
}

func TestReminderAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newReminderEnv(t, dialect)
			status, body := e.do(t, "GET", "/api/v1/sequences", e.keyA, "", "")
			seqs, _ := body["sequences"].([]any)
			if status != 200 || len(seqs) != 4 {
				t.Fatalf("defaults: %d %v", status, body)
			}
			first := seqs[0].(map[string]any)
			if steps, _ := first["steps"].([]any); len(steps) != 4 || first["builtin"] == "" {
				t.Fatalf("builtin sequence: %v", first)
			}

			t.Run("Create", func(t *testing.T) {
				status, body := e.do(t, "POST", "/api/v1/sequences", e.keyA, "application/json",
					`{"name":"Short","steps":[{"day_offset":1,"channel":"email","template":"friendly"},{"day_offset":5,"channel":"sms","template":"sms_final"}]}`)
				if status != 201 || body["id"] == "" {
					t.Fatalf("%d %v", status, body)
				}
				for _, tc := range []struct{ body, field string }{
					{`{"name":"X","steps":[{"day_offset":1,"channel":"sms","template":"friendly"}]}`, "steps[0].template"},
					{`{"name":"X","steps":[{"day_offset":1,"channel":"fax","template":"friendly"}]}`, "steps[0].channel"},
					{`{"name":"","steps":[{"day_offset":1,"channel":"email","template":"friendly"}]}`, "name"},
					{`{"name":"X","steps":[]}`, "steps"},
					{`{"name":"X","creditor_id":"nope","steps":[{"day_offset":1,"channel":"email","template":"friendly"}]}`, "creditor_id"},
					{`{"name":"X","steps":[{"day_offset":"1","channel":"email","template":"friendly"}]}`, "steps.day_offset"},
				} {
					status, body := e.do(t, "POST", "/api/v1/sequences", e.keyA, "application/json", tc.body)
					code, msg, field := errorOf(body)
					if status != 400 || code != portal.EINVALID || field != tc.field || msg == "" {
						t.Errorf("%s: %d %s %q %q", tc.body, status, code, field, msg)
					}
				}
				// Tenant B sees its own defaults only.
				_, body = e.do(t, "GET", "/api/v1/sequences", e.keyB, "", "")
				if seqs, _ := body["sequences"].([]any); len(seqs) != 4 {
					t.Fatalf("tenant B sees %d sequences", len(seqs))
				}
			})

			_, created := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "R1"))
			claimID, _ := created["id"].(string)
			_, createdB := e.do(t, "POST", "/api/v1/claims", e.keyB, "application/json", fmt.Sprintf(validClaimJSON, "R1"))
			claimB, _ := createdB["id"].(string)
			_, body = e.do(t, "GET", "/api/v1/sequences", e.keyA, "", "")
			var shortID string
			for _, s := range body["sequences"].([]any) {
				if m := s.(map[string]any); m["name"] == "Short" {
					shortID = m["id"].(string)
				}
			}
			_, bodyB := e.do(t, "GET", "/api/v1/sequences", e.keyB, "", "")
			seqB := bodyB["sequences"].([]any)[0].(map[string]any)["id"].(string)

			t.Run("ChooseSequence", func(t *testing.T) {
				if status, body := e.do(t, "PUT", "/api/v1/claims/"+claimID+"/sequence", e.keyA, "application/json", `{"sequence_id":"`+shortID+`"}`); status != 200 {
					t.Fatalf("%d %v", status, body)
				}
				status, body := e.do(t, "PUT", "/api/v1/claims/"+claimID+"/sequence", e.keyA, "application/json", `{"sequence_id":"`+seqB+`"}`)
				if _, _, field := errorOf(body); status != 400 || field != "sequence_id" {
					t.Fatalf("another tenant's sequence: %d %v", status, body)
				}
				if status, _ := e.do(t, "PUT", "/api/v1/claims/"+claimB+"/sequence", e.keyA, "application/json", `{"sequence_id":"`+shortID+`"}`); status != 404 {
					t.Fatalf("another tenant's claim: %d", status)
				}
				if status, _ := e.do(t, "GET", "/api/v1/claims/"+claimB+"/reminders", e.keyA, "", ""); status != 404 {
					t.Fatalf("another tenant's reminders: %d", status)
				}
			})

			// The scheduler sends the chosen sequence's first step.
			mail := smtptest.Start(t, smtptest.Options{})
			sched := &reminders.Scheduler{Store: e.db, Links: e.db, Clock: e.clock, BaseURL: "http://relais.test",
				Email: &smtp.Mailer{Host: mail.Host, Port: mail.Port, From: "relances@alpha.example", TLS: smtp.TLSNone}}
			if r, err := sched.RunOnce(context.Background()); err != nil || r.Sent != 2 { // A's claim and B's claim
				t.Fatalf("%+v %v", r, err)
			}
			status, body = e.do(t, "GET", "/api/v1/claims/"+claimID+"/reminders", e.keyA, "", "")
			list, _ := body["reminders"].([]any)
			if status != 200 || len(list) != 1 {
				t.Fatalf("%d %v", status, body)
			}
			r0 := list[0].(map[string]any)
			if r0["status"] != "sent" || r0["channel"] != "email" || r0["template"] != "friendly" || len(r0["content_sha256"].(string)) != 64 ||
				!strings.Contains(r0["body_text"].(string), "http://relais.test/p/") {
				t.Fatalf("reminder: %v", r0)
			}
			if status, body := e.do(t, "GET", "/api/v1/letters/to-print", e.keyA, "", ""); status != 200 || len(body["letters"].([]any)) != 0 {
				t.Fatalf("letters: %d %v", status, body)
			}

			t.Run("Unsubscribe", func(t *testing.T) {
				var pm *stdmail.Message
				for _, m := range mail.Messages() {
					if x, err := m.Parse(); err == nil && x.Header.Get("Message-ID") == r0["provider_id"] {
						pm = x
					}
				}
				if pm == nil {
					t.Fatalf("no e-mail with Message-ID %v", r0["provider_id"])
				}
				u := strings.Trim(pm.Header.Get("List-Unsubscribe"), "<>")
				path := strings.TrimPrefix(u, "http://relais.test")
				if !strings.HasPrefix(path, "/u/") {
					t.Fatalf("List-Unsubscribe %q", u)
				}
				status, html, h := e.page(t, "GET", path, "", "")
				if status != 200 || !strings.Contains(html, `lang="fr"`) || !strings.Contains(html, "Ne plus recevoir de messages par e-mail") ||
					!strings.Contains(html, `<form method="post"`) || h["csp"] == "" || !strings.HasPrefix(h["type"], "text/html") {
					t.Fatalf("page: %d %s", status, html)
				}
				// GET changes nothing.
				evs, _ := e.db.ListEvents(context.Background(), e.tenantA, claimID, 0, 0)
				for _, ev := range evs {
					if ev.Kind == portal.EventContactOptOut {
						t.Fatal("GET recorded an opt-out")
					}
				}
				for i := 0; i < 2; i++ {
					status, html, _ = e.page(t, "POST", path, "", "")
					if status != 200 || !strings.Contains(html, "vous ne recevrez plus de messages par e-mail de la part de Alpha SA") {
						t.Fatalf("confirm %d: %d %s", i, status, html)
					}
				}
				// A mail client's one-click unsubscribe (RFC 8058) is the same harmless POST.
				if status, _, _ := e.page(t, "POST", path, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); status != 200 {
					t.Fatalf("one-click: %d", status)
				}
				evs, _ = e.db.ListEvents(context.Background(), e.tenantA, claimID, 0, 0)
				n := 0
				for _, ev := range evs {
					if ev.Kind == portal.EventContactOptOut {
						n++
						if ev.Actor.Kind != portal.ActorDebtor {
							t.Fatalf("actor %+v", ev.Actor)
						}
					}
				}
				if n != 1 {
					t.Fatalf("%d contact.opt_out events, want 1", n)
				}
				status, html, _ = e.page(t, "GET", "/u/"+strings.Repeat("z", 32), "", "")
				if status != 404 || !strings.Contains(html, "Deze link is niet geldig.") || !strings.Contains(html, "This link is not valid.") {
					t.Fatalf("unknown token: %d %s", status, html)
				}
				if !strings.Contains(e.logs.String(), "/u/:token") || strings.Contains(e.logs.String(), strings.TrimPrefix(path, "/u/")) {
					t.Fatal("the unsubscribe token reached the logs")
				}
			})
		})
	}
}

// The issue's "done when": a claim receives its sequence by e-mail to a real
// SMTP server, the link in the message opens the portal, and a dispute filed
// on the portal stops the next step.
func TestReminderDemo(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			rates, _ := rules.Default()
			e.srv = New(Config{BaseURL: "http://relais.test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock,
				Links: e.db, Disputes: e.db, Rates: rates, Reminders: e.db, OptOuts: e.db})
			ctx := context.Background()
			c := &portal.Claim{Reference: "FR-DEMO-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Garage Leroy SARL", Language: "fr", Postcode: "75011",
					Email: "compta@leroy.example", Phone: "+33612345678", Country: "FR"},
				Invoices: []*portal.Invoice{{Number: "F-9", IssueDate: portal.MustDate("2026-04-01"), DueDate: portal.MustDate("2026-05-01"), Amount: 48_000}}}
			if err := e.db.CreateClaim(ctx, e.tenantA, c); err != nil {
				t.Fatal(err)
			}
			mail := smtptest.Start(t, smtptest.Options{})
			var smsCalls atomic.Int32
			smsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				smsCalls.Add(1)
				w.Write([]byte(`{"id":"x"}`))
			}))
			defer smsSrv.Close()
			sched := &reminders.Scheduler{Store: e.db, Links: e.db, Clock: e.clock, BaseURL: "http://relais.test",
				Email: &smtp.Mailer{Host: mail.Host, Port: mail.Port, From: "relances@martin.example", TLS: smtp.TLSNone},
				SMS:   &sms.Provider{Endpoint: smsSrv.URL}}
			if r, err := sched.RunOnce(ctx); err != nil || r.Sent != 1 {
				t.Fatalf("%+v %v", r, err)
			}
			msgs := mail.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "compta@leroy.example" {
				t.Fatalf("%+v", msgs)
			}
			m, err := msgs[0].Parse()
			if err != nil {
				t.Fatal(err)
			}
			_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
			part, err := multipart.NewReader(m.Body, params["boundary"]).NextPart()
			if err != nil {
				t.Fatal(err)
			}
			text, _ := io.ReadAll(part)
			link := regexp.MustCompile(`http://relais\.test(/p/[a-z2-7]{26})`).FindSubmatch(text)
			if link == nil {
				t.Fatalf("no portal link in the e-mail:\n%s", text)
			}
			b := e.browser("")
			if p := b.get(string(link[1])); p.status != 303 {
				t.Fatalf("the e-mailed link does not open: %d %s", p.status, p.body)
			}
			form := b.get("/p")
			mustContain(t, "identity page", form.body, `name="answer"`)
			if p := b.post("/p/identity", url.Values{"csrf": {csrfOf(t, form)}, "answer": {"75011"}}); p.status != 303 {
				t.Fatalf("identity: %d", p.status)
			}
			contest := b.get("/p/contest")
			p := b.postMultipart("/p/contest", map[string]string{"csrf": csrfOf(t, contest), "reason": "already_paid", "text": "Réglé par virement le 2 mai."}, nil)
			if p.status != 303 {
				t.Fatalf("contest: %d %s", p.status, p.body)
			}
			// The next step (SMS, 7 days after the late first e-mail) does not go.
			e.clock.T = time.Date(2026, 5, 22, 10, 0, 0, 0, time.UTC)
			if r, err := sched.RunOnce(ctx); err != nil || r.Sent != 0 || smsCalls.Load() != 0 || len(mail.Messages()) != 1 {
				t.Fatalf("reminded after the dispute: %+v %v, %d SMS", r, err, smsCalls.Load())
			}
			sends, _ := e.db.FindReminders(ctx, e.tenantA, c.ID)
			if len(sends) != 1 {
				t.Fatalf("%d sends", len(sends))
			}

			// The mail system reports the e-mail undelivered: the send is
			// bounced, with an evidence event; a second report conflicts.
			path := "/api/v1/claims/" + c.ID + "/reminders/" + sends[0].ID + "/bounce"
			if status, body := e.api("POST", path, e.keyA, `{"reason":""}`); status != 400 {
				t.Fatalf("bounce without reason: %d %v", status, body)
			}
			if status, body := e.api("POST", path, e.keyB, `{"reason":"550 no such user"}`); status != 404 {
				t.Fatalf("another tenant's bounce: %d %v", status, body)
			}
			status, body := e.api("POST", path, e.keyA, `{"reason":"550 5.1.1 no such user"}`)
			if status != 200 || body["status"] != "bounced" {
				t.Fatalf("bounce: %d %v", status, body)
			}
			if status, _ := e.api("POST", path, e.keyA, `{"reason":"again"}`); status != 409 {
				t.Fatalf("second bounce: %d", status)
			}
			evs, _ := e.db.ListEvents(ctx, e.tenantA, c.ID, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventReminderBounced || !strings.Contains(last.Payload, "no such user") {
				t.Fatalf("last event %s %s", last.Kind, last.Payload)
			}
		})
	}
}
