package store

import (
	"context"
	"time"
	_ "time/tzdata" // tenants' time zones, whatever the host has installed

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

var _ portal.EscalationService = (*DB)(nil)

// Today returns the current date in the tenant's time zone (UTC when the
// zone is unknown): the "today" of deadlines and letters.
func (db *DB) Today(ctx context.Context, tenantID string) portal.Date {
	return tenantDate(db.conn(ctx), tenantID, db.Now())
}

// tenantDate is the calendar date of t in the tenant's time zone: the date
// a payment was received on, as the creditor's books and the debtor's
// balance (computed for the tenant's today) count it. q is the connection
// or transaction to read the zone with.
func tenantDate(q *gorm.DB, tenantID string, now time.Time) portal.Date {
	return portal.DateOf(now.In(tenantLocation(q, tenantID)))
}

// tenantLocation is the tenant's time zone, UTC when unknown, read with q
// (the connection or a transaction).
func tenantLocation(q *gorm.DB, tenantID string) *time.Location {
	var tz string
	q.Raw("SELECT timezone FROM tenants WHERE id = ?", tenantID).Scan(&tz)
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		return loc
	}
	return time.UTC
}

// errRaced is returned when another change moved the claim between our
// read and our write: the check-and-set in the UPDATE found nothing.
func errRaced() error {
	return portal.Errorf(portal.ECONFLICT, "the claim was changed by someone else at the same time: reload it and try again")
}

// claimInTx loads a claim with its debtor inside tx, for a change to it:
// ECONFLICT when its personal data was erased.
func (db *DB) claimInTx(tx *gorm.DB, tenantID, claimID string) (*portal.Claim, error) {
	if !portal.ValidID(claimID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	var c portal.Claim
	if err := tx.Where("id = ? AND tenant_id = ?", claimID, tenantID).Take(&c).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
		}
		return nil, translate("find claim", err)
	}
	if c.PersonalDataErasedAt != nil {
		return nil, errErased()
	}
	c.Debtor = &portal.Debtor{}
	if err := tx.Where("id = ?", c.DebtorID).Take(c.Debtor).Error; err != nil {
		return nil, translate("find debtor", err)
	}
	return &c, nil
}

// errErased refuses a change to a claim whose personal data was erased:
// it is kept as a record of amounts and evidence only.
func errErased() error {
	return portal.Errorf(portal.ECONFLICT, "the claim's personal data was erased at the end of its retention: the claim can no longer change")
}

// crossBorder tells whether the debtor lives in another country than the
// claim's courts, which opens the European order for payment. (Regulation
// 1896/2006 also requires that country to be an EU member state other than
// Denmark; Relais takes the creditor's word for it.)
func crossBorder(c *portal.Claim) bool {
	return c.Debtor != nil && c.Debtor.Country != "" && c.Debtor.Country != string(c.Jurisdiction)
}

func actorName(ctx context.Context) string {
	a := portal.ActorFrom(ctx)
	return string(a.Kind) + ":" + a.ID
}

// ChangeStage implements portal.EscalationService.
func (db *DB) ChangeStage(ctx context.Context, tenantID, claimID string, ch portal.StageChange) (*portal.Claim, error) {
	today := db.Today(ctx, tenantID)
	if err := ch.Validate(today); err != nil {
		return nil, err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		c, err := db.claimInTx(tx, tenantID, claimID)
		if err != nil {
			return err
		}
		return db.changeStage(ctx, tx, c, ch, today, nil)
	})
	if err != nil {
		return nil, err
	}
	return db.FindClaim(ctx, tenantID, claimID)
}

// changeStage checks and applies a stage move inside tx and records
// stage.changed; extra goes into the event payload. The UPDATE only
// matches the claim as it was read (stage, procedure, status): of two
// concurrent moves, one wins and the other gets ECONFLICT.
func (db *DB) changeStage(ctx context.Context, tx *gorm.DB, c *portal.Claim, ch portal.StageChange, today portal.Date, extra map[string]any) error {
	snap := escalation.SnapshotOf(c, escalation.Procedure(c.Procedure), crossBorder(c))
	if err := escalation.Transition(snap, ch.To, escalation.Procedure(ch.Procedure)); err != nil {
		return err
	}
	now := db.Now()
	upd := map[string]any{"stage": string(ch.To), "updated_at": now}
	payload := map[string]any{
		"from": c.Stage, "to": ch.To, "reason": ch.Reason, "by": actorName(ctx),
	}
	if c.Procedure != "" {
		payload["from_procedure"] = c.Procedure
	}
	switch ch.To {
	case portal.StageFormalNotice:
		on := ch.FormalNoticeOn
		if on.IsZero() {
			on = today
		}
		upd["formal_notice_on"] = on
		payload["formal_notice_on"] = on.String()
	case portal.StageLitigation:
		upd["court_procedure"], upd["order_on"], upd["served_on"] = ch.Procedure, ch.OrderOn, ch.ServedOn
		payload["procedure"] = ch.Procedure
		if !ch.OrderOn.IsZero() {
			payload["order_on"] = ch.OrderOn.String()
		}
		if !ch.ServedOn.IsZero() {
			payload["served_on"] = ch.ServedOn.String()
		}
	case portal.StageJudgment:
		on := ch.JudgmentOn
		if on.IsZero() {
			on = today
		}
		upd["judgment_on"] = on
		payload["judgment_on"] = on.String()
		payload["procedure"] = c.Procedure
	case portal.StageEnforcement:
		payload["procedure"] = c.Procedure
	case portal.StageAmicable:
		// Back to friendly recovery: a court procedure, if any, is over.
		upd["court_procedure"], upd["order_on"], upd["served_on"] = "", portal.Date{}, portal.Date{}
	}
	for k, v := range extra {
		payload[k] = v
	}
	res := tx.Model(&portal.Claim{}).
		Where("id = ? AND tenant_id = ? AND stage = ? AND status = ? AND court_procedure = ?",
			c.ID, c.TenantID, string(c.Stage), string(c.Status), c.Procedure).
		Updates(upd)
	if res.Error != nil {
		return translate("change stage", res.Error)
	}
	if res.RowsAffected != 1 {
		return errRaced()
	}
	_, err := db.appendEvent(ctx, tx, c.TenantID, c.ID, portal.EventStageChanged, payload)
	return err
}

// ChangeStatus implements portal.EscalationService.
func (db *DB) ChangeStatus(ctx context.Context, tenantID, claimID string, ch portal.StatusChange) (*portal.Claim, error) {
	if err := ch.Validate(); err != nil {
		return nil, err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		c, err := db.claimInTx(tx, tenantID, claimID)
		if err != nil {
			return err
		}
		snap := escalation.SnapshotOf(c, escalation.Procedure(c.Procedure), crossBorder(c))
		if err := escalation.ChangeStatus(snap, ch.To); err != nil {
			return err
		}
		res := tx.Model(&portal.Claim{}).
			Where("id = ? AND tenant_id = ? AND status = ? AND stage = ?", c.ID, tenantID, string(c.Status), string(c.Stage)).
			Updates(map[string]any{"status": string(ch.To), "updated_at": db.Now()})
		if res.Error != nil {
			return translate("change status", res.Error)
		}
		if res.RowsAffected != 1 {
			return errRaced()
		}
		_, err = db.appendEvent(ctx, tx, tenantID, c.ID, portal.EventStatusChanged, map[string]any{
			"from": c.Status, "to": ch.To, "stage": c.Stage, "reason": ch.Reason, "by": actorName(ctx),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.FindClaim(ctx, tenantID, claimID)
}

// RecordDates implements portal.EscalationService. An order's dates fit
// only a claim in litigation or later with a procedure, a judgment's date
// only a claim at judgment or enforcement; service cannot precede the
// order, and an acknowledgement older than the last one known changes
// nothing and is refused. A first reminder must come after an invoice fell
// due; it becomes the claim's first reminder when earlier than the one
// recorded (or none is), and the first reminder of the invoices it covers
// (markReminded); the event names them.
func (db *DB) RecordDates(ctx context.Context, tenantID, claimID string, ch portal.DatesChange) (*portal.Claim, error) {
	today := db.Today(ctx, tenantID)
	if err := ch.Validate(today); err != nil {
		return nil, err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		c, err := db.claimInTx(tx, tenantID, claimID)
		if err != nil {
			return err
		}
		inCourt := c.Procedure != "" && (c.Stage == portal.StageLitigation || c.Stage == portal.StageJudgment || c.Stage == portal.StageEnforcement)
		judged := c.Stage == portal.StageJudgment || c.Stage == portal.StageEnforcement
		now := db.Now()
		upd := map[string]any{"updated_at": now}
		payload := map[string]any{"reason": ch.Reason, "by": actorName(ctx), "stage": c.Stage}
		set := func(col string, d, old portal.Date) {
			upd[col] = d
			payload[col] = d.String()
			if !old.IsZero() {
				payload["previous_"+col] = old.String()
			}
		}
		order, served := c.OrderOn, c.ServedOn
		if !ch.OrderOn.IsZero() {
			if !inCourt {
				return portal.FieldError("order_on", "order_on is recorded once the claim is in litigation with a procedure; it is at the %s stage", c.Stage)
			}
			order = ch.OrderOn
			set("order_on", ch.OrderOn, c.OrderOn)
		}
		if !ch.ServedOn.IsZero() {
			if !inCourt {
				return portal.FieldError("served_on", "served_on is recorded once the claim is in litigation with a procedure; it is at the %s stage", c.Stage)
			}
			served = ch.ServedOn
			set("served_on", ch.ServedOn, c.ServedOn)
		}
		if !order.IsZero() && !served.IsZero() && served.Before(order) {
			return portal.FieldError("served_on", "served_on %s is before the order of %s", served, order)
		}
		if !ch.JudgmentOn.IsZero() {
			if !judged {
				return portal.FieldError("judgment_on", "judgment_on is recorded once the claim is at the judgment stage; it is at the %s stage", c.Stage)
			}
			set("judgment_on", ch.JudgmentOn, c.JudgmentOn)
		}
		if e := ch.EnforceableOn; !e.IsZero() {
			judgment := c.JudgmentOn
			if !ch.JudgmentOn.IsZero() {
				judgment = ch.JudgmentOn
			}
			switch {
			case !judged:
				return portal.FieldError("enforceable_on", "enforceable_on is recorded once the claim is at the judgment stage (a judgment, or an order made enforceable); it is at the %s stage", c.Stage)
			case !judgment.IsZero() && e.Before(judgment):
				return portal.FieldError("enforceable_on", "enforceable_on %s is before the judgment of %s", e, judgment)
			case !order.IsZero() && e.Before(order):
				return portal.FieldError("enforceable_on", "enforceable_on %s is before the order of %s", e, order)
			}
			set("enforceable_on", e, c.EnforceableOn)
		}
		if end := ch.ProceedingsEndedOn; !end.IsZero() {
			if !inCourt {
				return portal.FieldError("proceedings_ended_on", "proceedings_ended_on is recorded for a claim in litigation, judgment or enforcement; it is at the %s stage", c.Stage)
			}
			for _, d := range []struct {
				name string
				on   portal.Date
			}{{"the order", order}, {"the service", served}, {"the judgment", c.JudgmentOn}, {"the judgment", ch.JudgmentOn}} {
				if !d.on.IsZero() && end.Before(d.on) {
					return portal.FieldError("proceedings_ended_on", "proceedings_ended_on %s is before %s of %s", end, d.name, d.on)
				}
			}
			set("proceedings_ended_on", end, c.ProceedingsEndedOn)
		}
		if ack := ch.LastAcknowledgementOn; !ack.IsZero() {
			if !c.LastAcknowledgementOn.IsZero() && !ack.After(c.LastAcknowledgementOn) {
				return portal.FieldError("last_acknowledgement_on", "last_acknowledgement_on %s is not after the acknowledgement already recorded on %s", ack, c.LastAcknowledgementOn)
			}
			set("last_acknowledgement_on", ack, c.LastAcknowledgementOn)
		}
		reminder := ch.FirstReminderOn
		if !reminder.IsZero() {
			var firstDue portal.Date
			if err := tx.Raw("SELECT MIN(due_date) FROM invoices WHERE claim_id = ?", c.ID).Row().Scan(&firstDue); err != nil {
				return translate("find first due date", err)
			}
			if firstDue.IsZero() || !firstDue.Before(reminder) {
				return portal.FieldError("first_reminder_on", "first_reminder_on %s is not after the due date of any invoice of the claim (the first fell due on %s): a reminder covers debts already due", reminder, firstDue)
			}
			payload["first_reminder_on"], payload["first_reminder_channel"] = reminder.String(), ch.FirstReminderChannel
			if !c.FirstReminderOn.IsZero() {
				payload["previous_first_reminder_on"], payload["previous_first_reminder_channel"] = c.FirstReminderOn.String(), c.FirstReminderChannel
			}
		}
		res := tx.Model(&portal.Claim{}).
			Where("id = ? AND tenant_id = ? AND stage = ? AND court_procedure = ?", c.ID, tenantID, string(c.Stage), c.Procedure).
			Updates(upd)
		if res.Error != nil {
			return translate("record dates", res.Error)
		}
		if res.RowsAffected != 1 {
			return errRaced()
		}
		if !reminder.IsZero() {
			if err := markReminded(tx, c.ID, reminder, ch.FirstReminderChannel, now); err != nil {
				return err
			}
			// The invoices whose first reminder this one is, as evidence
			// of what it covered.
			covered := []string{}
			if err := tx.Raw("SELECT number FROM invoices WHERE claim_id = ? AND first_reminder_on = ? ORDER BY due_date, number",
				c.ID, reminder).Scan(&covered).Error; err != nil {
				return translate("find reminded invoices", err)
			}
			payload["covers_invoices"] = covered
		}
		_, err = db.appendEvent(ctx, tx, tenantID, c.ID, portal.EventDatesRecorded, payload)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.FindClaim(ctx, tenantID, claimID)
}

// Timeline returns a claim's timeline as of today in the tenant's time
// zone; kinds filters the events listed. ENOTFOUND.
func (db *DB) Timeline(ctx context.Context, tenantID, claimID string, kinds []portal.EventKind) (*escalation.Timeline, error) {
	c, err := db.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	events, err := db.allEvents(ctx, tenantID, c.ID)
	if err != nil {
		return nil, err
	}
	return escalation.BuildTimeline(c, events, db.Today(ctx, tenantID), kinds), nil
}
