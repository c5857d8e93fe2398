package store

import (
	"context"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var _ negotiation.ReplyStore = (*DB)(nil)

// replyRow is the prepared_replies table.
type replyRow struct {
	ID         string
	TenantID   string
	CreditorID string
	Name       string
	Language   string
	Body       string
	UpdatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (replyRow) TableName() string { return "prepared_replies" }

func (r *replyRow) reply() *negotiation.PreparedReply {
	return &negotiation.PreparedReply{ID: r.ID, TenantID: r.TenantID, CreditorID: r.CreditorID, Name: r.Name, Language: r.Language,
		Body: r.Body, UpdatedBy: r.UpdatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// ListReplies implements negotiation.ReplyStore.
func (db *DB) ListReplies(ctx context.Context, tenantID, creditorID string) ([]*negotiation.PreparedReply, error) {
	q := db.conn(ctx).Where("tenant_id = ?", tenantID)
	if creditorID != "" {
		q = q.Where("creditor_id = ?", creditorID)
	}
	var rows []replyRow
	if err := q.Order("name, language, creditor_id").Find(&rows).Error; err != nil {
		return nil, translate("list prepared replies", err)
	}
	out := make([]*negotiation.PreparedReply, len(rows))
	for i := range rows {
		out[i] = rows[i].reply()
	}
	return out, nil
}

// FindReply implements negotiation.ReplyStore.
func (db *DB) FindReply(ctx context.Context, tenantID, id string) (*negotiation.PreparedReply, error) {
	var row replyRow
	res := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Limit(1).Find(&row)
	if res.Error != nil {
		return nil, translate("find prepared reply", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "Prepared reply not found.")
	}
	return row.reply(), nil
}

// SaveReply implements negotiation.ReplyStore.
func (db *DB) SaveReply(ctx context.Context, r *negotiation.PreparedReply) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var n int64
	if err := db.conn(ctx).Table("creditors").Where("id = ? AND tenant_id = ?", r.CreditorID, r.TenantID).Count(&n).Error; err != nil {
		return translate("find creditor", err)
	}
	if n == 0 {
		return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	var clash int64
	q := db.conn(ctx).Table("prepared_replies").Where("tenant_id = ? AND creditor_id = ? AND name = ? AND language = ?", r.TenantID, r.CreditorID, r.Name, r.Language)
	if r.ID != "" {
		q = q.Where("id <> ?", r.ID)
	}
	if err := q.Count(&clash).Error; err != nil {
		return translate("find prepared reply", err)
	}
	if clash > 0 {
		return portal.Errorf(portal.ECONFLICT, "There is already a reply /%s in %s for this creditor: edit that one.", r.Name, r.Language)
	}
	now := db.Now()
	if r.ID == "" {
		row := replyRow{ID: portal.NewID(now), TenantID: r.TenantID, CreditorID: r.CreditorID, Name: r.Name, Language: r.Language,
			Body: r.Body, UpdatedBy: r.UpdatedBy, CreatedAt: now, UpdatedAt: now}
		if err := db.conn(ctx).Create(&row).Error; err != nil {
			if portal.ErrorCode(translate("", err)) == portal.ECONFLICT {
				return portal.Errorf(portal.ECONFLICT, "There is already a reply /%s in %s for this creditor: edit that one.", r.Name, r.Language)
			}
			return translate("create prepared reply", err)
		}
		*r = *row.reply()
		return nil
	}
	res := db.conn(ctx).Model(&replyRow{}).Where("id = ? AND tenant_id = ?", r.ID, r.TenantID).
		Updates(map[string]any{"creditor_id": r.CreditorID, "name": r.Name, "language": r.Language, "body": r.Body, "updated_by": r.UpdatedBy, "updated_at": now})
	if res.Error != nil {
		if portal.ErrorCode(translate("", res.Error)) == portal.ECONFLICT {
			return portal.Errorf(portal.ECONFLICT, "There is already a reply /%s in %s for this creditor: edit that one.", r.Name, r.Language)
		}
		return translate("update prepared reply", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ENOTFOUND, "Prepared reply not found.")
	}
	saved, err := db.FindReply(ctx, r.TenantID, r.ID)
	if err != nil {
		return err
	}
	*r = *saved
	return nil
}

// DeleteReply implements negotiation.ReplyStore.
func (db *DB) DeleteReply(ctx context.Context, tenantID, id string) error {
	res := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Delete(&replyRow{})
	if res.Error != nil {
		return translate("delete prepared reply", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ENOTFOUND, "Prepared reply not found.")
	}
	return nil
}
