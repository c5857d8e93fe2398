package portal

import (
	"context"
	"time"
)

// EventKind is the closed list of things the evidence log records. A kind
// not in this list is refused by EventKind.Valid.
type EventKind string

const (
	EventClaimCreated       EventKind = "claim.created"
	EventPaymentRecorded    EventKind = "payment.recorded"
	EventCreditNoteRecorded EventKind = "credit_note.recorded"
	EventLinkIssued         EventKind = "link.issued"
	EventLinkRevoked        EventKind = "link.revoked"
	EventLinkOpened         EventKind = "link.opened"
	EventIdentityPassed     EventKind = "identity.passed"
	EventIdentityFailed     EventKind = "identity.failed"
	EventIdentityLocked     EventKind = "identity.locked"
	EventPortalSignedOut    EventKind = "session.signed_out"
	EventClaimViewed        EventKind = "claim.viewed"
	EventComputationViewed  EventKind = "computation.viewed"
	EventDisputeFiled       EventKind = "dispute.filed"
	EventDisputeResolved    EventKind = "dispute.resolved"
	EventFileUploaded       EventKind = "file.uploaded"
	EventMessageSent        EventKind = "message.sent"
	EventNoteWritten        EventKind = "note.written"
	EventOfferMade          EventKind = "offer.made"
	EventOfferAccepted      EventKind = "offer.accepted"
	EventOfferRefused       EventKind = "offer.refused"
	EventAgreementSigned    EventKind = "agreement.signed"
	EventPaymentStarted     EventKind = "payment.started"
	EventPaymentFailed      EventKind = "payment.failed"
	EventCardSaved          EventKind = "payment.card_saved"
	EventPaymentRefunded    EventKind = "payment.refunded"
	EventPaymentReversed    EventKind = "payment.reversed"
	EventChargeback         EventKind = "payment.chargeback"
	// EventMandateRecorded records a SEPA Direct Debit mandate the debtor
	// gave (reference, date, IBAN last four, the provider's acceptance data).
	EventMandateRecorded EventKind = "payment.mandate_recorded"
	// EventMandateUpdated records a mandate's new status (revoked, inactive)
	// and what became of the plan's debits.
	EventMandateUpdated EventKind = "payment.mandate_updated"
	// EventDebitPrenotified records the pre-notification of a debit: amount,
	// date, channel, sent before the notice period.
	EventDebitPrenotified EventKind = "payment.debit_prenotified"
	// EventDebitSubmitted records a debit sent to the bank, which settles
	// days later (payment.recorded or payment.failed follows).
	EventDebitSubmitted   EventKind = "payment.debit_submitted"
	EventInstalmentDue    EventKind = "instalment.due"
	EventInstalmentMissed EventKind = "instalment.missed"
	// EventInstalmentPaid records an instalment of a plan paid in full
	// (by card, transfer or a matched statement line), next to the
	// payment's own payment.recorded.
	EventInstalmentPaid EventKind = "instalment.paid"
	// EventInstalmentMoved records a due date the debtor moved on the
	// portal, within the creditor's policy.
	EventInstalmentMoved  EventKind = "instalment.moved"
	EventPlanBroken       EventKind = "plan.broken"
	EventLetterGenerated  EventKind = "letter.generated"
	EventLetterSent       EventKind = "letter.sent"
	EventReminderSent     EventKind = "reminder.sent"
	EventReminderFailed   EventKind = "reminder.failed"
	EventReminderBounced  EventKind = "reminder.bounced"
	EventContactOptOut    EventKind = "contact.opt_out"
	EventStageChanged     EventKind = "stage.changed"
	EventStatusChanged    EventKind = "status.changed"
	EventStatementMatched EventKind = "statement.matched"
	// EventDatesRecorded records procedure dates learnt after a stage move:
	// an order served, a judgment, the debtor's acknowledgement of the debt.
	EventDatesRecorded EventKind = "dates.recorded"
	// EventCourtDocumentMade: a court document (issue 23) was made and
	// stored as the claim's file, with its SHA-256 and the amounts and
	// court it states.
	EventCourtDocumentMade EventKind = "court.document_made"
	// EventDebtorContactChanged records a change of the debtor's contact
	// data (e-mail, phone, address, country, language) by the creditor:
	// each field changed, from what to what, and who changed it.
	EventDebtorContactChanged EventKind = "debtor.contact_changed"
	// EventPersonalDataErased records that a claim's personal data was
	// erased at the end of its retention (relais purge): which parts and how
	// many, never the data itself.
	EventPersonalDataErased EventKind = "claim.personal_data_erased"
)

// The second factor of the identity check (issue 26.14): a one-time code
// sent (never the code itself), not delivered, entered wrong, entered
// right.
const (
	EventIdentityCodeSent        EventKind = "identity.code_sent"
	EventIdentityCodeUndelivered EventKind = "identity.code_undelivered"
	EventIdentityCodeFailed      EventKind = "identity.code_failed"
	EventIdentityCodePassed      EventKind = "identity.code_passed"
)

// After a conversation (issue 21): an agent resolved it (and whether the
// debtor was asked the satisfaction question), the debtor answered it.
const (
	EventConversationResolved EventKind = "conversation.resolved"
	EventSurveyAnswered       EventKind = "survey.answered"
)

// Plans the debtor manages (issue 20): the rest settled (or the last
// instalment paid), the way to pay changed, a new plan asked for after a
// hardship.
const (
	// EventPlanCompleted records a plan with nothing left to pay: its last
	// instalments paid (on schedule, or the rest settled at once from the
	// portal); the debits announced for them are not taken.
	EventPlanCompleted EventKind = "plan.completed"
	// EventPlanMethodChanged records the debtor changing on the portal how
	// the rest of a plan is paid (card, SEPA Direct Debit, transfer), within
	// the creditor's policy.
	EventPlanMethodChanged EventKind = "plan.method_changed"
	// EventHardshipRequested records a debtor in difficulty asking on the
	// portal for a new plan, with their reason; an agent takes it up.
	EventHardshipRequested EventKind = "plan.hardship_requested"
)

var eventKinds = map[EventKind]bool{}

// eventKindList is the closed list in the order it reads best: a claim's
// life from creation to erasure.
var eventKindList = []EventKind{
	EventClaimCreated, EventPaymentRecorded, EventCreditNoteRecorded, EventLinkIssued, EventLinkRevoked,
	EventLinkOpened, EventIdentityPassed, EventIdentityFailed, EventIdentityLocked, EventIdentityCodeSent,
	EventIdentityCodeUndelivered, EventIdentityCodeFailed, EventIdentityCodePassed, EventPortalSignedOut, EventClaimViewed,
	EventComputationViewed, EventDisputeFiled, EventDisputeResolved, EventFileUploaded, EventMessageSent,
	EventNoteWritten, EventOfferMade, EventOfferAccepted, EventOfferRefused, EventAgreementSigned, EventConversationResolved, EventSurveyAnswered,
	EventPaymentStarted, EventPaymentFailed, EventCardSaved, EventPaymentRefunded, EventPaymentReversed, EventChargeback,
	EventMandateRecorded, EventMandateUpdated, EventDebitPrenotified, EventDebitSubmitted, EventInstalmentDue,
	EventInstalmentPaid, EventInstalmentMissed, EventInstalmentMoved, EventPlanMethodChanged, EventHardshipRequested, EventPlanCompleted,
	EventPlanBroken, EventLetterGenerated, EventLetterSent, EventReminderSent,
	EventReminderFailed, EventReminderBounced, EventContactOptOut, EventStageChanged, EventStatusChanged, EventStatementMatched,
	EventDatesRecorded, EventCourtDocumentMade, EventDebtorContactChanged, EventPersonalDataErased,
}

func init() {
	for _, k := range eventKindList {
		eventKinds[k] = true
	}
}

// EventKinds returns every valid kind (a copy), for pickers and tests
// that must cover each one.
func EventKinds() []EventKind { return append([]EventKind(nil), eventKindList...) }

// Valid reports whether k is in the closed list.
func (k EventKind) Valid() bool { return eventKinds[k] }

// Event is one entry of a claim's append-only evidence chain.
type Event struct {
	ID       string    `json:"id"`
	TenantID string    `json:"-"`
	ClaimID  string    `json:"claim_id"`
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Kind     EventKind `json:"kind"`
	Actor    Actor     `json:"actor"`
	// Payload is the event's data as canonical JSON; PayloadHash is its
	// SHA-256 (hex). The chain covers PayloadHash, not Payload, so that a
	// payload can be erased for data protection without breaking the chain.
	Payload     string `json:"payload"`
	PayloadHash string `json:"payload_hash"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
}

// EventLog is the read side of the evidence chain. Appends happen inside
// the transaction of the change they record, in the stores.
type EventLog interface {
	// ListEvents returns a claim's events in sequence order, starting after
	// seq `after`, at most limit. ENOTFOUND when the claim is not the tenant's.
	ListEvents(ctx context.Context, tenantID, claimID string, after int64, limit int) ([]*Event, error)
}

// ChainHead is the last event of one claim's chain, as a checkpoint
// records it (portal/evidence, issue 26.6).
type ChainHead struct {
	ClaimID   string
	Reference string
	Seq       int64
	Hash      string
}

// ChainHeadLister reads every chain head of a tenant at once.
type ChainHeadLister interface {
	// ChainHeads returns the head of every claim of the tenant that has
	// an event, ordered by claim ID, read in one statement so that the
	// list is one moment of the database.
	ChainHeads(ctx context.Context, tenantID string) ([]ChainHead, error)
}
