package negotiation

import (
	"context"
	"time"
)

// Survey is the one satisfaction question a debtor may be asked when an
// agent resolves their conversation, and its answer.
type Survey struct {
	ID             string `json:"id"`
	TenantID       string `json:"-"`
	ClaimID        string `json:"claim_id"`
	ConversationID string `json:"conversation_id"`
	// Language is the debtor's, the question's.
	Language string    `json:"language"`
	AskedBy  string    `json:"asked_by"`
	AskedAt  time.Time `json:"asked_at"`
	// Score is 1 (very dissatisfied) to 5 (very satisfied); 0 unanswered.
	Score      int        `json:"score,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// MinScore and MaxScore bound a survey's answer.
const (
	MinScore = 1
	MaxScore = 5
)

// SurveyStats sums up a tenant's answers for its dashboard.
type SurveyStats struct {
	Asked, Answered int
	// ByScore counts the answers of each score: ByScore[0] is score 1.
	ByScore [MaxScore]int
	// AverageX100 is the average score times 100 (423 = 4.23); 0 with no answer.
	AverageX100 int
	// Recent are the latest answers, newest first, with their claim's reference.
	Recent []SurveyAnswer
}

// SurveyAnswer is an answer as the dashboard lists it.
type SurveyAnswer struct {
	Survey
	ClaimReference string
}

// Resolution is an agent resolving a conversation.
type Resolution struct {
	TenantID, ConversationID string
	// Agent is who resolves it.
	Agent Author
	// Text is the system message the debtor reads, in their language.
	Text string
	// Survey asks the debtor the satisfaction question in Language.
	Survey   bool
	Language string
}

// Resolutions resolves conversations and keeps the survey, scoped to a
// tenant (another tenant's conversation or survey is ENOTFOUND).
type Resolutions interface {
	// ResolveConversation closes the conversation (out of the queue),
	// records who and when, the system message and conversation.resolved
	// in one transaction, and with Survey asks the debtor the question;
	// returns the stored message and the survey asked (or nil). ECONFLICT
	// when it is closed already.
	ResolveConversation(ctx context.Context, r Resolution) (*Message, *Survey, error)
	// OpenSurvey is the claim's latest unanswered question, or nil.
	OpenSurvey(ctx context.Context, tenantID, claimID string) (*Survey, error)
	// AnswerSurvey records the debtor's score (EINVALID outside 1–5,
	// ECONFLICT when already answered) and survey.answered, with the
	// context's actor.
	AnswerSurvey(ctx context.Context, tenantID, claimID, surveyID string, score int) (*Survey, error)
	// SurveyStats sums up the tenant's questions and answers, with the
	// recent latest answers.
	SurveyStats(ctx context.Context, tenantID string, recent int) (*SurveyStats, error)
}

// ReadMarks keep what each console user has read of each conversation.
type ReadMarks interface {
	// MarkRead records that userID has read the conversation up to seq
	// (never backwards).
	MarkRead(ctx context.Context, tenantID, userID, conversationID string, seq int64) error
	// UnreadCounts counts, per conversation, the debtor's messages userID
	// has not read; conversations with none are absent.
	UnreadCounts(ctx context.Context, tenantID, userID string, conversationIDs []string) (map[string]int, error)
}
