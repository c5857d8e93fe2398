package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
)

var _ portal.TemplateTextService = (*DB)(nil)

// templateTextRow is the template_texts table.
type templateTextRow struct {
	TenantID    string `gorm:"primaryKey"`
	CreditorID  string `gorm:"primaryKey"`
	TemplateKey string `gorm:"primaryKey"`
	Language    string `gorm:"primaryKey"`
	Subject     string
	Body        string
	SHA256      string `gorm:"column:sha256"`
	UpdatedAt   timeUTC
}

func (templateTextRow) TableName() string { return "template_texts" }

func (r *templateTextRow) toText() *portal.TemplateText {
	return &portal.TemplateText{TenantID: r.TenantID, CreditorID: r.CreditorID, Key: r.TemplateKey, Language: r.Language,
		Subject: r.Subject, Body: r.Body, SHA256: r.SHA256, UpdatedAt: r.UpdatedAt.Time()}
}

// FindTemplateTexts implements portal.TemplateTextService.
func (db *DB) FindTemplateTexts(ctx context.Context, tenantID, key string) ([]*portal.TemplateText, error) {
	q := db.conn(ctx).Where("tenant_id = ?", tenantID)
	if key != "" {
		q = q.Where("template_key = ?", key)
	}
	var rows []templateTextRow
	if err := q.Order("template_key, creditor_id, language").Find(&rows).Error; err != nil {
		return nil, translate("find template texts", err)
	}
	out := make([]*portal.TemplateText, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].toText())
	}
	return out, nil
}

// SetTemplateText implements portal.TemplateTextService, with
// template_text.set (before and after) in the account log.
func (db *DB) SetTemplateText(ctx context.Context, tenantID string, t *portal.TemplateText) error {
	if err := reminders.ValidateText(t.Key, t.Subject, t.Body); err != nil {
		return err
	}
	if !hasSubject(t.Key) { // an SMS
		t.Subject = ""
	}
	if t.CreditorID != "" {
		if _, err := db.FindCreditor(ctx, tenantID, t.CreditorID); err != nil {
			return err
		}
	}
	if !portal.ValidLanguage(t.Language) {
		return portal.FieldError("language", "language must be one of fr, nl, en, de")
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		before, err := findTemplateText(tx, tenantID, t.CreditorID, t.Key, t.Language)
		if err != nil {
			return err
		}
		now := db.Now()
		t.TenantID, t.SHA256, t.UpdatedAt = tenantID, reminders.TextSHA256(t.Subject, t.Body), now
		row := templateTextRow{TenantID: tenantID, CreditorID: t.CreditorID, TemplateKey: t.Key, Language: t.Language,
			Subject: t.Subject, Body: t.Body, SHA256: t.SHA256, UpdatedAt: timeUTC(now)}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return translate("save template text", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountTemplateTextSet, t.Key,
			map[string]any{"template": t.Key, "language": t.Language, "creditor_id": t.CreditorID, "before": before, "text": t})
	})
}

// ResetTemplateText implements portal.TemplateTextService, with
// template_text.reset (the text removed) in the account log when there
// was a text; another tenant's creditor is ENOTFOUND.
func (db *DB) ResetTemplateText(ctx context.Context, tenantID, creditorID, key, lang string) error {
	if creditorID != "" {
		if _, err := db.FindCreditor(ctx, tenantID, creditorID); err != nil {
			return err
		}
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		before, err := findTemplateText(tx, tenantID, creditorID, key, lang)
		if err != nil {
			return err
		}
		if before == nil {
			return nil // the shipped text is used already: nothing changes, nothing logged
		}
		if err := tx.Where("tenant_id = ? AND creditor_id = ? AND template_key = ? AND language = ?", tenantID, creditorID, key, lang).
			Delete(&templateTextRow{}).Error; err != nil {
			return translate("reset template text", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountTemplateTextReset, key,
			map[string]any{"template": key, "language": lang, "creditor_id": creditorID, "before": before})
	})
}

// TemplateTextFor implements portal.TemplateTextService.
func (db *DB) TemplateTextFor(ctx context.Context, tenantID, creditorID, key, lang string) (*portal.TemplateText, error) {
	var rows []templateTextRow
	err := db.conn(ctx).Where("tenant_id = ? AND creditor_id IN (?, '') AND template_key = ? AND language = ?", tenantID, creditorID, key, lang).
		Order("creditor_id DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, translate("find template text", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].toText(), nil
}

func findTemplateText(tx *gorm.DB, tenantID, creditorID, key, lang string) (*portal.TemplateText, error) {
	var row templateTextRow
	err := tx.Where("tenant_id = ? AND creditor_id = ? AND template_key = ? AND language = ?", tenantID, creditorID, key, lang).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, translate("find template text", err)
	}
	return row.toText(), nil
}

func hasSubject(key string) bool {
	s, _, _ := reminders.ShippedText(key, "en")
	return s != ""
}
