package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

var _ portal.ClaimChanges = (*DB)(nil)

// UpdateDebtorContact implements portal.ClaimChanges.
func (db *DB) UpdateDebtorContact(ctx context.Context, tenantID, claimID string, in portal.DebtorContact) (*portal.Debtor, error) {
	var out *portal.Debtor
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		c, err := db.claimInTx(tx, tenantID, claimID)
		if err != nil {
			return err
		}
		old := *c.Debtor
		d := in.Apply(old)
		if err := d.Validate(); err != nil {
			return err
		}
		changes := map[string]any{}
		for _, f := range []struct{ name, from, to string }{
			{"email", old.Email, d.Email}, {"phone", old.Phone, d.Phone}, {"address", old.Address, d.Address},
			{"country", old.Country, d.Country}, {"language", old.Language, d.Language},
		} {
			if f.from != f.to {
				changes[f.name] = map[string]any{"from": f.from, "to": f.to}
			}
		}
		out = &d
		if len(changes) == 0 {
			return nil
		}
		res := tx.Model(&portal.Debtor{}).Where("id = ? AND tenant_id = ?", d.ID, tenantID).
			Updates(map[string]any{"email": d.Email, "phone": d.Phone, "address": d.Address, "country": d.Country, "language": d.Language})
		if res.Error != nil {
			return translate("update debtor", res.Error)
		}
		_, err = db.appendEvent(ctx, tx, tenantID, claimID, portal.EventDebtorContactChanged, map[string]any{
			"debtor_id": d.ID, "changes": changes, "by": actorName(ctx),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddCreditNote implements portal.ClaimChanges: on an invoice, never more
// than the invoice less its credit notes; on the claim, never more than
// the principal less every credit note.
func (db *DB) AddCreditNote(ctx context.Context, tenantID string, cn *portal.CreditNote) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, cn.ClaimID); err != nil {
			return err
		}
		c, err := db.claimInTx(tx, tenantID, cn.ClaimID)
		if err != nil {
			return err
		}
		if err := cn.ValidateNew(tenantDate(tx, tenantID, db.Now())); err != nil {
			return err
		}
		var invoices []*portal.Invoice
		if err := tx.Where("claim_id = ? AND tenant_id = ?", c.ID, tenantID).Find(&invoices).Error; err != nil {
			return translate("find invoices", err)
		}
		var notes []*portal.CreditNote
		if err := tx.Where("claim_id = ? AND tenant_id = ?", c.ID, tenantID).Find(&notes).Error; err != nil {
			return translate("find credit notes", err)
		}
		// What is left to credit: on the invoice, and on the claim as a
		// whole (a note on the claim reduces every invoice's room).
		var principal, credited, claimPrincipal, claimCredited int64
		found := cn.InvoiceID == ""
		for _, inv := range invoices {
			claimPrincipal += inv.Amount
			if cn.InvoiceID == "" || inv.ID == cn.InvoiceID {
				principal += inv.Amount
				found = found || inv.ID == cn.InvoiceID
			}
		}
		if !found {
			return portal.FieldError("invoice_id", "invoice_id is not the id of an invoice of claim %s", c.Reference)
		}
		for _, n := range notes {
			if n.Number == cn.Number {
				return &portal.Error{Code: portal.ECONFLICT, Field: "number", Message: "credit note " + cn.Number + " is already recorded on this claim"}
			}
			claimCredited += n.Amount
			if cn.InvoiceID == "" || n.InvoiceID == cn.InvoiceID {
				credited += n.Amount
			}
		}
		if left := min(principal-credited, claimPrincipal-claimCredited); cn.Amount > left {
			e := c.Currency.Exponent()
			return portal.FieldError("amount", "amount %s is more than what is left to credit (%s)", portal.FormatMinor(cn.Amount, e), portal.FormatMinor(left, e))
		}
		now := db.Now()
		cn.ID, cn.TenantID, cn.CreatedAt = portal.NewID(now), tenantID, now
		if err := tx.Create(cn).Error; err != nil {
			return translate("create credit note", err)
		}
		_, err = db.appendEvent(ctx, tx, tenantID, c.ID, portal.EventCreditNoteRecorded, map[string]any{
			"credit_note_id": cn.ID, "invoice_id": cn.InvoiceID, "number": cn.Number, "amount": cn.Amount,
			"issue_date": cn.IssueDate.String(), "by": actorName(ctx),
		})
		if err != nil {
			return err
		}
		// A credit note that leaves nothing to pay settles the claim, as a
		// payment does (settle.go).
		return db.settleOnBalance(ctx, tx, tenantID, c.ID, false, "credit_note_id", cn.ID)
	})
}
