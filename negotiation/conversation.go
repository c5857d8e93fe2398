package negotiation

import (
	"context"
	"time"

	"github.com/relais/relais/portal"
)

// State is where a conversation stands for the agents.
type State string

const (
	// StateWaiting: the debtor wrote or made an offer nobody has answered;
	// the conversation is in the queue, ordered by WaitingSince.
	StateWaiting State = "waiting"
	// StateActive: an agent has taken it, or nothing is pending.
	StateActive State = "active"
	StateClosed State = "closed"
)

// Conversation is the one chat of a claim between its debtor and the
// creditor's agents.
type Conversation struct {
	ID           string     `json:"id"`
	TenantID     string     `json:"-"`
	ClaimID      string     `json:"claim_id"`
	AgentID      string     `json:"agent_id,omitempty"`
	State        State      `json:"state"`
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	LastSeq      int64      `json:"last_seq"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// MessageKind is the kind of a stored message.
type MessageKind string

const (
	MsgText         MessageKind = "text"
	MsgOffer        MessageKind = "offer"         // a debtor's offer
	MsgCounterOffer MessageKind = "counter_offer" // an agent's offer
	MsgAccept       MessageKind = "accept"
	MsgRefuse       MessageKind = "refuse"
	MsgNote         MessageKind = "note" // internal: never sent to the debtor
	MsgSystem       MessageKind = "system"
	MsgTransfer     MessageKind = "transfer"
)

// Internal reports whether messages of kind k stay among agents.
func (k MessageKind) Internal() bool { return k == MsgNote || k == MsgTransfer }

// Author is who wrote a message: the debtor, a console user, or Relais
// itself (the policy accepting an offer).
type Author struct {
	Kind portal.ActorKind `json:"kind"`
	ID   string           `json:"id,omitempty"`
	Name string           `json:"name,omitempty"`
}

// Message is one entry of a conversation. Seq is assigned by the store
// inside the transaction that stores it: 1, 2, 3… per conversation.
// ClientID is the sender's own id for the message, so that a send retried
// after a lost acknowledgement is stored once.
type Message struct {
	ID             string      `json:"id"`
	TenantID       string      `json:"-"`
	ConversationID string      `json:"conversation_id"`
	ClaimID        string      `json:"claim_id"`
	Seq            int64       `json:"seq"`
	ClientID       string      `json:"client_id"`
	Kind           MessageKind `json:"kind"`
	Author         Author      `json:"author"`
	Text           string      `json:"text,omitempty"`
	// OfferID is the offer made, accepted or refused.
	OfferID string   `json:"offer_id,omitempty"`
	Offer   *Offer   `json:"offer,omitempty"`
	Verdict *Verdict `json:"verdict,omitempty"`
	// AgreementID is set on the acceptance of a plan, settlement or promise.
	AgreementID string `json:"agreement_id,omitempty"`
	// ToUserID is the agent a transfer hands the conversation to; ToName
	// is their name, and FromUserID and FromName the agent who held it
	// before (none when it was free), as the store found them when the
	// transfer was stored: the history names both agents.
	ToUserID   string `json:"to_user_id,omitempty"`
	ToName     string `json:"to_name,omitempty"`
	FromUserID string `json:"from_user_id,omitempty"`
	FromName   string `json:"from_name,omitempty"`
	// Override is an agent's confirmation of an offer or acceptance
	// outside the policy. Internal: recorded with the offer and in the
	// evidence event, never in a frame (the debtor must not read it).
	Override  *PolicyOverride `json:"-"`
	CreatedAt time.Time       `json:"created_at"`
}

// PolicyOverride records that an agent made a counter-offer, or accepted
// a debtor's offer, outside the creditor's policy on purpose: the broken
// bounds as judged then, and the agent's reason.
type PolicyOverride struct {
	Reason   string    `json:"reason"`
	Breaches []Breach  `json:"breaches"`
	Balance  int64     `json:"balance"`
	By       Author    `json:"by"`
	At       time.Time `json:"at"`
}

// OfferStatus is the life of an offer.
type OfferStatus string

const (
	OfferProposed   OfferStatus = "proposed"
	OfferAccepted   OfferStatus = "accepted"
	OfferRefused    OfferStatus = "refused"
	OfferCountered  OfferStatus = "countered"  // an agent answered with another offer
	OfferSuperseded OfferStatus = "superseded" // the same side made a newer offer
)

// OfferRecord is a stored offer with its verdict and fate. Every one is
// an offer.made event and listed by GET /api/v1/claims/{id}/offers, so that
// each proposal reaches the creditor (CPCE R124-5).
type OfferRecord struct {
	ID             string      `json:"id"`
	TenantID       string      `json:"-"`
	ClaimID        string      `json:"claim_id"`
	ConversationID string      `json:"conversation_id"`
	MessageID      string      `json:"message_id"`
	MadeBy         Author      `json:"made_by"`
	Terms          Offer       `json:"terms"`
	Verdict        Verdict     `json:"verdict"`
	Status         OfferStatus `json:"status"`
	Reason         string      `json:"reason,omitempty"`
	DecidedBy      *Author     `json:"decided_by,omitempty"`
	DecidedAt      *time.Time  `json:"decided_at,omitempty"`
	ReplacesID     string      `json:"replaces_id,omitempty"`
	// PolicyOverride is set when an agent sent this counter-offer, or
	// accepted this offer, outside the policy with a reason.
	PolicyOverride *PolicyOverride `json:"policy_override,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
}

// AgreementStatus: an agreement is drafted when an offer is accepted and
// signed when the debtor confirms it.
type AgreementStatus string

const (
	AgreementDraft  AgreementStatus = "draft"
	AgreementSigned AgreementStatus = "signed"
)

// Agreement is an accepted offer turned into a schedule the debtor signs.
type Agreement struct {
	ID       string          `json:"id"`
	TenantID string          `json:"-"`
	ClaimID  string          `json:"claim_id"`
	OfferID  string          `json:"offer_id"`
	Status   AgreementStatus `json:"status"`
	Balance  int64           `json:"balance"`
	Schedule Schedule        `json:"schedule"`
	// InterestDuringPlan is copied from the policy at acceptance.
	InterestDuringPlan bool `json:"interest_during_plan"`
	// Acknowledged: the debtor ticked the acknowledgement of debt (Code
	// civil 2240); never on a disputed claim.
	Acknowledged bool       `json:"acknowledged"`
	Language     string     `json:"language,omitempty"`
	SignedAt     *time.Time `json:"signed_at,omitempty"`
	PDFSHA256    string     `json:"pdf_sha256,omitempty"`
	PDF          []byte     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
}

// InstalmentStatus is the payment state of one scheduled instalment.
type InstalmentStatus string

const (
	InstalmentDue    InstalmentStatus = "due"
	InstalmentPaid   InstalmentStatus = "paid"
	InstalmentFailed InstalmentStatus = "failed"
	InstalmentMissed InstalmentStatus = "missed"
	InstalmentWaived InstalmentStatus = "waived"
)

// PlanInstalment is a row of the instalments table the payments side
// charges: created when an agreement is signed.
type PlanInstalment struct {
	ID          string           `json:"id"`
	TenantID    string           `json:"-"`
	ClaimID     string           `json:"claim_id"`
	AgreementID string           `json:"agreement_id"`
	Seq         int              `json:"seq"`
	DueOn       portal.Date      `json:"due_on"`
	Amount      int64            `json:"amount"`
	Currency    portal.Currency  `json:"currency"`
	Method      Method           `json:"method"`
	Status      InstalmentStatus `json:"status"`
}

// QueueItem is a conversation waiting for an agent, or held by one, with
// what the queue page shows of its claim and its agent.
type QueueItem struct {
	Conversation
	ClaimReference string `json:"claim_reference"`
	DebtorName     string `json:"debtor_name"`
	// AgentName is the name (else the e-mail) of the agent holding it.
	AgentName string `json:"agent_name,omitempty"`
	// LastTransfer is the latest hand-over of the conversation (Assigned
	// only), so that the agent receiving it reads who handed it over and why.
	LastTransfer *Message `json:"last_transfer,omitempty"`
	// Answered reports whether an agent has written to the debtor in it:
	// the first-response target applies until then, the next-response one
	// after, whoever holds it (automatic assignment gives it an agent at once).
	Answered bool `json:"answered"`
	// HardshipAt is set while the debtor's request for a new plan after a
	// hardship waits for an answer (a new plan signed, the conversation
	// resolved): the queue marks it.
	HardshipAt *time.Time `json:"hardship_at,omitempty"`
}

// Decision is an accept or refuse of an offer.
type Decision struct {
	OfferID string
	Accept  bool
	Reason  string
	// Agreement is drafted in the same transaction when accepting.
	Agreement *Agreement
	// Override is the agent's confirmation of an acceptance outside the
	// policy, recorded on the offer.
	Override *PolicyOverride
}

// Store is the storage port of the negotiation, implemented by
// portal/store. Every method is scoped to a tenant (another tenant's row is
// ENOTFOUND). Methods that store a message assign its Seq in their
// transaction, record its evidence event there too, and return dup=true
// with the stored message when (conversation, ClientID) was already stored.
type Store interface {
	// OpenConversation returns the claim's conversation, creating it.
	OpenConversation(ctx context.Context, tenantID, claimID string) (*Conversation, error)
	FindConversation(ctx context.Context, tenantID, id string) (*Conversation, error)
	// Messages lists messages after seq in order; internal notes and
	// transfers only when internal is true.
	Messages(ctx context.Context, tenantID, conversationID string, after int64, limit int, internal bool) ([]*Message, error)
	// PostMessage stores a text, note, system or transfer message. A
	// debtor's text puts the conversation in the queue; a transfer assigns
	// it to m.ToUserID (EINVALID unless an agent or owner of the tenant)
	// and fills m.ToName, m.FromUserID and m.FromName.
	PostMessage(ctx context.Context, m *Message) (stored *Message, dup bool, err error)
	// MakeOffer stores an offer message and its record; the side's earlier
	// proposed offers become superseded, the other side's countered. With
	// accept set (the policy accepted it) the offer is accepted by Relais
	// in the same transaction: an accept message follows and accept.Agreement
	// is drafted. Returns the stored messages in order.
	MakeOffer(ctx context.Context, m *Message, accept *Decision) (stored []*Message, dup bool, err error)
	// DecideOffer accepts or refuses a proposed offer with m (kind accept or
	// refuse). Exactly one of two concurrent decisions succeeds; the other
	// gets ECONFLICT.
	DecideOffer(ctx context.Context, m *Message, d Decision) (stored *Message, dup bool, err error)
	// TakeConversation assigns the conversation to userID and makes it
	// active; ECONFLICT when another agent has it (unless force).
	TakeConversation(ctx context.Context, tenantID, conversationID, userID string, force bool) (*Conversation, error)
	// Queue lists waiting conversations, longest waiting first.
	Queue(ctx context.Context, tenantID string, limit int) ([]*QueueItem, error)
	// Assigned lists the open conversations held by agentID (by any agent
	// when agentID is ""), latest activity first, each with its last
	// transfer.
	Assigned(ctx context.Context, tenantID, agentID string, limit int) ([]*QueueItem, error)
	FindOffer(ctx context.Context, tenantID, id string) (*OfferRecord, error)
	// ClaimOffers lists every offer made on a claim, oldest first.
	ClaimOffers(ctx context.Context, tenantID, claimID string) ([]*OfferRecord, error)
	// Policy returns the policy for a claim: its own override, else its
	// creditor's, else DefaultPolicy.
	Policy(ctx context.Context, tenantID, claimID string) (Policy, error)
	// CreditorPolicy returns a creditor's own policy, else DefaultPolicy
	// (custom false). ENOTFOUND for a creditor not of the tenant.
	CreditorPolicy(ctx context.Context, tenantID, creditorID string) (p Policy, custom bool, err error)
	// SetPolicy stores a creditor's policy (claimID "") or a claim's override.
	SetPolicy(ctx context.Context, tenantID, creditorID, claimID string, p Policy) error
	FindAgreement(ctx context.Context, tenantID, id string) (*Agreement, error)
	// SignAgreement records the debtor's confirmation: the PDF and its
	// SHA-256, the acknowledgement, the instalments, claim status in_plan,
	// and agreement.signed, in one transaction. ECONFLICT when already signed.
	// pay, when set, is the way to pay the debtor chose at signing: it
	// replaces the schedule's method.
	SignAgreement(ctx context.Context, tenantID, agreementID string, acknowledged bool, language string, pdf []byte, pay PayChoice) (*Agreement, error)
	// PlanInstalments lists the instalments of the claim's signed
	// agreements, by due date: what the payments side charges.
	PlanInstalments(ctx context.Context, tenantID, claimID string) ([]*PlanInstalment, error)
}
