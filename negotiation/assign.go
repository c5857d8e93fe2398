package negotiation

import (
	"context"

	"github.com/relais/relais/portal"
)

// Sharing the load (issue 21): a tenant may have Relais give each waiting
// conversation that no available agent holds to one of its available
// agents (agents and owners not marked away, under the cap), in turn or
// to the one with the fewest open conversations. Taking and handing over
// by hand stay as they are; an automatic assignment is a transfer from
// Relais, in the conversation's history and its claim's evidence like a
// take.

// AssignStrategy is how a tenant's waiting conversations are assigned.
type AssignStrategy string

const (
	// AssignOff: agents take conversations from the queue themselves.
	AssignOff AssignStrategy = "off"
	// AssignRoundRobin: the available agent whose last automatic
	// assignment is the oldest (one never given any first).
	AssignRoundRobin AssignStrategy = "round_robin"
	// AssignFewestOpen: the available agent with the fewest open (not
	// resolved) conversations, round robin among equals.
	AssignFewestOpen AssignStrategy = "fewest_open"
)

// Valid reports whether s is a known strategy.
func (s AssignStrategy) Valid() bool {
	return s == AssignOff || s == AssignRoundRobin || s == AssignFewestOpen
}

// MaxAssignCap bounds the cap of open conversations per agent.
const MaxAssignCap = 1000

// AssignmentSettings are a tenant's choice of automatic assignment.
type AssignmentSettings struct {
	Strategy AssignStrategy `json:"strategy"`
	// Cap is the most open conversations an agent is given automatically
	// (those taken or handed over by hand count too); 0 means no cap.
	Cap int `json:"cap"`
}

// Validate checks the settings: EINVALID naming the field.
func (a AssignmentSettings) Validate() error {
	if !a.Strategy.Valid() {
		return portal.FieldError("strategy", "strategy must be off, round_robin or fewest_open")
	}
	if a.Cap < 0 || a.Cap > MaxAssignCap {
		return portal.FieldError("cap", "cap must be between 0 (no cap) and %d", MaxAssignCap)
	}
	return nil
}

// AssignmentAuthor is the author of the transfers automatic assignment
// stores.
var AssignmentAuthor = Author{Kind: portal.ActorSystem, ID: "assignment", Name: "Relais"}

// Assigned is one conversation given to an agent automatically, and the
// transfer message that records it (for the agents' open chats).
type Assigned struct {
	Conversation *Conversation
	Message      *Message
}

// Assignments is the storage port of automatic assignment, implemented by
// portal/store, scoped to a tenant.
type Assignments interface {
	// AssignmentSettings returns the tenant's settings (off with no cap
	// until set). ENOTFOUND for an unknown tenant.
	AssignmentSettings(ctx context.Context, tenantID string) (AssignmentSettings, error)
	// SetAssignmentSettings stores them and records the change in the
	// account log with the context's actor. EINVALID, ENOTFOUND.
	SetAssignmentSettings(ctx context.Context, tenantID string, a AssignmentSettings) error
	// AssignWaiting gives, by the tenant's strategy, each waiting
	// conversation held by nobody or by an agent now away, oldest waiting
	// first, to an available agent under the cap, until none is left of
	// either. Each assignment is a transfer from AssignmentAuthor stored
	// with its evidence event in the same transaction. Runs of several
	// instances are serialised per tenant, and a conversation taken by
	// hand meanwhile is left to whoever took it: none is assigned twice.
	// Nothing when the strategy is off.
	AssignWaiting(ctx context.Context, tenantID string) ([]*Assigned, error)
}

// AssignWaiting runs the tenant's automatic assignment (nothing without
// an Assignments store): called after whatever may make a conversation
// need an agent or an agent free for one (a debtor's message, a hand-over,
// a resolved conversation, an agent away or back, the settings changed).
func (s *Service) AssignWaiting(ctx context.Context, tenantID string) ([]*Assigned, error) {
	if s.Assignments == nil {
		return nil, nil
	}
	return s.Assignments.AssignWaiting(ctx, tenantID)
}

// assignAfter reports whether in, once stored, may call for an automatic
// assignment: a debtor's message or offer puts the conversation in the
// queue, and a hand-over frees a place under the cap of the agent who
// handed it over.
func assignAfter(p Participant, in Input) bool {
	if p.IsDebtor() {
		return in.Type == MsgText || in.Type == MsgOffer
	}
	return in.Type == MsgTransfer
}
