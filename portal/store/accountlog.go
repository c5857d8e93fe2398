package store

import (
	"context"
	"encoding/json"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// The account log (migrations 00091, 00098): every change of an
// account's settings, with its actor and its subject, written in the
// change's transaction.

var _ portal.AccountLog = (*DB)(nil)

type accountLogRow struct {
	ID             string
	TenantID       string
	At             timeUTC
	Kind           string
	SubjectID      string
	ActorKind      string
	ActorID        string
	ActorIP        string `gorm:"column:actor_ip"`
	ActorUserAgent string
	Payload        string
}

func (accountLogRow) TableName() string { return "account_log" }

// logAccount records a change of tenantID's settings inside tx, with the
// actor of ctx; subjectID is what changed (portal.AccountEntry).
func (db *DB) logAccount(ctx context.Context, tx *gorm.DB, tenantID, kind, subjectID string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	a := portal.ActorFrom(ctx)
	now := db.Now()
	row := accountLogRow{ID: portal.NewID(now), TenantID: tenantID, At: timeUTC(now), Kind: kind, SubjectID: subjectID, ActorKind: string(a.Kind),
		ActorID: a.ID, ActorIP: a.IP, ActorUserAgent: truncateText(a.UserAgent, 300), Payload: string(b)}
	return translate("log account change", tx.Create(&row).Error)
}

// AccountLog implements portal.AccountLog.
func (db *DB) AccountLog(ctx context.Context, tenantID string, limit int) ([]*portal.AccountEntry, error) {
	return db.accountEntries(db.conn(ctx).Where("tenant_id = ?", tenantID).Order("id DESC"), limit)
}

// AccountChanges implements portal.AccountLog.
func (db *DB) AccountChanges(ctx context.Context, tenantID, kind, subjectID string, limit int) ([]*portal.AccountEntry, error) {
	q := db.conn(ctx).Where("tenant_id = ? AND kind = ?", tenantID, kind)
	if subjectID != "" {
		q = q.Where("subject_id = ?", subjectID)
	}
	return db.accountEntries(q.Order("at DESC, id DESC"), limit)
}

// accountEntries reads the entries q selects in its order, at most limit
// (100 when out of 1..500; [] when none).
func (db *DB) accountEntries(q *gorm.DB, limit int) ([]*portal.AccountEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []accountLogRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("read account log", err)
	}
	out := make([]*portal.AccountEntry, len(rows))
	for i, r := range rows {
		out[i] = &portal.AccountEntry{ID: r.ID, At: r.At.Time(), Kind: r.Kind, SubjectID: r.SubjectID, Payload: json.RawMessage(r.Payload),
			Actor: portal.Actor{Kind: portal.ActorKind(r.ActorKind), ID: r.ActorID, TenantID: r.TenantID, IP: r.ActorIP, UserAgent: r.ActorUserAgent}}
	}
	return out, nil
}
