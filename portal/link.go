package portal

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// LinkChannel is how a portal link reaches the debtor.
type LinkChannel string

const (
	ChannelLetter LinkChannel = "letter"
	ChannelSMS    LinkChannel = "sms"
	ChannelEmail  LinkChannel = "email"
)

// Valid reports whether ch is a known channel.
func (ch LinkChannel) Valid() bool {
	return ch == ChannelLetter || ch == ChannelSMS || ch == ChannelEmail
}

// Portal link and session defaults.
const (
	// DefaultLinkTTL is how long a portal link stays valid.
	DefaultLinkTTL = 90 * 24 * time.Hour
	// SessionTTL is the lifetime of a portal session (never beyond its link's).
	SessionTTL = 8 * time.Hour
	// MaxIdentityFailures is how many wrong identity answers lock a link.
	MaxIdentityFailures = 5
	// IdentityLockout is how long a locked link first refuses identity
	// answers; each further lockout lasts twice as long, up to
	// MaxIdentityLockout (IdentityLockoutFor).
	IdentityLockout    = 15 * time.Minute
	MaxIdentityLockout = 24 * time.Hour
)

// IdentityLockoutFor is how long the n-th consecutive lockout of a link
// lasts: 15 minutes, 30, 1 hour, 2... at most a day. Five guesses per
// lockout then allow a few dozen guesses over a 90-day link, not 20 an hour.
func IdentityLockoutFor(n int) time.Duration {
	return min(Doubling(IdentityLockout, MaxIdentityLockout, n), MaxIdentityLockout)
}

// PortalLink is a capability to open the debtor portal for one claim. Only
// the SHA-256 of its token is stored; the token is shown once, in the URL.
type PortalLink struct {
	ID             string      `json:"id"`
	TenantID       string      `json:"-"`
	ClaimID        string      `json:"claim_id"`
	Channel        LinkChannel `json:"channel"`
	TokenHash      string      `json:"-"`
	CreatedAt      time.Time   `json:"created_at"`
	ExpiresAt      time.Time   `json:"expires_at"`
	RevokedAt      *time.Time  `json:"revoked_at"`
	FailedAttempts int         `json:"failed_attempts"`
	LockedUntil    *time.Time  `json:"locked_until"`
	// Lockouts counts the link's consecutive lockouts since the last right
	// answer.
	Lockouts int `json:"lockouts"`
}

// Usable reports whether the link may be opened at now.
func (l *PortalLink) Usable(now time.Time) bool {
	return l.RevokedAt == nil && now.Before(l.ExpiresAt)
}

// tokenEncoding is lower-case base32 without padding: short, unambiguous
// to type from paper, and URL-safe.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewSecret returns 128 random bits from crypto/rand as 26 lower-case
// base32 characters: the form of portal link tokens and session secrets.
func NewSecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return tokenEncoding.EncodeToString(b[:])
}

// ValidSecret reports whether s has the form of NewSecret's output, so that
// garbage is refused without a database round trip.
func ValidSecret(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// HashSecret is what is stored of a token or session secret: its SHA-256.
func HashSecret(secret string) string { return SHA256Hex([]byte(secret)) }

// ShortHash is the first 12 hex digits of the secret's hash: enough to tell
// tokens apart in logs and events, useless to open anything.
func ShortHash(secret string) string { return HashSecret(secret)[:12] }

// NormaliseToken reads a token as typed from paper: case and spaces or
// dashes between groups do not matter.
func NormaliseToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\u00a0':
			return -1
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// LinkOpening is the result of opening a portal link: a new session and its
// secret (for the cookie), and the claim with creditor and debtor so that
// even a refusal page can name the creditor in the debtor's language.
type LinkOpening struct {
	Session *PortalSession
	Secret  string
	Claim   *Claim
}

// LinkService issues portal links and runs portal sessions.
type LinkService interface {
	// IssueLink creates a link for a claim of the tenant valid for ttl and
	// returns it with its token, shown once. ENOTFOUND, EINVALID (channel).
	IssueLink(ctx context.Context, tenantID, claimID string, ch LinkChannel, ttl time.Duration) (*PortalLink, string, error)
	// FindLinks lists a claim's links, newest first. ENOTFOUND.
	FindLinks(ctx context.Context, tenantID, claimID string) ([]*PortalLink, error)
	// RevokeLink revokes a link and ends its sessions. ENOTFOUND;
	// ECONFLICT when already revoked.
	RevokeLink(ctx context.Context, tenantID, claimID, linkID string) error
	// OpenLink exchanges a token for a new, unverified session and records
	// link.opened. ENOTFOUND for an unknown token; EGONE for an expired or
	// revoked one, in which case the opening still carries the Claim.
	OpenLink(ctx context.Context, token string) (*LinkOpening, error)
	// FindSession returns the live session whose secret this is.
	// EUNAUTHORIZED when unknown or expired.
	FindSession(ctx context.Context, secret string) (*PortalSession, error)
	// CheckIdentity compares answer with the claim's identity fact and marks
	// the session verified under a new secret, returned: the secret that
	// opened the session (before the check) no longer works, so a session
	// fixed or seen before the check is worth nothing after it. EFORBIDDEN
	// for a wrong answer (recorded), ERATELIMIT while the link is locked
	// (wrapping a *LockedError that says until when), EGONE when the link
	// was revoked or expired meanwhile.
	CheckIdentity(ctx context.Context, sessionID, answer string) (secret string, err error)
	// EndSession signs a debtor out: the session's secret stops working at
	// once (portal.signed_out is recorded). ENOTFOUND.
	EndSession(ctx context.Context, s *PortalSession) error
	// FindPortalClaim returns the claim of a session with its parts, at
	// least as recent as the session's read (s.PageVersion, which the
	// claim carries on): a store may answer from a cache kept under that
	// version. Read the session again after a write to see it.
	FindPortalClaim(ctx context.Context, s *PortalSession) (*Claim, error)
	// SetSessionLanguage records the language a debtor chose.
	SetSessionLanguage(ctx context.Context, sessionID, lang string) error
	// RecordPortalEvent records what a debtor session did (claim.viewed,
	// computation.viewed...) on the claim's evidence chain.
	RecordPortalEvent(ctx context.Context, s *PortalSession, kind EventKind, payload map[string]any) error
}

// LockedError is the ERATELIMIT error of CheckIdentity: Until says when
// the link accepts answers again.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return "identity check locked until " + e.Until.Format(time.RFC3339)
}
