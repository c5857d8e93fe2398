package portal

import (
	"context"
	"time"
)

// Kinds of setting change: what a tenant's audit trail of its settings
// records (a claim's own changes go into its evidence chain instead).
const (
	SettingPolicy    = "policy.set"       // a creditor's negotiation policy, or a claim's override
	SettingSequence  = "sequence.created" // a reminder sequence and its steps
	SettingRetention = "retention.set"    // the retention of personal data
)

// SettingChange is one change of a tenant's settings: what changed
// (Kind, and SubjectID: the creditor, claim or sequence), who changed it
// and the new value as JSON.
type SettingChange struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	SubjectID string    `json:"subject_id"`
	Actor     Actor     `json:"actor"`
	Body      string    `json:"body"`
}

// SettingChangeLog reads a tenant's setting changes. The stores append
// them in the transaction of the change, with the actor of the context.
type SettingChangeLog interface {
	// SettingChanges lists the tenant's changes of a kind, newest first,
	// at most limit.
	SettingChanges(ctx context.Context, tenantID, kind string, limit int) ([]*SettingChange, error)
}
