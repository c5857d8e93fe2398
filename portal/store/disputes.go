package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

var _ portal.DisputeService = (*DB)(nil)

// FileDispute implements portal.DisputeService.
func (db *DB) FileDispute(ctx context.Context, s *portal.PortalSession, d *portal.Dispute) error {
	if s == nil || !s.Verified {
		return portal.Errorf(portal.EFORBIDDEN, "Answer the identity question first.")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var c portal.Claim
		if err := tx.Where("id = ? AND tenant_id = ?", s.ClaimID, s.TenantID).Take(&c).Error; err != nil {
			return translate("find claim", err)
		}
		if d.InvoiceID != "" {
			var n int64
			if err := tx.Model(&portal.Invoice{}).Where("id = ? AND claim_id = ?", d.InvoiceID, c.ID).Count(&n).Error; err != nil {
				return translate("find invoice", err)
			}
			if n == 0 {
				return portal.FieldError("invoice_id", "choose one of the claim's invoices")
			}
		}
		if c.Status == portal.StatusDisputed {
			return portal.Errorf(portal.ECONFLICT, "This claim is already contested; the creditor is examining it.")
		}
		if err := escalation.ChangeStatus(escalation.Snapshot{Stage: c.Stage, Status: c.Status}, portal.StatusDisputed); err != nil {
			return portal.Errorf(portal.ECONFLICT, "This claim can no longer be contested here (%s).", portal.ErrorMessage(err))
		}
		now := db.Now()
		d.ID, d.TenantID, d.ClaimID, d.Status, d.CreatedAt = portal.NewID(now), s.TenantID, c.ID, portal.DisputeOpen, now
		if err := tx.Create(d).Error; err != nil {
			return translate("create dispute", err)
		}
		if _, err := db.appendEvent(ctx, tx, s.TenantID, c.ID, portal.EventDisputeFiled, map[string]any{
			"dispute_id": d.ID, "invoice_id": d.InvoiceID, "reason": d.Reason, "text_sha256": portal.SHA256Hex([]byte(d.Text)),
			"files": len(d.Files),
		}); err != nil {
			return err
		}
		for _, f := range d.Files {
			f.ID, f.TenantID, f.DisputeID, f.CreatedAt = portal.NewID(now), s.TenantID, d.ID, now
			f.ContentType, f.Size, f.SHA256 = portal.SniffDocument(f.Content), int64(len(f.Content)), portal.SHA256Hex(f.Content)
			if err := tx.Create(f).Error; err != nil {
				return translate("store file", err)
			}
			if _, err := db.appendEvent(ctx, tx, s.TenantID, c.ID, portal.EventFileUploaded, map[string]any{
				"dispute_id": d.ID, "file_id": f.ID, "name": f.Name, "content_type": f.ContentType, "size": f.Size, "sha256": f.SHA256,
			}); err != nil {
				return err
			}
		}
		return db.setStatus(ctx, tx, &c, portal.StatusDisputed, "dispute filed")
	})
}

// setStatus changes a claim's status and records status.changed.
func (db *DB) setStatus(ctx context.Context, tx *gorm.DB, c *portal.Claim, to portal.Status, why string) error {
	from := c.Status
	if err := tx.Model(&portal.Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"status": to, "updated_at": db.Now()}).Error; err != nil {
		return translate("change status", err)
	}
	c.Status = to
	_, err := db.appendEvent(ctx, tx, c.TenantID, c.ID, portal.EventStatusChanged, map[string]any{"from": from, "to": to, "why": why})
	return err
}

// FindDisputes implements portal.DisputeService.
func (db *DB) FindDisputes(ctx context.Context, tenantID, claimID string) ([]*portal.Dispute, error) {
	if err := db.claimExists(ctx, db.conn(ctx), tenantID, claimID); err != nil {
		return nil, err
	}
	return db.listDisputes(ctx, tenantID, claimID)
}

// FindClaimDisputes implements portal.DisputeService: from this
// instance's cache for a claim read for its page (c.PageVersion).
func (db *DB) FindClaimDisputes(ctx context.Context, c *portal.Claim) ([]*portal.Dispute, error) {
	var ds []*portal.Dispute
	if db.pages.lookup(c.TenantID, c.ID, c.PageVersion, func(e *pageEntry) bool {
		if e.disputes != nil {
			ds = cloneDisputes(e.disputes)
		}
		return ds != nil
	}) {
		return ds, nil
	}
	ds, err := db.listDisputes(ctx, c.TenantID, c.ID)
	if err != nil {
		return nil, err
	}
	kept := cloneDisputes(ds)
	db.pages.keep(c.TenantID, c.ID, c.PageVersion, func(e *pageEntry) { e.disputes = kept })
	return ds, nil
}

// listDisputes lists the disputes of a claim known to be the tenant's.
func (db *DB) listDisputes(ctx context.Context, tenantID, claimID string) ([]*portal.Dispute, error) {
	var ds []*portal.Dispute
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("id DESC").Find(&ds).Error; err != nil {
		return nil, translate("list disputes", err)
	}
	if len(ds) == 0 {
		return []*portal.Dispute{}, nil
	}
	ids := make([]string, len(ds))
	byID := map[string]*portal.Dispute{}
	for i, d := range ds {
		ids[i], byID[d.ID] = d.ID, d
		d.Files = []*portal.DisputeFile{}
		d.CreatedAt = d.CreatedAt.UTC()
	}
	var files []*portal.DisputeFile
	err := db.conn(ctx).Omit("content").Where("dispute_id IN ?", ids).Order("id").Find(&files).Error
	if err != nil {
		return nil, translate("list dispute files", err)
	}
	for _, f := range files {
		byID[f.DisputeID].Files = append(byID[f.DisputeID].Files, f)
	}
	return ds, nil
}

// ResolveDispute implements portal.DisputeService.
func (db *DB) ResolveDispute(ctx context.Context, tenantID, claimID, disputeID string, r portal.Resolution) (*portal.Dispute, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var d portal.Dispute
	err := db.tx(ctx, func(tx *gorm.DB) error {
		err := tx.Where("id = ? AND tenant_id = ? AND claim_id = ?", disputeID, tenantID, claimID).Take(&d).Error
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return portal.Errorf(portal.ENOTFOUND, "Dispute not found.")
		} else if err != nil {
			return translate("find dispute", err)
		}
		if d.Status != portal.DisputeOpen {
			return portal.Errorf(portal.ECONFLICT, "The dispute was already resolved (%s).", d.Status)
		}
		var c portal.Claim
		if err := tx.Where("id = ? AND tenant_id = ?", claimID, tenantID).Take(&c).Error; err != nil {
			return translate("find claim", err)
		}
		now := db.Now()
		upd := map[string]any{"status": r.Outcome, "resolution": r.Reason, "resolved_at": now}
		if r.Outcome == portal.DisputePartlyAccepted {
			cn, err := db.creditForDispute(ctx, tx, &c, &d, r.AdjustedAmount)
			if err != nil {
				return err
			}
			upd["adjusted_amount"], upd["credit_note_id"] = r.AdjustedAmount, cn.ID
			d.AdjustedAmount, d.CreditNoteID = r.AdjustedAmount, cn.ID
		}
		if err := tx.Model(&portal.Dispute{}).Where("id = ?", d.ID).Updates(upd).Error; err != nil {
			return translate("resolve dispute", err)
		}
		d.Status, d.Resolution, d.ResolvedAt = r.Outcome, r.Reason, &now
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventDisputeResolved, map[string]any{
			"dispute_id": d.ID, "outcome": r.Outcome, "reason": r.Reason, "adjusted_amount": r.AdjustedAmount,
		}); err != nil {
			return err
		}
		to := portal.StatusOpen
		if r.Outcome == portal.DisputeAccepted {
			to = portal.StatusClosed
		}
		// The claim may have moved on meanwhile (paid in full, written
		// off): only a claim still disputed follows the outcome.
		if c.Status == portal.StatusDisputed {
			if err := escalation.ChangeStatus(escalation.Snapshot{Stage: c.Stage, Status: c.Status}, to); err != nil {
				return err
			}
			if err := db.setStatus(ctx, tx, &c, to, "dispute "+string(r.Outcome)); err != nil {
				return err
			}
		}
		if d.CreditNoteID == "" {
			return nil
		}
		// The credit note may leave nothing to pay: it settles the claim
		// as a payment would (settle.go).
		return db.settleOnBalance(ctx, tx, tenantID, claimID, false, "credit_note_id", d.CreditNoteID)
	})
	if err != nil {
		return nil, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

// creditForDispute issues the credit note of a partly accepted dispute, on
// the contested invoice if there is one.
func (db *DB) creditForDispute(ctx context.Context, tx *gorm.DB, c *portal.Claim, d *portal.Dispute, amount int64) (*portal.CreditNote, error) {
	var principal, credited int64
	q := tx.Model(&portal.Invoice{}).Where("claim_id = ?", c.ID)
	if d.InvoiceID != "" {
		q = q.Where("id = ?", d.InvoiceID)
	}
	if err := q.Select("COALESCE(SUM(amount), 0)").Scan(&principal).Error; err != nil {
		return nil, translate("sum invoices", err)
	}
	q = tx.Model(&portal.CreditNote{}).Where("claim_id = ?", c.ID)
	if d.InvoiceID != "" {
		q = q.Where("invoice_id = ?", d.InvoiceID)
	}
	if err := q.Select("COALESCE(SUM(amount), 0)").Scan(&credited).Error; err != nil {
		return nil, translate("sum credit notes", err)
	}
	if amount > principal-credited {
		return nil, portal.FieldError("adjusted_amount", "adjusted_amount %s is more than what is left to credit (%s)",
			portal.FormatMinor(amount, c.Currency.Exponent()), portal.FormatMinor(principal-credited, c.Currency.Exponent()))
	}
	now := db.Now()
	cn := &portal.CreditNote{ID: portal.NewID(now), TenantID: c.TenantID, ClaimID: c.ID, InvoiceID: d.InvoiceID,
		Number: "DISPUTE-" + d.ID[len(d.ID)-8:], IssueDate: portal.DateOf(now.In(time.UTC)), Amount: amount, CreatedAt: now}
	if err := tx.Create(cn).Error; err != nil {
		return nil, translate("create credit note", err)
	}
	_, err := db.appendEvent(ctx, tx, c.TenantID, c.ID, portal.EventCreditNoteRecorded, map[string]any{
		"credit_note_id": cn.ID, "invoice_id": cn.InvoiceID, "number": cn.Number, "amount": amount, "dispute_id": d.ID,
	})
	return cn, err
}

// FindDisputeFile implements portal.DisputeService.
func (db *DB) FindDisputeFile(ctx context.Context, tenantID, claimID, disputeID, fileID string) (*portal.DisputeFile, error) {
	var f portal.DisputeFile
	err := db.conn(ctx).Table("dispute_files").Select("dispute_files.*").
		Joins("JOIN disputes ON disputes.id = dispute_files.dispute_id").
		Where("dispute_files.id = ? AND dispute_files.dispute_id = ? AND disputes.claim_id = ? AND dispute_files.tenant_id = ?", fileID, disputeID, claimID, tenantID).
		Take(&f).Error
	if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
		return nil, portal.Errorf(portal.ENOTFOUND, "File not found.")
	} else if err != nil {
		return nil, translate("find dispute file", err)
	}
	if len(f.Content) == 0 {
		return nil, erasedFile("document")
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return &f, nil
}
