package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
)

var _ portal.MandateStore = (*DB)(nil)

type mandateRow struct {
	ID            string
	TenantID      string
	DebtorID      string
	ClaimID       string
	ProviderID    string
	PaymentMethod string
	CustomerID    string
	Via           string
	Reference     string
	URL           string `gorm:"column:url"`
	Status        string
	IBANLast4     string `gorm:"column:iban_last4"`
	BankCode      string
	Country       string
	AcceptedAt    *timeUTC
	Acceptance    string
	CreatedAt     timeUTC
	UpdatedAt     timeUTC
}

func (mandateRow) TableName() string { return "sepa_mandates" }

func (r *mandateRow) mandate() *portal.Mandate {
	m := &portal.Mandate{ID: r.ID, TenantID: r.TenantID, DebtorID: r.DebtorID, ClaimID: r.ClaimID, ProviderID: r.ProviderID,
		PaymentMethodID: r.PaymentMethod, CustomerID: r.CustomerID, Via: r.Via, Reference: r.Reference, URL: r.URL, Status: r.Status,
		IBANLast4: r.IBANLast4, BankCode: r.BankCode, Country: r.Country, Acceptance: r.Acceptance,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
	if r.AcceptedAt != nil {
		m.AcceptedAt = r.AcceptedAt.Time()
	}
	return m
}

type debitNoticeRow struct {
	InstalmentID string
	Attempt      int
	TenantID     string
	ClaimID      string
	Amount       int64
	Currency     string
	DebitOn      portal.Date
	Channel      string
	SentAt       timeUTC
}

func (debitNoticeRow) TableName() string { return "debit_notices" }

// applyMandate stores the SEPA mandate a set-up gave, with its evidence on
// the claim it was given for. A mandate seen before is updated, not added.
func (db *DB) applyMandate(ctx context.Context, tx *gorm.DB, ev *portal.CardEvent) (string, error) {
	m := ev.Mandate
	if m.ProviderID == "" || m.PaymentMethodID == "" {
		return outcomeNoChange, nil
	}
	var cu stripeCustomerRow
	if err := tx.Where("customer_id = ?", ev.CustomerID).Limit(1).Find(&cu).Error; err != nil {
		return "", translate("find stripe customer", err)
	}
	if cu.DebtorID == "" || (ev.TenantID != "" && ev.TenantID != cu.TenantID) || ev.ClaimID == "" {
		return outcomeIgnored, nil
	}
	if err := db.lockClaim(tx, cu.TenantID, ev.ClaimID); err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return outcomeIgnored, nil
		}
		return "", err
	}
	ev.TenantID = cu.TenantID
	now := timeUTC(db.Now())
	status := m.Status
	if status != portal.MandateActive && status != portal.MandatePending {
		status = portal.MandateInactive
	}
	acceptance := m.Acceptance
	if acceptance == "" {
		acceptance = "{}"
	}
	row := mandateRow{ID: portal.NewID(db.Now()), TenantID: cu.TenantID, DebtorID: cu.DebtorID, ClaimID: ev.ClaimID, ProviderID: m.ProviderID,
		PaymentMethod: m.PaymentMethodID, CustomerID: ev.CustomerID, Via: m.Via, Reference: m.Reference, URL: m.URL, Status: status,
		IBANLast4: m.IBANLast4, BankCode: m.BankCode, Country: m.Country, Acceptance: acceptance, CreatedAt: now, UpdatedAt: now}
	if row.Via != portal.MandateViaBancontact {
		row.Via = portal.MandateViaSEPADebit
	}
	if !m.AcceptedAt.IsZero() {
		at := timeUTC(m.AcceptedAt)
		row.AcceptedAt = &at
	}
	ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if ins.Error != nil {
		return "", translate("record mandate", ins.Error)
	}
	if ins.RowsAffected == 0 {
		return outcomeNoChange, nil
	}
	payload := map[string]any{
		"provider": "stripe", "event_id": ev.ID, "setup_intent": ev.SetupIntentID, "mandate": m.ProviderID, "reference": m.Reference,
		"via": row.Via, "status": status, "iban_last4": m.IBANLast4, "bank_code": m.BankCode, "country": m.Country,
		"payment_method": m.PaymentMethodID, "customer": ev.CustomerID, "acceptance": rawJSON(acceptance),
	}
	if row.AcceptedAt != nil {
		payload["accepted_at"] = m.AcceptedAt.UTC().Format(time.RFC3339)
	}
	if _, err := db.appendEvent(ctx, tx, cu.TenantID, ev.ClaimID, portal.EventMandateRecorded, payload); err != nil {
		return "", err
	}
	return outcomeApplied, nil
}

// rawJSON keeps a JSON document as such inside an event payload.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// applyMandateUpdate records a mandate's new status. A mandate no longer
// active (revoked by the debtor, refused by the bank) debits nothing more:
// the debtor's SEPA instalments still to pay fall back to bank transfer
// (the plan itself stands; its policy then counts missed and late
// instalments as before), and the evidence says so.
func (db *DB) applyMandateUpdate(ctx context.Context, tx *gorm.DB, ev *portal.CardEvent, res *portal.CardEventResult) (string, error) {
	var row mandateRow
	if err := tx.Where("provider_id = ?", ev.MandateID).Limit(1).Find(&row).Error; err != nil {
		return "", translate("find mandate", err)
	}
	if row.ID == "" {
		return outcomeIgnored, nil
	}
	if err := db.lockClaim(tx, row.TenantID, row.ClaimID); err != nil {
		return "", err
	}
	ev.TenantID, ev.ClaimID = row.TenantID, row.ClaimID
	status := ev.MandateStatus
	if status != portal.MandateActive && status != portal.MandatePending {
		status = portal.MandateInactive
	}
	if status == row.Status {
		return outcomeNoChange, nil
	}
	now := db.Now()
	if err := tx.Model(&mandateRow{}).Where("id = ?", row.ID).Updates(map[string]any{"status": status, "updated_at": timeUTC(now)}).Error; err != nil {
		return "", translate("update mandate", err)
	}
	payload := map[string]any{"provider": "stripe", "event_id": ev.ID, "mandate": row.ProviderID, "reference": row.Reference,
		"from": row.Status, "to": status}
	if status == portal.MandateInactive {
		// Other claims of the debtor debited from this mandate fall back too.
		var ins []struct{ ID, ClaimID string }
		if err := tx.Raw(`SELECT i.id, i.claim_id FROM instalments i JOIN claims c ON c.id = i.claim_id
			WHERE c.tenant_id = ? AND c.debtor_id = ? AND i.method = 'sepa_debit' AND i.status IN ('due', 'failed', 'missed')`,
			row.TenantID, row.DebtorID).Scan(&ins).Error; err != nil {
			return "", translate("find debits of mandate", err)
		}
		var others int64
		if err := tx.Model(&mandateRow{}).Where("tenant_id = ? AND debtor_id = ? AND status = ? AND id <> ?", row.TenantID, row.DebtorID, portal.MandateActive, row.ID).
			Count(&others).Error; err != nil {
			return "", translate("count mandates", err)
		}
		if others == 0 {
			for _, in := range ins {
				if err := tx.Exec("UPDATE instalments SET method = 'transfer', updated_at = ? WHERE id = ?", timeUTC(now), in.ID).Error; err != nil {
					return "", translate("fall back to transfer", err)
				}
			}
			payload["instalments_to_transfer"] = len(ins)
			payload["next_step"] = "the debtor is told to pay the remaining instalments by bank transfer"
			res.MandateEnded = len(ins) > 0
		}
	}
	if _, err := db.appendEvent(ctx, tx, row.TenantID, row.ClaimID, portal.EventMandateUpdated, payload); err != nil {
		return "", err
	}
	return outcomeApplied, nil
}

// sepaDebitProcessing marks an instalment processing when Stripe says its
// debit was submitted and the scheduler's own answer was lost.
func (db *DB) sepaDebitProcessing(tx *gorm.DB, c *portal.Claim, ev *portal.CardEvent) (string, error) {
	if ev.InstalmentID == "" || ev.PaymentIntentID == "" {
		return outcomeNoChange, nil
	}
	now := timeUTC(db.Now())
	res := tx.Exec("UPDATE instalments SET status = ?, updated_at = ? WHERE id = ? AND claim_id = ? AND method = 'sepa_debit' AND status IN ('due', 'failed')",
		portal.InstalmentProcessing, now, ev.InstalmentID, c.ID)
	if res.Error != nil {
		return "", translate("debit processing", res.Error)
	}
	if res.RowsAffected == 0 {
		return outcomeNoChange, nil
	}
	if err := tx.Exec("UPDATE instalment_charges SET payment_intent = ?, lease_owner = '', lease_until = NULL, updated_at = ? WHERE instalment_id = ?",
		ev.PaymentIntentID, now, ev.InstalmentID).Error; err != nil {
		return "", translate("debit processing", err)
	}
	return outcomeApplied, nil
}

// sepaDebitFailed applies the plan's failure policy to a SEPA debit that
// was processing: retried after a new pre-notification, or missed, and the
// plan broken when the policy says so.
func (db *DB) sepaDebitFailed(ctx context.Context, tx *gorm.DB, c *portal.Claim, ev *portal.CardEvent) error {
	if ev.InstalmentID == "" {
		return nil
	}
	ins, err := scanInstalments(tx.Raw(instalmentSelect+"WHERE i.id = ? AND i.claim_id = ? AND i.method = 'sepa_debit' AND i.status = ?",
		ev.InstalmentID, c.ID, portal.InstalmentProcessing))
	if err != nil || len(ins) == 0 {
		return err
	}
	in := ins[0]
	pol, err := db.Policy(ctx, c.TenantID, c.ID)
	if err != nil {
		return err
	}
	p := portal.PlanPolicy{}.Override(pol.Plan).WithDefaults()
	today := tenantDate(tx, c.TenantID, db.Now())
	upd := map[string]any{"last_code": ev.FailureCode, "updated_at": timeUTC(db.Now())}
	base := map[string]any{"instalment_id": in.ID, "seq": in.Seq, "attempt": in.Attempts, "amount": in.Amount, "currency": in.Currency,
		"payment_intent": ev.PaymentIntentID, "code": ev.FailureCode, "provider": "stripe", "method": portal.MethodSEPADebit, "event_id": ev.ID}
	if err := db.chargeFailed(ctx, tx, in, in.Attempts, base, p, today, upd); err != nil {
		return err
	}
	if err := tx.Model(&instalmentChargeRow{}).Where("instalment_id = ?", in.ID).Updates(upd).Error; err != nil {
		return translate("record failed debit", err)
	}
	_, err = db.breakIfBroken(ctx, tx, c.TenantID, c.ID, today, p)
	return err
}

// reopenDisputed puts back the instalments a disputed SEPA debit (or card
// charge), the payment paymentID, had paid: the chargeback took the money
// back, so they are owed again. They are not debited again automatically
// (the debtor refused the debit at their bank); the plan policy counts
// them as missed and late from their due dates. A payment recorded before
// Relais kept what each payment paid of each instalment is found by its
// charge's payment intent.
func (db *DB) reopenDisputed(ctx context.Context, tx *gorm.DB, c *portal.Claim, ev *portal.CardEvent, paymentID string) error {
	reopened, err := db.reopenPaidInstalments(tx, paymentID, ev.Amount, portal.InstalmentFailed, "debit_disputed")
	if err != nil {
		return err
	}
	if len(reopened) == 0 && ev.PaymentIntentID != "" {
		var ch instalmentChargeRow
		if err := tx.Where("claim_id = ? AND payment_intent = ?", c.ID, ev.PaymentIntentID).Limit(1).Find(&ch).Error; err != nil {
			return translate("find disputed instalment", err)
		}
		var n int64
		if err := tx.Model(&instalmentAllocationRow{}).Where("instalment_id = ?", ch.InstalmentID).Count(&n).Error; err != nil {
			return translate("find instalment allocations", err)
		}
		if ch.InstalmentID != "" && n == 0 {
			now := timeUTC(db.Now())
			take := min(ev.Amount, ch.PaidAmount)
			if err := tx.Exec("UPDATE instalment_charges SET paid_amount = paid_amount - ?, last_code = 'debit_disputed', updated_at = ? WHERE instalment_id = ?",
				take, now, ch.InstalmentID).Error; err != nil {
				return translate("reopen instalment", err)
			}
			if err := tx.Exec("UPDATE instalments SET status = ?, updated_at = ? WHERE id = ? AND status IN ('paid', 'processing')",
				portal.InstalmentFailed, now, ch.InstalmentID).Error; err != nil {
				return translate("reopen instalment", err)
			}
			reopened = append(reopened, reopenedInstalment{Instalment: &portal.Instalment{ID: ch.InstalmentID}, Taken: take})
		}
	}
	if len(reopened) == 0 {
		return nil
	}
	for _, in := range reopened {
		_, err := db.appendEvent(ctx, tx, c.TenantID, c.ID, portal.EventPaymentFailed, map[string]any{
			"provider": "stripe", "event_id": ev.ID, "instalment_id": in.ID, "payment_intent": ev.PaymentIntentID, "dispute": ev.DisputeID,
			"amount": in.Taken, "currency": c.Currency, "code": "debit_disputed",
			"next_step": "the instalment is owed again and is not debited again automatically",
		})
		if err != nil {
			return err
		}
	}
	if err := db.returnToPlan(ctx, tx, c.TenantID, c.ID, reopened, "payment_id", paymentID, "dispute", ev.DisputeID); err != nil {
		return err
	}
	today := tenantDate(tx, c.TenantID, db.Now())
	_, err = db.breakIfBroken(ctx, tx, c.TenantID, c.ID, today, portal.PlanPolicy{})
	return err
}

// ActiveMandate returns the debtor's newest active mandate, nil when none.
func (db *DB) ActiveMandate(ctx context.Context, tenantID, debtorID string) (*portal.Mandate, error) {
	var row mandateRow
	if err := db.conn(ctx).Where("tenant_id = ? AND debtor_id = ? AND status = ?", tenantID, debtorID, portal.MandateActive).
		Order("created_at DESC, id DESC").Limit(1).Find(&row).Error; err != nil {
		return nil, translate("find mandate", err)
	}
	if row.ID == "" {
		return nil, nil
	}
	return row.mandate(), nil
}

// ClaimMandates implements portal.MandateStore.
func (db *DB) ClaimMandates(ctx context.Context, tenantID, claimID string) ([]*portal.Mandate, error) {
	var n int64
	if err := db.conn(ctx).Model(&portal.Claim{}).Where("id = ? AND tenant_id = ?", claimID, tenantID).Count(&n).Error; err != nil {
		return nil, translate("find claim", err)
	}
	if n == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	var rows []mandateRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, translate("list mandates", err)
	}
	out := make([]*portal.Mandate, len(rows))
	for i := range rows {
		out[i] = rows[i].mandate()
	}
	return out, nil
}

// DebitsToNotify implements portal.MandateStore. The next debit of an
// instalment is on its due date, or on its retry date after a failure; it
// is announced once that date is within the notice period.
func (db *DB) DebitsToNotify(ctx context.Context, today portal.Date, limit int) ([]*portal.DebitToNotify, error) {
	if limit <= 0 {
		limit = 100
	}
	// The widest notice period is 14 days: nothing further away is read.
	ins, err := scanInstalments(db.conn(ctx).Raw(instalmentSelect+`WHERE i.method = 'sepa_debit' AND i.status IN ('due', 'failed') AND c.status = ?
		AND i.due_on <= ? AND (ch.next_attempt_on IS NULL OR ch.next_attempt_on <= ?)
		AND (ch.instalment_id IS NULL OR ch.last_code NOT IN `+noCharge+`)
		AND NOT EXISTS (SELECT 1 FROM debit_notices n WHERE n.instalment_id = i.id AND n.attempt = `+nextAttemptSQL+` AND `+noticeHolds+`)
		ORDER BY i.due_on, i.id LIMIT ?`, portal.StatusInPlan, today.AddDays(portal.DefaultDebitNoticeDays), today.AddDays(portal.DefaultDebitNoticeDays), limit))
	if err != nil {
		return nil, err
	}
	var out []*portal.DebitToNotify
	claims := map[string]*portal.Claim{}
	for _, in := range ins {
		next := in.DueOn
		if !in.NextAttemptOn.IsZero() && next.Before(in.NextAttemptOn) {
			next = in.NextAttemptOn
		}
		if next.After(today.AddDays(in.NoticeDays)) {
			continue // not yet within this agreement's notice period
		}
		m, err := db.ActiveMandate(ctx, in.TenantID, in.DebtorID)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue // nothing to debit: no notice
		}
		c := claims[in.ClaimID]
		if c == nil {
			if c, err = db.FindClaim(ctx, in.TenantID, in.ClaimID); err != nil {
				return nil, err
			}
			claims[in.ClaimID] = c
		}
		attempt := in.Attempts + 1
		out = append(out, &portal.DebitToNotify{Instalment: in, Attempt: attempt, NoticeDays: in.NoticeDays, Mandate: m, Claim: c})
	}
	return out, nil
}

// RecordDebitNotice implements portal.MandateStore.
func (db *DB) RecordDebitNotice(ctx context.Context, n *portal.DebitNotice) error {
	if n.Amount <= 0 || n.Attempt <= 0 || n.DebitOn.IsZero() {
		return portal.Errorf(portal.EINVALID, "A debit notice needs an amount, an attempt and a date.")
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, n.TenantID, n.ClaimID); err != nil {
			return err
		}
		var of struct{ ClaimID string }
		if err := tx.Raw("SELECT claim_id FROM instalments WHERE id = ? AND tenant_id = ?", n.InstalmentID, n.TenantID).Scan(&of).Error; err != nil {
			return translate("find instalment", err)
		}
		if of.ClaimID != n.ClaimID {
			return portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
		}
		row := debitNoticeRow{InstalmentID: n.InstalmentID, Attempt: n.Attempt, TenantID: n.TenantID, ClaimID: n.ClaimID, Amount: n.Amount,
			Currency: string(n.Currency), DebitOn: n.DebitOn, Channel: n.Channel, SentAt: timeUTC(n.SentAt)}
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if ins.Error != nil {
			return translate("record debit notice", ins.Error)
		}
		if ins.RowsAffected == 0 {
			return nil
		}
		_, err := db.appendEvent(ctx, tx, n.TenantID, n.ClaimID, portal.EventDebitPrenotified, map[string]any{
			"instalment_id": n.InstalmentID, "attempt": n.Attempt, "amount": n.Amount, "currency": n.Currency,
			"debit_on": n.DebitOn.String(), "channel": n.Channel, "sent_at": n.SentAt.UTC().Format(time.RFC3339),
		})
		return err
	})
}

// DebitNotices lists the pre-notifications of a claim's debits, for the
// dossier and tests.
func (db *DB) DebitNotices(ctx context.Context, tenantID, claimID string) ([]*portal.DebitNotice, error) {
	var rows []debitNoticeRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("debit_on, instalment_id, attempt").Find(&rows).Error; err != nil {
		return nil, translate("list debit notices", err)
	}
	out := make([]*portal.DebitNotice, len(rows))
	for i, r := range rows {
		out[i] = &portal.DebitNotice{InstalmentID: r.InstalmentID, Attempt: r.Attempt, TenantID: r.TenantID, ClaimID: r.ClaimID, Amount: r.Amount,
			Currency: portal.Currency(r.Currency), DebitOn: r.DebitOn, Channel: r.Channel, SentAt: r.SentAt.Time()}
	}
	return out, nil
}
