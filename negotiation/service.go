package negotiation

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// Participant is who is on one end of a connection: the debtor of a claim
// (through a verified portal session) or a console user.
type Participant struct {
	Kind     portal.ActorKind // ActorDebtor or ActorUser
	ID       string           // session ID for a debtor, user ID for a user
	Name     string
	TenantID string
	// ClaimID is the debtor's claim; empty for users.
	ClaimID  string
	Role     portal.Role // users only
	Language string
}

// Author returns p as a message author.
func (p Participant) Author() Author { return Author{Kind: p.Kind, ID: p.ID, Name: p.Name} }

// IsDebtor reports whether p is the debtor.
func (p Participant) IsDebtor() bool { return p.Kind == portal.ActorDebtor }

// Input is one thing a participant does in a conversation: a parsed frame.
type Input struct {
	Type     MessageKind
	ClientID string
	Text     string
	Offer    *Offer
	OfferID  string
	Reason   string
	ToUserID string
	// ConfirmOutsidePolicy and PolicyReason: an agent sends a counter-offer,
	// or accepts a debtor's offer, outside the policy on purpose, and says
	// why (internal, recorded with the offer).
	ConfirmOutsidePolicy bool
	PolicyReason         string
}

// MaxTextLen bounds a chat message.
const MaxTextLen = 4000

// MaxClientIDLen bounds a client-generated message id.
const MaxClientIDLen = 64

// Claims is what the service reads of a claim.
type Claims interface {
	FindClaim(ctx context.Context, tenantID, id string) (*portal.Claim, error)
}

// Service runs the negotiation: it checks who may do what, evaluates offers
// against the policy and stores the outcome. It holds no connection state.
type Service struct {
	Store  Store
	Claims Claims
	// Balance returns what is owed on c on a day (portal/rules in
	// production).
	Balance func(c *portal.Claim, today portal.Date) (int64, error)
	Clock   portal.Clock
	// Location is the time zone "today" is taken in (the tenant's).
	Location func(ctx context.Context, tenantID string) *time.Location
	// Assignments assigns waiting conversations to available agents
	// (assign.go); nil: agents take them from the queue themselves.
	Assignments Assignments
}

// Today returns the calendar day in the tenant's time zone.
func (s *Service) Today(ctx context.Context, tenantID string) portal.Date {
	loc := time.UTC
	if s.Location != nil {
		if l := s.Location(ctx, tenantID); l != nil {
			loc = l
		}
	}
	return portal.DateOf(s.Clock.Now().In(loc))
}

// Outcome is what a handled input stored, in seq order.
type Outcome struct {
	Messages  []*Message
	Duplicate bool
	// Assigned are the conversations automatic assignment gave to agents
	// after the input was stored (assign.go), to publish with Messages;
	// AssignErr is why it failed: the input is stored all the same, and
	// the next assignment of the tenant catches up.
	Assigned  []*Assigned
	AssignErr error
}

// Seq is the seq of the input's own message (the first stored).
func (o *Outcome) Seq() int64 {
	if len(o.Messages) == 0 {
		return 0
	}
	return o.Messages[0].Seq
}

func forbidden(format string, args ...any) error {
	return portal.Errorf(portal.EFORBIDDEN, format, args...)
}

// Handle validates in for participant p on conversation conv and stores it.
// Errors: EINVALID (bad input, with a Reason for offers), EFORBIDDEN (not
// p's to do), ENOTFOUND, ECONFLICT (offer already decided).
func (s *Service) Handle(ctx context.Context, p Participant, conv *Conversation, in Input) (*Outcome, error) {
	out, err := s.handle(ctx, p, conv, in)
	if err != nil || out.Duplicate || !assignAfter(p, in) {
		return out, err
	}
	out.Assigned, out.AssignErr = s.AssignWaiting(ctx, conv.TenantID)
	return out, nil
}

func (s *Service) handle(ctx context.Context, p Participant, conv *Conversation, in Input) (*Outcome, error) {
	if in.ClientID == "" || len(in.ClientID) > MaxClientIDLen || !portal.ValidText(in.ClientID) {
		return nil, portal.FieldError("id", "id must be a client-generated id of 1 to %d characters", MaxClientIDLen)
	}
	if p.TenantID != conv.TenantID || (p.IsDebtor() && p.ClaimID != conv.ClaimID) {
		return nil, forbidden("This is not your conversation.")
	}
	if !p.IsDebtor() {
		if p.Role == portal.RoleViewer {
			return nil, forbidden("Viewers can read conversations but not write in them.")
		}
		if conv.AgentID != "" && conv.AgentID != p.ID && p.Role != portal.RoleOwner {
			return nil, &portal.Error{Code: portal.EFORBIDDEN, Message: "Another agent has this conversation: take it over to write in it.",
				Err: &Reason{Key: ReasonConversationHeld}}
		}
	}
	m := &Message{TenantID: conv.TenantID, ConversationID: conv.ID, ClaimID: conv.ClaimID, ClientID: in.ClientID, Kind: in.Type, Author: p.Author()}
	switch in.Type {
	case MsgText, MsgNote:
		if in.Type == MsgNote && p.IsDebtor() {
			return nil, forbidden("Only agents write internal notes.")
		}
		text := strings.TrimSpace(in.Text)
		if text == "" {
			return nil, portal.FieldError("text", "text is empty")
		}
		if utf8.RuneCountInString(text) > MaxTextLen {
			return nil, portal.FieldError("text", "text is longer than %d characters", MaxTextLen)
		}
		if !portal.ValidText(text) {
			return nil, portal.FieldError("text", "text is not valid text (invalid UTF-8 or a NUL character)")
		}
		if v := UnfilledVariable(text); v != "" && !p.IsDebtor() && in.Type == MsgText { // a prepared reply never leaves half-filled
			return nil, portal.FieldError("text", "%s is a prepared reply's variable left unfilled: replace it before sending.", v)
		}
		m.Text = text
		return s.post(ctx, p, conv, m)
	case MsgTransfer:
		if p.IsDebtor() {
			return nil, forbidden("Only agents transfer conversations.")
		}
		if !portal.ValidID(in.ToUserID) {
			return nil, portal.FieldError("to_user_id", "to_user_id must be a user id")
		}
		m.ToUserID, m.Text = in.ToUserID, strings.TrimSpace(in.Text)
		if conv.AgentID == m.ToUserID {
			return nil, portal.FieldError("to_user_id", "This agent already holds the conversation.")
		}
		if utf8.RuneCountInString(m.Text) > MaxNoteLen {
			return nil, portal.FieldError("text", "the transfer note is longer than %d characters", MaxNoteLen)
		}
		if !portal.ValidText(m.Text) {
			return nil, portal.FieldError("text", "text is not valid text (invalid UTF-8 or a NUL character)")
		}
		return s.post(ctx, p, conv, m)
	case MsgOffer, MsgCounterOffer:
		if p.IsDebtor() != (in.Type == MsgOffer) {
			if p.IsDebtor() {
				return nil, forbidden("Debtors make offers, agents make counter-offers.")
			}
			return nil, forbidden("Agents answer with counter_offer.")
		}
		return s.offer(ctx, p, conv, m, in)
	case MsgAccept, MsgRefuse:
		return s.decide(ctx, p, conv, m, in)
	}
	return nil, portal.FieldError("type", "unknown type %q", string(in.Type))
}

func (s *Service) post(ctx context.Context, p Participant, conv *Conversation, m *Message) (*Outcome, error) {
	if err := s.takeIfFree(ctx, p, conv); err != nil {
		return nil, err
	}
	stored, dup, err := s.Store.PostMessage(ctx, m)
	if err != nil {
		return nil, err
	}
	return &Outcome{Messages: []*Message{stored}, Duplicate: dup}, nil
}

// takeIfFree assigns an unassigned conversation to the agent acting in it.
func (s *Service) takeIfFree(ctx context.Context, p Participant, conv *Conversation) error {
	if p.IsDebtor() || conv.AgentID != "" {
		return nil
	}
	c, err := s.Store.TakeConversation(ctx, conv.TenantID, conv.ID, p.ID, false)
	if err != nil {
		return err
	}
	*conv = *c
	return nil
}

// claimBalance loads the claim and what is owed today.
func (s *Service) claimBalance(ctx context.Context, tenantID, claimID string) (*portal.Claim, int64, portal.Date, error) {
	today := s.Today(ctx, tenantID)
	c, err := s.Claims.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, 0, today, err
	}
	bal, err := s.Balance(c, today)
	return c, bal, today, err
}

func (s *Service) offer(ctx context.Context, p Participant, conv *Conversation, m *Message, in Input) (*Outcome, error) {
	if in.Offer == nil {
		return nil, portal.FieldError("offer", "offer is required")
	}
	o := *in.Offer
	claim, balance, today, err := s.claimBalance(ctx, conv.TenantID, conv.ClaimID)
	if err != nil {
		return nil, err
	}
	if err := o.Validate(today, balance); err != nil {
		return nil, err
	}
	if o.Kind == KindSettlement && o.Date.IsZero() {
		o.Date = today
	}
	policy, err := s.Store.Policy(ctx, conv.TenantID, conv.ClaimID)
	if err != nil {
		return nil, err
	}
	v := Evaluate(policy, o, balance, today)
	if !p.IsDebtor() {
		// An agent's counter-offer waits for the debtor; outside the policy
		// it goes out only confirmed, with the agent's reason on record.
		if m.Override, err = s.override(p, in, v); err != nil {
			return nil, err
		}
		if err := s.takeIfFree(ctx, p, conv); err != nil {
			return nil, err
		}
	}
	m.Offer, m.Verdict, m.Text = &o, &v, strings.TrimSpace(o.Note)
	var accept *Decision
	if p.IsDebtor() && v.Accepted {
		accept = &Decision{Accept: true, Agreement: s.draft(claim, policy, o, balance)}
	}
	stored, dup, err := s.Store.MakeOffer(ctx, m, accept)
	if err != nil {
		return nil, err
	}
	return &Outcome{Messages: stored, Duplicate: dup}, nil
}

// draft builds the agreement of an accepted offer; nil for a call-back.
func (s *Service) draft(c *portal.Claim, policy Policy, o Offer, balance int64) *Agreement {
	if o.Kind == KindCallback {
		return nil
	}
	sch := ScheduleFor(o, balance)
	sch.Currency = c.Currency
	if sch.Method == "" {
		sch.Method = MethodTransfer
	}
	return &Agreement{TenantID: c.TenantID, ClaimID: c.ID, Status: AgreementDraft, Balance: balance, Schedule: sch, InterestDuringPlan: policy.InterestDuringPlan}
}

func (s *Service) decide(ctx context.Context, p Participant, conv *Conversation, m *Message, in Input) (*Outcome, error) {
	if !portal.ValidID(in.OfferID) {
		return nil, portal.FieldError("offer_id", "offer_id must be the id of an offer")
	}
	if len([]rune(in.Reason)) > MaxNoteLen {
		return nil, portal.FieldError("reason", "reason is longer than %d characters", MaxNoteLen)
	}
	rec, err := s.Store.FindOffer(ctx, conv.TenantID, in.OfferID)
	if err != nil {
		return nil, err
	}
	if rec.ConversationID != conv.ID {
		return nil, portal.Errorf(portal.ENOTFOUND, "Offer not found.")
	}
	// Each side decides the other side's offers.
	if (rec.MadeBy.Kind == portal.ActorDebtor) == p.IsDebtor() {
		return nil, forbidden("You cannot accept or refuse your own offer.")
	}
	if rec.Status != OfferProposed {
		return nil, portal.Errorf(portal.ECONFLICT, "This offer was already %s.", rec.Status)
	}
	d := Decision{OfferID: rec.ID, Accept: in.Type == MsgAccept, Reason: strings.TrimSpace(in.Reason)}
	m.OfferID, m.Text = rec.ID, d.Reason
	if d.Accept {
		claim, balance, today, err := s.claimBalance(ctx, conv.TenantID, conv.ClaimID)
		if err != nil {
			return nil, err
		}
		policy, err := s.Store.Policy(ctx, conv.TenantID, conv.ClaimID)
		if err != nil {
			return nil, err
		}
		if !p.IsDebtor() {
			// Judged again now: the balance and the policy may have moved
			// since the debtor made the offer.
			if d.Override, err = s.override(p, in, Evaluate(policy, rec.Terms, balance, today)); err != nil {
				return nil, err
			}
			m.Override = d.Override
		}
		d.Agreement = s.draft(claim, policy, rec.Terms, balance)
	}
	// Taken only once the decision may go out: a refused acceptance leaves
	// a free conversation free.
	if err := s.takeIfFree(ctx, p, conv); err != nil {
		return nil, err
	}
	stored, dup, err := s.Store.DecideOffer(ctx, m, d)
	if err != nil {
		return nil, err
	}
	return &Outcome{Messages: []*Message{stored}, Duplicate: dup}, nil
}

// OutsidePolicy lists the bounds of the policy that v breaks, leaving
// out "an agent decides" (a call-back, which an agent may accept freely).
func OutsidePolicy(v Verdict) []Breach {
	var out []Breach
	for _, b := range v.Breaches {
		if b.Bound != BoundNeedsAgent {
			out = append(out, b)
		}
	}
	return out
}

// override checks an agent's counter-offer or acceptance against the
// policy verdict v: inside the policy nothing is needed (nil); outside it
// the input must confirm it and give a reason, else EINVALID with the
// reason key ReasonOutsidePolicy and the verdict, so that the console can
// list the breaches and ask.
func (s *Service) override(p Participant, in Input, v Verdict) (*PolicyOverride, error) {
	breaches := OutsidePolicy(v)
	if len(breaches) == 0 {
		return nil, nil
	}
	v.Breaches = breaches
	reason := strings.TrimSpace(in.PolicyReason)
	fail := func(field, msg string) error {
		return &portal.Error{Code: portal.EINVALID, Field: field, Message: msg, Err: &Reason{Key: ReasonOutsidePolicy, Verdict: &v}}
	}
	switch {
	case !in.ConfirmOutsidePolicy:
		return nil, fail("confirm_outside_policy", "This is outside the creditor's policy: confirm it (confirm_outside_policy) and give a reason (policy_reason).")
	case reason == "":
		return nil, fail("policy_reason", "Give the reason for going outside the creditor's policy (policy_reason).")
	case utf8.RuneCountInString(reason) > MaxNoteLen:
		return nil, portal.FieldError("policy_reason", "policy_reason is longer than %d characters", MaxNoteLen)
	case !portal.ValidText(reason):
		return nil, portal.FieldError("policy_reason", "policy_reason is not valid text (invalid UTF-8 or a NUL character)")
	}
	return &PolicyOverride{Reason: reason, Breaches: breaches, Balance: v.Balance, By: p.Author(), At: s.Clock.Now().UTC()}, nil
}

// Tenants is what the service reads of a tenant: its time zone.
type Tenants interface {
	FindTenant(ctx context.Context, id string) (*portal.Tenant, error)
}

// TenantLocation returns a Location function reading each tenant's IANA
// time zone (UTC when unknown).
func TenantLocation(t Tenants) func(ctx context.Context, tenantID string) *time.Location {
	return func(ctx context.Context, tenantID string) *time.Location {
		if tn, err := t.FindTenant(ctx, tenantID); err == nil {
			if loc, err := time.LoadLocation(tn.Timezone); err == nil {
				return loc
			}
		}
		return time.UTC
	}
}
