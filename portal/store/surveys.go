package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var _ negotiation.Resolutions = (*DB)(nil)

// surveyRow is the surveys table.
type surveyRow struct {
	ID             string
	TenantID       string
	ClaimID        string
	ConversationID string
	Language       string
	AskedBy        string
	AskedAt        time.Time
	Score          *int
	AnsweredAt     *time.Time
}

func (surveyRow) TableName() string { return "surveys" }

func (r *surveyRow) survey() *negotiation.Survey {
	s := &negotiation.Survey{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, ConversationID: r.ConversationID, Language: r.Language,
		AskedBy: r.AskedBy, AskedAt: r.AskedAt.UTC()}
	if r.Score != nil {
		s.Score = *r.Score
	}
	if r.AnsweredAt != nil {
		t := r.AnsweredAt.UTC()
		s.AnsweredAt = &t
	}
	return s
}

// ResolveConversation implements negotiation.Resolutions.
func (db *DB) ResolveConversation(ctx context.Context, r negotiation.Resolution) (*negotiation.Message, *negotiation.Survey, error) {
	if r.Survey && !portal.ValidLanguage(r.Language) {
		return nil, nil, portal.FieldError("language", "The survey's language is one of fr, nl, en, de.")
	}
	m := &negotiation.Message{TenantID: r.TenantID, ConversationID: r.ConversationID, ClientID: "resolve-" + portal.NewID(db.Now()),
		Kind: negotiation.MsgSystem, Author: r.Agent, Text: r.Text}
	var survey *negotiation.Survey
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var conv conversationRow
		if err := tx.Where("id = ? AND tenant_id = ?", r.ConversationID, r.TenantID).Take(&conv).Error; err != nil {
			if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
				return portal.Errorf(portal.ENOTFOUND, "Conversation not found.")
			}
			return translate("find conversation", err)
		}
		if conv.State == string(negotiation.StateClosed) {
			return portal.Errorf(portal.ECONFLICT, "This conversation is resolved already.")
		}
		if err := db.insertMessage(ctx, tx, m); err != nil {
			return err
		}
		now := db.Now()
		// After the message, which would make it active: resolved is closed.
		res := tx.Exec("UPDATE conversations SET state = 'closed', waiting_since = NULL, hardship_at = NULL, resolved_at = ?, resolved_by = ? WHERE id = ? AND state <> 'closed'",
			now, r.Agent.ID, r.ConversationID)
		if res.Error != nil {
			return translate("resolve conversation", res.Error)
		}
		if res.RowsAffected == 0 { // resolved at the same moment elsewhere
			return portal.Errorf(portal.ECONFLICT, "This conversation is resolved already.")
		}
		payload := map[string]any{"conversation_id": r.ConversationID, "user_id": r.Agent.ID, "message_id": m.ID, "seq": m.Seq, "survey": r.Survey}
		if r.Survey {
			row := surveyRow{ID: portal.NewID(now), TenantID: r.TenantID, ClaimID: conv.ClaimID, ConversationID: r.ConversationID,
				Language: r.Language, AskedBy: r.Agent.ID, AskedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return translate("ask survey", err)
			}
			survey = row.survey()
			payload["survey_id"], payload["language"] = row.ID, row.Language
		}
		_, err := db.appendEvent(ctx, tx, r.TenantID, conv.ClaimID, portal.EventConversationResolved, payload)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return m, survey, nil
}

// OpenSurvey implements negotiation.Resolutions.
func (db *DB) OpenSurvey(ctx context.Context, tenantID, claimID string) (*negotiation.Survey, error) {
	var row surveyRow
	res := db.conn(ctx).Where("tenant_id = ? AND claim_id = ? AND answered_at IS NULL", tenantID, claimID).Order("asked_at DESC, id DESC").Limit(1).Find(&row)
	if res.Error != nil {
		return nil, translate("find survey", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return row.survey(), nil
}

// AnswerSurvey implements negotiation.Resolutions.
func (db *DB) AnswerSurvey(ctx context.Context, tenantID, claimID, surveyID string, score int) (*negotiation.Survey, error) {
	if score < negotiation.MinScore || score > negotiation.MaxScore {
		return nil, portal.FieldError("score", "Choose an answer from %d to %d.", negotiation.MinScore, negotiation.MaxScore)
	}
	var out *negotiation.Survey
	err := db.tx(ctx, func(tx *gorm.DB) error {
		now := db.Now()
		res := tx.Exec("UPDATE surveys SET score = ?, answered_at = ? WHERE id = ? AND tenant_id = ? AND claim_id = ? AND answered_at IS NULL",
			score, now, surveyID, tenantID, claimID)
		if res.Error != nil {
			return translate("answer survey", res.Error)
		}
		var row surveyRow
		found := tx.Where("id = ? AND tenant_id = ? AND claim_id = ?", surveyID, tenantID, claimID).Limit(1).Find(&row)
		if found.Error != nil {
			return translate("find survey", found.Error)
		}
		if found.RowsAffected == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Survey not found.")
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ECONFLICT, "This question is answered already.")
		}
		out = row.survey()
		_, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventSurveyAnswered, map[string]any{
			"survey_id": row.ID, "conversation_id": row.ConversationID, "score": score, "language": row.Language})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SurveyStats implements negotiation.Resolutions.
func (db *DB) SurveyStats(ctx context.Context, tenantID string, recent int) (*negotiation.SurveyStats, error) {
	var counts []struct {
		Score *int
		N     int
	}
	if err := db.conn(ctx).Table("surveys").Select("score, COUNT(*) AS n").Where("tenant_id = ?", tenantID).Group("score").Scan(&counts).Error; err != nil {
		return nil, translate("count surveys", err)
	}
	st := &negotiation.SurveyStats{}
	sum := 0
	for _, c := range counts {
		st.Asked += c.N
		if c.Score != nil && *c.Score >= negotiation.MinScore && *c.Score <= negotiation.MaxScore {
			st.Answered += c.N
			st.ByScore[*c.Score-1] += c.N
			sum += *c.Score * c.N
		}
	}
	if st.Answered > 0 {
		st.AverageX100 = (sum*100 + st.Answered/2) / st.Answered
	}
	if recent > 0 {
		var rows []struct {
			ID, TenantID, ClaimID, ConversationID, Language, AskedBy string
			AskedAt                                                  time.Time
			Score                                                    *int
			AnsweredAt                                               *time.Time
			Reference                                                string
		}
		err := db.conn(ctx).Table("surveys").Select("surveys.*, claims.reference AS reference").Joins("JOIN claims ON claims.id = surveys.claim_id").
			Where("surveys.tenant_id = ? AND surveys.answered_at IS NOT NULL", tenantID).Order("surveys.answered_at DESC, surveys.id DESC").Limit(recent).Scan(&rows).Error
		if err != nil {
			return nil, translate("list survey answers", err)
		}
		for _, r := range rows {
			row := surveyRow{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, ConversationID: r.ConversationID, Language: r.Language,
				AskedBy: r.AskedBy, AskedAt: r.AskedAt, Score: r.Score, AnsweredAt: r.AnsweredAt}
			st.Recent = append(st.Recent, negotiation.SurveyAnswer{Survey: *row.survey(), ClaimReference: r.Reference})
		}
	}
	return st, nil
}
