package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var _ negotiation.ResponseBreaches = (*DB)(nil)

type breachRow struct {
	ID             string
	TenantID       string
	ClaimID        string
	ConversationID string
	Kind           string
	WaitingSince   time.Time
	DueAt          time.Time
	BreachedAt     time.Time
	AnsweredAt     *time.Time
}

func (breachRow) TableName() string { return "response_breaches" }

// RecordBreach implements negotiation.ResponseBreaches: the unique
// (conversation_id, waiting_since) makes a second record of the same wait,
// from this instance or another, a no-op.
func (db *DB) RecordBreach(ctx context.Context, b *negotiation.ResponseBreach) (bool, error) {
	if b.Kind != negotiation.BreachFirst && b.Kind != negotiation.BreachNext {
		return false, portal.FieldError("kind", "A breach is of the first or the next response target.")
	}
	return insertBreach(db.conn(ctx), b, db.Now())
}

// insertBreach stores b, recorded at now, unless its wait has one already
// (ON CONFLICT DO NOTHING on the unique wait), with q (the connection or
// a transaction): true when this call stored it.
func insertBreach(q *gorm.DB, b *negotiation.ResponseBreach, now time.Time) (bool, error) {
	b.ID, b.BreachedAt = portal.NewID(now), now.UTC()
	row := breachRow{ID: b.ID, TenantID: b.TenantID, ClaimID: b.ClaimID, ConversationID: b.ConversationID, Kind: b.Kind,
		WaitingSince: b.WaitingSince.UTC(), DueAt: b.DueAt.UTC(), BreachedAt: b.BreachedAt, AnsweredAt: b.AnsweredAt}
	res := q.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, translate("record breach", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// waitBreach is the breach of a conversation's wait if its answer was
// due before now, else nil: the due time from the claim's policy and the
// tenant's zone (negotiation.Policy.ResponseDue), read with q. answered:
// an agent had answered the debtor before this wait.
func waitBreach(q *gorm.DB, tenantID, claimID, conversationID string, waitingSince time.Time, answered bool, now time.Time) (*negotiation.ResponseBreach, error) {
	p, err := claimPolicy(q, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	due, kind, _ := p.ResponseDue(waitingSince, tenantLocation(q, tenantID), answered)
	if due.IsZero() || !now.After(due) {
		return nil, nil
	}
	return &negotiation.ResponseBreach{TenantID: tenantID, ClaimID: claimID, ConversationID: conversationID, Kind: kind,
		WaitingSince: waitingSince, DueAt: due}, nil
}

// recordAnsweredBreach records, inside the transaction storing an agent's
// public message (seq) that ends conv's wait, the wait's breach when the
// answer comes after its due time, whether or not a queue page showed it
// late; the answer then closes it with the wait's other open breaches.
func recordAnsweredBreach(tx *gorm.DB, conv *conversationRow, seq int64, now time.Time) error {
	if conv.WaitingSince == nil {
		return nil
	}
	var earlier int64
	if err := tx.Table("messages").Where("conversation_id = ? AND author_kind = ? AND internal = ? AND seq < ?",
		conv.ID, string(portal.ActorUser), false, seq).Count(&earlier).Error; err != nil {
		return translate("find earlier answer", err)
	}
	b, err := waitBreach(tx, conv.TenantID, conv.ClaimID, conv.ID, *conv.WaitingSince, earlier > 0, now)
	if err != nil || b == nil {
		return err
	}
	_, err = insertBreach(tx, b, now)
	return err
}

// SweepBreaches records the breaches of the conversations still waiting
// past their answer's due time that have none for this wait yet, on the
// store's clock, so that the dashboard counts them though no queue page
// was open: the longest waiting first, in pages of sweepPage (the waits
// without a target or not due yet stay candidates, and must not hide the
// later ones), each once per wait whichever instance records it (the
// unique wait). Run under the breaches lease; returns how many this run
// recorded.
func (db *DB) SweepBreaches(ctx context.Context) (int, error) {
	return db.sweepBreaches(ctx, sweepPage)
}

// sweepPage is how many waits SweepBreaches reads at a time.
const sweepPage = 500

func (db *DB) sweepBreaches(ctx context.Context, page int) (int, error) {
	now := db.Now()
	type waitRow struct {
		ID, TenantID, ClaimID string
		WaitingSince          time.Time
		Answered              bool
	}
	n := 0
	var errs []error
	var after *waitRow
	for {
		q := `SELECT c.id, c.tenant_id, c.claim_id, c.waiting_since,
			EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'user' AND m.internal = FALSE) AS answered
			FROM conversations c
			WHERE c.state = 'waiting' AND c.waiting_since IS NOT NULL AND c.waiting_since < ?
			AND NOT EXISTS (SELECT 1 FROM response_breaches b WHERE b.conversation_id = c.id AND b.waiting_since = c.waiting_since)`
		args := []any{now}
		if after != nil {
			q += ` AND (c.waiting_since > ? OR (c.waiting_since = ? AND c.id > ?))`
			args = append(args, after.WaitingSince, after.WaitingSince, after.ID)
		}
		var rows []waitRow
		if err := db.conn(ctx).Raw(q+` ORDER BY c.waiting_since, c.id LIMIT ?`, append(args, page)...).Scan(&rows).Error; err != nil {
			return n, translate("list waiting conversations", err)
		}
		for _, r := range rows {
			b, err := waitBreach(db.conn(ctx), r.TenantID, r.ClaimID, r.ID, r.WaitingSince.UTC(), r.Answered, now)
			if err == nil && b != nil {
				var ok bool
				if ok, err = insertBreach(db.conn(ctx), b, now); ok {
					n++
				}
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("conversation %s: %w", r.ID, err))
			}
		}
		if len(rows) < page || ctx.Err() != nil {
			return n, errors.Join(append(errs, ctx.Err())...)
		}
		after = &rows[len(rows)-1]
	}
}

// ResponseBreachesOf lists a tenant's breaches of one conversation, oldest
// first (tests and the transcript's reader).
func (db *DB) ResponseBreachesOf(ctx context.Context, tenantID, conversationID string) ([]*negotiation.ResponseBreach, error) {
	var rows []breachRow
	if err := db.conn(ctx).Where("tenant_id = ? AND conversation_id = ?", tenantID, conversationID).Order("waiting_since, id").Find(&rows).Error; err != nil {
		return nil, translate("list breaches", err)
	}
	out := make([]*negotiation.ResponseBreach, len(rows))
	for i, r := range rows {
		out[i] = &negotiation.ResponseBreach{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, ConversationID: r.ConversationID, Kind: r.Kind,
			WaitingSince: r.WaitingSince.UTC(), DueAt: r.DueAt.UTC(), BreachedAt: r.BreachedAt.UTC(), AnsweredAt: utcPtr(r.AnsweredAt)}
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
