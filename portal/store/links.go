package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
)

var _ portal.LinkService = (*DB)(nil)

// sessionRow is the portal_sessions table: the session with the hash of
// its secret (the cookie value), never the secret.
type sessionRow struct {
	ID         string
	TenantID   string
	ClaimID    string
	LinkID     string
	SecretHash string
	Language   string
	Verified   bool
	// IdentityPassed: the identity answer passed and a code is awaited
	// (the second factor); Verified comes with the code.
	IdentityPassed bool
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

func (sessionRow) TableName() string { return "portal_sessions" }

func (r *sessionRow) session() *portal.PortalSession {
	return &portal.PortalSession{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, LinkID: r.LinkID, Language: r.Language,
		Verified: r.Verified, IdentityPassed: r.IdentityPassed, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

func normaliseLink(l *portal.PortalLink) {
	l.CreatedAt, l.ExpiresAt = l.CreatedAt.UTC(), l.ExpiresAt.UTC()
	for _, p := range []**time.Time{&l.RevokedAt, &l.LockedUntil} {
		if *p != nil {
			t := (*p).UTC()
			*p = &t
		}
	}
}

// claimExists checks that a claim is the tenant's.
func (db *DB) claimExists(ctx context.Context, tx *gorm.DB, tenantID, claimID string) error {
	if !portal.ValidID(claimID) {
		return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	var n int64
	if err := tx.WithContext(ctx).Model(&portal.Claim{}).Where("id = ? AND tenant_id = ?", claimID, tenantID).Count(&n).Error; err != nil {
		return translate("find claim", err)
	}
	if n == 0 {
		return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	return nil
}

// IssueLink implements portal.LinkService.
func (db *DB) IssueLink(ctx context.Context, tenantID, claimID string, ch portal.LinkChannel, ttl time.Duration) (*portal.PortalLink, string, error) {
	if !ch.Valid() {
		return nil, "", portal.FieldError("channel", "channel must be letter, sms or email")
	}
	if ttl <= 0 {
		ttl = portal.DefaultLinkTTL
	}
	token := portal.NewSecret()
	var l *portal.PortalLink
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.claimExists(ctx, tx, tenantID, claimID); err != nil {
			return err
		}
		var erased int64
		if err := tx.Model(&portal.Claim{}).Where("id = ? AND personal_data_erased_at IS NOT NULL", claimID).Count(&erased).Error; err != nil {
			return translate("find claim", err)
		}
		if erased > 0 {
			return errErased()
		}
		now := db.Now()
		l = &portal.PortalLink{ID: portal.NewID(now), TenantID: tenantID, ClaimID: claimID, Channel: ch,
			TokenHash: portal.HashSecret(token), CreatedAt: now, ExpiresAt: now.Add(ttl)}
		if err := tx.Create(l).Error; err != nil {
			return translate("create link", err)
		}
		_, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventLinkIssued, map[string]any{
			"link_id": l.ID, "channel": ch, "token": portal.ShortHash(token), "expires_at": l.ExpiresAt,
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return l, token, nil
}

// FindLinks implements portal.LinkService.
func (db *DB) FindLinks(ctx context.Context, tenantID, claimID string) ([]*portal.PortalLink, error) {
	if err := db.claimExists(ctx, db.conn(ctx), tenantID, claimID); err != nil {
		return nil, err
	}
	var out []*portal.PortalLink
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, translate("list links", err)
	}
	for _, l := range out {
		normaliseLink(l)
	}
	return out, nil
}

// RevokeLink implements portal.LinkService.
func (db *DB) RevokeLink(ctx context.Context, tenantID, claimID, linkID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		var l portal.PortalLink
		err := tx.Where("id = ? AND tenant_id = ? AND claim_id = ?", linkID, tenantID, claimID).Take(&l).Error
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return portal.Errorf(portal.ENOTFOUND, "Link not found.")
		} else if err != nil {
			return translate("find link", err)
		}
		if l.RevokedAt != nil {
			return portal.Errorf(portal.ECONFLICT, "The link is already revoked.")
		}
		now := db.Now()
		if err := tx.Model(&portal.PortalLink{}).Where("id = ?", l.ID).Update("revoked_at", now).Error; err != nil {
			return translate("revoke link", err)
		}
		// Sessions opened with the link end with it.
		if err := tx.Model(&sessionRow{}).Where("link_id = ?", l.ID).Update("expires_at", now).Error; err != nil {
			return translate("end sessions", err)
		}
		_, err = db.appendEvent(ctx, tx, tenantID, claimID, portal.EventLinkRevoked, map[string]any{"link_id": l.ID, "channel": l.Channel})
		return err
	})
}

// findLinkByToken returns the link of a token; ENOTFOUND.
func (db *DB) findLinkByToken(ctx context.Context, token string) (*portal.PortalLink, error) {
	notFound := portal.Errorf(portal.ENOTFOUND, "Unknown link.")
	if !portal.ValidSecret(token) {
		return nil, notFound
	}
	var l portal.PortalLink
	err := db.conn(ctx).Where("token_hash = ?", portal.HashSecret(token)).Take(&l).Error
	if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, translate("find link", err)
	}
	normaliseLink(&l)
	return &l, nil
}

// OpenLink implements portal.LinkService.
func (db *DB) OpenLink(ctx context.Context, token string) (*portal.LinkOpening, error) {
	token = portal.NormaliseToken(token)
	l, err := db.findLinkByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	claim, err := db.FindClaim(ctx, l.TenantID, l.ClaimID)
	if err != nil {
		return nil, err
	}
	op := &portal.LinkOpening{Claim: claim}
	now := db.Now()
	if !l.Usable(now) {
		if l.RevokedAt != nil {
			return op, portal.Errorf(portal.EGONE, "This link was withdrawn.")
		}
		return op, portal.Errorf(portal.EGONE, "This link has expired.")
	}
	secret := portal.NewSecret()
	expires := now.Add(portal.SessionTTL)
	if l.ExpiresAt.Before(expires) {
		expires = l.ExpiresAt
	}
	row := &sessionRow{ID: portal.NewID(now), TenantID: l.TenantID, ClaimID: l.ClaimID, LinkID: l.ID,
		SecretHash: portal.HashSecret(secret), Language: claim.Debtor.Language, CreatedAt: now, ExpiresAt: expires}
	actor := portal.ActorFrom(ctx)
	actor.Kind, actor.ID, actor.TenantID = portal.ActorDebtor, row.ID, l.TenantID
	ctx = portal.WithActor(ctx, actor)
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(row).Error; err != nil {
			return translate("create session", err)
		}
		_, err := db.appendEvent(ctx, tx, l.TenantID, l.ClaimID, portal.EventLinkOpened, map[string]any{
			"link_id": l.ID, "channel": l.Channel, "token": portal.ShortHash(token), "session_id": row.ID,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	op.Session, op.Secret = row.session(), secret
	return op, nil
}

// FindSession implements portal.LinkService.
func (db *DB) FindSession(ctx context.Context, secret string) (*portal.PortalSession, error) {
	unauthorized := portal.Errorf(portal.EUNAUTHORIZED, "No portal session.")
	if !portal.ValidSecret(secret) {
		return nil, unauthorized
	}
	// With the session, the version of its claim page's rows (migration
	// 00133): the page's reads may then come from this instance's cache
	// without another round trip (pagecache.go).
	var (
		row                                          sessionRow
		created, expires                             timeUTC
		claimVersion, creditorVersion, debtorVersion sql.NullInt64
	)
	err := db.conn(ctx).Raw(`SELECT s.id, s.tenant_id, s.claim_id, s.link_id, s.language, s.verified, s.identity_passed,
		s.created_at, s.expires_at, c.page_version, cr.page_version, de.page_version
		FROM portal_sessions s LEFT JOIN claims c ON c.id = s.claim_id AND c.tenant_id = s.tenant_id
		LEFT JOIN creditors cr ON cr.id = c.creditor_id LEFT JOIN debtors de ON de.id = c.debtor_id
		WHERE s.secret_hash = ? LIMIT 1`, portal.HashSecret(secret)).Row().Scan(&row.ID, &row.TenantID, &row.ClaimID, &row.LinkID,
		&row.Language, &row.Verified, &row.IdentityPassed, &created, &expires, &claimVersion, &creditorVersion, &debtorVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unauthorized
	} else if err != nil {
		return nil, translate("find session", err)
	}
	row.CreatedAt, row.ExpiresAt = created.Time(), expires.Time()
	if !db.Now().Before(row.ExpiresAt) {
		return nil, unauthorized
	}
	s := row.session()
	if claimVersion.Valid && creditorVersion.Valid && debtorVersion.Valid {
		s.PageVersion = portal.PageVersion{Claim: claimVersion.Int64, Creditor: creditorVersion.Int64, Debtor: debtorVersion.Int64, Known: true}
	}
	return s, nil
}

// CheckIdentity implements portal.LinkService.
func (db *DB) CheckIdentity(ctx context.Context, sessionID, answer string) (string, error) {
	return db.checkIdentity(ctx, sessionID, answer, false)
}

// PassIdentity implements portal.IdentityCodes.
func (db *DB) PassIdentity(ctx context.Context, sessionID, answer string) error {
	_, err := db.checkIdentity(ctx, sessionID, answer, true)
	return err
}

// checkIdentity compares an identity answer, counting wrong ones and
// locking the link. A right answer verifies the session under a new secret
// (returned), or, withCode, only marks its identity as passed: the session
// is verified when the code comes back (VerifyCode).
func (db *DB) checkIdentity(ctx context.Context, sessionID, answer string, withCode bool) (string, error) {
	var row sessionRow
	if err := db.conn(ctx).Where("id = ?", sessionID).Take(&row).Error; err != nil {
		return "", translate("find session", err)
	}
	claim, err := db.FindClaim(ctx, row.TenantID, row.ClaimID)
	if err != nil {
		return "", err
	}
	var result error
	secret := ""
	err = db.tx(ctx, func(tx *gorm.DB) error {
		now := db.Now()
		var l portal.PortalLink
		q := tx.Where("id = ?", row.LinkID)
		if db.Dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&l).Error; err != nil {
			return translate("find link", err)
		}
		normaliseLink(&l)
		if !l.Usable(now) || !now.Before(row.ExpiresAt) {
			result = portal.Errorf(portal.EGONE, "This link is no longer valid.")
			return nil
		}
		if l.LockedUntil != nil && now.Before(*l.LockedUntil) {
			result = &portal.Error{Code: portal.ERATELIMIT, Message: "Too many wrong answers; try again later.", Err: &portal.LockedError{Until: *l.LockedUntil}}
			return nil
		}
		if portal.IdentityMatches(claim, answer) {
			upd := map[string]any{"identity_passed": true}
			payload := map[string]any{"link_id": l.ID, "session_id": row.ID, "check": claim.IdentityCheck}
			if withCode {
				payload["second_factor"] = true
			} else {
				secret = portal.NewSecret()
				upd["verified"], upd["secret_hash"] = true, portal.HashSecret(secret)
			}
			if err := tx.Model(&sessionRow{}).Where("id = ?", row.ID).Updates(upd).Error; err != nil {
				return translate("verify session", err)
			}
			if err := tx.Model(&portal.PortalLink{}).Where("id = ?", l.ID).Updates(map[string]any{"failed_attempts": 0, "locked_until": nil, "lockouts": 0}).Error; err != nil {
				return translate("reset attempts", err)
			}
			_, err := db.appendEvent(ctx, tx, row.TenantID, row.ClaimID, portal.EventIdentityPassed, payload)
			return err
		}
		n := l.FailedAttempts + 1
		if _, err := db.appendEvent(ctx, tx, row.TenantID, row.ClaimID, portal.EventIdentityFailed, map[string]any{
			"link_id": l.ID, "session_id": row.ID, "check": claim.IdentityCheck, "attempt": n,
		}); err != nil {
			return err
		}
		upd := map[string]any{"failed_attempts": n}
		result = portal.Errorf(portal.EFORBIDDEN, "This answer does not match our records.")
		if n >= portal.MaxIdentityFailures {
			lockouts := l.Lockouts + 1
			until := now.Add(portal.IdentityLockoutFor(lockouts))
			upd = map[string]any{"failed_attempts": 0, "locked_until": until, "lockouts": lockouts}
			if _, err := db.appendEvent(ctx, tx, row.TenantID, row.ClaimID, portal.EventIdentityLocked, map[string]any{
				"link_id": l.ID, "session_id": row.ID, "until": until, "lockout": lockouts,
			}); err != nil {
				return err
			}
			result = &portal.Error{Code: portal.ERATELIMIT, Message: "Too many wrong answers; try again later.", Err: &portal.LockedError{Until: until}}
		}
		if err := tx.Model(&portal.PortalLink{}).Where("id = ?", l.ID).Updates(upd).Error; err != nil {
			return translate("count attempt", err)
		}
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

// EndSession implements portal.LinkService: the session expires now (the
// row stays, so that the evidence's session ids keep their meaning).
func (db *DB) EndSession(ctx context.Context, s *portal.PortalSession) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&sessionRow{}).Where("id = ? AND tenant_id = ?", s.ID, s.TenantID).Update("expires_at", db.Now())
		if res.Error != nil {
			return translate("end session", res.Error)
		}
		if res.RowsAffected != 1 {
			return portal.Errorf(portal.ENOTFOUND, "No portal session.")
		}
		_, err := db.appendEvent(ctx, tx, s.TenantID, s.ClaimID, portal.EventPortalSignedOut, map[string]any{"session_id": s.ID})
		return err
	})
}

// FindPortalClaim implements portal.LinkService: from this instance's
// cache when it holds the claim at the session's PageVersion.
func (db *DB) FindPortalClaim(ctx context.Context, s *portal.PortalSession) (*portal.Claim, error) {
	var c *portal.Claim
	if db.pages.lookup(s.TenantID, s.ClaimID, s.PageVersion, func(e *pageEntry) bool {
		if e.claim != nil {
			c = cloneClaim(e.claim)
		}
		return c != nil
	}) {
		return c, nil
	}
	c, err := db.FindClaim(ctx, s.TenantID, s.ClaimID)
	if err != nil {
		return nil, err
	}
	c.PageVersion = s.PageVersion
	kept := cloneClaim(c)
	db.pages.keep(s.TenantID, s.ClaimID, s.PageVersion, func(e *pageEntry) { e.claim = kept })
	return c, nil
}

// SetSessionLanguage implements portal.LinkService.
func (db *DB) SetSessionLanguage(ctx context.Context, sessionID, lang string) error {
	if !portal.ValidLanguage(lang) {
		return portal.FieldError("lang", "language must be one of fr, nl, en, de")
	}
	return translate("set language", db.conn(ctx).Model(&sessionRow{}).Where("id = ?", sessionID).Update("language", lang).Error)
}

// RecordPortalEvent implements portal.LinkService: a page view by a
// debtor session, durable when it returns: on SQLite committed together
// with the views of the same moment, on PostgreSQL in a transaction of
// its own (AppendEventGrouped).
func (db *DB) RecordPortalEvent(ctx context.Context, s *portal.PortalSession, kind portal.EventKind, payload map[string]any) error {
	if payload == nil {
		payload = map[string]any{}
	}
	payload["session_id"] = s.ID
	_, err := db.AppendEventGrouped(ctx, s.TenantID, s.ClaimID, kind, payload)
	return err
}
