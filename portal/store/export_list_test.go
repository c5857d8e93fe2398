package store

import (
	"context"

	"github.com/relais/relais/portal"
)

// FindClaimsByModel lists claims as FindClaims did before its two
// statements scanned by hand: the claims through GORM's model, then the
// debtors, invoices, payments and credit notes a GORM query each (for
// TestClaimListByModel).
func (db *DB) FindClaimsByModel(ctx context.Context, tenantID string, f portal.ClaimFilter) ([]*portal.Claim, string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	q := db.claimsMatching(db.conn(ctx).Model(&portal.Claim{}), tenantID, f)
	if f.After != "" {
		q = q.Where("claims.id > ?", f.After)
	}
	var claims []*portal.Claim
	if err := q.Order("claims.id").Limit(f.Limit + 1).Find(&claims).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(claims) > f.Limit {
		claims = claims[:f.Limit]
		next = claims[len(claims)-1].ID
	}
	if len(claims) == 0 {
		return claims, next, nil
	}
	ids, debtorIDs := make([]string, len(claims)), make([]string, len(claims))
	byID := map[string]*portal.Claim{}
	for i, c := range claims {
		ids[i], debtorIDs[i] = c.ID, c.DebtorID
		byID[c.ID] = c
		c.Invoices = []*portal.Invoice{}
	}
	var debtors []*portal.Debtor
	if err := db.conn(ctx).Where("id IN ?", debtorIDs).Find(&debtors).Error; err != nil {
		return nil, "", err
	}
	dm := map[string]*portal.Debtor{}
	for _, d := range debtors {
		dm[d.ID] = d
	}
	var invoices []*portal.Invoice
	if err := db.conn(ctx).Where("claim_id IN ?", ids).Order("due_date, number").Find(&invoices).Error; err != nil {
		return nil, "", err
	}
	for _, inv := range invoices {
		byID[inv.ClaimID].Invoices = append(byID[inv.ClaimID].Invoices, inv)
	}
	for _, c := range claims {
		c.Debtor = dm[c.DebtorID]
	}
	if !f.WithPayments {
		return claims, next, nil
	}
	var pays []*portal.Payment
	if err := db.conn(ctx).Where("claim_id IN ?", ids).Order("received_on, id").Find(&pays).Error; err != nil {
		return nil, "", err
	}
	var notes []*portal.CreditNote
	if err := db.conn(ctx).Where("claim_id IN ?", ids).Order("issue_date, id").Find(&notes).Error; err != nil {
		return nil, "", err
	}
	for _, c := range claims {
		c.Payments, c.CreditNotes = []*portal.Payment{}, []*portal.CreditNote{}
	}
	for _, p := range pays {
		byID[p.ClaimID].Payments = append(byID[p.ClaimID].Payments, p)
	}
	for _, n := range notes {
		byID[n.ClaimID].CreditNotes = append(byID[n.ClaimID].CreditNotes, n)
	}
	return claims, next, nil
}
