package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

var _ portal.InstalmentMover = (*DB)(nil)

type instalmentMoveRow struct {
	ID           string
	TenantID     string
	ClaimID      string
	AgreementID  string
	InstalmentID string
	FromOn       portal.Date
	ToOn         portal.Date
	CreatedAt    timeUTC
}

func (instalmentMoveRow) TableName() string { return "instalment_moves" }

// planPolicy is the plan policy of a claim: Relais' defaults with the
// creditor's (or the claim's) own thresholds.
func (db *DB) planPolicy(ctx context.Context, tenantID, claimID string) (portal.PlanPolicy, error) {
	pol, err := db.Policy(ctx, tenantID, claimID)
	if err != nil {
		return portal.PlanPolicy{}, err
	}
	return portal.PlanPolicy{}.Override(pol.Plan).WithDefaults(), nil
}

// movesLeft is how many dates of an agreement may still be moved.
func movesLeft(q *gorm.DB, agreementID string, p portal.PlanPolicy) (int, error) {
	if p.MaxDateMoves < 0 {
		return 0, nil
	}
	var n int64
	if err := q.Model(&instalmentMoveRow{}).Where("agreement_id = ?", agreementID).Count(&n).Error; err != nil {
		return 0, translate("count moves", err)
	}
	return max(0, p.MaxDateMoves-int(n)), nil
}

// DateMoves implements portal.InstalmentMover for the plan of the claim's
// next open instalment.
func (db *DB) DateMoves(ctx context.Context, tenantID, claimID string) (portal.DateMoves, error) {
	ins, err := db.ListInstalments(ctx, tenantID, claimID)
	if err != nil {
		return portal.DateMoves{}, err
	}
	p, err := db.planPolicy(ctx, tenantID, claimID)
	if err != nil {
		return portal.DateMoves{}, err
	}
	out := portal.DateMoves{MaxDays: p.MaxMoveDays}
	for _, in := range ins {
		if in.Status == portal.InstalmentDue {
			out.Left, err = movesLeft(db.conn(ctx), in.AgreementID, p)
			return out, err
		}
	}
	return out, nil
}

// MoveInstalment implements portal.InstalmentMover. The instalment's
// pre-notification, if any, announced the old date: the scheduler sends a
// new one for the new date before debiting it.
func (db *DB) MoveInstalment(ctx context.Context, tenantID, claimID, instalmentID string, to portal.Date) (*portal.Instalment, error) {
	if !portal.ValidID(instalmentID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
	}
	p, err := db.planPolicy(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	var out *portal.Instalment
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var status string
		if err := tx.Raw("SELECT status FROM claims WHERE id = ?", claimID).Scan(&status).Error; err != nil {
			return translate("read claim", err)
		}
		ins, err := scanInstalments(tx.Raw(instalmentSelect+"WHERE i.tenant_id = ? AND i.claim_id = ? AND i.id = ?", tenantID, claimID, instalmentID))
		if err != nil {
			return err
		}
		if len(ins) == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
		}
		in := ins[0]
		if status != string(portal.StatusInPlan) {
			return portal.Errorf(portal.ECONFLICT, "The plan is no longer in force.")
		}
		if in.Status != portal.InstalmentDue || in.Paid >= in.Amount {
			return portal.Errorf(portal.ECONFLICT, "Only an instalment still to pay can be moved.")
		}
		var leased int64
		if err := tx.Model(&instalmentChargeRow{}).Where("instalment_id = ? AND lease_until IS NOT NULL AND lease_until >= ?", in.ID, timeUTC(db.Now())).
			Count(&leased).Error; err != nil {
			return translate("read instalment charge", err)
		}
		if leased > 0 {
			return portal.Errorf(portal.ECONFLICT, "This instalment is being charged: it cannot be moved now.")
		}
		today := tenantDate(tx, tenantID, db.Now())
		latest := in.DueOn.AddDays(p.MaxMoveDays)
		switch {
		case !to.After(in.DueOn) || to.Before(today):
			return portal.FieldError("date", "Choose a date after %s.", in.DueOn)
		case to.After(latest):
			return portal.FieldError("date", "The date can be moved by at most %d days, to %s.", p.MaxMoveDays, latest)
		}
		left, err := movesLeft(tx, in.AgreementID, p)
		if err != nil {
			return err
		}
		if left == 0 {
			return portal.Errorf(portal.ECONFLICT, "No more dates of this plan can be moved: ask for a new plan instead.")
		}
		now := db.Now()
		if err := tx.Exec("UPDATE instalments SET due_on = ?, updated_at = ? WHERE id = ? AND status = 'due'", to, timeUTC(now), in.ID).Error; err != nil {
			return translate("move instalment", err)
		}
		row := instalmentMoveRow{ID: portal.NewID(now), TenantID: tenantID, ClaimID: claimID, AgreementID: in.AgreementID, InstalmentID: in.ID,
			FromOn: in.DueOn, ToOn: to, CreatedAt: timeUTC(now)}
		if err := tx.Create(&row).Error; err != nil {
			return translate("record move", err)
		}
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventInstalmentMoved, map[string]any{
			"instalment_id": in.ID, "seq": in.Seq, "from": in.DueOn.String(), "to": to.String(), "amount": in.Amount - in.Paid,
			"currency": in.Currency, "method": in.Method, "moves_left": left - 1,
		}); err != nil {
			return err
		}
		in.DueOn = to
		out = in
		return nil
	})
	return out, err
}
