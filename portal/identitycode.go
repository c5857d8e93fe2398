package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// The second factor of the identity check (issue 26.14): once a consumer
// has answered the identity question, a one-time code goes to the e-mail
// address or phone number on file, and the session is verified only when
// the code comes back. Whoever found a letter and knows the postcode then
// still cannot open the file.
const (
	// CodeDigits is the length of a one-time code.
	CodeDigits = 6
	// CodeTTL is how long a code is accepted after it was issued.
	CodeTTL = 10 * time.Minute
	// MaxCodeAttempts is how many wrong codes one code takes: the last
	// wrong one ends it, and a new code must be asked for.
	MaxCodeAttempts = 5
)

// CodeSends bounds the codes sent for one claim, whatever the session or
// link: three at once, then one every 20 minutes. It is what a debtor
// needs (a first code, a resend or two) and what keeps someone who knows
// the identity answer from flooding the debtor's inbox or phone.
var CodeSends = Bucket{Burst: 3, Every: 20 * time.Minute}

// Second factor policies: which claims need a code after the identity
// answer (when a channel to send it is configured and the debtor has a
// contact for it).
const (
	// SecondFactorConsumer asks consumers for a code (the default).
	SecondFactorConsumer = "consumer"
	// SecondFactorAll asks every debtor with a contact on file.
	SecondFactorAll = "all"
	// SecondFactorOff never asks: the identity answer alone opens the file.
	SecondFactorOff = "off"
)

// ValidSecondFactor reports whether p names a policy ("" is the default).
func ValidSecondFactor(p string) bool {
	return p == "" || p == SecondFactorConsumer || p == SecondFactorAll || p == SecondFactorOff
}

// CodeChannel is the channel a claim's code goes through under policy,
// given whether e-mail and SMS can be sent, and the destination: the
// e-mail address on file first, else the phone. "" when the claim needs no
// code (policy off, a business debtor under the consumer policy, no
// contact on file for a configured channel, personal data erased).
func CodeChannel(c *Claim, policy string, email, sms bool) (LinkChannel, string) {
	d := c.Debtor
	if d == nil || c.PersonalDataErasedAt != nil || policy == SecondFactorOff {
		return "", ""
	}
	if (policy == "" || policy == SecondFactorConsumer) && d.Kind != DebtorConsumer {
		return "", ""
	}
	if email && d.Email != "" {
		return ChannelEmail, d.Email
	}
	if sms && d.Phone != "" {
		return ChannelSMS, d.Phone
	}
	return "", ""
}

// NewCode returns a uniformly random code of CodeDigits digits from
// crypto/rand.
func NewCode() string {
	const n = 1_000_000
	// Rejection sampling: values above the largest multiple of n would
	// make low codes likelier.
	limit := uint32(1<<32 - (1<<32)%n)
	for {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return fmt.Sprintf("%06d", v%n)
		}
	}
}

// NormaliseCode reads a code as typed: spaces, dashes and dots between
// digits do not matter; anything but CodeDigits digits reads as "".
func NormaliseCode(s string) string {
	out := make([]byte, 0, CodeDigits)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if len(out) == CodeDigits {
				return ""
			}
			out = append(out, byte(r))
		case r == ' ' || r == '-' || r == '.' || r == '\u00a0':
		default:
			return ""
		}
	}
	if len(out) != CodeDigits {
		return ""
	}
	return string(out)
}

// HashCode is what is stored of a code: the SHA-256 of the code bound to
// its id, so that equal codes of two sessions have different hashes and
// no table of a million hashes serves for every row.
func HashCode(codeID, code string) string {
	return SHA256Hex([]byte("relais-code:" + codeID + ":" + code))
}

// CodeMatches compares a typed code with a stored hash in constant time.
func CodeMatches(codeID, hash, typed string) bool {
	n := NormaliseCode(typed)
	ok := subtle.ConstantTimeCompare([]byte(HashCode(codeID, n)), []byte(hash)) == 1
	return ok && n != ""
}

// MaskEmail shows enough of an address for its owner to recognise it:
// the first character of the local part and the domain
// ("j***@example.be").
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}

// MaskPhone shows the country prefix and the last two digits of a number
// ("+32 *** ** 56").
func MaskPhone(s string) string {
	if len(s) < 6 {
		return "***"
	}
	return s[:3] + " *** ** " + s[len(s)-2:]
}

// MaskDestination masks a destination of a channel.
func MaskDestination(ch LinkChannel, to string) string {
	if ch == ChannelSMS {
		return MaskPhone(to)
	}
	return MaskEmail(to)
}

// IdentityCode is a one-time code issued to a portal session. Only the
// hash of the code is stored; Destination is masked.
type IdentityCode struct {
	ID          string      `json:"id"`
	TenantID    string      `json:"-"`
	ClaimID     string      `json:"claim_id"`
	SessionID   string      `json:"session_id"`
	Channel     LinkChannel `json:"channel"`
	Destination string      `json:"destination"`
	CodeHash    string      `json:"-"`
	Attempts    int         `json:"attempts"`
	CreatedAt   time.Time   `json:"created_at"`
	ExpiresAt   time.Time   `json:"expires_at"`
	// EndedAt is set once the code is used, spent (MaxCodeAttempts wrong
	// codes) or replaced by a newer one; EndReason says which.
	EndedAt   *time.Time `json:"ended_at"`
	EndReason string     `json:"end_reason"`
}

// Reasons a code ends.
const (
	CodeUsed     = "used"
	CodeSpent    = "spent"
	CodeReplaced = "replaced"
)

// Live reports whether the code may still be entered at now.
func (c *IdentityCode) Live(now time.Time) bool {
	return c.EndedAt == nil && now.Before(c.ExpiresAt)
}

// AttemptsLeft is how many wrong codes the code still takes.
func (c *IdentityCode) AttemptsLeft() int { return max(0, MaxCodeAttempts-c.Attempts) }

// CodeError is the error of a refused code: Left wrong codes remain on it
// (0: a new code is needed).
type CodeError struct {
	Left int
}

func (e *CodeError) Error() string { return fmt.Sprintf("wrong code, %d attempts left", e.Left) }

// IdentityCodes runs the second factor of the identity check. The server
// decides with CodeChannel whether a claim needs a code; the store keeps
// the codes (their hashes) and the sessions' state.
type IdentityCodes interface {
	// PassIdentity is CheckIdentity for a claim that needs a code: the
	// answer is compared, counted and locked exactly as there, but a right
	// answer marks the session's identity as passed (identity.passed with
	// second_factor) without verifying it or changing its secret.
	PassIdentity(ctx context.Context, sessionID, answer string) error
	// IssueCode stores a new code for a session whose identity passed and
	// returns it with the code in clear, to be sent once: the session's
	// earlier codes end (replaced). to is the destination in clear, of
	// which only the mask is kept. EFORBIDDEN before the identity passed;
	// ECONFLICT once the session is verified; EGONE when the session ended.
	IssueCode(ctx context.Context, sessionID string, ch LinkChannel, to string) (*IdentityCode, string, error)
	// RecordCodeSent records identity.code_sent after the code went out
	// (the channel, the masked destination, the provider's id; never the
	// code), or identity.code_undelivered with the reason when the send
	// failed.
	RecordCodeSent(ctx context.Context, code *IdentityCode, providerID string, sendErr error) error
	// FindCode returns the session's latest code. ENOTFOUND when none was
	// issued.
	FindCode(ctx context.Context, sessionID string) (*IdentityCode, error)
	// VerifyCode compares code with the session's latest live code in
	// constant time. A right code ends it (used) and marks the session
	// verified under a new secret, returned, as CheckIdentity does
	// (identity.code_passed). A wrong one is counted and recorded
	// (identity.code_failed): EFORBIDDEN wrapping a *CodeError with the
	// attempts left, the last one ending the code. EGONE when the session
	// has no live code (expired, used, spent or none issued); EFORBIDDEN
	// before the identity passed; ECONFLICT once verified.
	VerifyCode(ctx context.Context, sessionID, code string) (secret string, err error)
}
