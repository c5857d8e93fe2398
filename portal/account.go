package portal

import (
	"encoding/json"
	"time"
)

// AccountEntry is one change of an account's settings in its account log:
// a webhook endpoint, a creditor or a negotiation policy changed through
// the API, the console or by Relais itself, with who made it. The log is
// written in the transaction of the change and is append-only, as a
// claim's evidence events are; claims' own changes are in their events.
type AccountEntry struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Actor Actor     `json:"actor"`
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
	AccountPolicySet       = "policy.set"
)
