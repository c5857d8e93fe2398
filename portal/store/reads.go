package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var _ negotiation.ReadMarks = (*DB)(nil)

type readRow struct {
	TenantID       string
	UserID         string
	ConversationID string
	LastSeq        int64
	UpdatedAt      time.Time
}

func (readRow) TableName() string { return "conversation_reads" }

// MarkRead implements negotiation.ReadMarks.
func (db *DB) MarkRead(ctx context.Context, tenantID, userID, conversationID string, seq int64) error {
	var n int64
	if err := db.conn(ctx).Table("conversations").Where("id = ? AND tenant_id = ?", conversationID, tenantID).Count(&n).Error; err != nil {
		return translate("find conversation", err)
	}
	if n == 0 {
		return portal.Errorf(portal.ENOTFOUND, "Conversation not found.")
	}
	row := readRow{TenantID: tenantID, UserID: userID, ConversationID: conversationID, LastSeq: seq, UpdatedAt: db.Now()}
	err := db.conn(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "user_id"}, {Name: "conversation_id"}},
		DoUpdates: clause.Set{{Column: clause.Column{Name: "last_seq"}, Value: gorm.Expr("CASE WHEN conversation_reads.last_seq > excluded.last_seq THEN conversation_reads.last_seq ELSE excluded.last_seq END")},
			{Column: clause.Column{Name: "updated_at"}, Value: row.UpdatedAt}},
	}).Create(&row).Error
	return translate("mark read", err)
}

// UnreadCounts implements negotiation.ReadMarks.
func (db *DB) UnreadCounts(ctx context.Context, tenantID, userID string, conversationIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if len(conversationIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ConversationID string
		N              int
	}
	err := db.conn(ctx).Table("messages").Select("messages.conversation_id, COUNT(*) AS n").
		Joins("LEFT JOIN conversation_reads r ON r.conversation_id = messages.conversation_id AND r.user_id = ?", userID).
		Where("messages.tenant_id = ? AND messages.conversation_id IN ? AND messages.author_kind = ? AND messages.seq > COALESCE(r.last_seq, 0)",
			tenantID, conversationIDs, string(portal.ActorDebtor)).
		Group("messages.conversation_id").Scan(&rows).Error
	if err != nil {
		return nil, translate("count unread", err)
	}
	for _, r := range rows {
		out[r.ConversationID] = r.N
	}
	return out, nil
}
