package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/sms"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store/storetest"
)

// codeEnv is a portal whose consumer claims need a one-time code (issue
// 26.14): codes go by e-mail through a real SMTP server (smtptest) and by
// SMS to an HTTP provider on loopback.
type codeEnv struct {
	*portalEnv
	mail     *smtptest.Server
	consumer *portal.Claim // Claire Moreau, e-mail on file
	texted   *portal.Claim // Lukas Peeters, phone only
	b2b      *portal.Claim // a business with an e-mail
	smsMu    sync.Mutex
	texts    []sms.Request
}

func newCodeEnv(t *testing.T, dialect string) *codeEnv {
	t.Helper()
	e := &codeEnv{portalEnv: newPortalEnv(t, dialect, Config{})}
	d := portal.MustDate
	inv := func(n string) []*portal.Invoice {
		return []*portal.Invoice{{Number: n, IssueDate: d("2026-01-05"), DueDate: d("2026-02-04"), Amount: 48_990}}
	}
	e.consumer = &portal.Claim{Reference: "FR-CONS-0002", Currency: "EUR", Jurisdiction: portal.JurisdictionFR, Invoices: inv("F-2026-0031"),
		Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Claire Moreau", Language: "fr", Postcode: "13001", Country: "FR", Email: "claire.moreau@example.org"}}
	e.texted = &portal.Claim{Reference: "BE-CONS-0004", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, Invoices: inv("2026/0230"),
		Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Lukas Peeters", Language: "de", Postcode: "4700", Country: "BE", Phone: "+32471987654"}}
	e.b2b = &portal.Claim{Reference: "FR-B2B-0009", Currency: "EUR", Jurisdiction: portal.JurisdictionFR, Invoices: inv("F-2026-0099"),
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Traiteur SARL", Language: "fr", Postcode: "69002", Country: "FR", Email: "compta@traiteur.example"}}
	if err := e.db.ImportClaims(context.Background(), e.tenantA, []*portal.Claim{e.consumer, e.texted, e.b2b}); err != nil {
		t.Fatal(err)
	}
	e.mail = smtptest.Start(t, smtptest.Options{})
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req sms.Request
		if r.Header.Get("Authorization") != "Bearer sms-token" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", 400)
			return
		}
		e.smsMu.Lock()
		e.texts = append(e.texts, req)
		e.smsMu.Unlock()
		io.WriteString(w, `{"id":"sms-1"}`)
	}))
	t.Cleanup(provider.Close)
	e.serve(&smtp.Mailer{Host: e.mail.Host, Port: e.mail.Port, From: "Relais <noreply@relais.test>", TLS: smtp.TLSNone, Clock: e.clock},
		&sms.Provider{Endpoint: provider.URL, Token: "sms-token"})
	return e
}

// serve rebuilds the server with the code senders.
func (e *codeEnv) serve(email reminders.EmailSender, text reminders.SMSSender) {
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	e.srv = New(Config{BaseURL: "http://relais.test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Logger: log,
		Links: e.db, Disputes: e.db, Rates: e.rates, Codes: e.db, CodeEmail: email, CodeSMS: text})
}

// answered opens a new link of the claim and passes the identity answer.
func (e *codeEnv) answered(claim *portal.Claim, answer string) (*browser, page) {
	e.t.Helper()
	_, token := e.issue(claim.ID)
	b := e.browser("")
	if p := b.get("/p/" + token); p.status != 303 {
		e.t.Fatalf("open: %d", p.status)
	}
	form := b.get("/p")
	p := b.post("/p/identity", url.Values{"csrf": {csrfOf(e.t, form)}, "answer": {answer}})
	return b, p
}

// lastCode reads the code of the latest e-mail to addr, as its recipient
// would: the text part of the message the SMTP server received.
func (e *codeEnv) lastCode(addr string) (code string, count int) {
	e.t.Helper()
	for _, m := range e.mail.Messages() {
		if len(m.To) != 1 || m.To[0] != addr {
			continue
		}
		count++
		msg, err := m.Parse()
		if err != nil {
			e.t.Fatal(err)
		}
		_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		mr := multipart.NewReader(msg.Body, params["boundary"])
		part, err := mr.NextPart()
		if err != nil {
			e.t.Fatal(err)
		}
		text, _ := io.ReadAll(part)
		sub := regexp.MustCompile(`Votre code est ([0-9]{6})\b`).FindSubmatch(text)
		if sub == nil {
			e.t.Fatalf("no code in the e-mail:\n%s", text)
		}
		code = string(sub[1])
	}
	return code, count
}

func (e *codeEnv) codeEvents(claimID string) map[portal.EventKind]int {
	e.t.Helper()
	evs := e.events(claimID)
	for _, ev := range evs {
		if strings.HasPrefix(string(ev.Kind), "identity.code") && regexp.MustCompile(`"[0-9]{6}"`).MatchString(ev.Payload) {
			e.t.Errorf("%s may hold the code: %s", ev.Kind, ev.Payload)
		}
	}
	return kinds(evs)
}

// TestPortalSecondFactor: a consumer with an e-mail on file gets a code
// after the identity answer and sees the claim only once it is entered;
// wrong, expired, spent and replaced codes are refused; a business claim
// and a claim without a sender go straight on; the lockout backs off.
func TestPortalSecondFactor(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newCodeEnv(t, dialect)
			// Each subtest starts with the claim's codes refilled.
			refill := func() { e.clock.Advance(time.Hour) }

			t.Run("EmailCodeRequired", func(t *testing.T) {
				b, p := e.answered(e.consumer, "13001")
				if p.status != 303 || p.header.Get("Location") != "/p" {
					t.Fatalf("right answer: %d %s", p.status, p.body)
				}
				before := b.cookies["relais_portal"]
				page := b.get("/p")
				if page.status != 200 {
					t.Fatalf("code page: %d", page.status)
				}
				mustContain(t, "code page", page.body, "Saisissez le code", "c***@example.org", `autocomplete="one-time-code"`, `action="/p/code"`)
				mustNotContain(t, "code page", page.body, "claire.moreau@", "FR-CONS-0002", "F-2026-0031", "<script")
				for _, path := range []string{"/p/computation", "/p/contest"} {
					if p := b.get(path); p.status != 403 {
						t.Errorf("%s before the code: %d", path, p.status)
					}
				}
				code, sent := e.lastCode("claire.moreau@example.org")
				if sent != 1 {
					t.Fatalf("%d e-mails, want 1", sent)
				}
				wrong := "000000"
				if code == wrong {
					wrong = "111111"
				}
				p = b.post("/p/code", url.Values{"csrf": {csrfOf(t, page)}, "code": {wrong}})
				if p.status != 403 {
					t.Fatalf("wrong code: %d", p.status)
				}
				mustContain(t, "wrong code page", p.body, "Ce code ne correspond pas", "Il vous reste 4 essais")
				if k := e.codeEvents(e.consumer.ID); k[portal.EventIdentityCodeFailed] != 1 || k[portal.EventIdentityCodeSent] != 1 || k[portal.EventIdentityPassed] != 1 {
					t.Errorf("events %v", k)
				}
				if p := b.post("/p/code", url.Values{"csrf": {"forged"}, "code": {code}}); p.status != 403 {
					t.Errorf("code without the form's token: %d", p.status)
				}
				p = b.post("/p/code", url.Values{"csrf": {csrfOf(t, page)}, "code": {code[:3] + " " + code[3:]}})
				if p.status != 303 || p.header.Get("Location") != "/p" {
					t.Fatalf("right code: %d %s", p.status, p.body)
				}
				if after := b.cookies["relais_portal"]; after == "" || after == before {
					t.Error("the session secret was not rotated at the code")
				}
				fixed := e.browser("")
				fixed.cookies["relais_portal"] = before
				if p := fixed.get("/p"); p.status != 401 {
					t.Errorf("the secret before the code still opens the session: %d", p.status)
				}
				mustContain(t, "claim page", b.get("/p").body, "FR-CONS-0002")
				if k := e.codeEvents(e.consumer.ID); k[portal.EventIdentityCodePassed] != 1 {
					t.Errorf("events %v", k)
				}
				// Used once: another session cannot use it, and this one has
				// nothing left to enter.
				other, _ := e.answered(e.consumer, "13001")
				if p := other.post("/p/code", url.Values{"csrf": {csrfOf(t, other.get("/p"))}, "code": {code}}); p.status == 303 {
					t.Error("a used code opened another session")
				}
			})
			t.Run("ExpiredThenResent", func(t *testing.T) {
				refill()
				b, _ := e.answered(e.consumer, "13001")
				old, n := e.lastCode("claire.moreau@example.org")
				e.clock.Advance(portal.CodeTTL)
				page := b.get("/p")
				mustContain(t, "expired code page", page.body, "plus valable", "envoyer un nouveau code", `action="/p/code/resend"`)
				mustNotContain(t, "expired code page", page.body, `action="/p/code"`)
				if p := b.post("/p/code", url.Values{"csrf": {csrfOf(t, page)}, "code": {old}}); p.status != 410 {
					t.Fatalf("expired code: %d", p.status)
				}
				p := b.post("/p/code/resend", url.Values{"csrf": {csrfOf(t, page)}})
				if p.status != 303 || p.header.Get("Location") != "/p?code=sent" {
					t.Fatalf("resend: %d %s", p.status, p.body)
				}
				code, m := e.lastCode("claire.moreau@example.org")
				if m != n+1 {
					t.Fatalf("%d e-mails after the resend, want %d", m, n+1)
				}
				mustContain(t, "page after the resend", b.get(p.header.Get("Location")).body, "Un nouveau code a été envoyé à c***@example.org")
				if old != code {
					if p := b.post("/p/code", url.Values{"csrf": {csrfOf(t, page)}, "code": {old}}); p.status != 403 {
						t.Errorf("the replaced code: %d", p.status)
					}
				}
				if p := b.post("/p/code", url.Values{"csrf": {csrfOf(t, page)}, "code": {code}}); p.status != 303 {
					t.Errorf("the new code: %d", p.status)
				}
			})
			t.Run("Spent", func(t *testing.T) {
				refill()
				b, _ := e.answered(e.consumer, "13001")
				code, _ := e.lastCode("claire.moreau@example.org")
				wrong := "000000"
				if code == wrong {
					wrong = "111111"
				}
				csrf := csrfOf(t, b.get("/p"))
				var p page
				for i := 0; i < portal.MaxCodeAttempts; i++ {
					p = b.post("/p/code", url.Values{"csrf": {csrf}, "code": {wrong}})
				}
				if p.status != 403 {
					t.Fatalf("5th wrong code: %d", p.status)
				}
				mustContain(t, "spent code page", p.body, "mal saisi trop de fois")
				if p := b.post("/p/code", url.Values{"csrf": {csrf}, "code": {code}}); p.status != 410 {
					t.Errorf("the right code once spent: %d", p.status)
				}
			})
			t.Run("ResendLimited", func(t *testing.T) {
				refill()
				b, _ := e.answered(e.consumer, "13001")
				csrf := csrfOf(t, b.get("/p"))
				for i := 1; i < portal.CodeSends.Burst; i++ {
					if p := b.post("/p/code/resend", url.Values{"csrf": {csrf}}); p.status != 303 {
						t.Fatalf("resend %d: %d", i, p.status)
					}
				}
				_, before := e.lastCode("claire.moreau@example.org")
				p := b.post("/p/code/resend", url.Values{"csrf": {csrf}})
				if p.status != 429 || p.header.Get("Retry-After") != "1200" {
					t.Fatalf("resend over the limit: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
				}
				mustContain(t, "limited page", p.body, "Attendez 20 minutes", "compta@martin.example")
				if _, after := e.lastCode("claire.moreau@example.org"); after != before {
					t.Errorf("an e-mail went out over the limit")
				}
			})
			t.Run("SMS", func(t *testing.T) {
				refill()
				b, p := e.answered(e.texted, "4700")
				if p.status != 303 {
					t.Fatalf("right answer: %d", p.status)
				}
				mustContain(t, "German code page", b.get("/p").body, "*** ** 54", "per SMS")
				e.smsMu.Lock()
				last := e.texts[len(e.texts)-1]
				e.smsMu.Unlock()
				code := regexp.MustCompile(`^([0-9]{6}) ist Ihr Code`).FindStringSubmatch(last.Text)
				if last.To != "+32471987654" || code == nil {
					t.Fatalf("SMS %+v", last)
				}
				if p := b.post("/p/code", url.Values{"csrf": {csrfOf(t, b.get("/p"))}, "code": {code[1]}}); p.status != 303 {
					t.Fatalf("SMS code: %d", p.status)
				}
				mustContain(t, "claim page", b.get("/p").body, "BE-CONS-0004")
			})
			t.Run("BusinessSkipsCode", func(t *testing.T) {
				_, before := e.lastCode("compta@traiteur.example")
				b, p := e.answered(e.b2b, "69002")
				if p.status != 303 {
					t.Fatalf("right answer: %d", p.status)
				}
				mustContain(t, "claim page", b.get("/p").body, "FR-B2B-0009")
				if _, after := e.lastCode("compta@traiteur.example"); after != before {
					t.Error("a business debtor got a code")
				}
				if k := e.codeEvents(e.b2b.ID); k[portal.EventIdentityCodeSent] != 0 {
					t.Errorf("events %v", k)
				}
			})
			t.Run("LockoutBacksOff", func(t *testing.T) {
				_, token := e.issue(e.consumer.ID)
				b := e.browser("")
				b.get("/p/" + token)
				csrf := csrfOf(t, b.get("/p"))
				// lock answers wrong until the link locks, after wrong ones
				// already counted.
				lock := func(counted int) page {
					t.Helper()
					for i := counted + 1; i < portal.MaxIdentityFailures; i++ {
						if p := b.post("/p/identity", url.Values{"csrf": {csrf}, "answer": {"75011"}}); p.status != 403 {
							t.Fatalf("wrong answer %d: %d", i, p.status)
						}
					}
					return b.post("/p/identity", url.Values{"csrf": {csrf}, "answer": {"75011"}})
				}
				p := lock(0)
				if p.status != 429 || p.header.Get("Retry-After") != "900" {
					t.Fatalf("first lockout: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
				}
				mustContain(t, "first lockout", p.body, "attendez 15 minutes")
				e.clock.Advance(15*time.Minute + time.Second)
				w := b.post("/p/identity", url.Values{"csrf": {csrf}, "answer": {"75011"}})
				mustContain(t, "warning after a lockout", w.body, "bloqué pendant 30 minutes")
				p = lock(1)
				if p.status != 429 || p.header.Get("Retry-After") != "1800" {
					t.Fatalf("second lockout: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
				}
				mustContain(t, "second lockout", p.body, "attendez 30 minutes")
			})
			t.Run("Undelivered", func(t *testing.T) {
				refill()
				refusing := smtptest.Start(t, smtptest.Options{FailRcpt: 1 << 20})
				e.serve(&smtp.Mailer{Host: refusing.Host, Port: refusing.Port, From: "Relais <noreply@relais.test>", TLS: smtp.TLSNone, MaxAttempts: 1}, nil)
				_, p := e.answered(e.consumer, "13001")
				if p.status != 503 {
					t.Fatalf("code not sent: %d", p.status)
				}
				mustContain(t, "not sent page", p.body, "pas pu envoyer le code", `action="/p/code/resend"`)
				if k := e.codeEvents(e.consumer.ID); k[portal.EventIdentityCodeUndelivered] != 1 {
					t.Errorf("events %v", k)
				}
				// Without any sender the answer alone opens the file, as before.
				e.serve(nil, nil)
				b, p := e.answered(e.consumer, "13001")
				if p.status != 303 {
					t.Fatalf("no sender: %d", p.status)
				}
				mustContain(t, "claim page", b.get("/p").body, "FR-CONS-0002")
			})
		})
	}
}
