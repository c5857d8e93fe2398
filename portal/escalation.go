package portal

import (
	"context"
	"strings"
	"time"
)

// StageChange asks to move a claim to another stage, or within litigation
// to another court procedure. The rules of package escalation decide
// whether the move is allowed.
type StageChange struct {
	To Stage
	// Procedure is the court procedure (an escalation.Procedure value);
	// required when To is litigation, empty otherwise.
	Procedure string
	// Reason says why, for the evidence log; required.
	Reason string
	// FormalNoticeOn is the date the formal notice was sent, when To is
	// formal_notice (default: today).
	FormalNoticeOn Date
	// OrderOn and ServedOn date an order for payment and its service, when
	// To is litigation; JudgmentOn dates the judgment when To is judgment.
	OrderOn    Date
	ServedOn   Date
	JudgmentOn Date
}

// StatusChange asks to change a claim's status.
type StatusChange struct {
	To     Status
	Reason string
}

// MaxReasonLen bounds the reason of a stage or status change.
const MaxReasonLen = MaxTextLen

// Validate checks the shape of a stage change; whether the move is allowed
// is for the escalation rules. today bounds the dates: nothing recorded
// may lie in the future.
func (ch *StageChange) Validate(today Date) error {
	if err := checkText("reason", ch.Reason, MaxReasonLen, true); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		d    Date
	}{{"formal_notice_on", ch.FormalNoticeOn}, {"order_on", ch.OrderOn}, {"served_on", ch.ServedOn}, {"judgment_on", ch.JudgmentOn}} {
		if !f.d.IsZero() && f.d.After(today) {
			return FieldError(f.name, "%s %s is in the future: record it once it has happened", f.name, f.d)
		}
	}
	if !ch.FormalNoticeOn.IsZero() && ch.To != StageFormalNotice {
		return FieldError("formal_notice_on", "formal_notice_on is given only when the claim moves to formal_notice")
	}
	if (!ch.OrderOn.IsZero() || !ch.ServedOn.IsZero()) && ch.To != StageLitigation {
		return FieldError("order_on", "order_on and served_on are given only when the claim moves to litigation")
	}
	if !ch.JudgmentOn.IsZero() && ch.To != StageJudgment {
		return FieldError("judgment_on", "judgment_on is given only when the claim moves to judgment")
	}
	if !ch.OrderOn.IsZero() && !ch.ServedOn.IsZero() && ch.ServedOn.Before(ch.OrderOn) {
		return FieldError("served_on", "served_on %s is before the order of %s", ch.ServedOn, ch.OrderOn)
	}
	return nil
}

// Validate checks the shape of a status change.
func (ch *StatusChange) Validate() error {
	return checkText("reason", ch.Reason, MaxReasonLen, true)
}

// DatesChange records procedure dates learnt after a stage move: the
// order's date or its service, the judgment's date, the debtor's last
// acknowledgement of the debt (Code civil 2240), the end of the court
// proceedings and enforcement, or a first reminder sent before Relais
// (Belgian consumers, Book XIX). Zero dates are left as they are.
type DatesChange struct {
	OrderOn    Date
	ServedOn   Date
	JudgmentOn Date
	// EnforceableOn is the day the judgment or the order for payment became
	// enforceable (the French legal rate + 5 points two months later, CMF
	// L313-3; the title runs 10 years, CPCE L111-4).
	EnforceableOn         Date
	LastAcknowledgementOn Date
	ProceedingsEndedOn    Date
	// FirstReminderOn is the day a first (free) reminder went out, and
	// FirstReminderChannel how ("letter" or "email"); both or neither. It
	// covers the invoices already due on that day; an earlier date than
	// the one recorded replaces the claim's, a later one does not.
	FirstReminderOn      Date
	FirstReminderChannel string
	Reason               string
}

// ValidReminderChannel tells whether ch names how a first reminder went
// out (Claim.FirstReminderChannel, Invoice.FirstReminderChannel): a
// letter or an e-mail. The Belgian consumer's 14 days run from the third
// working day after posting a letter, from the day after an e-mail.
func ValidReminderChannel(ch string) bool {
	return ch == string(ChannelLetter) || ch == string(ChannelEmail)
}

// Validate checks the shape of a dates change; today bounds the dates.
func (ch *DatesChange) Validate(today Date) error {
	if err := checkText("reason", ch.Reason, MaxReasonLen, true); err != nil {
		return err
	}
	n := 0
	for _, f := range []struct {
		name string
		d    Date
	}{{"order_on", ch.OrderOn}, {"served_on", ch.ServedOn}, {"judgment_on", ch.JudgmentOn}, {"enforceable_on", ch.EnforceableOn}, {"last_acknowledgement_on", ch.LastAcknowledgementOn},
		{"proceedings_ended_on", ch.ProceedingsEndedOn}, {"first_reminder_on", ch.FirstReminderOn}} {
		if f.d.IsZero() {
			continue
		}
		n++
		if f.d.After(today) {
			return FieldError(f.name, "%s %s is in the future: record it once it has happened", f.name, f.d)
		}
	}
	switch {
	case !ch.FirstReminderOn.IsZero() && ch.FirstReminderChannel == "":
		return FieldError("first_reminder_channel", "first_reminder_channel is required with first_reminder_on: letter or email")
	case ch.FirstReminderChannel != "" && ch.FirstReminderOn.IsZero():
		return FieldError("first_reminder_on", "first_reminder_on is required with first_reminder_channel (YYYY-MM-DD)")
	case ch.FirstReminderChannel != "" && !ValidReminderChannel(ch.FirstReminderChannel):
		return FieldError("first_reminder_channel", "first_reminder_channel must be letter or email")
	}
	if n == 0 {
		return Errorf(EINVALID, "give at least one of order_on, served_on, judgment_on, enforceable_on, last_acknowledgement_on, proceedings_ended_on, first_reminder_on")
	}
	return nil
}

// EscalationService moves claims through stages and statuses. Every change
// is recorded in the evidence log (stage.changed, status.changed) in the
// same transaction, with the actor from the context and the reason.
type EscalationService interface {
	// ChangeStage moves a claim and returns it as it now is. ENOTFOUND;
	// EINVALID for a move the rules do not have; ECONFLICT when the claim's
	// status forbids it now, or when another change won a race.
	ChangeStage(ctx context.Context, tenantID, claimID string, ch StageChange) (*Claim, error)
	// ChangeStatus changes a claim's status. Same errors as ChangeStage.
	ChangeStatus(ctx context.Context, tenantID, claimID string, ch StatusChange) (*Claim, error)
	// RecordDates records procedure dates (dates.recorded). ENOTFOUND;
	// EINVALID for a date that does not fit the claim's stage or the dates
	// already known; ECONFLICT when the claim moved meanwhile.
	RecordDates(ctx context.Context, tenantID, claimID string, ch DatesChange) (*Claim, error)
}

// LetterKind is the kind of a letter to a debtor.
type LetterKind string

const (
	LetterReminder     LetterKind = "reminder"
	LetterFormalNotice LetterKind = "formal_notice"
)

// SendChannel is how a letter was sent.
type SendChannel string

const (
	SendPost           SendChannel = "post"
	SendRegisteredPost SendChannel = "registered_post"
	SendEmail          SendChannel = "email"
)

// Letter is a generated letter kept byte for byte. PDF is loaded only by
// the calls that return the file.
type Letter struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"-"`
	ClaimID    string     `json:"claim_id"`
	Kind       LetterKind `json:"kind"`
	Language   string     `json:"language"`
	LetterDate Date       `json:"letter_date"`
	// PayBy is the payment date the letter gives (formal notice), if any.
	PayBy Date `json:"pay_by"`
	// LinkID is the portal link the letter carries, when Relais issued it.
	LinkID string `json:"link_id,omitempty"`
	// PortalURL is the link printed in the letter. It holds the link's
	// token, so it is returned once, on creation, and never stored apart
	// from the PDF itself.
	PortalURL string `json:"portal_url,omitempty"`
	// Total is the amount the letter asks for, in minor units.
	Total int64 `json:"total"`
	// SHA256 is the hash of the record copy (the link's token removed), the
	// one evidence bundles and exports hold; PrintSHA256 that of the copy
	// printed and sent, with the working link, kept until the letter is
	// recorded as sent.
	SHA256      string    `json:"sha256"`
	PrintSHA256 string    `json:"print_sha256,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Sending, once recorded.
	SentAt           *time.Time  `json:"sent_at,omitempty"`
	SentOn           Date        `json:"sent_on"`
	SentBy           SendChannel `json:"sent_by,omitempty"`
	RegisteredNumber string      `json:"registered_number,omitempty"`

	// PDF is the copy to print while it is kept, else the record copy.
	PDF []byte `json:"-"`
}

// Filename is a safe attachment name for the letter's PDF.
func (l *Letter) Filename() string {
	return l.LetterDate.String() + "-" + string(l.Kind) + "-" + l.ID + ".pdf"
}

// LetterRequest asks for a letter.
type LetterRequest struct {
	Kind LetterKind
	// PortalURL is the debtor's link printed in the letter and in its QR
	// code; when empty the service issues a fresh letter link if it can.
	PortalURL string
	// Agency, when set, makes the letter come from a recovery agency acting
	// for the creditor (in France, with the mentions of CPCE R124-4). An
	// empty Name means the tenant's name.
	Agency *LetterAgency
}

// LetterAgency is the recovery agency a letter comes from.
type LetterAgency struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Validate checks a letter request.
func (r *LetterRequest) Validate() error {
	if r.Kind != LetterReminder && r.Kind != LetterFormalNotice {
		return FieldError("kind", "kind must be reminder or formal_notice")
	}
	if r.PortalURL != "" && !strings.HasPrefix(r.PortalURL, "https://") && !strings.HasPrefix(r.PortalURL, "http://") {
		return FieldError("portal_url", "portal_url must be an http(s) address")
	}
	if err := checkText("portal_url", r.PortalURL, MaxTextLen, false); err != nil {
		return err
	}
	if a := r.Agency; a != nil {
		if err := checkText("agency.name", a.Name, MaxNameLen, false); err != nil {
			return err
		}
		if err := checkText("agency.address", a.Address, MaxTextLen, false); err != nil {
			return err
		}
	}
	return nil
}

// LetterSending records how a letter was sent.
type LetterSending struct {
	Channel          SendChannel
	RegisteredNumber string
	SentOn           Date
}

// Validate checks a sending record; today bounds SentOn.
func (s *LetterSending) Validate(today Date) error {
	switch s.Channel {
	case SendPost, SendRegisteredPost, SendEmail:
	default:
		return FieldError("channel", "channel must be post, registered_post or email")
	}
	if s.Channel == SendRegisteredPost && s.RegisteredNumber == "" {
		return FieldError("registered_number", "registered_number is required for a registered letter")
	}
	if s.Channel != SendRegisteredPost && s.RegisteredNumber != "" {
		return FieldError("registered_number", "registered_number is only for a registered letter")
	}
	if err := checkText("registered_number", s.RegisteredNumber, MaxReferenceLen, false); err != nil {
		return err
	}
	if s.SentOn.IsZero() {
		return FieldError("sent_on", "sent_on is required (YYYY-MM-DD)")
	}
	if s.SentOn.After(today) {
		return FieldError("sent_on", "sent_on %s is in the future: record the sending once it has happened", s.SentOn)
	}
	return nil
}

// LetterFile is a stored letter as a file for the evidence bundle.
type LetterFile struct {
	LetterID string
	Name     string
	SHA256   string
	Data     []byte
}

// LetterService generates, keeps and records the sending of letters.
type LetterService interface {
	// CreateLetter renders a letter from the claim as it is today, stores it
	// and records letter.generated with its SHA-256. ENOTFOUND, EINVALID
	// (e.g. a claim already settled, an unknown kind), ECONFLICT.
	CreateLetter(ctx context.Context, tenantID, claimID string, req LetterRequest) (*Letter, error)
	// FindLetter returns a letter with its PDF. ENOTFOUND.
	FindLetter(ctx context.Context, tenantID, claimID, letterID string) (*Letter, error)
	// FindLetters lists a claim's letters without their PDF.
	FindLetters(ctx context.Context, tenantID, claimID string) ([]*Letter, error)
	// MarkLetterSent records the sending (letter.sent); sending a formal
	// notice also moves the claim to the formal_notice stage and sets
	// Claim.FormalNoticeOn. ENOTFOUND, EINVALID, ECONFLICT (already sent).
	MarkLetterSent(ctx context.Context, tenantID, claimID, letterID string, s LetterSending) (*Letter, error)
	// LetterFiles returns every stored letter of a claim as a file, in
	// creation order, for the evidence bundle.
	LetterFiles(ctx context.Context, tenantID, claimID string) ([]LetterFile, error)
}
