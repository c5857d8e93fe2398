package portal

import (
	"context"
	"encoding/json"
	"time"
)

// AccountEntry is one change of an account's settings in its account log:
// a webhook endpoint, a creditor, a negotiation policy, a reminder
// sequence or the retention changed through the API, the console or by
// Relais itself, with who made it. The log is written in the transaction
// of the change and is append-only, as a claim's evidence events are;
// claims' own changes are in their events.
type AccountEntry struct {
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	// SubjectID is what changed: the creditor, the claim (a policy
	// override), the sequence or the webhook endpoint; "" for the account
	// itself (its retention).
	SubjectID string `json:"subject_id"`
	Actor     Actor  `json:"actor"`
	// Payload says what changed (never a secret).
	Payload json.RawMessage `json:"payload"`
}

// The kinds of the account log.
const (
	AccountWebhookCreated  = "webhook.created"
	AccountWebhookDeleted  = "webhook.deleted"
	AccountWebhookRotated  = "webhook.secret_rotated"
	AccountWebhookDisabled = "webhook.disabled"
	AccountWebhookEnabled  = "webhook.enabled"
	AccountWebhookResent   = "webhook.delivery_resent"
	AccountCreditorCreated = "creditor.created"
	AccountCreditorUpdated = "creditor.updated"
	AccountPolicySet       = "policy.set" // a creditor's negotiation policy, or a claim's override
	AccountSequenceCreated = "sequence.created"
	AccountSequenceUpdated = "sequence.updated" // changed in place before any reminder was sent from it
	AccountSequenceChosen  = "sequence.chosen"  // the sequence a claim follows (subject: the claim)
	AccountRetentionSet    = "retention.set"
	AccountAssignmentSet   = "assignment.set" // automatic assignment of conversations (issue 21)
)

// AccountLog reads a tenant's account log. The stores write it in the
// transaction of each change, with the actor of the context.
type AccountLog interface {
	// AccountLog lists the tenant's entries, newest first, at most limit.
	AccountLog(ctx context.Context, tenantID string, limit int) ([]*AccountEntry, error)
	// AccountChanges lists the tenant's entries of one kind, newest first,
	// at most limit: of one subject, or of all when subjectID is "".
	AccountChanges(ctx context.Context, tenantID, kind, subjectID string, limit int) ([]*AccountEntry, error)
}
