package portal

import (
	"context"
	"time"
)

// Idempotent API writes (issue 19): a POST sent with an Idempotency-Key
// runs once; its first answer is kept IdempotencyTTL and replayed to the
// retries of the same request.

// IdempotencyTTL is how long a key's first answer is kept.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLock is how long a request in progress holds its key: after
// it (a crash mid-request) a retry runs again.
const IdempotencyLock = 2 * time.Minute

// EIDEMPOTENCYREUSED is the error code of a key used for another request
// (HTTP 422); a key whose first request is still running is ECONFLICT.
const EIDEMPOTENCYREUSED = "idempotency_key_reused"

// IdempotentRequest is a request sent with a key, within a tenant.
type IdempotentRequest struct {
	TenantID, Key string
	// Method and Path are the first request's, for the message a reused
	// key gets; Fingerprint is the SHA-256 (hex) of method, path and body
	// SHA-256: the same key with another fingerprint is another request.
	Method, Path, Fingerprint string
}

// IdempotentResponse is a kept answer.
type IdempotentResponse struct {
	Status                int
	ContentType, Location string
	Body                  []byte
}

// IdempotencyStore keeps keys and their answers.
type IdempotencyStore interface {
	// BeginIdempotent reserves the key for the request and returns a
	// token to finish or abandon it with; or the kept answer of the same
	// request (token ""); or an EIDEMPOTENCYREUSED error (another request
	// used the key) or ECONFLICT (the first request is still running).
	BeginIdempotent(ctx context.Context, req IdempotentRequest) (token string, replay *IdempotentResponse, err error)
	// FinishIdempotent keeps the answer of the request holding token.
	FinishIdempotent(ctx context.Context, req IdempotentRequest, token string, resp IdempotentResponse) error
	// AbandonIdempotent frees the key (an answer not kept: a 5xx), so that
	// a retry runs again.
	AbandonIdempotent(ctx context.Context, req IdempotentRequest, token string) error
}
