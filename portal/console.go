package portal

import (
	"context"
	"time"
)

// ConsoleSession is a console user's signed-in browser. The token lives
// only in the cookie; the database keeps its SHA-256. CSRFToken is put in
// every console form and checked on every state-changing request.
type ConsoleSession struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	UserID    string    `json:"user_id"`
	CSRFToken string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ConsoleSessions signs console users in and out.
type ConsoleSessions interface {
	// CreateConsoleSession starts a session for u and returns it with the
	// secret token for the cookie (shown once, stored hashed).
	CreateConsoleSession(ctx context.Context, u *User, ttl time.Duration) (*ConsoleSession, string, error)
	// ConsoleSession returns the live session of a token and its user;
	// EUNAUTHORIZED when unknown or expired.
	ConsoleSession(ctx context.Context, token string) (*ConsoleSession, *User, error)
	// EndConsoleSession signs out (deletes the session of token).
	EndConsoleSession(ctx context.Context, token string) error
}
