package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/relais/relais/portal"
)

var _ portal.ConsoleSessions = (*DB)(nil)

type consoleSessionRow struct {
	ID        string
	TenantID  string
	UserID    string
	TokenHash string
	CSRFToken string `gorm:"column:csrf_token"`
	IP        string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (consoleSessionRow) TableName() string { return "console_sessions" }

// randomToken returns 256 random bits, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateConsoleSession implements portal.ConsoleSessions.
func (db *DB) CreateConsoleSession(ctx context.Context, u *portal.User, ttl time.Duration) (*portal.ConsoleSession, string, error) {
	token, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	now := db.Now()
	a := portal.ActorFrom(ctx)
	row := consoleSessionRow{ID: portal.NewID(now), TenantID: u.TenantID, UserID: u.ID, TokenHash: portal.SHA256Hex([]byte(token)), CSRFToken: csrf,
		IP: a.IP, UserAgent: a.UserAgent, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := db.conn(ctx).Create(&row).Error; err != nil {
		return nil, "", translate("create console session", err)
	}
	return &portal.ConsoleSession{ID: row.ID, TenantID: row.TenantID, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: row.ExpiresAt}, token, nil
}

// ConsoleSession implements portal.ConsoleSessions.
func (db *DB) ConsoleSession(ctx context.Context, token string) (*portal.ConsoleSession, *portal.User, error) {
	unauthorized := portal.Errorf(portal.EUNAUTHORIZED, "Please sign in.")
	if token == "" || len(token) > 100 {
		return nil, nil, unauthorized
	}
	var row consoleSessionRow
	if err := db.conn(ctx).Where("token_hash = ?", portal.SHA256Hex([]byte(token))).Limit(1).Find(&row).Error; err != nil {
		return nil, nil, translate("find console session", err)
	}
	if row.ID == "" || !db.Now().Before(row.ExpiresAt) {
		return nil, nil, unauthorized
	}
	u, err := db.FindUser(ctx, row.UserID)
	if err != nil {
		return nil, nil, unauthorized
	}
	return &portal.ConsoleSession{ID: row.ID, TenantID: row.TenantID, UserID: row.UserID, CSRFToken: row.CSRFToken, CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC()}, u, nil
}

// EndConsoleSession implements portal.ConsoleSessions.
func (db *DB) EndConsoleSession(ctx context.Context, token string) error {
	err := db.conn(ctx).Where("token_hash = ?", portal.SHA256Hex([]byte(token))).Delete(&consoleSessionRow{}).Error
	return translate("end console session", err)
}
