package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

var _ portal.InstalmentStore = (*DB)(nil)

// instalmentChargeRow is the charging state of a card instalment; the
// instalments table itself belongs to the negotiation side.
type instalmentChargeRow struct {
	InstalmentID  string
	TenantID      string
	ClaimID       string
	Attempts      int
	NextAttemptOn portal.Date
	LeaseOwner    string
	LeaseUntil    *timeUTC
	PaymentIntent string
	LastCode      string
	PaidAmount    int64
	UpdatedAt     timeUTC
}

func (instalmentChargeRow) TableName() string { return "instalment_charges" }

// instalmentSelect reads instalments with their charging state.
const instalmentSelect = `SELECT i.id, i.tenant_id, i.claim_id, c.debtor_id, i.agreement_id, i.seq, i.due_on, i.amount, i.currency,
	i.method, i.status, COALESCE(ch.paid_amount, 0) AS paid, COALESCE(ch.attempts, 0) AS attempts,
	ch.next_attempt_on, COALESCE(ch.last_code, '') AS last_code, COALESCE(a.debit_notice_days, 0) AS notice_days
	FROM instalments i JOIN claims c ON c.id = i.claim_id
	LEFT JOIN agreements a ON a.id = i.agreement_id
	LEFT JOIN instalment_charges ch ON ch.instalment_id = i.id `

type instalmentScan struct {
	ID, TenantID, ClaimID, DebtorID, AgreementID string
	Seq                                          int
	DueOn                                        portal.Date
	Amount                                       int64
	Currency, Method, Status                     string
	Paid                                         int64
	Attempts                                     int
	NextAttemptOn                                portal.Date
	LastCode                                     string
	NoticeDays                                   int
}

func (r *instalmentScan) instalment() *portal.Instalment {
	return &portal.Instalment{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, DebtorID: r.DebtorID, AgreementID: r.AgreementID,
		Seq: r.Seq, DueOn: r.DueOn, Amount: r.Amount, Currency: portal.Currency(r.Currency), Method: r.Method, Status: r.Status,
		Paid: r.Paid, Attempts: r.Attempts, NextAttemptOn: r.NextAttemptOn, LastCode: r.LastCode, NoticeDays: noticeDays(r.Method, r.NoticeDays)}
}

// noticeDays is the pre-notification period of a SEPA instalment: its
// agreement's when it states a shorter one, else 14 days.
func noticeDays(method string, agreed int) int {
	if method != portal.MethodSEPADebit {
		return 0
	}
	if agreed <= 0 || agreed > portal.DefaultDebitNoticeDays {
		return portal.DefaultDebitNoticeDays
	}
	return agreed
}

// noCharge lists the last codes after which an instalment is not charged
// again automatically: the debtor must act (authenticate, save a card,
// give a mandate) or has refused the debit at their bank.
const noCharge = "('authentication_required', 'no_saved_card', 'no_mandate', 'debit_disputed', 'mandate_inactive')"

// nextAttemptSQL is the attempt number the next charge of an instalment
// takes (ClaimInstalment): the same as the last when its outcome was never
// recorded (a lease still held), else one more.
const nextAttemptSQL = "(COALESCE(ch.attempts, 0) + CASE WHEN COALESCE(ch.lease_owner, '') <> '' THEN 0 ELSE 1 END)"

// noticeHolds says a pre-notification n still announces the debit of
// instalment i: its date is not before the instalment's due date nor its
// retry date (a date moved later is announced again).
const noticeHolds = "n.debit_on >= i.due_on AND (ch.next_attempt_on IS NULL OR n.debit_on >= ch.next_attempt_on)"

func scanInstalments(q *gorm.DB) ([]*portal.Instalment, error) {
	var rows []instalmentScan
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate("list instalments", err)
	}
	out := make([]*portal.Instalment, len(rows))
	for i := range rows {
		out[i] = rows[i].instalment()
	}
	return out, nil
}

// ListInstalments implements portal.InstalmentService.
func (db *DB) ListInstalments(ctx context.Context, tenantID, claimID string) ([]*portal.Instalment, error) {
	var n int64
	if err := db.conn(ctx).Model(&portal.Claim{}).Where("id = ? AND tenant_id = ?", claimID, tenantID).Count(&n).Error; err != nil {
		return nil, translate("find claim", err)
	}
	if n == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	return db.listInstalments(ctx, tenantID, claimID)
}

// ListClaimInstalments implements portal.InstalmentService: from this
// instance's cache for a claim read for its page (c.PageVersion).
func (db *DB) ListClaimInstalments(ctx context.Context, c *portal.Claim) ([]*portal.Instalment, error) {
	var ins []*portal.Instalment
	if db.pages.lookup(c.TenantID, c.ID, c.PageVersion, func(e *pageEntry) bool {
		ins = cloneAll(e.instalments)
		return e.hasInstalments
	}) {
		return ins, nil
	}
	ins, err := db.listInstalments(ctx, c.TenantID, c.ID)
	if err != nil {
		return nil, err
	}
	kept := cloneAll(ins)
	db.pages.keep(c.TenantID, c.ID, c.PageVersion, func(e *pageEntry) { e.instalments, e.hasInstalments = kept, true })
	return ins, nil
}

// listInstalments lists the instalments of a claim known to be the tenant's.
func (db *DB) listInstalments(ctx context.Context, tenantID, claimID string) ([]*portal.Instalment, error) {
	return scanInstalments(db.conn(ctx).Raw(instalmentSelect+"WHERE i.tenant_id = ? AND i.claim_id = ? ORDER BY i.agreement_id, i.seq", tenantID, claimID))
}

// InstalmentDue returns what is left to pay on one open instalment, for
// paying it early. ENOTFOUND, EINVALID when it is already settled.
func (db *DB) InstalmentDue(ctx context.Context, tenantID, claimID, instalmentID string) (int64, error) {
	ins, err := scanInstalments(db.conn(ctx).Raw(instalmentSelect+"WHERE i.tenant_id = ? AND i.claim_id = ? AND i.id = ?", tenantID, claimID, instalmentID))
	if err != nil {
		return 0, err
	}
	if len(ins) == 0 {
		return 0, portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
	}
	in := ins[0]
	if in.Status == portal.InstalmentPaid || in.Status == portal.InstalmentWaived || in.Amount-in.Paid <= 0 {
		return 0, portal.Errorf(portal.EINVALID, "This instalment is already settled.")
	}
	return in.Amount - in.Paid, nil
}

// PlanRest returns what is left to pay on the claim's plan in force, for
// settling the rest at once: every instalment still due, failed or missed
// (a debit the bank is settling is not asked for twice). EINVALID when no
// plan is in force or nothing is left on it.
func (db *DB) PlanRest(ctx context.Context, tenantID, claimID string) (int64, error) {
	var status string
	if err := db.conn(ctx).Raw("SELECT status FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&status).Error; err != nil {
		return 0, translate("find claim", err)
	}
	if status == "" {
		return 0, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	if status != string(portal.StatusInPlan) {
		return 0, portal.Errorf(portal.EINVALID, "No plan is in force on this claim.")
	}
	ins, err := db.listInstalments(ctx, tenantID, claimID)
	if err != nil {
		return 0, err
	}
	var rest int64
	for _, in := range ins {
		switch in.Status {
		case portal.InstalmentDue, portal.InstalmentFailed, portal.InstalmentMissed:
			rest += max(0, in.Amount-in.Paid)
		}
	}
	if rest <= 0 {
		return 0, portal.Errorf(portal.EINVALID, "Nothing is left to pay on this plan.")
	}
	return rest, nil
}

// DueCardInstalments implements portal.InstalmentStore.
func (db *DB) DueCardInstalments(ctx context.Context, today portal.Date, now time.Time, limit int) ([]*portal.Instalment, error) {
	if limit <= 0 {
		limit = 100
	}
	// A SEPA debit is taken only once the debtor was told its amount and
	// date: a pre-notification of this attempt whose date has come.
	return scanInstalments(db.conn(ctx).Raw(instalmentSelect+`WHERE i.method IN ('card', 'sepa_debit') AND i.status IN ('due', 'failed') AND i.due_on <= ?
		AND c.status = ? AND (ch.instalment_id IS NULL OR (
			(ch.next_attempt_on IS NULL OR ch.next_attempt_on <= ?) AND (ch.lease_until IS NULL OR ch.lease_until < ?)
			AND ch.last_code NOT IN `+noCharge+`))
		AND (i.method = 'card' OR EXISTS (SELECT 1 FROM debit_notices n WHERE n.instalment_id = i.id
			AND n.attempt = `+nextAttemptSQL+` AND n.debit_on <= ? AND `+noticeHolds+`))
		ORDER BY i.due_on, i.id LIMIT ?`, today, portal.StatusInPlan, today, timeUTC(now), today, limit))
}

// ClaimInstalment implements portal.InstalmentStore: the conditional
// UPDATE lets exactly one instance take an instalment whose lease is free.
func (db *DB) ClaimInstalment(ctx context.Context, id, owner string, until time.Time, today portal.Date) (portal.InstalmentLease, bool, error) {
	var taken portal.InstalmentLease
	ok := false
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var in struct {
			TenantID, ClaimID, Status, Method string
			Amount                            int64
		}
		// Locks in the order every payment transaction takes them: the
		// claim, then its instalment. The claim lock (PostgreSQL) waits for
		// a charge being recorded by another instance, so its outcome is
		// seen here.
		var of struct{ TenantID, ClaimID string }
		if err := tx.Raw("SELECT tenant_id, claim_id FROM instalments WHERE id = ?", id).Scan(&of).Error; err != nil {
			return translate("find instalment", err)
		}
		if of.ClaimID == "" {
			return nil
		}
		if err := db.lockClaim(tx, of.TenantID, of.ClaimID); err != nil {
			return err
		}
		q := "SELECT i.tenant_id, i.claim_id, i.status, i.method, i.amount FROM instalments i JOIN claims c ON c.id = i.claim_id WHERE i.id = ? AND c.status = ?"
		if db.Dialect == Postgres {
			q += " FOR UPDATE OF i"
		}
		if err := tx.Raw(q, id, portal.StatusInPlan).Scan(&in).Error; err != nil {
			return translate("find instalment", err)
		}
		if in.ClaimID == "" || (in.Method != portal.MethodCard && in.Method != portal.MethodSEPADebit) ||
			(in.Status != portal.InstalmentDue && in.Status != portal.InstalmentFailed) {
			return nil
		}
		now := timeUTC(db.Now())
		row := instalmentChargeRow{InstalmentID: id, TenantID: in.TenantID, ClaimID: in.ClaimID, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return translate("create instalment charge", err)
		}
		// The charge row as the previous lease left it (the claim lock keeps
		// it so until the update below).
		var prev struct {
			LeaseOwner string
			UpdatedAt  timeUTC
			Attempts   int
		}
		if err := tx.Raw("SELECT lease_owner, updated_at, attempts FROM instalment_charges WHERE instalment_id = ?", id).Scan(&prev).Error; err != nil {
			return translate("read instalment charge", err)
		}
		// A lease that ran out while still held (lease_owner set: no
		// outcome was recorded) leaves its charge in doubt: the call may have
		// reached the provider and succeeded. The retry keeps that attempt's
		// number, so its idempotency key is the same and the provider answers
		// with the first charge instead of making a second one.
		taken.Attempt = prev.Attempts + 1
		if prev.LeaseOwner != "" {
			taken.Attempt, taken.InDoubtSince = prev.Attempts, prev.UpdatedAt.Time()
		}
		if in.Method == portal.MethodSEPADebit {
			// No debit without its pre-notification, whatever the caller
			// listed: the notice of this attempt, dated today or before.
			var n int64
			if err := tx.Raw(`SELECT COUNT(*) FROM debit_notices n JOIN instalments i ON i.id = n.instalment_id
				LEFT JOIN instalment_charges ch ON ch.instalment_id = i.id
				WHERE n.instalment_id = ? AND n.attempt = ? AND n.debit_on <= ? AND `+noticeHolds, id, taken.Attempt, today).
				Scan(&n).Error; err != nil {
				return translate("find debit notice", err)
			}
			if n == 0 {
				return nil
			}
		}
		lease := timeUTC(until)
		res := tx.Exec(`UPDATE instalment_charges SET lease_owner = ?, lease_until = ?, attempts = ?, updated_at = ?
			WHERE instalment_id = ? AND attempts = ? AND (lease_until IS NULL OR lease_until < ?) AND (next_attempt_on IS NULL OR next_attempt_on <= ?)
			AND paid_amount < ?`,
			owner, lease, taken.Attempt, now, id, prev.Attempts, now, today, in.Amount)
		if res.Error != nil {
			return translate("lease instalment", res.Error)
		}
		if res.RowsAffected != 1 {
			return nil
		}
		ok = true
		return nil
	})
	return taken, ok, err
}

// RecordInstalmentCharge implements portal.InstalmentStore. The failure
// policy: authentication_required → the instalment is failed and the
// debtor is asked to pay it on the portal (with authentication); it is
// missed after RetryAfterDays. Declined → retried after RetryAfterDays
// until MaxAttempts, then missed. Processing → left leased for a day; the
// webhook settles it.
func (db *DB) RecordInstalmentCharge(ctx context.Context, in *portal.Instalment, attempt int, res *portal.ChargeResult, p portal.PlanPolicy, today portal.Date) error {
	p = p.WithDefaults()
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, in.TenantID, in.ClaimID); err != nil {
			return err
		}
		now := db.Now()
		upd := map[string]any{"lease_owner": "", "lease_until": nil, "payment_intent": res.PaymentIntentID, "last_code": res.Code, "updated_at": timeUTC(now)}
		base := map[string]any{"instalment_id": in.ID, "seq": in.Seq, "attempt": attempt, "amount": in.Amount, "currency": in.Currency,
			"payment_intent": res.PaymentIntentID, "code": res.Code, "provider": "stripe"}
		sepa := in.Method == portal.MethodSEPADebit
		if sepa {
			base["method"] = portal.MethodSEPADebit
		}
		switch {
		case sepa && res.Status == portal.ChargeProcessing:
			// The bank settles a SEPA debit days later: the instalment
			// waits in processing for payment_intent.succeeded or
			// payment_intent.payment_failed.
			if err := setInstalmentStatus(tx, in.ID, portal.InstalmentProcessing, now); err != nil {
				return err
			}
			if _, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventDebitSubmitted, base); err != nil {
				return err
			}
		case sepa && res.Status == portal.ChargeAuthRequired:
			// No active mandate: nothing to debit; the debtor is asked to
			// give a mandate again or to pay by transfer.
			if err := setInstalmentStatus(tx, in.ID, portal.InstalmentFailed, now); err != nil {
				return err
			}
			base["next_step"] = "the debtor is asked to give a new mandate or to pay this instalment by bank transfer"
			if _, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventPaymentFailed, base); err != nil {
				return err
			}
		case res.Status == portal.ChargeSucceeded:
			var c portal.Claim
			if err := tx.Where("id = ?", in.ClaimID).Take(&c).Error; err != nil {
				return translate("find claim", err)
			}
			ev := &portal.CardEvent{ID: "charge:" + in.ID + ":" + itoaInt(attempt), RawType: "instalment.charge", PaymentIntentID: res.PaymentIntentID, InstalmentID: in.ID}
			mv := movement{tenantID: in.TenantID, claimID: in.ClaimID, currency: c.Currency, on: portal.DateOf(now), ev: ev}
			if sepa {
				mv.method = portal.PaymentSEPADebit
			}
			if _, err := db.recordMovement(ctx, tx, mv, res.PaymentIntentID, "payment", in.Amount-in.Paid, &portal.CardEventResult{}); err != nil {
				return err
			}
		case res.Status == portal.ChargeProcessing:
			upd["lease_until"] = timeUTC(now.Add(24 * time.Hour))
		case res.Status == portal.ChargeAuthRequired:
			upd["next_attempt_on"] = in.DueOn.AddDays(p.RetryAfterDays)
			if err := setInstalmentStatus(tx, in.ID, portal.InstalmentFailed, now); err != nil {
				return err
			}
			base["next_step"] = "the debtor is asked to pay this instalment on the portal, where the bank can authenticate them"
			if _, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventPaymentFailed, base); err != nil {
				return err
			}
		default: // declined
			if err := db.chargeFailed(ctx, tx, in, attempt, base, p, today, upd); err != nil {
				return err
			}
		}
		if err := tx.Model(&instalmentChargeRow{}).Where("instalment_id = ?", in.ID).Updates(upd).Error; err != nil {
			return translate("record instalment charge", err)
		}
		if res.Status != portal.ChargeSucceeded {
			_, err := db.breakIfBroken(ctx, tx, in.TenantID, in.ClaimID, today, p)
			return err
		}
		return nil
	})
}

// chargeFailed applies the failure policy to a declined card charge or a
// failed SEPA debit: retried RetryAfterDays later until MaxAttempts, then
// missed. upd gets the charge row's next attempt date.
func (db *DB) chargeFailed(ctx context.Context, tx *gorm.DB, in *portal.Instalment, attempt int, base map[string]any, p portal.PlanPolicy, today portal.Date, upd map[string]any) error {
	now := db.Now()
	if attempt < p.MaxAttempts {
		next := today.AddDays(p.RetryAfterDays)
		upd["next_attempt_on"] = next
		base["retry_on"] = next.String()
		if in.Method == portal.MethodSEPADebit {
			base["next_step"] = "the debit is presented again after a new pre-notification"
		}
		if err := setInstalmentStatus(tx, in.ID, portal.InstalmentFailed, now); err != nil {
			return err
		}
		_, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventPaymentFailed, base)
		return err
	}
	if _, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventPaymentFailed, base); err != nil {
		return err
	}
	return db.markMissed(ctx, tx, in, "declined after "+itoaInt(attempt)+" attempts", now)
}

func setInstalmentStatus(tx *gorm.DB, id, status string, now time.Time) error {
	err := tx.Exec("UPDATE instalments SET status = ?, updated_at = ? WHERE id = ?", status, timeUTC(now), id).Error
	return translate("set instalment status", err)
}

func (db *DB) markMissed(ctx context.Context, tx *gorm.DB, in *portal.Instalment, reason string, now time.Time) error {
	if err := setInstalmentStatus(tx, in.ID, portal.InstalmentMissed, now); err != nil {
		return err
	}
	_, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventInstalmentMissed, map[string]any{
		"instalment_id": in.ID, "seq": in.Seq, "due_on": in.DueOn.String(), "amount": in.Amount, "currency": in.Currency, "reason": reason,
	})
	return err
}

// breakIfBroken returns an in-plan claim to open, with plan.broken and
// status.changed, when it has MaxMissed missed instalments or one unpaid
// instalment more than MaxDaysLate days late.
func (db *DB) breakIfBroken(ctx context.Context, tx *gorm.DB, tenantID, claimID string, today portal.Date, p portal.PlanPolicy) (bool, error) {
	var st struct{ Status string }
	if err := tx.Raw("SELECT status FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&st).Error; err != nil {
		return false, translate("read claim status", err)
	}
	if st.Status != string(portal.StatusInPlan) {
		return false, nil
	}
	// The creditor's policy (of the claim, else of the creditor) may set
	// its own thresholds.
	pol, err := db.Policy(ctx, tenantID, claimID)
	if err != nil {
		return false, err
	}
	p = p.Override(pol.Plan).WithDefaults()
	var missed int64
	if err := tx.Raw("SELECT COUNT(*) FROM instalments WHERE claim_id = ? AND status = ?", claimID, portal.InstalmentMissed).Scan(&missed).Error; err != nil {
		return false, translate("count missed", err)
	}
	var late int64
	if err := tx.Raw("SELECT COUNT(*) FROM instalments WHERE claim_id = ? AND status IN ('due', 'failed', 'missed') AND due_on < ?",
		claimID, today.AddDays(-p.MaxDaysLate)).Scan(&late).Error; err != nil {
		return false, translate("count late", err)
	}
	if missed < int64(p.MaxMissed) && late == 0 {
		return false, nil
	}
	now := db.Now()
	if err := tx.Exec("UPDATE claims SET status = ?, updated_at = ? WHERE id = ?", portal.StatusOpen, timeUTC(now), claimID).Error; err != nil {
		return false, translate("break plan", err)
	}
	reason := "missed instalments"
	if late > 0 && missed < int64(p.MaxMissed) {
		reason = "an instalment is more than " + itoaInt(p.MaxDaysLate) + " days late"
	}
	if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventPlanBroken, map[string]any{
		"missed": missed, "late": late, "reason": reason, "max_missed": p.MaxMissed, "max_days_late": p.MaxDaysLate,
	}); err != nil {
		return false, err
	}
	_, err = db.appendEvent(ctx, tx, tenantID, claimID, portal.EventStatusChanged, map[string]any{
		"from": portal.StatusInPlan, "to": portal.StatusOpen, "reason": "plan.broken",
	})
	return err == nil, err
}

// instalmentDueRow says instalment.due was recorded for an instalment.
type instalmentDueRow struct {
	InstalmentID string `gorm:"primaryKey"`
	TenantID     string
	ClaimID      string
	DueOn        portal.Date
	CreatedAt    timeUTC
}

func (instalmentDueRow) TableName() string { return "instalment_due_notices" }

// AnnounceDueInstalments implements portal.InstalmentStore: the row of
// instalment_due_notices, written in the event's transaction under the
// claim lock, lets one instance only record an instalment's falling due.
func (db *DB) AnnounceDueInstalments(ctx context.Context, today portal.Date, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	due, err := scanInstalments(db.conn(ctx).Raw(instalmentSelect+`WHERE c.status = ? AND i.status IN ('due', 'processing', 'failed') AND i.due_on <= ?
		AND NOT EXISTS (SELECT 1 FROM instalment_due_notices d WHERE d.instalment_id = i.id)
		ORDER BY i.due_on, i.id LIMIT ?`, portal.StatusInPlan, today, limit))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range due {
		err := db.tx(ctx, func(tx *gorm.DB) error {
			if err := db.lockClaim(tx, in.TenantID, in.ClaimID); err != nil {
				return err
			}
			// Paid meanwhile, or the plan ended: nothing fell due.
			var now struct{ Status, ClaimStatus string }
			if err := tx.Raw("SELECT i.status, c.status AS claim_status FROM instalments i JOIN claims c ON c.id = i.claim_id WHERE i.id = ?", in.ID).
				Scan(&now).Error; err != nil {
				return translate("read instalment", err)
			}
			if now.ClaimStatus != string(portal.StatusInPlan) || (now.Status != portal.InstalmentDue && now.Status != portal.InstalmentProcessing && now.Status != portal.InstalmentFailed) {
				return nil
			}
			ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&instalmentDueRow{InstalmentID: in.ID, TenantID: in.TenantID,
				ClaimID: in.ClaimID, DueOn: in.DueOn, CreatedAt: timeUTC(db.Now())})
			if ins.Error != nil {
				return translate("record instalment due", ins.Error)
			}
			if ins.RowsAffected == 0 {
				return nil // another instance recorded it
			}
			if _, err := db.appendEvent(ctx, tx, in.TenantID, in.ClaimID, portal.EventInstalmentDue, map[string]any{
				"instalment_id": in.ID, "seq": in.Seq, "due_on": in.DueOn.String(), "amount": in.Amount, "currency": in.Currency,
				"paid": in.Paid, "method": in.Method,
			}); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// SweepPlans implements portal.InstalmentStore.
func (db *DB) SweepPlans(ctx context.Context, today portal.Date, p portal.PlanPolicy) (int, int, error) {
	p = p.WithDefaults()
	// Unpaid past the grace, and no charge pending: a card instalment
	// waiting for a retry or leased by a charge in flight is left alone.
	var late []instalmentScan
	// A SEPA debit announced for a later date (its pre-notification came
	// less than the notice period before the due date) is late from the
	// announced date.
	grace := today.AddDays(-p.RetryAfterDays)
	err := db.conn(ctx).Raw(instalmentSelect+`WHERE c.status = ? AND i.status IN ('due', 'failed') AND i.due_on < ?
		AND (ch.instalment_id IS NULL OR ((ch.next_attempt_on IS NULL OR ch.next_attempt_on < ?) AND (ch.lease_until IS NULL OR ch.lease_until < ?)))
		AND NOT EXISTS (SELECT 1 FROM debit_notices n WHERE n.instalment_id = i.id AND n.attempt = `+nextAttemptSQL+` AND n.debit_on >= ? AND `+noticeHolds+`)
		ORDER BY i.due_on, i.id`, portal.StatusInPlan, grace, today, timeUTC(db.Now()), grace).Scan(&late).Error
	if err != nil {
		return 0, 0, translate("find late instalments", err)
	}
	missed, broken := 0, 0
	claims := map[string]string{}
	for i := range late {
		in := late[i].instalment()
		err := db.tx(ctx, func(tx *gorm.DB) error {
			if err := db.lockClaim(tx, in.TenantID, in.ClaimID); err != nil {
				return err
			}
			var status string
			if err := tx.Raw("SELECT status FROM instalments WHERE id = ?", in.ID).Scan(&status).Error; err != nil {
				return translate("read instalment", err)
			}
			if status != portal.InstalmentDue && status != portal.InstalmentFailed {
				return nil
			}
			missed++
			return db.markMissed(ctx, tx, in, "unpaid "+itoaInt(p.RetryAfterDays)+" days after its due date", db.Now())
		})
		if err != nil {
			return missed, broken, err
		}
		claims[in.ClaimID] = in.TenantID
	}
	// Plans may also break by lateness alone.
	var inPlan []struct{ ID, TenantID string }
	if err := db.conn(ctx).Raw("SELECT DISTINCT c.id, c.tenant_id FROM claims c JOIN instalments i ON i.claim_id = c.id WHERE c.status = ? AND i.status IN ('due', 'failed', 'missed') AND i.due_on < ?",
		portal.StatusInPlan, today.AddDays(-p.MaxDaysLate)).Scan(&inPlan).Error; err != nil {
		return missed, broken, translate("find late plans", err)
	}
	for _, c := range inPlan {
		claims[c.ID] = c.TenantID
	}
	for claimID, tenantID := range claims {
		err := db.tx(ctx, func(tx *gorm.DB) error {
			if err := db.lockClaim(tx, tenantID, claimID); err != nil {
				return err
			}
			b, err := db.breakIfBroken(ctx, tx, tenantID, claimID, today, p)
			if b {
				broken++
			}
			return err
		})
		if err != nil {
			return missed, broken, err
		}
	}
	return missed, broken, nil
}

// markInstalmentPaid applies a recorded payment to a claim's open
// instalments: to the named one when the payment was for it, else in
// order (a transfer, or settling the rest of the plan). Instalments fully
// covered become paid. Claims without a plan are untouched.
func (db *DB) markInstalmentPaid(ctx context.Context, tx *gorm.DB, tenantID, claimID, instalmentID string, p *portal.Payment) error {
	if p.Amount <= 0 {
		return nil
	}
	// A debit still processing is paid by its own settlement only.
	q := instalmentSelect + "WHERE i.claim_id = ? AND i.status IN ('due', 'failed', 'missed') "
	args := []any{claimID}
	if instalmentID != "" {
		q = instalmentSelect + "WHERE i.claim_id = ? AND i.status IN ('due', 'processing', 'failed', 'missed') AND i.id = ? "
		args = append(args, instalmentID)
	}
	open, err := scanInstalments(tx.Raw(q+"ORDER BY i.due_on, i.seq", args...))
	if err != nil {
		return err
	}
	left, now := p.Amount, db.Now()
	var paid []*portal.Instalment
	for _, in := range open {
		if left <= 0 {
			break
		}
		take := in.Amount - in.Paid
		if take > left {
			take = left
		}
		left -= take
		row := instalmentChargeRow{InstalmentID: in.ID, TenantID: in.TenantID, ClaimID: in.ClaimID, UpdatedAt: timeUTC(now)}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return translate("create instalment charge", err)
		}
		// What this payment paid of this instalment: its reversal reopens it
		// (reopenPaidInstalments).
		if err := tx.Create(&instalmentAllocationRow{PaymentID: p.ID, InstalmentID: in.ID, TenantID: tenantID, ClaimID: claimID,
			Amount: take, CreatedAt: timeUTC(now)}).Error; err != nil {
			return translate("record instalment allocation", err)
		}
		if err := tx.Exec("UPDATE instalment_charges SET paid_amount = paid_amount + ?, lease_owner = '', lease_until = NULL, updated_at = ? WHERE instalment_id = ?",
			take, timeUTC(now), in.ID).Error; err != nil {
			return translate("pay instalment", err)
		}
		if in.Paid+take >= in.Amount {
			if err := setInstalmentStatus(tx, in.ID, portal.InstalmentPaid, now); err != nil {
				return err
			}
			if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventInstalmentPaid, map[string]any{
				"instalment_id": in.ID, "seq": in.Seq, "due_on": in.DueOn.String(), "amount": in.Amount, "currency": in.Currency, "payment_id": p.ID,
			}); err != nil {
				return err
			}
			paid = append(paid, in)
		}
	}
	return db.completePlans(ctx, tx, tenantID, claimID, paid, p)
}

// completePlans records plan.completed for each agreement whose last
// unpaid instalments p just paid: the rest settled at once, or the last
// instalment on schedule. It names the instalments paid before their due
// date and how many SEPA debits announced for them are no longer taken
// (the scheduler only debits instalments still to pay).
func (db *DB) completePlans(ctx context.Context, tx *gorm.DB, tenantID, claimID string, paid []*portal.Instalment, p *portal.Payment) error {
	byPlan := map[string][]*portal.Instalment{}
	var plans []string
	for _, in := range paid {
		if in.AgreementID == "" {
			continue
		}
		if byPlan[in.AgreementID] == nil {
			plans = append(plans, in.AgreementID)
		}
		byPlan[in.AgreementID] = append(byPlan[in.AgreementID], in)
	}
	today := tenantDate(tx, tenantID, db.Now())
	for _, a := range plans {
		var unpaid int64
		if err := tx.Table("instalments").Where("agreement_id = ? AND status NOT IN ?", a, []string{portal.InstalmentPaid, portal.InstalmentWaived}).
			Count(&unpaid).Error; err != nil {
			return translate("count unpaid instalments", err)
		}
		if unpaid > 0 {
			continue
		}
		var early, ids []string
		for _, in := range byPlan[a] {
			ids = append(ids, in.ID)
			if in.DueOn.After(today) {
				early = append(early, in.ID)
			}
		}
		var cancelled []string
		if err := tx.Table("debit_notices").Distinct("instalment_id").Where("instalment_id IN ? AND debit_on >= ?", ids, today).
			Order("instalment_id").Pluck("instalment_id", &cancelled).Error; err != nil {
			return translate("read debit notices", err)
		}
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventPlanCompleted, map[string]any{
			"agreement_id": a, "payment_id": p.ID, "amount": p.Amount, "currency": p.Currency, "method": p.Method,
			"instalments_paid": len(ids), "paid_early": len(early), "debits_cancelled": len(cancelled),
		}); err != nil {
			return err
		}
	}
	return nil
}

// instalmentAllocationRow is what one payment paid of one instalment;
// Undone is what a reversal, refund or chargeback of it took back.
type instalmentAllocationRow struct {
	PaymentID    string
	InstalmentID string
	TenantID     string
	ClaimID      string
	Amount       int64
	Undone       int64
	CreatedAt    timeUTC
}

func (instalmentAllocationRow) TableName() string { return "instalment_allocations" }

// reopenedInstalment is an instalment a negative movement reopened, and
// what it took back of it.
type reopenedInstalment struct {
	*portal.Instalment
	Taken int64
}

// reopenPaidInstalments takes back, inside tx, up to amount of what the
// payment paymentID had paid of the plan's instalments, the latest
// instalments first (a partial refund undoes the last allocations): what
// was paid of each goes down, its charge lease is released, and one no
// longer paid in full (paid, or a debit still processing) gets status to,
// and last code code when one is given. It returns the instalments it
// took something back from; the caller records why.
func (db *DB) reopenPaidInstalments(tx *gorm.DB, paymentID string, amount int64, to, code string) ([]reopenedInstalment, error) {
	if paymentID == "" || amount <= 0 {
		return nil, nil
	}
	var allocs []instalmentAllocationRow
	if err := tx.Raw(`SELECT a.* FROM instalment_allocations a JOIN instalments i ON i.id = a.instalment_id
		WHERE a.payment_id = ? AND a.amount > a.undone ORDER BY i.due_on DESC, i.seq DESC`, paymentID).Scan(&allocs).Error; err != nil {
		return nil, translate("find instalment allocations", err)
	}
	now := timeUTC(db.Now())
	var out []reopenedInstalment
	left := amount
	for _, a := range allocs {
		if left <= 0 {
			break
		}
		take := min(left, a.Amount-a.Undone)
		left -= take
		if err := tx.Exec("UPDATE instalment_allocations SET undone = undone + ? WHERE payment_id = ? AND instalment_id = ?",
			take, a.PaymentID, a.InstalmentID).Error; err != nil {
			return nil, translate("undo instalment allocation", err)
		}
		upd := map[string]any{"paid_amount": gorm.Expr("paid_amount - ?", take), "lease_owner": "", "lease_until": nil, "updated_at": now}
		if code != "" {
			upd["last_code"] = code
		}
		if err := tx.Model(&instalmentChargeRow{}).Where("instalment_id = ?", a.InstalmentID).Updates(upd).Error; err != nil {
			return nil, translate("reopen instalment", err)
		}
		if err := tx.Exec("UPDATE instalments SET status = ?, updated_at = ? WHERE id = ? AND status IN ('paid', 'processing')",
			to, now, a.InstalmentID).Error; err != nil {
			return nil, translate("reopen instalment", err)
		}
		ins, err := scanInstalments(tx.Raw(instalmentSelect+"WHERE i.id = ?", a.InstalmentID))
		if err != nil {
			return nil, err
		}
		if len(ins) == 1 {
			out = append(out, reopenedInstalment{Instalment: ins[0], Taken: take})
		}
	}
	return out, nil
}

// reopenOnReversal reopens, inside tx, the instalments the payment
// paymentID had paid, up to amount, after rev (its reversal or refund) was
// recorded: each is due again, with instalment.due naming the movement, so
// that the scheduler charges it again (a card or SEPA debit instalment) or
// the plan's sweep finds it late; the plan breaks if the creditor's policy
// says so.
func (db *DB) reopenOnReversal(ctx context.Context, tx *gorm.DB, tenantID, claimID, paymentID string, amount int64, rev *portal.Payment) error {
	reopened, err := db.reopenPaidInstalments(tx, paymentID, amount, portal.InstalmentDue, "")
	if err != nil || len(reopened) == 0 {
		return err
	}
	today := tenantDate(tx, tenantID, db.Now())
	for _, in := range reopened {
		if !in.DueOn.After(today) {
			// Its falling due is this event: the scheduler does not record
			// it again (AnnounceDueInstalments).
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&instalmentDueRow{InstalmentID: in.ID, TenantID: tenantID,
				ClaimID: claimID, DueOn: in.DueOn, CreatedAt: timeUTC(db.Now())}).Error; err != nil {
				return translate("record instalment due", err)
			}
		}
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventInstalmentDue, map[string]any{
			"instalment_id": in.ID, "seq": in.Seq, "due_on": in.DueOn.String(), "amount": in.Amount, "currency": in.Currency,
			"paid": in.Paid, "status": in.Status, "reason": "the payment that paid it was reversed or refunded: it is owed again",
			"payment_id": paymentID, "reversal_id": rev.ID,
		}); err != nil {
			return err
		}
	}
	if err := db.returnToPlan(ctx, tx, tenantID, claimID, reopened, "payment_id", paymentID, "reversal_id", rev.ID); err != nil {
		return err
	}
	_, err = db.breakIfBroken(ctx, tx, tenantID, claimID, today, portal.PlanPolicy{})
	return err
}

// returnToPlan puts a settled claim back in its plan (settled → in_plan,
// escalation.ReturnToPlan), inside tx, when a negative movement reopened
// instalments of a plan: the payment taken back had completed the plan and
// so settled the claim. status.changed records why, with cause (key,
// value pairs naming the payment and its reversal) and the plan's
// agreement; the caller then lets the plan policy break it
// (breakIfBroken) and the scheduler charges or debits what is due again.
// A claim that is not settled (its plan still in force, broken, or the
// claim closed) is left as it is. Callers run it before settleOnPayment,
// which would otherwise reopen the claim (settled → open).
func (db *DB) returnToPlan(ctx context.Context, tx *gorm.DB, tenantID, claimID string, reopened []reopenedInstalment, cause ...string) error {
	if len(reopened) == 0 {
		return nil
	}
	ids := make([]string, 0, len(reopened))
	for _, in := range reopened {
		ids = append(ids, in.ID)
	}
	var plans []string
	if err := tx.Table("instalments").Distinct("agreement_id").Where("id IN ? AND agreement_id <> ''", ids).
		Order("agreement_id").Pluck("agreement_id", &plans).Error; err != nil {
		return translate("find reopened plan", err)
	}
	if len(plans) == 0 {
		return nil
	}
	var c portal.Claim
	if err := tx.Where("id = ? AND tenant_id = ?", claimID, tenantID).Take(&c).Error; err != nil {
		return translate("find claim", err)
	}
	if c.PersonalDataErasedAt != nil || escalation.ReturnToPlan(escalation.Snapshot{Stage: c.Stage, Status: c.Status}) != nil {
		return nil
	}
	now := db.Now()
	res := tx.Model(&portal.Claim{}).Where("id = ? AND tenant_id = ? AND status = ?", claimID, tenantID, string(portal.StatusSettled)).
		Updates(map[string]any{"status": string(portal.StatusInPlan), "updated_at": now})
	if res.Error != nil {
		return translate("return claim to its plan", res.Error)
	}
	if res.RowsAffected != 1 {
		return errRaced()
	}
	payload := map[string]any{"from": c.Status, "to": portal.StatusInPlan, "stage": c.Stage, "reason": reasonBackToPlan, "by": actorName(ctx),
		"agreement_id": plans[0], "instalments_reopened": len(ids), "as_of": tenantDate(tx, tenantID, now).String()}
	for i := 0; i+1 < len(cause); i += 2 {
		payload[cause[i]] = cause[i+1]
	}
	_, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventStatusChanged, payload)
	return err
}

func itoaInt(n int) string { return strconv.Itoa(n) }
