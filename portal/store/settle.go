package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/rules"
)

// Reasons recorded with the status changes a payment makes by itself.
const (
	reasonPaidInFull = "paid in full: nothing is left to pay"
	reasonReopened   = "a payment was reversed, refunded or charged back: a balance is due again"
	reasonBackToPlan = "the payment that completed the plan was reversed, refunded or charged back: its instalments are owed again and the plan is in force again"
)

// UseRates sets the interest rates a payment's effect on the balance is
// computed with, when the database was opened before them (the test
// wiring of package servertest). Call it before the database is used.
func (db *DB) UseRates(r *rules.Rates) {
	if r != nil {
		db.rates = r
	}
}

// settleOnPayment moves the claim's status after p was recorded inside
// tx, in the same transaction (settleOnBalance), once p has kept the
// promises it pays.
func (db *DB) settleOnPayment(ctx context.Context, tx *gorm.DB, tenantID, claimID string, p *portal.Payment) error {
	// Every channel's payment passes here: it keeps the promises it pays (promises.go).
	if err := db.applyToPromises(ctx, tx, tenantID, claimID, p); err != nil {
		return err
	}
	return db.settleOnBalance(ctx, tx, tenantID, claimID, p.Amount < 0, "payment_id", p.ID)
}

// settleOnBalance moves the claim's status after what changed its balance
// (a payment, a credit note: causeKey and causeID name it in the event)
// was recorded inside tx, in the same transaction, through the escalation
// rules:
//
//   - whatever leaves nothing to pay today (principal, interest and
//     indemnities, with every rate needed known) settles the claim (open,
//     disputed, in a plan or written off → settled): a payment or a
//     credit note alike;
//   - a negative movement (a reversal, a refund, a chargeback) that leaves
//     a balance on a settled claim reopens it (settled → open), unless it
//     took back the payment that completed a plan: then returnToPlan has
//     already put the claim back in its plan (settled → in_plan).
//
// Each move records status.changed with what made it. A claim the rules
// do not let move (closed, erased) keeps its status; a positive payment or
// a credit note never reopens a claim the creditor settled for less. A
// balance that cannot be computed leaves the status as it is: the movement
// is recorded whatever happens (the error is logged).
func (db *DB) settleOnBalance(ctx context.Context, tx *gorm.DB, tenantID, claimID string, negative bool, causeKey, causeID string) error {
	var c portal.Claim
	if err := tx.Where("id = ? AND tenant_id = ?", claimID, tenantID).Take(&c).Error; err != nil {
		return translate("find claim", err)
	}
	if c.PersonalDataErasedAt != nil || c.Status == portal.StatusClosed {
		return nil
	}
	if err := loadParts(tx, &c); err != nil {
		return err
	}
	now := db.Now()
	today := tenantDate(tx, tenantID, now)
	bal, err := db.rates.Compute(&c, today)
	if err != nil {
		db.log.Warn("balance after a movement: status left as it is", "claim_id", claimID, causeKey, causeID, "err", err)
		return nil
	}
	var to portal.Status
	var reason string
	switch {
	case rules.PaidInFull(bal) && c.Status != portal.StatusSettled:
		to, reason = portal.StatusSettled, reasonPaidInFull
	case c.Status == portal.StatusSettled && negative && bal.Total > 0:
		to, reason = portal.StatusOpen, reasonReopened
	default:
		return nil
	}
	snap := escalation.SnapshotOf(&c, escalation.Procedure(c.Procedure), crossBorder(&c))
	if escalation.ChangeStatus(snap, to) != nil {
		return nil // the rules keep this status
	}
	res := tx.Model(&portal.Claim{}).
		Where("id = ? AND tenant_id = ? AND status = ?", c.ID, tenantID, string(c.Status)).
		Updates(map[string]any{"status": string(to), "updated_at": now})
	if res.Error != nil {
		return translate("settle claim", res.Error)
	}
	if res.RowsAffected != 1 {
		return errRaced()
	}
	_, err = db.appendEvent(ctx, tx, tenantID, c.ID, portal.EventStatusChanged, map[string]any{
		"from": c.Status, "to": to, "stage": c.Stage, "reason": reason, "by": actorName(ctx),
		causeKey: causeID, "as_of": today.String(), "balance": bal.Total, "currency": c.Currency,
	})
	return err
}
