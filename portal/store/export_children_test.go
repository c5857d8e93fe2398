package store

import (
	"context"

	"github.com/relais/relais/portal"
)

// ChildrenByModel reads a claim's invoices, payments and credit notes as
// loadChildren did before its one statement: a GORM query per model, in
// the same orders (for TestClaimChildren).
func (db *DB) ChildrenByModel(ctx context.Context, claimID string) (*portal.Claim, error) {
	c := &portal.Claim{}
	conn := db.conn(ctx)
	if err := conn.Where("claim_id = ?", claimID).Order("due_date, number").Find(&c.Invoices).Error; err != nil {
		return nil, err
	}
	if err := conn.Where("claim_id = ?", claimID).Order("received_on, id").Find(&c.Payments).Error; err != nil {
		return nil, err
	}
	if err := conn.Where("claim_id = ?", claimID).Order("issue_date, id").Find(&c.CreditNotes).Error; err != nil {
		return nil, err
	}
	return c, nil
}
