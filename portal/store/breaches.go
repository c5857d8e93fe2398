package store

import (
	"context"
	"time"

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
	now := db.Now()
	b.ID, b.BreachedAt = portal.NewID(now), now.UTC()
	row := breachRow{ID: b.ID, TenantID: b.TenantID, ClaimID: b.ClaimID, ConversationID: b.ConversationID, Kind: b.Kind,
		WaitingSince: b.WaitingSince.UTC(), DueAt: b.DueAt.UTC(), BreachedAt: b.BreachedAt}
	res := db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, translate("record breach", res.Error)
	}
	return res.RowsAffected == 1, nil
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
