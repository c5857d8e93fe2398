package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

var _ portal.SettingChangeLog = (*DB)(nil)

type settingChangeRow struct {
	ID         string
	TenantID   string
	At         timeUTC
	Kind       string
	SubjectID  string
	ActorKind  string
	ActorID    string
	ActorIP    string
	ActorAgent string
	Body       string
}

func (settingChangeRow) TableName() string { return "setting_changes" }

// recordSetting appends a setting change in tx, the transaction of the
// change itself, with the context's actor.
func (db *DB) recordSetting(ctx context.Context, tx *gorm.DB, tenantID, kind, subjectID string, value any) error {
	now := db.Now()
	a := portal.ActorFrom(ctx)
	row := settingChangeRow{ID: portal.NewID(now), TenantID: tenantID, At: timeUTC(now), Kind: kind, SubjectID: subjectID,
		ActorKind: string(a.Kind), ActorID: a.ID, ActorIP: a.IP, ActorAgent: truncateText(a.UserAgent, 300), Body: mustJSON(value)}
	return translate("record setting change", tx.Create(&row).Error)
}

// SettingChanges implements portal.SettingChangeLog.
func (db *DB) SettingChanges(ctx context.Context, tenantID, kind string, limit int) ([]*portal.SettingChange, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var rows []settingChangeRow
	if err := db.conn(ctx).Where("tenant_id = ? AND kind = ?", tenantID, kind).Order("at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list setting changes", err)
	}
	out := make([]*portal.SettingChange, len(rows))
	for i, r := range rows {
		out[i] = &portal.SettingChange{ID: r.ID, TenantID: r.TenantID, At: r.At.Time(), Kind: r.Kind, SubjectID: r.SubjectID,
			Actor: portal.Actor{Kind: portal.ActorKind(r.ActorKind), ID: r.ActorID, TenantID: r.TenantID, IP: r.ActorIP, UserAgent: r.ActorAgent}, Body: r.Body}
	}
	return out, nil
}
