package store

import (
	"context"
	"encoding/json"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// The account log (migration 00091): every change of an account's
// settings, with its actor, written in the change's transaction.

type accountLogRow struct {
	ID             string
	TenantID       string
	At             timeUTC
	Kind           string
	ActorKind      string
	ActorID        string
	ActorIP        string `gorm:"column:actor_ip"`
	ActorUserAgent string
	Payload        string
}

func (accountLogRow) TableName() string { return "account_log" }

// logAccount records a change of tenantID's settings inside tx, with the
// actor of ctx.
func (db *DB) logAccount(ctx context.Context, tx *gorm.DB, tenantID, kind string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	a := portal.ActorFrom(ctx)
	now := db.Now()
	row := accountLogRow{ID: portal.NewID(now), TenantID: tenantID, At: timeUTC(now), Kind: kind, ActorKind: string(a.Kind),
		ActorID: a.ID, ActorIP: a.IP, ActorUserAgent: truncateText(a.UserAgent, 300), Payload: string(b)}
	return translate("log account change", tx.Create(&row).Error)
}

// AccountLog lists a tenant's account log, newest first, at most limit
// entries ([] when none).
func (db *DB) AccountLog(ctx context.Context, tenantID string, limit int) ([]*portal.AccountEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []accountLogRow
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("read account log", err)
	}
	out := make([]*portal.AccountEntry, len(rows))
	for i, r := range rows {
		out[i] = &portal.AccountEntry{ID: r.ID, At: r.At.Time(), Kind: r.Kind, Payload: json.RawMessage(r.Payload),
			Actor: portal.Actor{Kind: portal.ActorKind(r.ActorKind), ID: r.ActorID, IP: r.ActorIP, UserAgent: r.ActorUserAgent}}
	}
	return out, nil
}
