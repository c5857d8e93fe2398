package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/reminders"
)

var _ portal.PromiseService = (*DB)(nil)

type promiseRow struct {
	ID         string
	TenantID   string
	ClaimID    string
	Amount     int64
	Currency   string
	DueOn      portal.Date
	Source     string
	ByKind     string
	ByID       string
	OfferID    string
	Note       string
	Status     string
	PaidAmount int64
	CreatedAt  time.Time
	ClosedAt   *time.Time
}

func (promiseRow) TableName() string { return "promises" }

func (r *promiseRow) promise() *portal.Promise {
	p := &portal.Promise{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, Amount: r.Amount, Currency: portal.Currency(r.Currency),
		DueOn: r.DueOn, Source: portal.PromiseSource(r.Source), ByKind: portal.ActorKind(r.ByKind), ByID: r.ByID, OfferID: r.OfferID,
		Note: r.Note, Status: portal.PromiseStatus(r.Status), PaidAmount: r.PaidAmount, CreatedAt: r.CreatedAt.UTC()}
	if r.ClosedAt != nil {
		t := r.ClosedAt.UTC()
		p.ClosedAt = &t
	}
	return p
}

// RecordPromise implements portal.PromiseService. The date is bounded by
// the claim's negotiation policy (MaxPromiseDays), the amount by the
// balance today.
func (db *DB) RecordPromise(ctx context.Context, tenantID, claimID string, in portal.PromiseInput) (*portal.Promise, error) {
	if !portal.ValidID(claimID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	switch in.Source {
	case portal.PromiseFromPortal, portal.PromiseFromAgent:
	default:
		return nil, fmt.Errorf("record promise: source %q is not portal or agent", in.Source)
	}
	in.Note = strings.TrimSpace(in.Note)
	policy, err := db.Policy(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	var out *portal.Promise
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		c, err := db.claimInTx(tx, tenantID, claimID)
		if err != nil {
			return err
		}
		if c.Status != portal.StatusOpen {
			return portal.Errorf(portal.ECONFLICT, "A promise to pay is recorded on an open claim; this claim is %s.", c.Status)
		}
		now := db.Now()
		today := tenantDate(tx, tenantID, now)
		if err := in.Validate(today, policy.MaxPromiseDays); err != nil {
			return err
		}
		if in.Currency == "" {
			in.Currency = c.Currency
		}
		if in.Currency != c.Currency {
			return portal.FieldError("currency", "currency must be the claim's currency %s", c.Currency)
		}
		if err := loadParts(tx, c); err != nil {
			return err
		}
		if bal, err := db.rates.Compute(c, today); err == nil && in.Amount > bal.Total {
			return portal.FieldError("amount", "amount is more than the balance today (%d minor units)", bal.Total)
		}
		if in.Source == portal.PromiseFromPortal {
			// The debtor's own promises do not chain: one at a time pauses the
			// reminders, a further one is for an agent to agree.
			var n int64
			if err := tx.Model(&promiseRow{}).Where("tenant_id = ? AND claim_id = ? AND status = ?", tenantID, claimID, portal.PromiseExpected).Count(&n).Error; err != nil {
				return translate("count promises", err)
			}
			if n > 0 {
				return portal.Errorf(portal.ECONFLICT, "A promise to pay is already expected on this claim.")
			}
		}
		a := portal.ActorFrom(ctx)
		p := &portal.Promise{TenantID: tenantID, ClaimID: claimID, Amount: in.Amount, Currency: in.Currency, DueOn: in.DueOn,
			Source: in.Source, ByKind: a.Kind, ByID: a.ID, Note: in.Note}
		if err := db.insertPromise(ctx, tx, p); err != nil {
			return err
		}
		out = p
		return db.tellPromise(ctx, tx, p, false)
	})
	return out, err
}

// insertPromise stores p as expected with promise.recorded, inside tx.
func (db *DB) insertPromise(ctx context.Context, tx *gorm.DB, p *portal.Promise) error {
	now := db.Now()
	p.ID, p.Status, p.PaidAmount, p.CreatedAt = portal.NewID(now), portal.PromiseExpected, 0, now
	row := promiseRow{ID: p.ID, TenantID: p.TenantID, ClaimID: p.ClaimID, Amount: p.Amount, Currency: string(p.Currency), DueOn: p.DueOn,
		Source: string(p.Source), ByKind: string(p.ByKind), ByID: p.ByID, OfferID: p.OfferID, Note: p.Note, Status: string(p.Status), CreatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return translate("create promise", err)
	}
	payload := map[string]any{"promise_id": p.ID, "amount": p.Amount, "currency": p.Currency, "due_on": p.DueOn.String(),
		"source": p.Source, "grace_days": portal.PromiseGraceDays}
	if p.OfferID != "" {
		payload["offer_id"] = p.OfferID
	}
	if p.Note != "" {
		payload["note"] = p.Note
	}
	_, err := db.appendEvent(ctx, tx, p.TenantID, p.ClaimID, portal.EventPromiseRecorded, payload)
	return err
}

// promiseOnAcceptance records the promise of a promise offer accepted in
// the chat (decide), in the acceptance's transaction: the whole balance
// the agreement was drafted with, by the offer's date.
func (db *DB) promiseOnAcceptance(ctx context.Context, tx *gorm.DB, offerID string, a *negotiation.Agreement) error {
	var o struct {
		Kind, Terms string
	}
	if err := tx.Raw("SELECT kind, terms FROM offers WHERE id = ?", offerID).Scan(&o).Error; err != nil {
		return translate("find offer", err)
	}
	if o.Kind != string(negotiation.KindPromise) || len(a.Schedule.Instalments) != 1 || a.Balance <= 0 {
		return nil
	}
	by := portal.ActorFrom(ctx)
	p := &portal.Promise{TenantID: a.TenantID, ClaimID: a.ClaimID, Amount: a.Schedule.Instalments[0].Amount, Currency: a.Schedule.Currency,
		DueOn: a.Schedule.Instalments[0].DueOn, Source: portal.PromiseFromChat, ByKind: by.Kind, ByID: by.ID, OfferID: offerID}
	return db.insertPromise(ctx, tx, p)
}

// ClaimPromises implements portal.PromiseService.
func (db *DB) ClaimPromises(ctx context.Context, tenantID, claimID string) ([]*portal.Promise, error) {
	if err := db.claimExists(ctx, db.conn(ctx), tenantID, claimID); err != nil {
		return nil, err
	}
	var rows []promiseRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, translate("list promises", err)
	}
	out := make([]*portal.Promise, len(rows))
	for i := range rows {
		out[i] = rows[i].promise()
	}
	return out, nil
}

// PromisesToFollow implements portal.PromiseService.
func (db *DB) PromisesToFollow(ctx context.Context, tenantID string, limit int) ([]*portal.PromiseItem, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	since := db.Now().AddDate(0, 0, -30)
	var rows []promiseRow
	err := db.conn(ctx).
		Where("tenant_id = ? AND (status = ? OR (status IN ? AND closed_at >= ?))",
			tenantID, portal.PromiseExpected, []string{string(portal.PromiseBroken), string(portal.PromisePartlyKept)}, since).
		// Broken and partly kept first (newest first), then the expected
		// ones by date.
		Order("CASE WHEN status = 'expected' THEN 1 ELSE 0 END, closed_at DESC, due_on, id").
		Limit(limit).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, translate("list promises to follow", err)
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ClaimID
	}
	var names []struct{ ID, Reference, DebtorName string }
	if err := db.conn(ctx).Table("claims").Select("claims.id, claims.reference, debtors.name AS debtor_name").
		Joins("JOIN debtors ON debtors.id = claims.debtor_id").Where("claims.tenant_id = ? AND claims.id IN ?", tenantID, ids).
		Scan(&names).Error; err != nil {
		return nil, translate("list promises to follow", err)
	}
	byID := map[string]int{}
	for i, n := range names {
		byID[n.ID] = i
	}
	out := make([]*portal.PromiseItem, len(rows))
	for i := range rows {
		n := names[byID[rows[i].ClaimID]]
		out[i] = &portal.PromiseItem{Promise: *rows[i].promise(), ClaimReference: n.Reference, DebtorName: n.DebtorName}
	}
	return out, nil
}

// applyToPromises brings a payment recorded inside tx to the claim's
// expected promises, oldest date first: each reaching its amount is kept
// (promise.kept with the payment). A negative movement (a reversal, a
// refund) changes no promise: what was kept stays kept.
func (db *DB) applyToPromises(ctx context.Context, tx *gorm.DB, tenantID, claimID string, p *portal.Payment) error {
	if p.Amount <= 0 {
		return nil
	}
	var rows []promiseRow
	if err := tx.Where("tenant_id = ? AND claim_id = ? AND status = ?", tenantID, claimID, portal.PromiseExpected).
		Order("due_on, created_at, id").Find(&rows).Error; err != nil {
		return translate("find promises", err)
	}
	left := p.Amount
	for i := range rows {
		r := &rows[i]
		if left <= 0 {
			break
		}
		take := min(r.Amount-r.PaidAmount, left)
		left -= take
		upd := map[string]any{"paid_amount": r.PaidAmount + take}
		kept := r.PaidAmount+take >= r.Amount
		now := db.Now()
		if kept {
			upd["status"], upd["closed_at"] = string(portal.PromiseKept), now
		}
		res := tx.Model(&promiseRow{}).Where("id = ? AND status = ? AND paid_amount = ?", r.ID, portal.PromiseExpected, r.PaidAmount).Updates(upd)
		if res.Error != nil {
			return translate("apply payment to promise", res.Error)
		}
		if res.RowsAffected != 1 {
			return errRaced()
		}
		r.PaidAmount += take
		if !kept {
			continue
		}
		r.Status, r.ClosedAt = string(portal.PromiseKept), &now
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventPromiseKept, map[string]any{
			"promise_id": r.ID, "amount": r.Amount, "paid_amount": r.PaidAmount, "currency": r.Currency, "due_on": r.DueOn.String(), "payment_id": p.ID,
		}); err != nil {
			return err
		}
		if err := db.tellPromise(ctx, tx, r.promise(), false); err != nil {
			return err
		}
	}
	return nil
}

// SweepPromises judges the expected promises whose grace ended before
// their tenant's today: partly kept when part of the amount came, broken
// when nothing did. Each is closed by a conditional UPDATE in its claim's
// transaction with its event (promise.partly_kept or promise.broken), and
// the agent is told: a system message in the claim's conversation, which
// goes back to the console queue. The claim's reminders resume, as
// nothing pauses them any more. Run under the promises lease.
func (db *DB) SweepPromises(ctx context.Context) (portal.PromiseReport, error) {
	var rep portal.PromiseReport
	now := db.Now()
	// Tenants' days differ from UTC's by at most one: the exact day is
	// checked per promise.
	cutoff := portal.DateOf(now.UTC()).AddDays(-portal.PromiseGraceDays + 1)
	var rows []promiseRow
	if err := db.conn(ctx).Where("status = ? AND due_on < ?", portal.PromiseExpected, cutoff).Order("due_on, id").Limit(500).Find(&rows).Error; err != nil {
		return rep, translate("list overdue promises", err)
	}
	for i := range rows {
		r := rows[i]
		var judged portal.PromiseStatus
		told := false
		err := db.tx(ctx, func(tx *gorm.DB) error {
			if err := db.lockClaim(tx, r.TenantID, r.ClaimID); err != nil {
				return err
			}
			if today := tenantDate(tx, r.TenantID, now); !today.After(r.DueOn.AddDays(portal.PromiseGraceDays)) {
				return nil
			}
			var cur promiseRow
			if err := tx.Where("id = ?", r.ID).Take(&cur).Error; err != nil {
				return translate("find promise", err)
			}
			if cur.Status != string(portal.PromiseExpected) {
				return nil // a payment kept it meanwhile
			}
			to, kind := portal.PromiseBroken, portal.EventPromiseBroken
			if cur.PaidAmount > 0 {
				to, kind = portal.PromisePartlyKept, portal.EventPromisePartlyKept
			}
			res := tx.Model(&promiseRow{}).Where("id = ? AND status = ? AND paid_amount = ?", cur.ID, portal.PromiseExpected, cur.PaidAmount).
				Updates(map[string]any{"status": string(to), "closed_at": now})
			if res.Error != nil {
				return translate("judge promise", res.Error)
			}
			if res.RowsAffected != 1 {
				return errRaced()
			}
			cur.Status, cur.ClosedAt = string(to), &now
			if _, err := db.appendEvent(ctx, tx, cur.TenantID, cur.ClaimID, kind, map[string]any{
				"promise_id": cur.ID, "amount": cur.Amount, "paid_amount": cur.PaidAmount, "currency": cur.Currency,
				"due_on": cur.DueOn.String(), "grace_days": portal.PromiseGraceDays, "reminders": "resume",
			}); err != nil {
				return err
			}
			judged = to
			// A claim settled, written off or closed meanwhile, or erased,
			// needs no agent: the promise is judged, nobody is called.
			var claim struct {
				Status string
				Erased *timeUTC
			}
			if err := tx.Raw("SELECT status, personal_data_erased_at AS erased FROM claims WHERE id = ?", cur.ClaimID).Scan(&claim).Error; err != nil {
				return translate("find claim", err)
			}
			if claim.Erased != nil || escalation.Ended(portal.Status(claim.Status)) {
				return nil
			}
			told = true
			return db.tellPromise(ctx, tx, cur.promise(), true)
		})
		if err != nil {
			return rep, fmt.Errorf("judge promise %s: %w", r.ID, err)
		}
		if told {
			rep.Told = append(rep.Told, portal.ClaimRef{TenantID: r.TenantID, ClaimID: r.ClaimID})
		}
		switch judged {
		case portal.PromiseBroken:
			rep.Broken++
		case portal.PromisePartlyKept:
			rep.PartlyKept++
		}
	}
	return rep, nil
}

// PromiseMessage is the text of the system message that tells the
// conversation about a promise: "promise.<status>|<amount>|<currency>|
// <exponent>|<due on>|<paid amount>", written in each reader's language
// by the chat page (docs/protocol.md).
func PromiseMessage(p *portal.Promise) string {
	return fmt.Sprintf("promise.%s|%d|%s|%d|%s|%d", p.Status, p.Amount, p.Currency, p.Currency.Exponent(), p.DueOn, p.PaidAmount)
}

// tellPromise posts PromiseMessage in the claim's conversation (opened
// when there is none) inside tx; with queue the conversation waits for an
// agent, as when the debtor writes. A claim whose personal data was
// erased gets no message.
func (db *DB) tellPromise(ctx context.Context, tx *gorm.DB, p *portal.Promise, queue bool) error {
	_, err := db.tellConversation(ctx, tx, p.TenantID, p.ClaimID, "promise:"+p.ID+":"+string(p.Status), PromiseMessage(p), queue)
	return err
}

// tellConversation posts a system message (text, once per clientID) in
// the claim's conversation, opened when there is none, inside tx, and
// returns the conversation's id; with queue the conversation waits for an
// agent, as when the debtor writes. A claim whose personal data was
// erased gets no message.
func (db *DB) tellConversation(ctx context.Context, tx *gorm.DB, tenantID, claimID, clientID, text string, queue bool) (string, error) {
	var convID string
	if err := tx.Raw("SELECT id FROM conversations WHERE tenant_id = ? AND claim_id = ?", tenantID, claimID).Scan(&convID).Error; err != nil {
		return "", translate("find conversation", err)
	}
	now := db.Now()
	if convID == "" {
		row := conversationRow{ID: portal.NewID(now), TenantID: tenantID, ClaimID: claimID, State: string(negotiation.StateActive), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return "", translate("create conversation", err)
		}
		convID = row.ID
	}
	m := &negotiation.Message{TenantID: tenantID, ConversationID: convID, ClientID: clientID,
		Kind: negotiation.MsgSystem, Author: negotiation.Author{Kind: portal.ActorSystem, ID: "relais", Name: "Relais"}, Text: text}
	if err := db.insertMessage(ctx, tx, m); err != nil {
		if errors.Is(err, errErasedConversation) {
			return convID, nil
		}
		return "", err
	}
	if !queue {
		return convID, nil
	}
	if err := tx.Exec("UPDATE conversations SET state = 'waiting', waiting_since = COALESCE(waiting_since, ?) WHERE id = ?", now, convID).Error; err != nil {
		return "", translate("queue conversation", err)
	}
	return convID, nil
}

// markPromised sets PromisedUntil on the candidates with an expected
// promise: the last day of its grace (the latest of several).
func (db *DB) markPromised(ctx context.Context, ids []string, cands []*reminders.Candidate) error {
	var rows []struct {
		ClaimID string
		DueOn   portal.Date
	}
	if err := db.conn(ctx).Raw("SELECT claim_id, MAX(due_on) AS due_on FROM promises WHERE claim_id IN ? AND status = ? GROUP BY claim_id",
		ids, portal.PromiseExpected).Scan(&rows).Error; err != nil {
		return translate("load reminder promises", err)
	}
	until := map[string]portal.Date{}
	for _, r := range rows {
		until[r.ClaimID] = r.DueOn.AddDays(portal.PromiseGraceDays)
	}
	for _, c := range cands {
		c.PromisedUntil = until[c.Claim.ID]
	}
	return nil
}

// promisePauses reports whether an expected promise of the claim holds
// its reminders on localDate: BeginSend's re-check inside its
// transaction.
func promisePauses(tx *gorm.DB, claimID string, localDate portal.Date) (bool, error) {
	var n int64
	err := tx.Model(&promiseRow{}).Where("claim_id = ? AND status = ? AND due_on >= ?", claimID, portal.PromiseExpected,
		localDate.AddDays(-portal.PromiseGraceDays)).Count(&n).Error
	return n > 0, translate("check promises", err)
}
