package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
)

var _ portal.IdentityCodes = (*DB)(nil)

// codeRow is the portal_codes table.
type codeRow struct {
	ID          string
	TenantID    string
	ClaimID     string
	SessionID   string
	Channel     string
	Destination string
	CodeHash    string
	Attempts    int
	CreatedAt   time.Time
	ExpiresAt   time.Time
	EndedAt     *time.Time
	EndReason   string
}

func (codeRow) TableName() string { return "portal_codes" }

func (r *codeRow) code() *portal.IdentityCode {
	c := &portal.IdentityCode{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, SessionID: r.SessionID,
		Channel: portal.LinkChannel(r.Channel), Destination: r.Destination, CodeHash: r.CodeHash, Attempts: r.Attempts,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), EndReason: r.EndReason}
	if r.EndedAt != nil {
		t := r.EndedAt.UTC()
		c.EndedAt = &t
	}
	return c
}

// codeSession reads a session for the code steps, locked on PostgreSQL
// so that two requests of one session take turns: EGONE when it ended,
// EFORBIDDEN before the identity passed, ECONFLICT once verified.
func (db *DB) codeSession(tx *gorm.DB, sessionID string, now time.Time) (*sessionRow, error) {
	var row sessionRow
	q := tx.Where("id = ?", sessionID)
	if db.Dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, translate("find session", err)
	}
	switch {
	case !now.Before(row.ExpiresAt):
		return nil, portal.Errorf(portal.EGONE, "This session has ended; open the link again.")
	case row.Verified:
		return nil, portal.Errorf(portal.ECONFLICT, "This session is already verified.")
	case !row.IdentityPassed:
		return nil, portal.Errorf(portal.EFORBIDDEN, "Answer the identity question first.")
	}
	return &row, nil
}

// IssueCode implements portal.IdentityCodes.
func (db *DB) IssueCode(ctx context.Context, sessionID string, ch portal.LinkChannel, to string) (*portal.IdentityCode, string, error) {
	if ch != portal.ChannelEmail && ch != portal.ChannelSMS {
		return nil, "", portal.FieldError("channel", "a code goes by email or sms")
	}
	if to == "" {
		return nil, "", portal.FieldError("to", "a code needs a destination")
	}
	code := portal.NewCode()
	var out *codeRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		now := db.Now()
		row, err := db.codeSession(tx, sessionID, now)
		if err != nil {
			return err
		}
		// One live code per session: a resend replaces the code before it.
		if err := tx.Model(&codeRow{}).Where("session_id = ? AND ended_at IS NULL", row.ID).
			Updates(map[string]any{"ended_at": now, "end_reason": portal.CodeReplaced}).Error; err != nil {
			return translate("replace code", err)
		}
		id := portal.NewID(now)
		out = &codeRow{ID: id, TenantID: row.TenantID, ClaimID: row.ClaimID, SessionID: row.ID, Channel: string(ch),
			Destination: portal.MaskDestination(ch, to), CodeHash: portal.HashCode(id, code), CreatedAt: now, ExpiresAt: now.Add(portal.CodeTTL)}
		return translate("create code", tx.Create(out).Error)
	})
	if err != nil {
		return nil, "", err
	}
	return out.code(), code, nil
}

// RecordCodeSent implements portal.IdentityCodes.
func (db *DB) RecordCodeSent(ctx context.Context, c *portal.IdentityCode, providerID string, sendErr error) error {
	kind := portal.EventIdentityCodeSent
	payload := map[string]any{"session_id": c.SessionID, "code_id": c.ID, "channel": c.Channel, "destination": c.Destination,
		"expires_at": c.ExpiresAt}
	if sendErr != nil {
		kind = portal.EventIdentityCodeUndelivered
		// The reason as the sender gave it, bounded: it names a server or
		// a provider's status, never the code.
		payload["error"] = truncateText(sendErr.Error(), 300)
	} else if providerID != "" {
		payload["provider_id"] = truncateText(providerID, 200)
	}
	_, err := db.AppendEvent(ctx, c.TenantID, c.ClaimID, kind, payload)
	return err
}

// FindCode implements portal.IdentityCodes.
func (db *DB) FindCode(ctx context.Context, sessionID string) (*portal.IdentityCode, error) {
	var row codeRow
	err := db.conn(ctx).Where("session_id = ?", sessionID).Order("id DESC").Limit(1).Take(&row).Error
	if err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "No code was sent.")
		}
		return nil, translate("find code", err)
	}
	return row.code(), nil
}

// VerifyCode implements portal.IdentityCodes.
func (db *DB) VerifyCode(ctx context.Context, sessionID, code string) (string, error) {
	var result error
	secret := ""
	err := db.tx(ctx, func(tx *gorm.DB) error {
		now := db.Now()
		row, err := db.codeSession(tx, sessionID, now)
		if err != nil {
			result = err
			return nil
		}
		var c codeRow
		err = tx.Where("session_id = ?", row.ID).Order("id DESC").Limit(1).Take(&c).Error
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			result = portal.Errorf(portal.EGONE, "No code was sent; ask for one.")
			return nil
		} else if err != nil {
			return translate("find code", err)
		}
		if c.EndedAt != nil || !now.Before(c.ExpiresAt) {
			result = portal.Errorf(portal.EGONE, "This code is no longer valid; ask for a new one.")
			return nil
		}
		if portal.CodeMatches(c.ID, c.CodeHash, code) {
			secret = portal.NewSecret()
			if err := tx.Model(&codeRow{}).Where("id = ?", c.ID).Updates(map[string]any{"ended_at": now, "end_reason": portal.CodeUsed}).Error; err != nil {
				return translate("use code", err)
			}
			if err := tx.Model(&sessionRow{}).Where("id = ?", row.ID).
				Updates(map[string]any{"verified": true, "secret_hash": portal.HashSecret(secret)}).Error; err != nil {
				return translate("verify session", err)
			}
			_, err := db.appendEvent(ctx, tx, row.TenantID, row.ClaimID, portal.EventIdentityCodePassed, map[string]any{
				"session_id": row.ID, "code_id": c.ID, "channel": c.Channel,
			})
			return err
		}
		n := c.Attempts + 1
		upd := map[string]any{"attempts": n}
		if n >= portal.MaxCodeAttempts {
			upd["ended_at"], upd["end_reason"] = now, portal.CodeSpent
		}
		if err := tx.Model(&codeRow{}).Where("id = ?", c.ID).Updates(upd).Error; err != nil {
			return translate("count code attempt", err)
		}
		left := max(0, portal.MaxCodeAttempts-n)
		if _, err := db.appendEvent(ctx, tx, row.TenantID, row.ClaimID, portal.EventIdentityCodeFailed, map[string]any{
			"session_id": row.ID, "code_id": c.ID, "attempt": n, "spent": left == 0,
		}); err != nil {
			return err
		}
		result = &portal.Error{Code: portal.EFORBIDDEN, Message: "This code is not the one we sent.", Err: &portal.CodeError{Left: left}}
		return nil
	})
	if err != nil {
		return "", err
	}
	if result != nil {
		return "", result
	}
	return secret, nil
}
