package store

import (
	"context"
	"strconv"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

type paymentReferenceRow struct {
	ClaimID   string
	TenantID  string
	Kind      string
	Reference string
	CreatedAt timeUTC
}

func (paymentReferenceRow) TableName() string { return "payment_references" }

// ClaimReference implements payments.ReferenceStore: the reference of a
// claim the caller holds, from this instance's cache for a claim read for
// its page (c.PageVersion).
func (db *DB) ClaimReference(ctx context.Context, c *portal.Claim) (banking.PaymentReference, error) {
	var ref banking.PaymentReference
	if db.pages.lookup(c.TenantID, c.ID, c.PageVersion, func(e *pageEntry) bool {
		if e.ref != nil {
			ref = *e.ref
		}
		return e.ref != nil
	}) {
		return ref, nil
	}
	ref, err := db.ClaimPaymentReference(ctx, c.TenantID, c.ID)
	if err != nil {
		return ref, err
	}
	kept := ref
	db.pages.keep(c.TenantID, c.ID, c.PageVersion, func(e *pageEntry) { e.ref = &kept })
	return ref, nil
}

// ClaimPaymentReference returns the transfer reference of a claim, making
// it on first use: a Belgian structured communication for a Belgian
// creditor, an RF creditor reference otherwise. It is stored, so it stays
// the same on every page, letter and QR code, and unique in the tenant so
// that a statement line matches one claim. ENOTFOUND.
func (db *DB) ClaimPaymentReference(ctx context.Context, tenantID, claimID string) (banking.PaymentReference, error) {
	var out banking.PaymentReference
	// Once made, a claim's reference never changes: read it without the
	// write transaction (which on SQLite would queue every page view behind
	// all writers), and only create it under the claim lock.
	var existing paymentReferenceRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Limit(1).Find(&existing).Error; err != nil {
		return out, translate("find payment reference", err)
	} else if existing.ClaimID != "" {
		return referenceOf(existing), nil
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var row paymentReferenceRow
		if err := tx.Where("claim_id = ?", claimID).Limit(1).Find(&row).Error; err != nil {
			return translate("find payment reference", err)
		}
		if row.ClaimID != "" {
			out = referenceOf(row)
			return nil
		}
		var c portal.Claim
		if err := tx.Where("id = ?", claimID).Take(&c).Error; err != nil {
			return translate("find claim", err)
		}
		var cr portal.Creditor
		if err := tx.Where("id = ?", c.CreditorID).Take(&cr).Error; err != nil {
			return translate("find creditor", err)
		}
		// The seed comes from the claim id; on the rare collision with
		// another claim's reference the next seed is tried.
		for i := 0; i < 20; i++ {
			seed := banking.SeedFromString(claimID + "#" + strconv.Itoa(i))
			ref, err := banking.ClaimReference(&cr, seed)
			if err != nil {
				return err
			}
			var n int64
			if err := tx.Model(&paymentReferenceRow{}).Where("tenant_id = ? AND reference = ?", tenantID, ref.Electronic).Count(&n).Error; err != nil {
				return translate("check payment reference", err)
			}
			if n > 0 {
				continue
			}
			kind := "rf"
			if ref.Scheme == banking.SchemeStructured {
				kind = "be"
			}
			row = paymentReferenceRow{ClaimID: claimID, TenantID: tenantID, Kind: kind, Reference: ref.Electronic, CreatedAt: timeUTC(db.Now())}
			if err := tx.Create(&row).Error; err != nil {
				return translate("store payment reference", err)
			}
			out = ref
			return nil
		}
		return portal.Errorf(portal.EINTERNAL, "could not find a free payment reference")
	})
	return out, err
}

func referenceOf(row paymentReferenceRow) banking.PaymentReference {
	if row.Kind == "be" {
		return banking.PaymentReference{Scheme: banking.SchemeStructured, Electronic: row.Reference, Printed: banking.FormatStructured(row.Reference)}
	}
	return banking.PaymentReference{Scheme: banking.SchemeRF, Electronic: row.Reference, Printed: banking.FormatRF(row.Reference)}
}

// ClaimPaymentReferences returns the references issued in a tenant, by
// claim id, for statement matching.
func (db *DB) ClaimPaymentReferences(ctx context.Context, tenantID string) (map[string]string, error) {
	var rows []paymentReferenceRow
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Find(&rows).Error; err != nil {
		return nil, translate("list payment references", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ClaimID] = r.Reference
	}
	return out, nil
}
