package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/rules"
)

// Candidate is a claim that may be due a reminder, with what the scheduler
// needs to decide: its tenant (time zone), sequence, sends so far and the
// channels its debtor opted out of.
type Candidate struct {
	Claim    *portal.Claim // with creditor, debtor, invoices, payments, credit notes
	Tenant   *portal.Tenant
	Sequence *portal.ReminderSequence
	Sends    []*portal.ReminderSend
	OptedOut map[portal.Channel]bool
	// PromisedUntil is the last day of grace of the claim's expected
	// promise to pay (zero: none): until then its reminders wait.
	PromisedUntil portal.Date
}

// Store is the persistence the scheduler needs (portal/store implements it).
type Store interface {
	portal.Leases // one instance at a time sends (LeaseName)
	// ReminderCandidates pages through open claims in reminder stages.
	ReminderCandidates(ctx context.Context, after string, limit int) ([]*Candidate, error)
	// BeginSend claims a step for a claim in a transaction that re-checks the
	// claim's status: ECONFLICT when the claim must not be reminded now or
	// the step was already handled. With skip != "" (or when the debtor
	// opted out) the row is recorded as skipped.
	BeginSend(ctx context.Context, tenantID, claimID string, step *portal.ReminderStep, localDate portal.Date, skip string) (*portal.ReminderSend, error)
	// ClaimSendable re-checks the claim right before delivery (ECONFLICT).
	ClaimSendable(ctx context.Context, tenantID, claimID string) error
	// FinishSend records the outcome and its evidence event.
	FinishSend(ctx context.Context, s *portal.ReminderSend) error
	// IssueUnsubscribe makes an opt-out token for a debtor and channel.
	IssueUnsubscribe(ctx context.Context, tenantID, claimID, debtorID string, ch portal.Channel) (string, error)
}

// LinkIssuer is the part of portal.LinkService the scheduler uses: every
// send carries a fresh portal link issued for its channel.
type LinkIssuer interface {
	IssueLink(ctx context.Context, tenantID, claimID string, ch portal.LinkChannel, ttl time.Duration) (*portal.PortalLink, string, error)
}

// LetterMaker is the part of portal.LetterService the scheduler uses: a
// letter step makes the PDF (which records letter.generated and carries its
// own portal link) and leaves it to be printed and posted.
type LetterMaker interface {
	CreateLetter(ctx context.Context, tenantID, claimID string, req portal.LetterRequest) (*portal.Letter, error)
}

// TextFinder is the part of portal.TemplateTextService the scheduler
// uses: the text a claim's creditor uses for a template and language (nil
// for the shipped one).
type TextFinder interface {
	TemplateTextFor(ctx context.Context, tenantID, creditorID, key, lang string) (*portal.TemplateText, error)
}

// Email is an e-mail to deliver.
type Email struct {
	To, Subject, Text, HTML string
	// UnsubscribeURL goes in List-Unsubscribe.
	UnsubscribeURL string
	// Ref identifies the send (for logs and idempotency).
	Ref string
}

// EmailSender delivers e-mail; it returns the Message-ID it gave the
// message and the number of attempts made.
type EmailSender interface {
	SendEmail(ctx context.Context, m *Email) (messageID string, attempts int, err error)
}

// SMS is a text message to deliver.
type SMS struct {
	To, Text string
	GSM7     bool
	Segments int
	Ref      string // idempotency key for the provider
}

// SMSSender delivers SMS; it returns the provider's message id and the
// number of attempts made (retries included).
type SMSSender interface {
	SendSMS(ctx context.Context, m *SMS) (providerID string, attempts int, err error)
}

// Report counts what one run did.
type Report struct {
	Leader                                 bool
	Claims, Sent, Failed, Skipped, ToPrint int
	Waiting                                int // due but in quiet hours
	Paused                                 int // refused at claim time (status changed)
}

// LeaseName is the job lease the reminder scheduler runs under.
const LeaseName = "reminders"

// Scheduler sends the due steps of every claim's sequence. Several
// instances may run one each: a database lease lets one run at a time, and
// the unique (claim, step) row makes a step go out at most once anyway.
type Scheduler struct {
	Store Store
	Links LinkIssuer
	Email EmailSender // nil: e-mail steps are skipped
	SMS   SMSSender   // nil: SMS steps are skipped
	// Letters makes letter PDFs; nil keeps the rendered letter text as the
	// item to print.
	Letters LetterMaker
	// Texts gives the tenant's own template texts; nil: the shipped ones.
	Texts TextFinder
	// LinkTTL is how long the portal links of reminders stay valid (0: the
	// portal's default).
	LinkTTL time.Duration
	Clock   portal.Clock
	// BaseURL is the public address for portal links (/p/<token>) and
	// unsubscribe links (/u/<token>).
	BaseURL string
	// Holder names this instance in the lease (default: a random ID).
	Holder   string
	LeaseTTL time.Duration // default 5 minutes
	// PageSize is how many claims are loaded at a time (default 200).
	PageSize int
	// SendTimeout bounds one delivery (default 2 minutes).
	SendTimeout time.Duration
	Log         *slog.Logger
	// Health, when set, records every run for /healthz.
	Health *portal.JobHealth

	once sync.Once
	// run makes the runs of one instance sequential.
	run sync.Mutex
}

func (s *Scheduler) defaults() { s.once.Do(s.setDefaults) }

func (s *Scheduler) setDefaults() {
	if s.Holder == "" {
		s.Holder = portal.NewID(time.Now())
	}
	if s.LeaseTTL == 0 {
		s.LeaseTTL = 5 * time.Minute
	}
	if s.PageSize <= 0 {
		s.PageSize = 200
	}
	if s.SendTimeout == 0 {
		s.SendTimeout = 2 * time.Minute
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Clock == nil {
		s.Clock = portal.SystemClock{}
	}
}

// Run calls RunOnce every interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) {
	s.defaults()
	portal.RunEvery(ctx, every, s.Clock, s.Health, s.Log, "reminders run", func(ctx context.Context) ([]any, error) {
		r, err := s.RunOnce(ctx)
		if r.Sent+r.Failed+r.ToPrint == 0 {
			return nil, err
		}
		return []any{"sent", r.Sent, "failed", r.Failed, "to_print", r.ToPrint, "skipped", r.Skipped, "waiting", r.Waiting}, err
	})
}

// RunOnce sends every step due now, if this instance gets the lease.
func (s *Scheduler) RunOnce(ctx context.Context) (Report, error) {
	s.defaults()
	s.run.Lock()
	defer s.run.Unlock()
	var r Report
	var err error
	r.Leader, err = portal.UnderLease(ctx, s.Store, LeaseName, s.Holder, s.LeaseTTL, s.Log, func() error { return s.runPages(ctx, &r) })
	return r, err
}

// runPages reminds every candidate claim, a page at a time (under the lease).
func (s *Scheduler) runPages(ctx context.Context, r *Report) error {
	after := ""
	for {
		page, err := s.Store.ReminderCandidates(ctx, after, s.PageSize)
		if err != nil {
			return err
		}
		for _, c := range page {
			r.Claims++
			if err := s.remind(ctx, c, r); err != nil {
				return err
			}
		}
		if len(page) < s.PageSize {
			return nil
		}
		after = page[len(page)-1].Claim.ID
		// A long run keeps its lease.
		if _, err := s.Store.AcquireLease(ctx, LeaseName, s.Holder, s.LeaseTTL); err != nil {
			return err
		}
	}
}

// dueDate is the earliest due date of a claim's invoices.
func dueDate(c *portal.Claim) portal.Date {
	var d portal.Date
	for _, inv := range c.Invoices {
		if d.IsZero() || inv.DueDate.Before(d) {
			d = inv.DueDate
		}
	}
	return d
}

// Outstanding is what remains owed on the principal: invoices less
// payments and credit notes.
func Outstanding(c *portal.Claim) int64 {
	sum := c.Principal()
	for _, p := range c.Payments {
		sum -= p.Amount
	}
	for _, cn := range c.CreditNotes {
		sum -= cn.Amount
	}
	return sum
}

func (s *Scheduler) remind(ctx context.Context, c *Candidate, r *Report) error {
	cl := c.Claim
	loc := Location(c.Tenant.Timezone)
	now := s.Clock.Now()
	today := portal.DateOf(now.In(loc))
	due := dueDate(cl)
	if due.IsZero() || Outstanding(cl) <= 0 || c.Sequence == nil {
		return nil
	}
	if !c.PromisedUntil.IsZero() && !today.After(c.PromisedUntil) {
		r.Paused++ // a promise to pay is expected
		return nil
	}
	done := make([]Done, 0, len(c.Sends))
	for _, sd := range c.Sends {
		done = append(done, Done{StepID: sd.StepID, On: sd.LocalDate})
	}
	step, ok := NextStep(c.Sequence.Steps, done, due, today)
	if !ok {
		return nil
	}
	if q := QuietFor(step.Channel); q != nil && q.Quiet(now, loc) {
		r.Waiting++
		return nil
	}
	send, err := s.Store.BeginSend(ctx, cl.TenantID, cl.ID, step, today, s.skipReason(c, step.Channel))
	if portal.ErrorCode(err) == portal.ECONFLICT {
		r.Paused++
		return nil
	} else if err != nil {
		return err
	}
	if send.Status == portal.SendSkipped {
		r.Skipped++
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, s.SendTimeout)
	defer cancel()
	s.deliver(dctx, c, send, today)
	switch send.Status {
	case portal.SendSent:
		r.Sent++
	case portal.SendToPrint:
		r.ToPrint++
	case portal.SendSkipped:
		r.Skipped++
	default:
		r.Failed++
	}
	// Record the outcome even if the run's context was cancelled meanwhile:
	// the message may have left.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	if err := s.Store.FinishSend(fctx, send); err != nil {
		return fmt.Errorf("record reminder %s: %w", send.ID, err)
	}
	return nil
}

// skipReason says why a step cannot go out at all ("" when it can).
func (s *Scheduler) skipReason(c *Candidate, ch portal.Channel) string {
	d := c.Claim.Debtor
	switch {
	case c.OptedOut[ch]:
		return "the debtor opted out of " + string(ch)
	case ch == portal.ChannelEmail && d.Email == "":
		return "the debtor has no e-mail address"
	case ch == portal.ChannelEmail && s.Email == nil:
		return "e-mail is not configured (--smtp-host)"
	case ch == portal.ChannelSMS && d.Phone == "":
		return "the debtor has no phone number"
	case ch == portal.ChannelSMS && s.SMS == nil:
		return "SMS is not configured (--sms-endpoint)"
	case ch == portal.ChannelLetter && strings.TrimSpace(d.Address) == "":
		return "the debtor has no postal address"
	}
	return ""
}

// deliver renders and sends one claimed step, setting send's outcome.
func (s *Scheduler) deliver(ctx context.Context, c *Candidate, send *portal.ReminderSend, today portal.Date) {
	cl, d := c.Claim, c.Claim.Debtor
	fail := func(format string, args ...any) {
		send.Status, send.Error = portal.SendFailed, fmt.Sprintf(format, args...)
	}
	if send.Channel == portal.ChannelLetter && s.Letters != nil {
		s.makeLetter(ctx, c, send)
		return
	}
	base := strings.TrimRight(s.BaseURL, "/")
	_, token, err := s.Links.IssueLink(ctx, cl.TenantID, cl.ID, send.Channel, s.LinkTTL)
	if err != nil {
		fail("issue portal link: %s", portal.ErrorMessage(err))
		return
	}
	link := base + "/p/" + token
	payBy := today.AddDays(14)
	if cl.Jurisdiction == portal.JurisdictionBE && d.Kind == portal.DebtorConsumer {
		// The free period of an e-mail or SMS sent today: the one day the
		// letters, the timeline and the balance name too.
		if _, last := escalation.BEConsumerFreePeriod(today, escalation.ChannelEmail); last.After(payBy) {
			payBy = last
		}
	}
	data := Data{
		DebtorName: d.Name, CreditorName: cl.Creditor.LegalName, Reference: cl.Reference,
		Amount: FormatAmount(d.Language, Outstanding(cl), cl.Currency), DueDate: FormatDate(d.Language, dueDate(cl)),
		PayBy: FormatDate(d.Language, payBy), PortalURL: link,
	}
	if send.Channel != portal.ChannelLetter {
		tok, err := s.Store.IssueUnsubscribe(ctx, cl.TenantID, cl.ID, d.ID, send.Channel)
		if err != nil {
			fail("issue unsubscribe link: %v", err)
			return
		}
		data.UnsubscribeURL = base + "/u/" + tok
	}
	if send.Channel == portal.ChannelSMS {
		data.CreditorName = truncateRunes(data.CreditorName, 40)
	}
	if send.TemplateKey == "be_first_free" && cl.Jurisdiction == portal.JurisdictionBE && d.Kind == portal.DebtorConsumer &&
		cl.DamagesClause && cl.Currency == "EUR" {
		// Book XIX: the first reminder states the damages, as an amount.
		data.Damages = FormatAmount(d.Language, rules.ConsumerDamages(Outstanding(cl)), cl.Currency)
	}
	var txt *portal.TemplateText
	if s.Texts != nil {
		if txt, err = s.Texts.TemplateTextFor(ctx, cl.TenantID, cl.CreditorID, send.TemplateKey, d.Language); err != nil {
			fail("find template text: %s", portal.ErrorMessage(err))
			return
		}
	}
	m, err := RenderText(send.TemplateKey, d.Language, data, txt)
	if err != nil {
		fail("render %s: %s", send.TemplateKey, portal.ErrorMessage(err))
		return
	}
	send.Language, send.Subject, send.BodyText, send.BodyHTML = m.Language, m.Subject, m.Text, m.HTML
	send.ContentSHA256 = m.ContentSHA256()
	send.TextSource, send.TextSHA256 = m.TextSource, m.TextSHA256
	// A dispute, plan or payment that landed while the message was being
	// made still wins.
	if err := s.Store.ClaimSendable(ctx, cl.TenantID, cl.ID); err != nil {
		send.Status, send.Error = portal.SendSkipped, portal.ErrorMessage(err)
		return
	}
	switch send.Channel {
	case portal.ChannelEmail:
		send.Recipient = d.Email
		id, attempts, err := s.Email.SendEmail(ctx, &Email{To: d.Email, Subject: m.Subject, Text: m.Text, HTML: m.HTML, UnsubscribeURL: data.UnsubscribeURL, Ref: send.ID})
		send.ProviderID, send.Attempts = id, attempts
		if err != nil {
			fail("%v", err)
			return
		}
	case portal.ChannelSMS:
		send.Recipient = d.Phone
		id, attempts, err := s.SMS.SendSMS(ctx, &SMS{To: d.Phone, Text: m.Text, GSM7: m.GSM7, Segments: m.Segments, Ref: send.ID})
		send.ProviderID, send.Attempts = id, attempts
		if err != nil {
			fail("%v", err)
			return
		}
	case portal.ChannelLetter:
		send.Recipient = d.Name + "\n" + d.Address
		send.Status = portal.SendToPrint
		return
	}
	send.Status = portal.SendSent
}

// makeLetter has the letter service make the step's PDF: the send is then
// a "to print and post" item whose ProviderID is the letter's ID (the
// letters API serves its PDF and records its posting).
func (s *Scheduler) makeLetter(ctx context.Context, c *Candidate, send *portal.ReminderSend) {
	cl, d := c.Claim, c.Claim.Debtor
	if err := s.Store.ClaimSendable(ctx, cl.TenantID, cl.ID); err != nil {
		send.Status, send.Error = portal.SendSkipped, portal.ErrorMessage(err)
		return
	}
	kind := portal.LetterReminder
	if send.TemplateKey == "formal_notice" {
		kind = portal.LetterFormalNotice
	}
	l, err := s.Letters.CreateLetter(ctx, cl.TenantID, cl.ID, portal.LetterRequest{Kind: kind})
	if err != nil {
		send.Status, send.Error = portal.SendFailed, "make letter: "+portal.ErrorMessage(err)
		return
	}
	send.Status, send.ProviderID, send.ContentSHA256, send.Language = portal.SendToPrint, l.ID, l.SHA256, l.Language
	send.Subject = l.Filename()
	send.Recipient = d.Name + "\n" + d.Address
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return strings.TrimSpace(string(r[:n-1])) + "."
	}
	return s
}
