package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
)

// Idempotent API writes (issue 19): the keys of a tenant's POSTs and their
// first answers, kept portal.IdempotencyTTL.

var _ portal.IdempotencyStore = (*DB)(nil)

type idempotencyRow struct {
	TenantID    string `gorm:"primaryKey"`
	IdemKey     string `gorm:"primaryKey"`
	RequestHash string
	Method      string
	Path        string
	// Token is the reservation of the request running with the key;
	// Status 0 means it has not answered yet.
	Token       string
	Status      int
	ContentType string
	Location    string
	Body        []byte
	LockedUntil timeUTC
	CreatedAt   timeUTC
	ExpiresAt   timeUTC
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// BeginIdempotent implements portal.IdempotencyStore. The unique (tenant,
// key) row decides between two requests sent at once: the INSERT of one
// wins, the other finds the row in progress.
func (db *DB) BeginIdempotent(ctx context.Context, req portal.IdempotentRequest) (string, *portal.IdempotentResponse, error) {
	now := db.Now()
	// A key may be used again once its answer expired. Expired keys (of
	// every tenant: the answers may hold a debtor's data) go here, one
	// indexed DELETE.
	if err := db.conn(ctx).Exec("DELETE FROM idempotency_keys WHERE expires_at <= ?", timeUTC(now)).Error; err != nil {
		return "", nil, translate("expire idempotency keys", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	token := hex.EncodeToString(b[:])
	row := idempotencyRow{TenantID: req.TenantID, IdemKey: req.Key, RequestHash: req.Fingerprint, Method: req.Method, Path: req.Path,
		Token: token, LockedUntil: timeUTC(now.Add(portal.IdempotencyLock)), CreatedAt: timeUTC(now), ExpiresAt: timeUTC(now.Add(portal.IdempotencyTTL))}
	for range 3 {
		res := db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return "", nil, translate("reserve idempotency key", res.Error)
		}
		if res.RowsAffected == 1 {
			return token, nil, nil
		}
		var cur []idempotencyRow
		if err := db.conn(ctx).Where("tenant_id = ? AND idem_key = ?", req.TenantID, req.Key).Limit(1).Find(&cur).Error; err != nil {
			return "", nil, translate("read idempotency key", err)
		}
		if len(cur) == 0 {
			continue // abandoned in between: try again
		}
		c := cur[0]
		if c.RequestHash != req.Fingerprint {
			return "", nil, &portal.Error{Code: portal.EIDEMPOTENCYREUSED, Message: fmt.Sprintf(
				"This Idempotency-Key was already used, within the last 24 hours, for another request (%s %s, with another body or path): send a new key for a new request.",
				c.Method, c.Path)}
		}
		if c.Status != 0 {
			return "", &portal.IdempotentResponse{Status: c.Status, ContentType: c.ContentType, Location: c.Location, Body: c.Body}, nil
		}
		if c.LockedUntil.Time().After(now) {
			return "", nil, portal.Errorf(portal.ECONFLICT, "A request with this Idempotency-Key is in progress: retry it in a moment to get its answer.")
		}
		// The first request never answered (an instance stopped mid-way):
		// this one takes the key over.
		res = db.conn(ctx).Model(&idempotencyRow{}).Where("tenant_id = ? AND idem_key = ? AND token = ? AND status = 0", req.TenantID, req.Key, c.Token).
			Updates(map[string]any{"token": token, "locked_until": timeUTC(now.Add(portal.IdempotencyLock))})
		if res.Error != nil {
			return "", nil, translate("take over idempotency key", res.Error)
		}
		if res.RowsAffected == 1 {
			return token, nil, nil
		}
	}
	return "", nil, portal.Errorf(portal.ECONFLICT, "A request with this Idempotency-Key is in progress: retry it in a moment to get its answer.")
}

// FinishIdempotent implements portal.IdempotencyStore.
func (db *DB) FinishIdempotent(ctx context.Context, req portal.IdempotentRequest, token string, resp portal.IdempotentResponse) error {
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	err := db.conn(ctx).Model(&idempotencyRow{}).Where("tenant_id = ? AND idem_key = ? AND token = ? AND status = 0", req.TenantID, req.Key, token).
		Updates(map[string]any{"status": resp.Status, "content_type": resp.ContentType, "location": resp.Location, "body": body}).Error
	return translate("keep idempotent answer", err)
}

// AbandonIdempotent implements portal.IdempotencyStore.
func (db *DB) AbandonIdempotent(ctx context.Context, req portal.IdempotentRequest, token string) error {
	err := db.conn(ctx).Exec("DELETE FROM idempotency_keys WHERE tenant_id = ? AND idem_key = ? AND token = ? AND status = 0",
		req.TenantID, req.Key, token).Error
	return translate("free idempotency key", err)
}
