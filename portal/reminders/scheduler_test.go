package reminders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/sms"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

var brussels = reminders.Location("Europe/Brussels")

func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, brussels)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// links is the real portal link store, watched: it records the channel of
// every link issued and runs Hook first (to file a dispute mid-send).
type links struct {
	db    *store.DB
	mu    sync.Mutex
	calls []portal.Channel
	Hook  func(claimID string)
}

func (l *links) IssueLink(ctx context.Context, tenantID, claimID string, ch portal.LinkChannel, ttl time.Duration) (*portal.PortalLink, string, error) {
	l.mu.Lock()
	l.calls = append(l.calls, ch)
	hook := l.Hook
	l.mu.Unlock()
	if hook != nil {
		hook(claimID)
	}
	return l.db.IssueLink(ctx, tenantID, claimID, ch, ttl)
}

// fileDispute files a dispute the way a debtor does on the portal: open a
// link, pass the identity check, contest.
func (f *fixture) fileDispute(t *testing.T, claimID string) {
	ctx := context.Background()
	_, token, err := f.db.IssueLink(ctx, f.tenant.ID, claimID, portal.ChannelEmail, 0)
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.db.OpenLink(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.CheckIdentity(ctx, op.Session.ID, "1000"); err != nil {
		t.Fatal(err)
	}
	op.Session.Verified = true
	if err := f.db.FileDispute(ctx, op.Session, &portal.Dispute{Reason: portal.ReasonAlreadyPaid, Text: "Paid in cash on 2 June."}); err != nil {
		t.Fatal(err)
	}
}

type smsProvider struct {
	srv   *httptest.Server
	texts chan string
	fail  atomic.Bool
}

func startSMS(t *testing.T) *smsProvider {
	p := &smsProvider{texts: make(chan string, 100)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var req sms.Request
		json.NewDecoder(r.Body).Decode(&req)
		p.texts <- req.Text
		fmt.Fprintf(w, `{"id":"sms-%s"}`, req.Reference)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

type fixture struct {
	db     *store.DB
	clock  *portal.FixedClock
	mail   *smtptest.Server
	sms    *smsProvider
	links  *links
	sched  *reminders.Scheduler
	tenant *portal.Tenant
}

func setup(t *testing.T, dialect string) *fixture {
	f := &fixture{clock: &portal.FixedClock{T: local("2024-06-03 10:00")}}
	f.db = storetest.MustOpen(t, dialect, f.clock)
	ctx := context.Background()
	f.tenant = &portal.Tenant{Name: "Agence", Timezone: "Europe/Brussels"}
	if err := f.db.CreateTenant(ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	if err := f.db.CreateCreditor(ctx, &portal.Creditor{TenantID: f.tenant.ID, LegalName: "Acme SPRL", Country: "BE"}); err != nil {
		t.Fatal(err)
	}
	f.mail = smtptest.Start(t, smtptest.Options{})
	f.sms = startSMS(t)
	f.links = &links{db: f.db}
	f.sched = f.newScheduler("a")
	return f
}

func (f *fixture) newScheduler(holder string) *reminders.Scheduler {
	return &reminders.Scheduler{
		Store: f.db, Links: f.links, Clock: f.clock, BaseURL: "https://pay.example.com", Holder: holder,
		Email: &smtp.Mailer{Host: f.mail.Host, Port: f.mail.Port, From: "relances@acme.example", TLS: smtp.TLSNone, Clock: f.clock},
		SMS:   &sms.Provider{Endpoint: f.sms.srv.URL, Token: "t", Backoff: time.Millisecond, Timeout: time.Second},
	}
}

// claim makes a Belgian consumer claim due on due.
func (f *fixture) claim(t *testing.T, ref, due string) *portal.Claim {
	c := &portal.Claim{
		Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan Peeters", Language: "nl", Postcode: "1000",
			Email: "jan@example.be", Phone: "+32470123456", Address: "Rue Neuve 1, 1000 Bruxelles"},
		Invoices: []*portal.Invoice{{Number: "F-" + ref, IssueDate: portal.MustDate("2024-05-01"), DueDate: portal.MustDate(due), Amount: 12550}},
	}
	if err := f.db.CreateClaim(context.Background(), f.tenant.ID, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) run(t *testing.T, at string) reminders.Report {
	t.Helper()
	f.clock.T = local(at)
	r, err := f.sched.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Leader {
		t.Fatal("the only scheduler did not get the lease")
	}
	return r
}

func (f *fixture) setStatus(t *testing.T, claimID string, s portal.Status) {
	t.Helper()
	if _, err := f.db.SQL().Exec("UPDATE claims SET status = $1 WHERE id = $2", string(s), claimID); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) sends(t *testing.T, claimID string) []*portal.ReminderSend {
	t.Helper()
	s, err := f.db.FindReminders(context.Background(), f.tenant.ID, claimID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) events(t *testing.T, claimID string, kind portal.EventKind) []*portal.Event {
	evs, err := f.db.ListEvents(context.Background(), f.tenant.ID, claimID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*portal.Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func TestSequenceOnItsDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		c := f.claim(t, "R-1", "2024-06-01") // be-consumer: day 3 e-mail, 10 SMS, 21 e-mail, 35 letter

		if r := f.run(t, "2024-06-03 10:00"); r.Sent != 0 || len(f.mail.Messages()) != 0 {
			t.Fatalf("day 2: %+v", r)
		}
		if r := f.run(t, "2024-06-04 10:00"); r.Sent != 1 {
			t.Fatalf("day 3: %+v", r)
		}
		if r := f.run(t, "2024-06-04 10:05"); r.Sent != 0 || len(f.mail.Messages()) != 1 {
			t.Fatalf("sent twice: %+v, %d mails", r, len(f.mail.Messages()))
		}
		msg, err := f.mail.Messages()[0].Parse()
		if err != nil {
			t.Fatal(err)
		}
		sends := f.sends(t, c.ID)
		if len(sends) != 1 || sends[0].Status != portal.SendSent || sends[0].ProviderID != msg.Header.Get("Message-ID") ||
			sends[0].Recipient != "jan@example.be" || sends[0].Language != "nl" || sends[0].LocalDate != portal.MustDate("2024-06-04") {
			t.Fatalf("send row: %+v", sends[0])
		}
		// E-mailed Tuesday 4 June: the free period runs from 5 June, its last
		// day 14 days later, 19 June (escalation.BEConsumerFreePeriod).
		if !strings.Contains(sends[0].BodyText, "kosteloos") || !strings.Contains(sends[0].BodyText, "19-06-2024") || !strings.Contains(sends[0].BodyText, "€ 125,50") {
			t.Fatalf("Belgian first free reminder text (free until 19-06-2024):\n%s", sends[0].BodyText)
		}
		m := reminders.Message{Subject: sends[0].Subject, Text: sends[0].BodyText, HTML: sends[0].BodyHTML}
		ev := f.events(t, c.ID, portal.EventReminderSent)
		if len(ev) != 1 || !strings.Contains(ev[0].Payload, `"content_sha256":"`+m.ContentSHA256()+`"`) || m.ContentSHA256() != sends[0].ContentSHA256 {
			t.Fatalf("reminder.sent event: %+v", ev)
		}
		got, _ := f.db.FindClaim(context.Background(), f.tenant.ID, c.ID)
		if got.FirstReminderOn != portal.MustDate("2024-06-04") || got.FirstReminderChannel != "email" {
			t.Fatalf("FirstReminderOn = %s by %q", got.FirstReminderOn, got.FirstReminderChannel)
		}
		for _, inv := range got.Invoices {
			if inv.DueDate.Before(got.FirstReminderOn) && inv.FirstReminderOn != got.FirstReminderOn {
				t.Errorf("invoice %s due %s is not covered by the reminder: %s", inv.Number, inv.DueDate, inv.FirstReminderOn)
			}
		}

		// Day 10 is Tuesday 11 June: at 21:00 the SMS waits for 08:00.
		if r := f.run(t, "2024-06-11 21:00"); r.Sent != 0 || r.Waiting != 1 || len(f.sms.texts) != 0 {
			t.Fatalf("SMS in quiet hours: %+v", r)
		}
		if r := f.run(t, "2024-06-12 07:59"); r.Sent != 0 || r.Waiting != 1 {
			t.Fatalf("SMS before 08:00: %+v", r)
		}
		if r := f.run(t, "2024-06-12 08:00"); r.Sent != 1 {
			t.Fatalf("SMS at 08:00: %+v", r)
		}
		text := <-f.sms.texts
		if !strings.Contains(text, "https://pay.example.com/p/") || !strings.Contains(text, "https://pay.example.com/u/") {
			t.Fatalf("SMS lacks links: %s", text)
		}
		if n, gsm := reminders.Segments(text); n > 2 || !gsm {
			t.Fatalf("SMS %d segments gsm=%v", n, gsm)
		}
		// First reminder date does not move.
		got, _ = f.db.FindClaim(context.Background(), f.tenant.ID, c.ID)
		if got.FirstReminderOn != portal.MustDate("2024-06-04") {
			t.Fatalf("FirstReminderOn moved to %s", got.FirstReminderOn)
		}
		// Day 21 would be 22 June, but the SMS left a day late (quiet
		// hours): the sequence keeps its 11-day interval, so 23 June.
		if r := f.run(t, "2024-06-22 10:00"); r.Sent != 0 {
			t.Fatalf("day 21, too close to the late SMS: %+v", r)
		}
		if r := f.run(t, "2024-06-23 10:00"); r.Sent != 1 || len(f.mail.Messages()) != 2 {
			t.Fatalf("day 22: %+v", r)
		}
		if r := f.run(t, "2024-07-06 10:00"); r.ToPrint != 0 {
			t.Fatalf("letter too early: %+v", r)
		}
		if r := f.run(t, "2024-07-07 10:00"); r.ToPrint != 1 {
			t.Fatalf("letter 14 days after the last e-mail: %+v", r)
		}
		letters, err := f.db.FindLettersToPrint(context.Background(), f.tenant.ID)
		if err != nil || len(letters) != 1 || letters[0].ClaimID != c.ID || !strings.Contains(letters[0].BodyText, "in gebreke") ||
			!strings.Contains(letters[0].Recipient, "Rue Neuve 1") {
			t.Fatalf("letters to print: %v %+v", err, letters[0])
		}
		if len(f.events(t, c.ID, portal.EventLetterGenerated)) != 1 {
			t.Fatal("letter.generated event missing")
		}
		if r := f.run(t, "2024-09-01 10:00"); r.Sent+r.ToPrint+r.Failed+r.Skipped != 0 {
			t.Fatalf("after the sequence: %+v", r)
		}
		if n := len(f.sends(t, c.ID)); n != 4 {
			t.Fatalf("%d sends, want 4", n)
		}
		if got := f.links.calls; len(got) != 4 || got[0] != portal.ChannelEmail || got[1] != portal.ChannelSMS || got[3] != portal.ChannelLetter {
			t.Fatalf("a fresh link per send and channel: %v", got)
		}
	})
}

func TestSMSOnSundayWaitsForMonday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		f.claim(t, "R-1", "2024-06-06") // SMS due day 10 = Sunday 16 June
		f.run(t, "2024-06-09 10:00")    // first e-mail
		if r := f.run(t, "2024-06-16 11:00"); r.Sent != 0 || r.Waiting != 1 {
			t.Fatalf("Sunday: %+v", r)
		}
		if r := f.run(t, "2024-06-17 08:30"); r.Sent != 1 || len(f.sms.texts) != 1 {
			t.Fatalf("Monday: %+v", r)
		}
	})
}

func TestPausedClaimsGetNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		var claims []*portal.Claim
		for _, s := range []portal.Status{portal.StatusDisputed, portal.StatusInPlan, portal.StatusSettled, portal.StatusWrittenOff, portal.StatusClosed} {
			c := f.claim(t, "R-"+string(s), "2024-06-01")
			f.setStatus(t, c.ID, s)
			claims = append(claims, c)
		}
		paid := f.claim(t, "R-paid", "2024-06-01")
		if err := f.db.AddPayment(context.Background(), f.tenant.ID, &portal.Payment{ClaimID: paid.ID, Amount: 12550, ReceivedOn: portal.MustDate("2024-06-03"), Method: portal.PaymentTransfer}); err != nil {
			t.Fatal(err)
		}
		if r := f.run(t, "2024-06-04 10:00"); r.Sent != 0 || len(f.mail.Messages()) != 0 {
			t.Fatalf("paused, ended or paid claims were reminded: %+v", r)
		}
		for _, c := range append(claims, paid) {
			if n := len(f.sends(t, c.ID)); n != 0 {
				t.Fatalf("%s has %d sends", c.Reference, n)
			}
		}
		// The dispute is resolved: reminders resume.
		f.setStatus(t, claims[0].ID, portal.StatusOpen)
		if r := f.run(t, "2024-06-04 11:00"); r.Sent != 1 {
			t.Fatalf("after the dispute: %+v", r)
		}
	})
}

// A dispute filed after the scheduler read the claim, but before the
// message left, stops it: the status is re-read when the send is claimed
// and again right before delivery.
func TestDisputeJustBeforeSendWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		c := f.claim(t, "R-1", "2024-06-01")
		f.links.Hook = func(claimID string) {
			f.links.Hook = nil
			f.fileDispute(t, claimID)
		}
		r := f.run(t, "2024-06-04 10:00")
		if len(f.mail.Messages()) != 0 || r.Sent != 0 {
			t.Fatalf("sent despite the dispute: %+v", r)
		}
		s := f.sends(t, c.ID)
		if len(s) != 1 || s[0].Status != portal.SendSkipped || !strings.Contains(s[0].Error, "disputed") {
			t.Fatalf("send: %+v", s)
		}
		if len(f.events(t, c.ID, portal.EventReminderSent)) != 0 {
			t.Fatal("reminder.sent recorded for a message that did not leave")
		}
	})
}

func TestOptOutObeyed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		c := f.claim(t, "R-1", "2024-06-01")
		f.run(t, "2024-06-04 10:00")
		msg, err := f.mail.Messages()[0].Parse()
		if err != nil {
			t.Fatal(err)
		}
		u := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
		token := strings.TrimPrefix(u, "https://pay.example.com/u/")
		ctx := context.Background()
		info, err := f.db.FindUnsubscribe(ctx, token)
		if err != nil || info.Channel != portal.ChannelEmail || info.Done || info.Language != "nl" || info.Creditor != "Acme SPRL" {
			t.Fatalf("FindUnsubscribe: %v %+v", err, info)
		}
		for i := 0; i < 2; i++ { // idempotent
			if info, err = f.db.OptOut(ctx, token); err != nil || !info.Done {
				t.Fatal(err, info)
			}
		}
		if ev := f.events(t, c.ID, portal.EventContactOptOut); len(ev) != 1 || !strings.Contains(ev[0].Payload, `"channel":"email"`) {
			t.Fatalf("contact.opt_out events: %+v", ev)
		}
		if _, err := f.db.OptOut(ctx, strings.Repeat("a", 32)); portal.ErrorCode(err) != portal.ENOTFOUND {
			t.Fatalf("unknown token: %v", err)
		}
		f.run(t, "2024-06-12 10:00") // SMS still goes: the opt-out was for e-mail
		if len(f.sms.texts) != 1 {
			t.Fatal("SMS not sent after an e-mail opt-out")
		}
		r := f.run(t, "2024-06-23 10:00") // the second e-mail is skipped
		s := f.sends(t, c.ID)
		if len(s) != 3 || r.Skipped != 1 || len(f.mail.Messages()) != 1 || s[2].Status != portal.SendSkipped || !strings.Contains(s[2].Error, "opted out") {
			t.Fatalf("opt-out not obeyed: %+v %+v", r, s[2])
		}
	})
}

func TestSMSFailureRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		c := f.claim(t, "R-1", "2024-06-01")
		f.run(t, "2024-06-04 10:00")
		f.sms.fail.Store(true)
		if r := f.run(t, "2024-06-11 10:00"); r.Failed != 1 {
			t.Fatalf("%+v", r)
		}
		s := f.sends(t, c.ID)
		if s[1].Status != portal.SendFailed || s[1].Attempts != 3 || !strings.Contains(s[1].Error, "HTTP 500") {
			t.Fatalf("failed send: %+v", s[1])
		}
		if ev := f.events(t, c.ID, portal.EventReminderFailed); len(ev) != 1 || !strings.Contains(ev[0].Payload, "HTTP 500") {
			t.Fatalf("reminder.failed: %+v", ev)
		}
		f.sms.fail.Store(false)
		if r := f.run(t, "2024-06-11 11:00"); r.Sent != 0 {
			t.Fatalf("a failed step is not sent again: %+v", r)
		}
	})
}

func TestNoChannelSkips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		f.sched.Email = nil
		c := f.claim(t, "R-1", "2024-06-01")
		if r := f.run(t, "2024-06-04 10:00"); r.Skipped != 1 {
			t.Fatalf("%+v", r)
		}
		if s := f.sends(t, c.ID); s[0].Status != portal.SendSkipped || !strings.Contains(s[0].Error, "not configured") {
			t.Fatalf("%+v", s[0])
		}
	})
}

// Two schedulers (two instances) run at once on PostgreSQL: every step
// goes out exactly once.
func TestTwoSchedulersPostgres(t *testing.T) {
	f := setup(t, store.Postgres)
	var ids []string
	for i := 0; i < 8; i++ {
		ids = append(ids, f.claim(t, fmt.Sprintf("R-%d", i), "2024-06-01").ID)
	}
	f.clock.T = local("2024-06-04 10:00")
	a, b := f.newScheduler("instance-a"), f.newScheduler("instance-b")
	a.PageSize, b.PageSize = 3, 3 // several pages per run
	var wg sync.WaitGroup
	var leaders atomic.Int32
	for i := 0; i < 6; i++ {
		for _, s := range []*reminders.Scheduler{a, b} {
			wg.Add(1)
			go func(s *reminders.Scheduler) {
				defer wg.Done()
				r, err := s.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
				}
				if r.Leader {
					leaders.Add(1)
				}
			}(s)
		}
	}
	wg.Wait()
	if leaders.Load() == 0 {
		t.Fatal("no scheduler ran")
	}
	if n := len(f.mail.Messages()); n != len(ids) {
		t.Fatalf("%d e-mails for %d claims", n, len(ids))
	}
	for _, id := range ids {
		if s := f.sends(t, id); len(s) != 1 || s[0].Status != portal.SendSent {
			t.Fatalf("claim %s: %+v", id, s)
		}
	}
	// Without the lease, the unique (claim, step) row still lets one win.
	c := f.claim(t, "R-race", "2024-06-01")
	seqs, _ := f.db.FindSequences(context.Background(), f.tenant.ID)
	var step *portal.ReminderStep
	for _, s := range seqs {
		if s.Builtin == "be-consumer" {
			step = s.Steps[0]
		}
	}
	var wins atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.db.BeginSend(context.Background(), f.tenant.ID, c.ID, step, portal.MustDate("2024-06-04"), "")
			if err == nil {
				wins.Add(1)
			} else if portal.ErrorCode(err) != portal.ECONFLICT {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d BeginSend calls won the same step", wins.Load())
	}
}

func TestLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ok, err := db.AcquireLease(ctx, "job", "a", time.Minute)
		if err != nil || !ok {
			t.Fatal(err, ok)
		}
		if ok, _ := db.AcquireLease(ctx, "job", "b", time.Minute); ok {
			t.Fatal("b took a's unexpired lease")
		}
		if ok, _ := db.AcquireLease(ctx, "job", "a", time.Minute); !ok {
			t.Fatal("a could not renew")
		}
		if err := db.ReleaseLease(ctx, "job", "a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.AcquireLease(ctx, "job", "b", time.Minute); !ok {
			t.Fatal("b could not take a released lease")
		}
	})
}

func dialectOf(t *testing.T) string {
	if strings.HasSuffix(t.Name(), "/"+store.Postgres) {
		return store.Postgres
	}
	return store.SQLite
}

// The demo's promise: a dispute filed on the portal through the link of a
// reminder stops the next step.
func TestPortalDisputeStopsNextStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		c := f.claim(t, "R-1", "2024-06-01")
		f.run(t, "2024-06-04 10:00")
		s := f.sends(t, c.ID)
		i := strings.Index(s[0].BodyText, "https://pay.example.com/p/")
		if i < 0 {
			t.Fatalf("no portal link in:\n%s", s[0].BodyText)
		}
		token := strings.Fields(s[0].BodyText[i+len("https://pay.example.com/p/"):])[0]
		op, err := f.db.OpenLink(context.Background(), token)
		if err != nil || op.Claim.ID != c.ID {
			t.Fatalf("the e-mailed link does not open the claim: %v", err)
		}
		f.fileDispute(t, c.ID)
		if r := f.run(t, "2024-06-11 10:00"); r.Sent != 0 || len(f.sms.texts) != 0 {
			t.Fatalf("SMS sent to a disputing debtor: %+v", r)
		}
		if n := len(f.sends(t, c.ID)); n != 1 {
			t.Fatalf("%d sends after the dispute", n)
		}
	})
}

// With the letter service, the letter step makes the PDF, which waits in
// the "to print and post" list until its posting is recorded.
func TestLetterStepMakesPDF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		rates, err := rules.Default()
		if err != nil {
			t.Fatal(err)
		}
		letters := &store.LetterStore{DB: f.db, Rates: rates,
			PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
				l, token, err := f.links.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, 0)
				if err != nil {
					return "", "", err
				}
				return l.ID, "https://pay.example.com/p/" + token, nil
			}}
		f.sched.Letters = letters
		// A sequence of one formal notice letter, chosen for the claim.
		seq := &portal.ReminderSequence{Name: "Letter only", Steps: []*portal.ReminderStep{
			{DayOffset: 5, Channel: portal.ChannelLetter, TemplateKey: "formal_notice"}}}
		ctx := context.Background()
		if err := f.db.CreateSequence(ctx, f.tenant.ID, seq); err != nil {
			t.Fatal(err)
		}
		c := f.claim(t, "R-1", "2024-06-01")
		if err := f.db.SetClaimSequence(ctx, f.tenant.ID, c.ID, seq.ID); err != nil {
			t.Fatal(err)
		}
		if r := f.run(t, "2024-06-05 10:00"); r.ToPrint != 0 {
			t.Fatalf("day 4: %+v", r)
		}
		if r := f.run(t, "2024-06-06 10:00"); r.ToPrint != 1 {
			t.Fatalf("day 5: %+v", r)
		}
		list, err := f.db.FindLettersToPrint(ctx, f.tenant.ID)
		if err != nil || len(list) != 1 || list[0].ProviderID == "" {
			t.Fatalf("to print: %v %+v", err, list)
		}
		l, err := letters.FindLetter(ctx, f.tenant.ID, c.ID, list[0].ProviderID)
		if err != nil || !strings.HasPrefix(string(l.PDF), "%PDF") || l.Kind != portal.LetterFormalNotice || l.SHA256 != list[0].ContentSHA256 {
			t.Fatalf("letter: %v %+v", err, l)
		}
		if n := len(f.events(t, c.ID, portal.EventLetterGenerated)); n != 1 {
			t.Fatalf("%d letter.generated events, want 1", n)
		}
		if got := f.links.calls; len(got) != 1 || got[0] != portal.ChannelLetter {
			t.Fatalf("the letter carries one fresh letter link: %v", got)
		}
		if _, err := letters.MarkLetterSent(ctx, f.tenant.ID, c.ID, l.ID, portal.LetterSending{Channel: portal.SendRegisteredPost,
			RegisteredNumber: "RR123456789BE", SentOn: portal.MustDate("2024-06-06")}); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.db.FindLettersToPrint(ctx, f.tenant.ID); len(list) != 0 {
			t.Fatalf("a posted letter stays in the list: %+v", list)
		}
	})
}

// The rendered text is kept for the evidence bundle: the file's SHA-256 is
// the one in the reminder.sent event.
func TestReminderContentForBundle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		c := f.claim(t, "R-1", "2024-06-01")
		f.run(t, "2024-06-04 10:00")
		ctx := context.Background()
		atts, err := store.ReminderContent{DB: f.db}.Attachments(ctx, f.tenant.ID, c.ID)
		if err != nil || len(atts) != 1 {
			t.Fatalf("%v %+v", err, atts)
		}
		if !strings.HasPrefix(atts[0].Name, "reminders/2024-06-04-1-email-") || !strings.HasSuffix(atts[0].Name, ".json") {
			t.Fatalf("name %q", atts[0].Name)
		}
		rc, err := atts[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		ev := f.events(t, c.ID, portal.EventReminderSent)
		if portal.SHA256Hex(b) != atts[0].SHA256 || !strings.Contains(ev[0].Payload, atts[0].SHA256) || !strings.Contains(string(b), "https://pay.example.com/p/") {
			t.Fatalf("content %s does not match its event %s", b, ev[0].Payload)
		}
		// Another tenant sees nothing.
		other := &portal.Tenant{Name: "Other"}
		f.db.CreateTenant(ctx, other)
		if atts, _ := (store.ReminderContent{DB: f.db}).Attachments(ctx, other.ID, c.ID); len(atts) != 0 {
			t.Fatal("another tenant's reminders listed")
		}
	})
}
