// Package webhooks tells a creditor's own systems what happens on its
// claims: every evidence event of the tenant's claims that an endpoint
// wants is POSTed to it as JSON, signed with the endpoint's secret.
//
// The outbox is written by the store in the transaction of the event
// (portal/store appendEvent), so a delivery is never lost and never sent
// for a change that rolled back. The Worker sends them: at least once, in
// seq order per claim and endpoint, one instance at a time per delivery,
// with exponential backoff and jitter on network errors, 408, 425, 429 and
// 5xx answers for up to three days, after which the delivery is a
// permanent failure (so are 3xx and other 4xx answers at once). Redirects
// are never followed, each request times out after 10 seconds and at
// most 64 KiB of an answer is read.
//
// Once a delivery has failed for three days, with no other delivery to
// the endpoint answered 2xx meanwhile, the endpoint is disabled: no more
// is sent to it until its owner enables it again (API or console), and
// the tenant's owners are told (Notifier). Every attempt is kept in
// the endpoint's delivery log, and any delivery can be sent again.
//
// # Signature
//
// Deliveries follow the Standard Webhooks specification
// (https://www.standardwebhooks.com). Each request carries
//
//	webhook-id: 01J1ZK5Y3E6W0D9Q4V4GQ2M8XN
//	webhook-timestamp: 1719741600
//	webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=
//
// where webhook-id is the event's ID (the same when a delivery is sent
// again), webhook-timestamp the Unix time of the attempt, and each v1 the
// base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>" keyed with the
// bytes of a secret: "whsec_" then the key in base64. After a rotation the
// header holds two signatures, space-separated, until the previous secret
// expires. A receiver checks it with Verify before it parses the body (or
// with any Standard Webhooks library).
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/relais/relais/portal"
)

// Endpoint is a URL a tenant registered.
type Endpoint struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	URL      string `json:"url"`
	// Kinds are the event kinds sent; empty: every event kind of the
	// claims, but not KindCheckpointSigned, which is sent only to
	// endpoints that name it.
	Kinds       []portal.EventKind `json:"kinds"`
	Description string             `json:"description"`
	CreatedAt   time.Time          `json:"created_at"`
	// Secret signs the deliveries. It is set only in the answer to the
	// endpoint's creation or to a rotation: the one time the tenant sees
	// it.
	Secret string `json:"secret,omitempty"`
	// PreviousSecretExpiresAt is set while a rotated-out secret still
	// signs the deliveries (next to the current one).
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	// DisabledAt is set while the endpoint is disabled: after a delivery
	// failed for three days (DisabledReason says which and why), until
	// its owner enables it again. Its deliveries wait meanwhile.
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
}

// Wants reports whether an endpoint with kinds (empty: every event kind)
// is sent the deliveries of kind k. A checkpoint (large, daily) goes only
// to endpoints that ask for it by name.
func Wants(kinds []portal.EventKind, k portal.EventKind) bool {
	if len(kinds) == 0 {
		return k != KindCheckpointSigned
	}
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Kinds lists what an endpoint may ask for: every event kind of the log,
// then KindCheckpointSigned.
func Kinds() []portal.EventKind {
	return append(portal.EventKinds(), KindCheckpointSigned)
}

// EndpointInput is what a tenant registers.
type EndpointInput struct {
	URL         string             `json:"url"`
	Kinds       []portal.EventKind `json:"kinds"`
	Description string             `json:"description"`
}

// KindCheckpointSigned is the kind of the deliveries that carry a signed
// checkpoint of the tenant's chain heads (issue 26.6, portal/evidence):
// not an event of a claim, so it is not a portal.EventKind of the log.
// Its body is a Body whose payload is the checkpoint file, claim_id
// empty, seq 0 and hash the checkpoint's Merkle root.
const KindCheckpointSigned portal.EventKind = "checkpoint.signed"

// ValidKind reports whether an endpoint may ask for k: an event kind of
// the log, or KindCheckpointSigned.
func ValidKind(k portal.EventKind) bool { return k.Valid() || k == KindCheckpointSigned }

// MaxEndpoints bounds the endpoints of one tenant.
const MaxEndpoints = 10

// Validate checks the URL (ValidateURL), the kinds (known, each once) and
// the description.
func (in *EndpointInput) Validate() error {
	in.URL = strings.TrimSpace(in.URL)
	if err := ValidateURL(in.URL); err != nil {
		return err
	}
	seen := map[portal.EventKind]bool{}
	kinds := make([]portal.EventKind, 0, len(in.Kinds))
	for _, k := range in.Kinds {
		if !ValidKind(k) {
			return portal.FieldError("kinds", "%q is not an event kind (GET /api/v1/event-kinds lists them)", k)
		}
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	in.Kinds = kinds
	in.Description = strings.TrimSpace(in.Description)
	if len(in.Description) > 200 || !portal.ValidText(in.Description) {
		return portal.FieldError("description", "description must be text of at most 200 bytes")
	}
	return nil
}

// ValidateURL accepts an absolute https URL without user or fragment, or
// http to the loopback host (127.0.0.1, ::1 or localhost: a receiver on
// the same machine, and tests).
func ValidateURL(raw string) error {
	if raw == "" {
		return portal.FieldError("url", "url is required")
	}
	if len(raw) > 2048 || !portal.ValidText(raw) {
		return portal.FieldError("url", "url must be at most 2048 bytes of text")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return portal.FieldError("url", "url must be an absolute https URL")
	}
	if u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") {
		return portal.FieldError("url", "url must not hold a user, a password or a fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return portal.FieldError("url", "url must be https (http only to 127.0.0.1 or localhost)")
		}
	default:
		return portal.FieldError("url", "url must be https (http only to 127.0.0.1 or localhost)")
	}
	return nil
}

// IsLoopbackHost reports whether host is localhost or a loopback address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewSecret returns a fresh signing secret: "whsec_" and 256 random bits.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// MaxPreviousSecret bounds how long a rotated-out secret keeps signing.
const MaxPreviousSecret = 7 * 24 * time.Hour

// Rotation is a new secret of an endpoint.
type Rotation struct {
	// Secret is the new secret, shown this once.
	Secret string `json:"secret"`
	// PreviousSecretExpiresAt is when the former secret stops signing
	// (null: at once).
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
}

// EndpointStore keeps a tenant's endpoints (the API's /webhooks routes).
type EndpointStore interface {
	// CreateWebhookEndpoint validates and stores an endpoint with a fresh
	// secret, returned in Secret this once.
	CreateWebhookEndpoint(ctx context.Context, tenantID string, in EndpointInput) (*Endpoint, error)
	ListWebhookEndpoints(ctx context.Context, tenantID string) ([]*Endpoint, error)
	// DeleteWebhookEndpoint removes an endpoint and its deliveries not yet
	// sent; another tenant's endpoint is ENOTFOUND.
	DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error
	// FindWebhookEndpoint returns one endpoint of the tenant, without its
	// secret; another tenant's is ENOTFOUND.
	FindWebhookEndpoint(ctx context.Context, tenantID, id string) (*Endpoint, error)
	// RotateWebhookSecret gives an endpoint a new secret; the former one
	// keeps signing, next to it, for keep (0: not at all; at most
	// MaxPreviousSecret, else EINVALID).
	RotateWebhookSecret(ctx context.Context, tenantID, id string, keep time.Duration) (*Rotation, error)
	// SetWebhookEndpointEnabled disables an endpoint (its deliveries
	// wait) or enables it again: its waiting deliveries are due at once,
	// with a fresh three days of retries.
	SetWebhookEndpointEnabled(ctx context.Context, tenantID, id string, enabled bool, reason string) (*Endpoint, error)
	// WebhookDeliveryLog lists an endpoint's deliveries, newest first (at
	// most limit), each with its attempts, newest first.
	WebhookDeliveryLog(ctx context.Context, tenantID, endpointID string, limit int) ([]*LoggedDelivery, error)
	// ResendWebhookDelivery sends a delivery of the endpoint again (the
	// same webhook-id), whatever became of it, with a fresh three days of
	// retries; ENOTFOUND when it is not the tenant's endpoint's.
	ResendWebhookDelivery(ctx context.Context, tenantID, endpointID, deliveryID string) error
}

// LoggedDelivery is a delivery in an endpoint's log.
type LoggedDelivery struct {
	ID      string           `json:"id"`
	EventID string           `json:"event_id"`
	Kind    portal.EventKind `json:"kind"`
	// ClaimID is empty for a checkpoint.
	ClaimID string  `json:"claim_id"`
	Seq     int64   `json:"seq"`
	Status  Outcome `json:"status"`
	// NextAttemptAt is when a pending delivery is tried next.
	NextAttemptAt *time.Time      `json:"next_attempt_at"`
	CreatedAt     time.Time       `json:"created_at"`
	Attempts      []LoggedAttempt `json:"attempts"`
}

// LoggedAttempt is one attempt of a delivery.
type LoggedAttempt struct {
	At time.Time `json:"at"`
	// Status is the answer's HTTP status, 0 when there was none.
	Status     int    `json:"status"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error"`
	// ResponseBody is the start of the answer's body (MaxLoggedBody).
	ResponseBody string `json:"response_body"`
}

// MaxLoggedBody is how much of an answer's body the log keeps.
const MaxLoggedBody = 1024

// Disabled is an endpoint the Worker disabled.
type Disabled struct {
	TenantID, EndpointID, URL, Reason string
	At                                time.Time
}

// Notifier tells a tenant's owners that one of its endpoints was disabled.
type Notifier interface {
	EndpointDisabled(ctx context.Context, d Disabled) error
}

// Delivery is one event to send to one endpoint, claimed by a worker.
type Delivery struct {
	ID         string
	EndpointID string
	TenantID   string
	URL        string
	// Secrets sign the delivery: the endpoint's, and its previous one
	// while it has not expired.
	Secrets []string
	// Attempts is how many attempts were made before this one.
	Attempts int
	// CreatedAt is when the retry budget counts from: the event's time,
	// or the last resend or re-enabling of the endpoint.
	CreatedAt time.Time
	Event     *portal.Event
	// EventID and Body are set instead of Event for a delivery that is
	// not an event's (a checkpoint, KindCheckpointSigned): its ID and the
	// body to send.
	EventID string
	Body    []byte
}

// eventID is the ID of what d delivers: its event's, or its EventID.
func (d *Delivery) eventID() string {
	if d.Event != nil {
		return d.Event.ID
	}
	return d.EventID
}

// body is what d sends.
func (d *Delivery) body() ([]byte, error) {
	if d.Event == nil {
		if d.Body == nil {
			return nil, errors.New("a delivery without event or body")
		}
		return d.Body, nil
	}
	return BodyOf(d.Event)
}

// Outcome is what became of an attempt.
type Outcome string

const (
	Delivered Outcome = "delivered" // a 2xx answer
	Retry     Outcome = "pending"   // tried again at Attempt.Next
	Failed    Outcome = "failed"    // given up
)

// Attempt is the result of one delivery attempt.
type Attempt struct {
	At      time.Time
	Outcome Outcome
	// Status is the HTTP status of the answer, 0 when there was none.
	Status int
	// Error says why it failed, in words (never the answer's body).
	Error string
	// Next is when a Retry is tried again.
	Next time.Time
	// Duration is how long the attempt took.
	Duration time.Duration
	// ResponseBody is the start of the answer's body, for the log.
	ResponseBody string
	// Exhausted is set on a failure that ends three days of retries: the
	// endpoint is disabled, unless another delivery reached it meanwhile
	// (then only this one failed).
	Exhausted bool
}

// UnreadableSecrets is the error of a claim that held back deliveries
// because their endpoint's secret did not open with this instance's data
// key (another key file, a changed or moved value): they are never signed
// with a wrong secret. The run sends the others and then fails with it, so
// /healthz shows the job failing rather than only the log.
type UnreadableSecrets struct {
	Deliveries int
	// First is the first secret's error (which key, which row).
	First error
}

func (e *UnreadableSecrets) Error() string {
	return fmt.Sprintf("%d webhook deliveries not sent: their endpoint's secret does not decrypt: %v", e.Deliveries, e.First)
}

func (e *UnreadableSecrets) Unwrap() error { return e.First }

// Store is the outbox the Worker reads and updates.
type Store interface {
	// ClaimWebhookDeliveries takes up to limit due deliveries for owner
	// until now+lease: each the first pending one of its claim and
	// endpoint, none held by another owner's unexpired lease.
	// Deliveries whose endpoint's secret this instance cannot open are
	// left leased and unsent; the others are returned with an
	// *UnreadableSecrets error naming how many were held back.
	ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*Delivery, error)
	// RecordWebhookAttempt records an attempt of a delivery owner holds
	// in the delivery and its log, and releases it; a delivery whose
	// lease another owner took since is left alone. An Exhausted attempt
	// disables the endpoint in the same transaction; disabled says
	// whether this call did (it was not already).
	RecordWebhookAttempt(ctx context.Context, id, owner string, a Attempt) (disabled bool, err error)
	// PurgeWebhookDeliveries deletes the delivered and failed deliveries
	// created before before; it returns how many.
	PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int64, error)
}

// Body is the JSON body of a delivery: the event, without the IP address
// and user agent of its actor. Payload is null when it was erased with
// the claim's personal data.
type Body struct {
	// ID is the event's: a redelivery carries the same, receivers use it
	// to apply each event once.
	ID      string           `json:"id"`
	Kind    portal.EventKind `json:"kind"`
	ClaimID string           `json:"claim_id"`
	// Seq is the event's number in its claim's chain: deliveries of a
	// claim arrive in seq order; a gap means one failed for good (read it
	// from GET /api/v1/claims/{claim_id}/events).
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   BodyActor       `json:"actor"`
	Payload json.RawMessage `json:"payload"`
	// Hash is the event's hash in the evidence chain (as in the claim's
	// evidence bundle).
	Hash string `json:"hash"`
}

// BodyActor says who caused the event.
type BodyActor struct {
	Kind portal.ActorKind `json:"kind"`
	ID   string           `json:"id,omitempty"`
}

// BodyOf encodes the body of a delivery of e.
func BodyOf(e *portal.Event) ([]byte, error) {
	b := Body{ID: e.ID, Kind: e.Kind, ClaimID: e.ClaimID, Seq: e.Seq, At: e.At.UTC(),
		Actor: BodyActor{Kind: e.Actor.Kind, ID: e.Actor.ID}, Payload: json.RawMessage("null"), Hash: e.Hash}
	if e.Payload != "" {
		b.Payload = json.RawMessage(e.Payload)
	}
	return json.Marshal(b)
}

// CheckpointBody encodes the body of a delivery of a checkpoint: the
// checkpoint file as payload, its Merkle root as hash.
func CheckpointBody(id string, at time.Time, root string, checkpoint []byte) ([]byte, error) {
	return json.Marshal(Body{ID: id, Kind: KindCheckpointSigned, At: at.UTC(), Actor: BodyActor{Kind: portal.ActorSystem},
		Payload: json.RawMessage(checkpoint), Hash: root})
}
