package portal

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
)

// Bucket is the shape of a token bucket: Burst tokens at most, one more
// every Every. A bucket never used, or left alone long enough to refill,
// holds Burst.
type Bucket struct {
	Burst int
	Every time.Duration
}

// Validate checks the bucket can hold a token and refills.
func (b Bucket) Validate() error {
	if b.Burst < 1 || b.Every <= 0 {
		return Errorf(EINVALID, "A limiter bucket needs a burst of at least 1 and a refill period (got %d, %s).", b.Burst, b.Every)
	}
	return nil
}

// MaxLimitKey bounds the length of a limiter key (LimitKey's are the
// namespace and 29 bytes).
const MaxLimitKey = 128

// Limiter is the one rate limiter of the server (issue 26.5): token
// buckets by key, kept where every instance sees them (the database on
// PostgreSQL, behind several instances) or in memory (SQLite: one
// instance). The link-open, sign-in and chat limits all use it, each with
// its own key namespace (LimitKey).
type Limiter interface {
	// Take takes n tokens from key's bucket, refilled at b's rate since it
	// was last used. When fewer than n are left it takes none: ok is false
	// and retryAfter is how long until n are there (rounded up to a whole
	// second). A negative n gives tokens back (never above b.Burst), for a
	// call that turned out not to count; it always succeeds. One call is
	// atomic: two instances taking the last token at once cannot both get
	// it. The same key must always be used with the same b.
	//
	// Errors: EINVALID for an empty or overlong key (MaxLimitKey), an
	// invalid b or n above b.Burst; EUNAVAILABLE when the shared state
	// cannot be reached (the database is down, ctx ended); anything else is
	// internal.
	Take(ctx context.Context, key string, b Bucket, n int) (ok bool, retryAfter time.Duration, err error)
}

// CheckTake is the validation every Limiter does on Take's arguments.
func CheckTake(key string, b Bucket, n int) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if key == "" || len(key) > MaxLimitKey {
		return Errorf(EINVALID, "A limiter key must have 1 to %d bytes.", MaxLimitKey)
	}
	if n > b.Burst {
		return Errorf(EINVALID, "Cannot take %d tokens from a bucket of %d.", n, b.Burst)
	}
	return nil
}

// LimitKey is the key of a limiter bucket: the namespace ("login-ip",
// "login-acct", "link-ip", "chat-conv"), a colon and a hash of the parts.
// Keys are short whatever the input, and the table of buckets holds no
// e-mail address or client address in clear.
func LimitKey(namespace string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return namespace + ":" + base64.RawURLEncoding.EncodeToString(h[:21])
}

// RetryAfter rounds a wait up to a whole second, at least one: what a
// Retry-After header or a "wait N seconds" can say truthfully. The wait is
// first rounded to the millisecond, so that the float error of a refill
// (20 s computed as 20.000000004 s) does not add a second.
func RetryAfter(d time.Duration) time.Duration {
	if d = d.Round(time.Millisecond); d <= time.Second {
		return time.Second
	}
	return ((d + time.Second - 1) / time.Second) * time.Second
}
