package portal

import (
	"context"
	"time"
)

// Channel is how a reminder reaches a debtor: the same channels as portal
// links, so that each send carries a link issued for its own channel.
type Channel = LinkChannel

// ReminderSequence is a creditor's plan of reminders: steps at day offsets
// after the due date. A claim follows the sequence chosen for it, or else
// the tenant's built-in default for its jurisdiction and debtor kind.
type ReminderSequence struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	// CreditorID limits the sequence to one creditor's claims; "" means any
	// creditor of the tenant.
	CreditorID string `json:"creditor_id"`
	Name       string `json:"name"`
	// Builtin names the shipped default this sequence was made from
	// ("fr-business", "be-consumer", ...), "" for a creditor's own.
	Builtin   string          `json:"builtin"`
	Steps     []*ReminderStep `json:"steps" gorm:"-"`
	CreatedAt time.Time       `json:"created_at"`
}

// ReminderStep is one message of a sequence. The template gives the text in
// every debtor language (fr, nl, en, de).
type ReminderStep struct {
	ID         string `json:"id"`
	TenantID   string `json:"-"`
	SequenceID string `json:"-"`
	Position   int    `json:"position"`
	// DayOffset is the number of days after the claim's due date (its
	// earliest invoice due date) the step is due.
	DayOffset   int     `json:"day_offset"`
	Channel     Channel `json:"channel"`
	TemplateKey string  `json:"template"`
}

// SendStatus is where a reminder send stands.
type SendStatus string

const (
	// SendSending is a send claimed by a scheduler and being delivered. A
	// send that stays here was interrupted; it is never sent again.
	SendSending SendStatus = "sending"
	SendSent    SendStatus = "sent"
	SendFailed  SendStatus = "failed"
	SendBounced SendStatus = "bounced"
	// SendSkipped: the step was not sent (no address, opted out, channel
	// not configured); Error says why.
	SendSkipped SendStatus = "skipped"
	// SendToPrint is a letter waiting to be printed and posted.
	SendToPrint SendStatus = "to_print"
)

// ReminderSend is one step sent (or not) to one claim's debtor. There is at
// most one per (claim, step). The rendered content is kept for the
// evidence bundle; ContentSHA256 is in the evidence event.
type ReminderSend struct {
	ID            string     `json:"id"`
	TenantID      string     `json:"-"`
	ClaimID       string     `json:"claim_id"`
	StepID        string     `json:"step_id"`
	SequenceID    string     `json:"sequence_id"`
	Position      int        `json:"position"`
	Channel       Channel    `json:"channel"`
	TemplateKey   string     `json:"template"`
	Status        SendStatus `json:"status"`
	Language      string     `json:"language"`
	Recipient     string     `json:"recipient"`
	Subject       string     `json:"subject,omitempty"`
	BodyText      string     `json:"body_text,omitempty"`
	BodyHTML      string     `json:"body_html,omitempty"`
	ContentSHA256 string     `json:"content_sha256,omitempty"`
	// TextSource says whose text the message was made from ("shipped",
	// "tenant": the tenant's TemplateText, or "creditor": a creditor's own) and TextSHA256 that text's hash; both are in
	// the evidence event of the send (not kept on the send's row).
	TextSource string `json:"text_source,omitempty"`
	TextSHA256 string `json:"text_sha256,omitempty"`
	ProviderID string `json:"provider_id,omitempty"` // SMTP Message-ID or the SMS provider's id
	Attempts   int    `json:"attempts"`
	Error      string `json:"error,omitempty"`
	// LocalDate is the day (in the tenant's time zone) the step was handled.
	LocalDate Date       `json:"date"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// ContactOptOut records that a debtor asked not to be contacted by a channel.
type ContactOptOut struct {
	TenantID  string    `json:"-"`
	DebtorID  string    `json:"debtor_id"`
	Channel   Channel   `json:"channel"`
	ClaimID   string    `json:"claim_id"` // the claim whose message carried the link
	CreatedAt time.Time `json:"created_at"`
}

// ReminderService is what the creditor API needs about reminders. Every
// method is scoped to a tenant (another tenant's thing is ENOTFOUND).
type ReminderService interface {
	// FindSequences lists the tenant's sequences with their steps, built-in
	// defaults first created if missing.
	FindSequences(ctx context.Context, tenantID string) ([]*ReminderSequence, error)
	// CreateSequence validates and stores a sequence and its steps.
	// EINVALID for bad steps or an unknown creditor.
	CreateSequence(ctx context.Context, tenantID string, s *ReminderSequence) error
	// UpdateSequence changes in place the name and steps of a creditor's
	// own sequence (s.ID; its creditor stays) while no reminder was sent
	// from it. ENOTFOUND; ECONFLICT for a built-in sequence or one a
	// reminder was sent from (sent reminders name their steps: a new
	// sequence is made from it instead); EINVALID as CreateSequence.
	UpdateSequence(ctx context.Context, tenantID string, s *ReminderSequence) error
	// SequencesSent tells which of the tenant's sequences a reminder was
	// sent from (their steps are fixed).
	SequencesSent(ctx context.Context, tenantID string) (map[string]bool, error)
	// SetClaimSequence chooses the sequence a claim follows. ENOTFOUND for
	// an unknown claim or sequence; EINVALID when the sequence belongs to
	// another creditor.
	SetClaimSequence(ctx context.Context, tenantID, claimID, sequenceID string) error
	// FindReminders lists the sends of a claim, oldest first. ENOTFOUND.
	FindReminders(ctx context.Context, tenantID, claimID string) ([]*ReminderSend, error)
	// FindLettersToPrint lists letter steps waiting to be printed and posted.
	FindLettersToPrint(ctx context.Context, tenantID string) ([]*ReminderSend, error)
	// RecordBounce marks a sent e-mail or SMS of a claim as bounced (the
	// mail system or SMS provider reported it undelivered), with an
	// evidence event. ENOTFOUND for an unknown send; ECONFLICT when the send
	// was not delivered as sent (failed, skipped, already bounced).
	RecordBounce(ctx context.Context, tenantID, claimID, sendID, reason string) (*ReminderSend, error)
}

// Unsubscribe is what an unsubscribe link (/u/<token>) stands for.
type Unsubscribe struct {
	TenantID string  `json:"-"`
	ClaimID  string  `json:"-"`
	DebtorID string  `json:"-"`
	Channel  Channel `json:"channel"`
	Language string  `json:"language"`
	// Creditor is the creditor's legal name, shown on the page.
	Creditor string `json:"creditor"`
	// Done is true once the debtor opted out of Channel.
	Done bool `json:"done"`
}

// OptOutService serves the debtor-facing unsubscribe page. The token is the
// capability: unknown tokens are ENOTFOUND.
type OptOutService interface {
	// FindUnsubscribe describes a token's opt-out without changing anything.
	FindUnsubscribe(ctx context.Context, token string) (*Unsubscribe, error)
	// OptOut records the opt-out (and a contact.opt_out event) the first
	// time; later calls change nothing.
	OptOut(ctx context.Context, token string) (*Unsubscribe, error)
}
