package store

import (
	"context"
	"maps"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// claimFileColumns are claim_files' columns without the content.
const claimFileColumns = "id, tenant_id, claim_id, kind, name, content_type, size, sha256, created_at"

// RecordClaimFile stores a file made for the tenant's claim (a court
// document, issue 23) and appends its event in the same transaction: kind
// with payload and the file's file_id, name, content_type, size and
// sha256. f gets its ID, size and time. ENOTFOUND when the claim is not
// the tenant's.
func (db *DB) RecordClaimFile(ctx context.Context, tenantID, claimID string, f *portal.ClaimFile, kind portal.EventKind, payload map[string]any) (*portal.Event, error) {
	if !portal.ValidID(claimID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	now := db.Now()
	f.ID, f.TenantID, f.ClaimID, f.CreatedAt = portal.NewID(now), tenantID, claimID, now
	f.Size, f.SHA256 = int64(len(f.Content)), portal.SHA256Hex(f.Content)
	p := maps.Clone(payload)
	if p == nil {
		p = map[string]any{}
	}
	p["file_id"], p["name"], p["content_type"], p["size"], p["sha256"] = f.ID, f.Name, f.ContentType, f.Size, f.SHA256
	var e *portal.Event
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT COUNT(*) FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&n).Error; err != nil {
			return translate("find claim", err)
		}
		if n == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
		}
		if err := tx.Create(f).Error; err != nil {
			return translate("store claim file", err)
		}
		var err error
		e, err = db.appendEvent(ctx, tx, tenantID, claimID, kind, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ClaimFiles lists the tenant's claim's files of the kinds for which keep
// is true (nil: every kind), oldest first, without their content. A file
// erased with its claim's personal data is left out.
func (db *DB) ClaimFiles(ctx context.Context, tenantID, claimID string, keep func(kind string) bool) ([]*portal.ClaimFile, error) {
	var all []*portal.ClaimFile
	if err := db.conn(ctx).Select(claimFileColumns).Where("tenant_id = ? AND claim_id = ? AND length(content) > 0", tenantID, claimID).
		Order("id").Find(&all).Error; err != nil {
		return nil, translate("list claim files", err)
	}
	out := []*portal.ClaimFile{}
	for _, f := range all {
		if keep == nil || keep(f.Kind) {
			out = append(out, f)
		}
	}
	return out, nil
}

// ClaimFile returns one file of the tenant's claim with its content.
// ENOTFOUND; EGONE when it was erased with the claim's personal data.
func (db *DB) ClaimFile(ctx context.Context, tenantID, claimID, fileID string) (*portal.ClaimFile, error) {
	if !portal.ValidID(fileID) || !portal.ValidID(claimID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "File not found.")
	}
	var fs []*portal.ClaimFile
	if err := db.conn(ctx).Where("id = ? AND tenant_id = ? AND claim_id = ?", fileID, tenantID, claimID).Limit(1).Find(&fs).Error; err != nil {
		return nil, translate("find claim file", err)
	}
	if len(fs) == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "File not found.")
	}
	if len(fs[0].Content) == 0 {
		return nil, erasedFile("file")
	}
	return fs[0], nil
}
