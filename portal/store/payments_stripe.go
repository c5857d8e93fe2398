package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
)

var _ portal.CardPaymentStore = (*DB)(nil)

// providerPaymentRow is one money movement of the provider recorded as a
// payment: the unique ref (payment intent id, "<charge>:refund:<cumulative>",
// dispute id) stops it from being counted twice.
type providerPaymentRow struct {
	Ref       string
	TenantID  string
	ClaimID   string
	PaymentID string
	Kind      string
	IntentID  string
	ChargeID  string
	Amount    int64
	CreatedAt timeUTC
}

func (providerPaymentRow) TableName() string { return "provider_payments" }

type stripeEventRow struct {
	ID         string
	Type       string
	TenantID   string
	ClaimID    string
	Outcome    string
	ReceivedAt timeUTC
}

func (stripeEventRow) TableName() string { return "stripe_events" }

type stripeCustomerRow struct {
	DebtorID      string
	TenantID      string
	CustomerID    string
	PaymentMethod string
	CreatedAt     timeUTC
	UpdatedAt     timeUTC
}

func (stripeCustomerRow) TableName() string { return "stripe_customers" }

// RecordCheckout implements portal.CardPaymentStore. A second call for the
// same provider session (a double click answered from the provider's
// idempotency cache) changes nothing.
func (db *DB) RecordCheckout(ctx context.Context, s *portal.CheckoutSession) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, s.TenantID, s.ClaimID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&portal.CheckoutSession{}).Where("claim_id = ? AND provider_id = ?", s.ClaimID, s.ProviderID).Count(&n).Error; err != nil {
			return translate("find checkout", err)
		}
		if n > 0 {
			return nil
		}
		now := db.Now()
		s.ID, s.CreatedAt = portal.NewID(now), now
		if s.Status == "" {
			s.Status = portal.CheckoutOpen
		}
		if err := tx.Create(s).Error; err != nil {
			return translate("record checkout", err)
		}
		_, err := db.appendEvent(ctx, tx, s.TenantID, s.ClaimID, portal.EventPaymentStarted, map[string]any{
			"provider": "stripe", "session_id": s.ProviderID, "mode": s.Mode, "amount": s.Amount, "currency": s.Currency,
			"balance_as_of": s.BalanceAsOf.String(), "instalment_id": s.InstalmentID, "invoice_id": s.InvoiceID,
		})
		return err
	})
}

// FindCheckout implements portal.CardPaymentStore.
func (db *DB) FindCheckout(ctx context.Context, tenantID, claimID, providerID string) (*portal.CheckoutSession, error) {
	var s portal.CheckoutSession
	err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ? AND provider_id = ?", tenantID, claimID, providerID).
		Order("created_at DESC").Take(&s).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, portal.Errorf(portal.ENOTFOUND, "Payment session not found.")
		}
		return nil, translate("find checkout", err)
	}
	return &s, nil
}

// lockClaim checks the claim is the tenant's and, on PostgreSQL, locks its
// row so that two deliveries about one claim are applied one after the other.
func (db *DB) lockClaim(tx *gorm.DB, tenantID, claimID string) error {
	q := "SELECT id FROM claims WHERE id = ? AND tenant_id = ?"
	if db.Dialect == Postgres {
		q += " FOR UPDATE"
	}
	var id string
	if err := tx.Raw(q, claimID, tenantID).Scan(&id).Error; err != nil {
		return translate("lock claim", err)
	}
	if id == "" {
		return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	return nil
}

// errDuplicateEvent rolls back the transaction of a replayed event.
var errDuplicateEvent = errors.New("stripe event already applied")

// Outcomes stored with each applied event, for support.
const (
	outcomeApplied    = "applied"
	outcomeNoChange   = "no_change"
	outcomeIgnored    = "ignored"
	outcomeWrongMoney = "currency_mismatch"
)

// ApplyCardEvent implements portal.CardPaymentStore.
func (db *DB) ApplyCardEvent(ctx context.Context, ev *portal.CardEvent) (*portal.CardEventResult, error) {
	res := &portal.CardEventResult{}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res.Payments = nil
		row := stripeEventRow{ID: ev.ID, Type: ev.RawType, Outcome: outcomeIgnored, ReceivedAt: timeUTC(db.Now())}
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if ins.Error != nil {
			return translate("store stripe event", ins.Error)
		}
		if ins.RowsAffected == 0 {
			return errDuplicateEvent
		}
		outcome, err := db.applyCardEvent(ctx, tx, ev, res)
		if err != nil {
			return err
		}
		return tx.Model(&stripeEventRow{}).Where("id = ?", ev.ID).
			Updates(map[string]any{"outcome": outcome, "tenant_id": ev.TenantID, "claim_id": ev.ClaimID}).Error
	})
	if errors.Is(err, errDuplicateEvent) {
		return &portal.CardEventResult{Duplicate: true}, nil
	}
	if err != nil {
		return nil, err
	}
	res.Ignored = len(res.Payments) == 0 && ev.Type == ""
	return res, nil
}

// resolveClaim finds the claim an event is about: from the metadata Relais
// set (checked against the claim's tenant), else from the payment intent,
// charge or session already known. It fills ev.TenantID and ev.ClaimID.
func (db *DB) resolveClaim(tx *gorm.DB, ev *portal.CardEvent) (bool, error) {
	if ev.ClaimID != "" && ev.TenantID != "" {
		if err := db.lockClaim(tx, ev.TenantID, ev.ClaimID); err != nil {
			if portal.ErrorCode(err) == portal.ENOTFOUND {
				return false, nil
			}
			return false, err
		}
		return true, nil
	}
	var pp providerPaymentRow
	err := tx.Where("(intent_id <> '' AND intent_id = ?) OR (charge_id <> '' AND charge_id = ?)", ev.PaymentIntentID, ev.ChargeID).
		Limit(1).Find(&pp).Error
	if err != nil {
		return false, translate("find provider payment", err)
	}
	if pp.Ref != "" {
		ev.TenantID, ev.ClaimID = pp.TenantID, pp.ClaimID
		return true, db.lockClaim(tx, ev.TenantID, ev.ClaimID)
	}
	if ev.SessionID != "" {
		var s portal.CheckoutSession
		if err := tx.Where("provider_id = ?", ev.SessionID).Limit(1).Find(&s).Error; err != nil {
			return false, translate("find checkout", err)
		}
		if s.ID != "" {
			ev.TenantID, ev.ClaimID = s.TenantID, s.ClaimID
			return true, db.lockClaim(tx, ev.TenantID, ev.ClaimID)
		}
	}
	return false, nil
}

func (db *DB) applyCardEvent(ctx context.Context, tx *gorm.DB, ev *portal.CardEvent, res *portal.CardEventResult) (string, error) {
	if ev.Type == "" {
		return outcomeIgnored, nil
	}
	if ev.Type == portal.CardSetupSucceeded && ev.Mandate != nil {
		return db.applyMandate(ctx, tx, ev)
	}
	if ev.Type == portal.CardSetupSucceeded {
		return db.applySetup(ctx, tx, ev)
	}
	if ev.Type == portal.CardMandateUpdated {
		return db.applyMandateUpdate(ctx, tx, ev, res)
	}
	ok, err := db.resolveClaim(tx, ev)
	if err != nil {
		return "", err
	}
	if !ok {
		if ev.Type == portal.CardChargeRefunded || ev.Type == portal.CardDisputeCreated {
			// Not placeable yet: the payment it reverses may come in a later
			// event. The provider retries; nothing is stored meanwhile.
			return "", &portal.Error{Code: portal.EUNAVAILABLE, Message: "The payment this event refers to is not known yet; retry later.",
				Err: fmt.Errorf("stripe event %s (%s): no claim for intent %q charge %q", ev.ID, ev.RawType, ev.PaymentIntentID, ev.ChargeID)}
		}
		ev.TenantID, ev.ClaimID = "", ""
		return outcomeIgnored, nil
	}
	var c portal.Claim
	if err := tx.Where("id = ?", ev.ClaimID).Take(&c).Error; err != nil {
		return "", translate("find claim", err)
	}
	if ev.Currency != "" && ev.Currency != c.Currency {
		db.log.WarnContext(ctx, "stripe event currency differs from the claim's", "event", ev.ID, "currency", ev.Currency, "claim_currency", c.Currency)
		return outcomeWrongMoney, nil
	}
	if ev.InvoiceID != "" {
		// The invoice the debtor chose must be one of this claim's: a payment
		// naming another would make the claim's balance fail to compute. One
		// that is not goes in the default order, and the log says so.
		var n int64
		if portal.ValidID(ev.InvoiceID) {
			if err := tx.Model(&portal.Invoice{}).Where("id = ? AND claim_id = ? AND tenant_id = ?", ev.InvoiceID, c.ID, c.TenantID).
				Count(&n).Error; err != nil {
				return "", translate("find invoice", err)
			}
		}
		if n == 0 {
			db.log.WarnContext(ctx, "stripe event names an invoice not of its claim; the payment goes in the default order",
				"event", ev.ID, "claim", c.ID, "invoice", ev.InvoiceID)
			ev.InvoiceID = ""
		}
	}
	// The tenant's calendar, like the balance: a payment made at 00:30 in
	// Paris is received on that Paris day, not on the UTC day before.
	when := ev.Created
	if when.IsZero() {
		when = db.Now()
	}
	received := tenantDate(tx, c.TenantID, when)
	mv := movement{tenantID: c.TenantID, claimID: c.ID, currency: c.Currency, on: received, ev: ev}
	if ev.MandateID != "" {
		mv.method = portal.PaymentSEPADebit
	}

	switch ev.Type {
	case portal.CardCheckoutCompleted, portal.CardCheckoutAsyncPaid:
		if ev.SessionID != "" {
			if err := tx.Model(&portal.CheckoutSession{}).Where("claim_id = ? AND provider_id = ? AND status <> ?", c.ID, ev.SessionID, portal.CheckoutCompleted).
				Updates(map[string]any{"status": portal.CheckoutCompleted, "completed_at": timeUTC(db.Now())}).Error; err != nil {
				return "", translate("complete checkout", err)
			}
		}
		if ev.Mode != "payment" || !ev.Paid || ev.Amount <= 0 {
			return outcomeNoChange, nil
		}
		ref := ev.PaymentIntentID
		if ref == "" {
			ref = ev.SessionID
		}
		return db.recordMovement(ctx, tx, mv, ref, "payment", ev.Amount, res)
	case portal.CardPaymentSucceeded:
		if ev.Amount <= 0 {
			return outcomeNoChange, nil
		}
		return db.recordMovement(ctx, tx, mv, ev.PaymentIntentID, "payment", ev.Amount, res)
	case portal.CardPaymentProcessing:
		return db.sepaDebitProcessing(tx, &c, ev)
	case portal.CardPaymentFailed:
		if ev.MandateID != "" {
			// A SEPA debit the bank refused after days of processing: the
			// plan's failure policy applies, with its evidence.
			return outcomeApplied, db.sepaDebitFailed(ctx, tx, &c, ev)
		}
		_, err := db.appendEvent(ctx, tx, c.TenantID, c.ID, portal.EventPaymentFailed, map[string]any{
			"provider": "stripe", "event_id": ev.ID, "payment_intent": ev.PaymentIntentID, "amount": ev.Amount,
			"currency": c.Currency, "code": ev.FailureCode, "message": ev.FailureMessage, "instalment_id": ev.InstalmentID,
		})
		if err != nil {
			return "", err
		}
		return outcomeApplied, nil
	case portal.CardChargeRefunded:
		// A refund of a payment whose own event has not arrived yet: the
		// charge proves the payment, so it is recorded first.
		paidRef := ev.PaymentIntentID
		if paidRef == "" {
			paidRef = ev.ChargeID
		}
		out, err := db.recordMovement(ctx, tx, mv, paidRef, "payment", ev.Amount, res)
		if err != nil {
			return "", err
		}
		// The refunds of a charge, cumulative, never exceed what was paid:
		// the payment recorded for it, and the charge the event describes.
		var paid providerPaymentRow
		if err := tx.Where("claim_id = ? AND kind = 'payment' AND (ref = ? OR (intent_id <> '' AND intent_id = ?) OR (charge_id <> '' AND charge_id = ?))",
			c.ID, paidRef, ev.PaymentIntentID, ev.ChargeID).Limit(1).Find(&paid).Error; err != nil {
			return "", translate("find refunded payment", err)
		}
		limit := ev.Amount
		if paid.Ref != "" && (paid.Amount < limit || limit <= 0) {
			limit = paid.Amount
		}
		if ev.AmountRefunded > limit {
			// The transaction rolls back: not the refund, not a payment this
			// event would have recorded first, not its event id.
			db.log.WarnContext(ctx, "stripe refund refused: more than the payment", "event", ev.ID, "charge", ev.ChargeID,
				"payment_intent", ev.PaymentIntentID, "amount_refunded", ev.AmountRefunded, "paid", paid.Amount, "charge_amount", ev.Amount)
			return "", &portal.Error{Code: portal.EINVALID, Message: "The refund is more than the payment it refunds: nothing was recorded.",
				Err: fmt.Errorf("stripe event %s: charge %s refunds %d in all, more than the payment recorded for it (%d)", ev.ID, ev.ChargeID, ev.AmountRefunded, limit)}
		}
		var refunded int64
		if err := tx.Model(&providerPaymentRow{}).Where("charge_id = ? AND kind = 'refund'", ev.ChargeID).
			Select("COALESCE(SUM(amount), 0)").Scan(&refunded).Error; err != nil {
			return "", translate("sum refunds", err)
		}
		if delta := ev.AmountRefunded - refunded; delta > 0 {
			// Refunds are stored positive in provider_payments (what was
			// refunded) and negative in payments (what it does to the balance).
			// The instalments the refunded payment paid are owed again.
			mv.reopen = func(p *portal.Payment) error {
				return db.reopenOnReversal(ctx, tx, c.TenantID, c.ID, paid.PaymentID, delta, p)
			}
			return db.recordMovement(ctx, tx, mv, fmt.Sprintf("%s:refund:%d", ev.ChargeID, ev.AmountRefunded), "refund", delta, res)
		}
		return out, nil
	case portal.CardDisputeCreated:
		var paid providerPaymentRow
		err := tx.Where("claim_id = ? AND kind = 'payment' AND ((intent_id <> '' AND intent_id = ?) OR (charge_id <> '' AND charge_id = ?))",
			c.ID, ev.PaymentIntentID, ev.ChargeID).Limit(1).Find(&paid).Error
		if err != nil {
			return "", translate("find disputed payment", err)
		}
		if paid.Ref == "" {
			return "", &portal.Error{Code: portal.EUNAVAILABLE, Message: "The disputed payment is not known yet; retry later.",
				Err: fmt.Errorf("stripe dispute %s: payment %q not recorded yet", ev.DisputeID, ev.PaymentIntentID)}
		}
		// The chargeback is of the disputed payment's kind (a SEPA debit
		// disputed at the debtor's bank, up to 8 weeks later).
		var method string
		if err := tx.Raw("SELECT method FROM payments WHERE id = ?", paid.PaymentID).Scan(&method).Error; err != nil {
			return "", translate("find disputed payment", err)
		}
		mv.method = portal.PaymentMethod(method)
		mv.reopen = func(*portal.Payment) error {
			if ev.PaymentIntentID == "" {
				ev.PaymentIntentID = paid.IntentID
			}
			return db.reopenDisputed(ctx, tx, &c, ev, paid.PaymentID)
		}
		return db.recordMovement(ctx, tx, mv, ev.DisputeID, "chargeback", ev.Amount, res)
	}
	return outcomeIgnored, nil
}

type movement struct {
	tenantID, claimID string
	currency          portal.Currency
	on                portal.Date
	ev                *portal.CardEvent
	// method is how the money moved: card unless said otherwise (a SEPA
	// debit, or the chargeback of one).
	method portal.PaymentMethod
	// reopen, for a refund or a chargeback, puts back the instalments the
	// payment taken back had paid, once p (the negative movement) is
	// recorded and before the claim's status follows the balance: a
	// plan it had completed is in force again (returnToPlan).
	reopen func(p *portal.Payment) error
}

// recordMovement records one provider money movement as a payment (refund
// and chargeback negative) with its evidence event, once per ref.
func (db *DB) recordMovement(ctx context.Context, tx *gorm.DB, mv movement, ref, kind string, amount int64, res *portal.CardEventResult) (string, error) {
	if ref == "" || amount <= 0 {
		return outcomeNoChange, nil
	}
	var n int64
	if err := tx.Model(&providerPaymentRow{}).Where("ref = ?", ref).Count(&n).Error; err != nil {
		return "", translate("find provider payment", err)
	}
	if n > 0 {
		return outcomeNoChange, nil
	}
	ev := mv.ev
	signed, evKind, provRef := amount, portal.EventPaymentRecorded, ref
	switch kind {
	case "refund":
		signed, evKind = -amount, portal.EventPaymentRefunded
	case "chargeback":
		signed, evKind = -amount, portal.EventChargeback
	}
	now := db.Now()
	method := mv.method
	if method == "" {
		method = portal.PaymentCard
	}
	p := &portal.Payment{ID: portal.NewID(now), TenantID: mv.tenantID, ClaimID: mv.claimID, Amount: signed, Currency: mv.currency,
		ReceivedOn: mv.on, Method: method, Reference: provRef, CreatedAt: now}
	if kind == "payment" {
		// The debtor's choice of invoice (Code civil 1342-10); a refund or a
		// chargeback undoes the latest allocations whatever it names.
		p.InvoiceID = ev.InvoiceID
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	if err := tx.Create(p).Error; err != nil {
		return "", translate("create payment", err)
	}
	intent, charge := ev.PaymentIntentID, ev.ChargeID
	if kind == "payment" && ref != intent && ref != ev.SessionID {
		charge = ref
	}
	row := providerPaymentRow{Ref: ref, TenantID: mv.tenantID, ClaimID: mv.claimID, PaymentID: p.ID, Kind: kind,
		IntentID: intent, ChargeID: charge, Amount: amount, CreatedAt: timeUTC(now)}
	if err := tx.Create(&row).Error; err != nil {
		return "", translate("record provider payment", err)
	}
	payload := map[string]any{
		"payment_id": p.ID, "amount": p.Amount, "currency": p.Currency, "received_on": p.ReceivedOn.String(), "method": p.Method,
		"reference": p.Reference, "provider": "stripe", "event_id": ev.ID, "event_type": ev.RawType,
		"payment_intent": ev.PaymentIntentID, "charge": ev.ChargeID, "session_id": ev.SessionID, "dispute": ev.DisputeID,
		"instalment_id": ev.InstalmentID, "invoice_id": p.InvoiceID,
	}
	if _, err := db.appendEvent(ctx, tx, mv.tenantID, mv.claimID, evKind, payload); err != nil {
		return "", err
	}
	if kind == "payment" {
		if err := db.markInstalmentPaid(ctx, tx, mv.tenantID, mv.claimID, ev.InstalmentID, p); err != nil {
			return "", err
		}
	}
	if mv.reopen != nil {
		if err := mv.reopen(p); err != nil {
			return "", err
		}
	}
	if err := db.settleOnPayment(ctx, tx, mv.tenantID, mv.claimID, p); err != nil {
		return "", err
	}
	res.Payments = append(res.Payments, p)
	return outcomeApplied, nil
}

// applySetup saves the card a debtor set up for an instalment plan.
func (db *DB) applySetup(ctx context.Context, tx *gorm.DB, ev *portal.CardEvent) (string, error) {
	if ev.CustomerID == "" || ev.PaymentMethodID == "" {
		return outcomeNoChange, nil
	}
	var cu stripeCustomerRow
	if err := tx.Where("customer_id = ?", ev.CustomerID).Limit(1).Find(&cu).Error; err != nil {
		return "", translate("find stripe customer", err)
	}
	if cu.DebtorID == "" || (ev.TenantID != "" && ev.TenantID != cu.TenantID) {
		return outcomeIgnored, nil
	}
	if err := tx.Model(&stripeCustomerRow{}).Where("debtor_id = ?", cu.DebtorID).
		Updates(map[string]any{"payment_method": ev.PaymentMethodID, "updated_at": timeUTC(db.Now())}).Error; err != nil {
		return "", translate("save payment method", err)
	}
	ev.TenantID = cu.TenantID
	if ev.ClaimID != "" {
		if err := db.lockClaim(tx, cu.TenantID, ev.ClaimID); err != nil {
			if portal.ErrorCode(err) == portal.ENOTFOUND {
				ev.ClaimID = ""
				return outcomeApplied, nil
			}
			return "", err
		}
		if _, err := db.appendEvent(ctx, tx, cu.TenantID, ev.ClaimID, portal.EventCardSaved, map[string]any{
			"provider": "stripe", "event_id": ev.ID, "setup_intent": ev.SetupIntentID, "customer": ev.CustomerID,
		}); err != nil {
			return "", err
		}
	}
	return outcomeApplied, nil
}

// StripeCustomer implements portal.CardPaymentStore.
func (db *DB) StripeCustomer(ctx context.Context, tenantID, debtorID string) (string, string, error) {
	var cu stripeCustomerRow
	if err := db.conn(ctx).Where("tenant_id = ? AND debtor_id = ?", tenantID, debtorID).Limit(1).Find(&cu).Error; err != nil {
		return "", "", translate("find stripe customer", err)
	}
	return cu.CustomerID, cu.PaymentMethod, nil
}

// SaveStripeCustomer implements portal.CardPaymentStore; the first
// customer of a debtor stays.
func (db *DB) SaveStripeCustomer(ctx context.Context, tenantID, debtorID, customerID string) error {
	now := timeUTC(db.Now())
	row := stripeCustomerRow{DebtorID: debtorID, TenantID: tenantID, CustomerID: customerID, CreatedAt: now, UpdatedAt: now}
	err := db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	return translate("save stripe customer", err)
}

// StripeEventCount is for tests and support: how many provider events were
// stored.
func (db *DB) StripeEventCount(ctx context.Context) (int64, error) {
	var n int64
	err := db.conn(ctx).Model(&stripeEventRow{}).Count(&n).Error
	return n, translate("count stripe events", err)
}
