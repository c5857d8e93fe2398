package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var _ negotiation.Store = (*DB)(nil)

type conversationRow struct {
	ID           string
	TenantID     string
	ClaimID      string
	AgentID      string
	State        string
	WaitingSince *time.Time
	LastSeq      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (conversationRow) TableName() string { return "conversations" }

func (r *conversationRow) conversation() *negotiation.Conversation {
	c := &negotiation.Conversation{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, AgentID: r.AgentID,
		State: negotiation.State(r.State), LastSeq: r.LastSeq, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.WaitingSince != nil {
		t := r.WaitingSince.UTC()
		c.WaitingSince = &t
	}
	return c
}

type messageRow struct {
	ID             string
	TenantID       string
	ConversationID string
	ClaimID        string
	Seq            int64
	ClientID       string
	Kind           string
	Internal       bool
	AuthorKind     string
	AuthorID       string
	AuthorName     string
	Body           string
	OfferID        string
	CreatedAt      time.Time
}

func (messageRow) TableName() string { return "messages" }

// messageBody is the JSON body column: what a message says beyond its
// indexed columns.
type messageBody struct {
	Text        string               `json:"text,omitempty"`
	Offer       *negotiation.Offer   `json:"offer,omitempty"`
	Verdict     *negotiation.Verdict `json:"verdict,omitempty"`
	AgreementID string               `json:"agreement_id,omitempty"`
	ToUserID    string               `json:"to_user_id,omitempty"`
	ToName      string               `json:"to_name,omitempty"`
	FromUserID  string               `json:"from_user_id,omitempty"`
	FromName    string               `json:"from_name,omitempty"`
}

func (r *messageRow) message() (*negotiation.Message, error) {
	var b messageBody
	if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
		return nil, fmt.Errorf("decode message %s: %w", r.ID, err)
	}
	return &negotiation.Message{
		ID: r.ID, TenantID: r.TenantID, ConversationID: r.ConversationID, ClaimID: r.ClaimID, Seq: r.Seq, ClientID: r.ClientID,
		Kind: negotiation.MessageKind(r.Kind), Author: negotiation.Author{Kind: portal.ActorKind(r.AuthorKind), ID: r.AuthorID, Name: r.AuthorName},
		Text: b.Text, OfferID: r.OfferID, Offer: b.Offer, Verdict: b.Verdict, AgreementID: b.AgreementID, ToUserID: b.ToUserID,
		ToName: b.ToName, FromUserID: b.FromUserID, FromName: b.FromName, CreatedAt: r.CreatedAt.UTC(),
	}, nil
}

type offerRow struct {
	ID             string
	TenantID       string
	ClaimID        string
	ConversationID string
	MessageID      string
	MadeByKind     string
	MadeByID       string
	MadeByName     string
	Kind           string
	Terms          string
	Verdict        string
	Status         string
	Reason         string
	DecidedBy      string
	DecidedAt      *time.Time
	ReplacesID     string
	// PolicyOverride is the JSON of a negotiation.PolicyOverride, or ''.
	PolicyOverride string
	CreatedAt      time.Time
}

func (offerRow) TableName() string { return "offers" }

// overrideJSON encodes an override for the policy_override column.
func overrideJSON(o *negotiation.PolicyOverride) string {
	if o == nil {
		return ""
	}
	return mustJSON(o)
}

func (r *offerRow) record() (*negotiation.OfferRecord, error) {
	o := &negotiation.OfferRecord{
		ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, ConversationID: r.ConversationID, MessageID: r.MessageID,
		MadeBy: negotiation.Author{Kind: portal.ActorKind(r.MadeByKind), ID: r.MadeByID, Name: r.MadeByName},
		Status: negotiation.OfferStatus(r.Status), Reason: r.Reason, ReplacesID: r.ReplacesID, CreatedAt: r.CreatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(r.Terms), &o.Terms); err != nil {
		return nil, fmt.Errorf("decode offer terms %s: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Verdict), &o.Verdict); err != nil {
		return nil, fmt.Errorf("decode offer verdict %s: %w", r.ID, err)
	}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		o.DecidedAt = &t
		var a negotiation.Author
		if json.Unmarshal([]byte(r.DecidedBy), &a) == nil {
			o.DecidedBy = &a
		}
	}
	if r.PolicyOverride != "" {
		o.PolicyOverride = new(negotiation.PolicyOverride)
		if err := json.Unmarshal([]byte(r.PolicyOverride), o.PolicyOverride); err != nil {
			return nil, fmt.Errorf("decode offer policy override %s: %w", r.ID, err)
		}
	}
	return o, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are encoded
	}
	return string(b)
}

// OpenConversation implements negotiation.Store.
func (db *DB) OpenConversation(ctx context.Context, tenantID, claimID string) (*negotiation.Conversation, error) {
	var row conversationRow
	err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Limit(1).Find(&row).Error
	if err != nil {
		return nil, translate("find conversation", err)
	}
	if row.ID != "" {
		return row.conversation(), nil
	}
	var claim struct{ PersonalDataErasedAt *timeUTC }
	res := db.conn(ctx).Table("claims").Select("personal_data_erased_at").Where("id = ? AND tenant_id = ?", claimID, tenantID).Limit(1).Find(&claim)
	if res.Error != nil {
		return nil, translate("find claim", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	if claim.PersonalDataErasedAt != nil {
		return nil, errErasedConversation
	}
	now := db.Now()
	row = conversationRow{ID: portal.NewID(now), TenantID: tenantID, ClaimID: claimID, State: string(negotiation.StateActive), CreatedAt: now, UpdatedAt: now}
	if err := db.conn(ctx).Create(&row).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ECONFLICT { // opened at the same time elsewhere
			return db.OpenConversation(ctx, tenantID, claimID)
		}
		return nil, translate("create conversation", err)
	}
	return row.conversation(), nil
}

// FindConversation implements negotiation.Store.
func (db *DB) FindConversation(ctx context.Context, tenantID, id string) (*negotiation.Conversation, error) {
	var row conversationRow
	if err := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&row).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "Conversation not found.")
		}
		return nil, translate("find conversation", err)
	}
	return row.conversation(), nil
}

// Messages implements negotiation.Store.
func (db *DB) Messages(ctx context.Context, tenantID, conversationID string, after int64, limit int, internal bool) ([]*negotiation.Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := db.conn(ctx).Where("tenant_id = ? AND conversation_id = ? AND seq > ?", tenantID, conversationID, after)
	if !internal {
		q = q.Where("internal = ?", false)
	}
	var rows []messageRow
	if err := q.Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list messages", err)
	}
	out := make([]*negotiation.Message, 0, len(rows))
	for i := range rows {
		m, err := rows[i].message()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// findByClientID returns the message stored under clientID, or nil.
func findByClientID(tx *gorm.DB, conversationID, clientID string) (*negotiation.Message, error) {
	var row messageRow
	if err := tx.Where("conversation_id = ? AND client_id = ?", conversationID, clientID).Limit(1).Find(&row).Error; err != nil {
		return nil, translate("find message", err)
	}
	if row.ID == "" {
		return nil, nil
	}
	return row.message()
}

// lockConversation takes the conversation's row lock (PostgreSQL; SQLite
// holds the database write lock from BEGIN) by bumping its seq counter, and
// returns the row with the new seq.
func (db *DB) nextSeq(tx *gorm.DB, tenantID, conversationID string) (*conversationRow, error) {
	// Nothing new is written about a debtor whose personal data was erased
	// (relais purge): the condition costs no extra round trip.
	res := tx.Exec(`UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? AND tenant_id = ?
		AND NOT EXISTS (SELECT 1 FROM claims WHERE claims.id = conversations.claim_id AND claims.personal_data_erased_at IS NOT NULL)`,
		db.Now(), conversationID, tenantID)
	if res.Error != nil {
		return nil, translate("next seq", res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := tx.Table("conversations").Where("id = ? AND tenant_id = ?", conversationID, tenantID).Count(&n).Error; err != nil {
			return nil, translate("find conversation", err)
		}
		if n > 0 {
			return nil, errErasedConversation
		}
		return nil, portal.Errorf(portal.ENOTFOUND, "Conversation not found.")
	}
	var row conversationRow
	if err := tx.Where("id = ?", conversationID).Take(&row).Error; err != nil {
		return nil, translate("read conversation", err)
	}
	return &row, nil
}

// errErasedConversation refuses a conversation on a claim whose personal
// data was erased.
var errErasedConversation = portal.Errorf(portal.EGONE, "The personal data of this claim was erased: its conversation is closed.")

// insertMessage gives m its seq, ID and time, stores it and records its
// evidence event, inside tx.
func (db *DB) insertMessage(ctx context.Context, tx *gorm.DB, m *negotiation.Message) error {
	conv, err := db.nextSeq(tx, m.TenantID, m.ConversationID)
	if err != nil {
		return err
	}
	now := db.Now()
	m.ID, m.Seq, m.CreatedAt, m.ClaimID = portal.NewID(now), conv.LastSeq, now, conv.ClaimID
	row := messageRow{
		ID: m.ID, TenantID: m.TenantID, ConversationID: m.ConversationID, ClaimID: m.ClaimID, Seq: m.Seq, ClientID: m.ClientID,
		Kind: string(m.Kind), Internal: m.Kind.Internal(), AuthorKind: string(m.Author.Kind), AuthorID: m.Author.ID, AuthorName: m.Author.Name,
		Body: mustJSON(messageBody{Text: m.Text, Offer: m.Offer, Verdict: m.Verdict, AgreementID: m.AgreementID, ToUserID: m.ToUserID,
			ToName: m.ToName, FromUserID: m.FromUserID, FromName: m.FromName}),
		OfferID: m.OfferID, CreatedAt: now,
	}
	if err := tx.Create(&row).Error; err != nil {
		return translate("create message", err)
	}
	// The conversation's place in the queue.
	switch {
	case m.Author.Kind == portal.ActorDebtor && (m.Kind == negotiation.MsgText || m.Kind == negotiation.MsgOffer):
		err = tx.Exec("UPDATE conversations SET state = 'waiting', waiting_since = COALESCE(waiting_since, ?) WHERE id = ?", now, m.ConversationID).Error
	case m.Author.Kind == portal.ActorUser && !m.Kind.Internal(),
		m.Author.Kind == portal.ActorSystem && m.Kind == negotiation.MsgAccept: // the policy answered
		if m.Author.Kind == portal.ActorUser {
			// A late answer is a breach even if no page showed it late.
			if err := recordAnsweredBreach(tx, conv, m.Seq, now); err != nil {
				return err
			}
		}
		err = tx.Exec("UPDATE conversations SET state = 'active', waiting_since = NULL WHERE id = ?", m.ConversationID).Error
		if err == nil && m.Author.Kind == portal.ActorUser {
			// An agent's answer ends the open breaches of its response targets.
			err = tx.Exec("UPDATE response_breaches SET answered_at = ? WHERE conversation_id = ? AND answered_at IS NULL", now, m.ConversationID).Error
		}
	case m.Kind == negotiation.MsgTransfer:
		err = tx.Exec("UPDATE conversations SET agent_id = ? WHERE id = ?", m.ToUserID, m.ConversationID).Error
	}
	if err != nil {
		return translate("update conversation", err)
	}
	base := map[string]any{"conversation_id": m.ConversationID, "message_id": m.ID, "seq": m.Seq, "client_id": m.ClientID, "author_kind": m.Author.Kind, "author_id": m.Author.ID}
	kind, payload := portal.EventKind(""), base
	switch m.Kind {
	case negotiation.MsgText:
		kind, payload["text"] = portal.EventMessageSent, m.Text
	case negotiation.MsgTransfer:
		kind, payload["kind"], payload["to_user_id"], payload["text"] = portal.EventMessageSent, "transfer", m.ToUserID, m.Text
		payload["to_name"], payload["from_user_id"], payload["from_name"] = m.ToName, m.FromUserID, m.FromName
	case negotiation.MsgNote:
		kind, payload["text"] = portal.EventNoteWritten, m.Text
	case negotiation.MsgOffer, negotiation.MsgCounterOffer:
		kind, payload["offer_id"], payload["terms"], payload["verdict"], payload["text"] = portal.EventOfferMade, m.OfferID, m.Offer, m.Verdict, m.Text
	case negotiation.MsgAccept:
		kind, payload["offer_id"], payload["agreement_id"] = portal.EventOfferAccepted, m.OfferID, m.AgreementID
	case negotiation.MsgRefuse:
		kind, payload["offer_id"], payload["reason"] = portal.EventOfferRefused, m.OfferID, m.Text
	}
	if kind == "" {
		return nil
	}
	if m.Override != nil && (kind == portal.EventOfferMade || kind == portal.EventOfferAccepted) {
		payload["policy_override"] = m.Override
	}
	if m.Author.Kind == portal.ActorSystem {
		ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: m.Author.ID, TenantID: m.TenantID})
	}
	_, err = db.appendEvent(ctx, tx, m.TenantID, m.ClaimID, kind, payload)
	return err
}

// storeOnce runs fn in a transaction unless (conversation, client id) is
// stored already, in which case that message is returned with dup=true. A
// concurrent duplicate that loses the race on the unique index gets the
// winner's message too.
func (db *DB) storeOnce(ctx context.Context, m *negotiation.Message, fn func(tx *gorm.DB) error) (*negotiation.Message, bool, error) {
	if m.ClientID == "" {
		return nil, false, portal.FieldError("id", "a message needs a client id")
	}
	var prior *negotiation.Message
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if prior, err = findByClientID(tx, m.ConversationID, m.ClientID); err != nil || prior != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		if portal.ErrorCode(err) == portal.ECONFLICT || portal.ErrorCode(err) == portal.EINTERNAL {
			if p, ferr := findByClientID(db.conn(ctx), m.ConversationID, m.ClientID); ferr == nil && p != nil {
				return p, true, nil
			}
		}
		return nil, false, err
	}
	if prior != nil {
		return prior, true, nil
	}
	return m, false, nil
}

// PostMessage implements negotiation.Store.
func (db *DB) PostMessage(ctx context.Context, m *negotiation.Message) (*negotiation.Message, bool, error) {
	switch m.Kind {
	case negotiation.MsgText, negotiation.MsgNote, negotiation.MsgSystem, negotiation.MsgTransfer:
	default:
		return nil, false, portal.FieldError("type", "PostMessage does not store %s messages", m.Kind)
	}
	return db.storeOnce(ctx, m, func(tx *gorm.DB) error {
		if m.Kind == negotiation.MsgTransfer {
			if err := transferNames(tx, m); err != nil {
				return err
			}
		}
		return db.insertMessage(ctx, tx, m)
	})
}

// transferNames checks that a transfer goes to an agent or owner of the
// tenant and names, in m, the agent it goes to and the one who held the
// conversation until now (read in tx, so that the history says who really
// had it).
func transferNames(tx *gorm.DB, m *negotiation.Message) error {
	type user struct{ ID, Name, Email string }
	var to user
	if err := tx.Table("users").Select("id, name, email").Where("id = ? AND tenant_id = ? AND role IN ('agent', 'owner')", m.ToUserID, m.TenantID).
		Limit(1).Scan(&to).Error; err != nil {
		return translate("find user", err)
	}
	if to.ID == "" {
		return portal.FieldError("to_user_id", "to_user_id is not an agent of this account")
	}
	m.ToName = displayName(to.Name, to.Email)
	var held string
	if err := tx.Table("conversations").Select("agent_id").Where("id = ? AND tenant_id = ?", m.ConversationID, m.TenantID).Limit(1).Scan(&held).Error; err != nil {
		return translate("find conversation", err)
	}
	m.FromUserID, m.FromName = "", ""
	if held == "" || held == m.ToUserID {
		return nil
	}
	var from user
	if err := tx.Table("users").Select("id, name, email").Where("id = ? AND tenant_id = ?", held, m.TenantID).Limit(1).Scan(&from).Error; err != nil {
		return translate("find user", err)
	}
	m.FromUserID, m.FromName = held, displayName(from.Name, from.Email)
	return nil
}

// displayName is how the console names a user: the name, else the e-mail.
func displayName(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

// MakeOffer implements negotiation.Store.
func (db *DB) MakeOffer(ctx context.Context, m *negotiation.Message, accept *negotiation.Decision) ([]*negotiation.Message, bool, error) {
	if m.Offer == nil || m.Verdict == nil {
		return nil, false, portal.FieldError("offer", "offer is required")
	}
	out := []*negotiation.Message{m}
	stored, dup, err := db.storeOnce(ctx, m, func(tx *gorm.DB) error {
		now := db.Now()
		m.OfferID = portal.NewID(now)
		if err := db.insertMessage(ctx, tx, m); err != nil {
			return err
		}
		// Earlier proposals: the same side's are superseded, the other
		// side's are answered by this one (countered).
		debtorSide := m.Author.Kind == portal.ActorDebtor
		var prevID string
		tx.Raw("SELECT id FROM offers WHERE conversation_id = ? AND status = 'proposed' AND (made_by_kind = 'debtor') = ? ORDER BY created_at DESC LIMIT 1", m.ConversationID, !debtorSide).Scan(&prevID)
		if err := tx.Exec("UPDATE offers SET status = CASE WHEN (made_by_kind = 'debtor') = ? THEN 'superseded' ELSE 'countered' END, decided_at = ? WHERE conversation_id = ? AND status = 'proposed'",
			debtorSide, now, m.ConversationID).Error; err != nil {
			return translate("supersede offers", err)
		}
		row := offerRow{
			ID: m.OfferID, TenantID: m.TenantID, ClaimID: m.ClaimID, ConversationID: m.ConversationID, MessageID: m.ID,
			MadeByKind: string(m.Author.Kind), MadeByID: m.Author.ID, MadeByName: m.Author.Name, Kind: string(m.Offer.Kind),
			Terms: mustJSON(m.Offer), Verdict: mustJSON(m.Verdict), Status: string(negotiation.OfferProposed), ReplacesID: prevID,
			PolicyOverride: overrideJSON(m.Override), CreatedAt: now,
		}
		if err := tx.Create(&row).Error; err != nil {
			return translate("create offer", err)
		}
		if accept == nil {
			return nil
		}
		am := &negotiation.Message{TenantID: m.TenantID, ConversationID: m.ConversationID, ClientID: "policy:" + m.OfferID,
			Kind: negotiation.MsgAccept, Author: negotiation.Author{Kind: portal.ActorSystem, ID: "policy", Name: "Relais"}}
		d := *accept
		d.OfferID, d.Accept = m.OfferID, true
		if err := db.decide(ctx, tx, am, d); err != nil {
			return err
		}
		out = append(out, am)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if dup {
		return []*negotiation.Message{stored}, true, nil
	}
	return out, false, nil
}

// DecideOffer implements negotiation.Store.
func (db *DB) DecideOffer(ctx context.Context, m *negotiation.Message, d negotiation.Decision) (*negotiation.Message, bool, error) {
	return db.storeOnce(ctx, m, func(tx *gorm.DB) error { return db.decide(ctx, tx, m, d) })
}

// decide moves a proposed offer to accepted or refused with a conditional
// UPDATE: of two agents accepting at once, the second finds no proposed row
// and gets ECONFLICT.
func (db *DB) decide(ctx context.Context, tx *gorm.DB, m *negotiation.Message, d negotiation.Decision) error {
	status, kind := negotiation.OfferRefused, negotiation.MsgRefuse
	if d.Accept {
		status, kind = negotiation.OfferAccepted, negotiation.MsgAccept
	}
	now := db.Now()
	if d.Override != nil {
		m.Override = d.Override
	}
	// An override confirmed with the acceptance is recorded on the offer;
	// a refusal or an acceptance inside the policy leaves the column be.
	res := tx.Exec("UPDATE offers SET status = ?, reason = ?, decided_by = ?, decided_at = ?, policy_override = CASE WHEN ? = '' THEN policy_override ELSE ? END "+
		"WHERE id = ? AND tenant_id = ? AND conversation_id = ? AND status = 'proposed'",
		string(status), d.Reason, mustJSON(m.Author), now, overrideJSON(d.Override), overrideJSON(d.Override), d.OfferID, m.TenantID, m.ConversationID)
	if res.Error != nil {
		return translate("decide offer", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ECONFLICT, "This offer was already accepted, refused or replaced.")
	}
	m.Kind, m.OfferID, m.Text = kind, d.OfferID, d.Reason
	if a := d.Agreement; d.Accept && a != nil {
		a.ID, a.OfferID, a.TenantID, a.CreatedAt, a.Status = portal.NewID(now), d.OfferID, m.TenantID, now, negotiation.AgreementDraft
		if a.Schedule.Currency == "" {
			return fmt.Errorf("draft agreement: schedule without currency")
		}
		row := agreementRow{ID: a.ID, TenantID: a.TenantID, ClaimID: a.ClaimID, OfferID: a.OfferID, Status: string(a.Status), Balance: a.Balance,
			Currency: string(a.Schedule.Currency), Schedule: mustJSON(a.Schedule), InterestDuringPlan: a.InterestDuringPlan, CreatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return translate("create agreement", err)
		}
		m.AgreementID = a.ID
		// An accepted promise offer is a promise to pay too (promises.go).
		if err := db.promiseOnAcceptance(ctx, tx, d.OfferID, a); err != nil {
			return err
		}
	}
	return db.insertMessage(ctx, tx, m)
}

// TakeConversation implements negotiation.Store.
func (db *DB) TakeConversation(ctx context.Context, tenantID, conversationID, userID string, force bool) (*negotiation.Conversation, error) {
	q := "UPDATE conversations SET agent_id = ?, updated_at = ? WHERE id = ? AND tenant_id = ?"
	if !force {
		q += " AND (agent_id = '' OR agent_id = ?)"
	}
	args := []any{userID, db.Now(), conversationID, tenantID}
	if !force {
		args = append(args, userID)
	}
	res := db.conn(ctx).Exec(q, args...)
	if res.Error != nil {
		return nil, translate("take conversation", res.Error)
	}
	c, err := db.FindConversation(ctx, tenantID, conversationID)
	if err != nil {
		return nil, err
	}
	if res.RowsAffected == 0 {
		return c, portal.Errorf(portal.ECONFLICT, "Another agent has taken this conversation.")
	}
	return c, nil
}

// Queue implements negotiation.Store.
func (db *DB) Queue(ctx context.Context, tenantID string, limit int) ([]*negotiation.QueueItem, error) {
	q := db.queueQuery(ctx, tenantID).Where("conversations.state = 'waiting'").
		Order("conversations.waiting_since, conversations.id")
	return db.queueItems(q, limit, "queue")
}

// Assigned implements negotiation.Store.
func (db *DB) Assigned(ctx context.Context, tenantID, agentID string, limit int) ([]*negotiation.QueueItem, error) {
	q := db.queueQuery(ctx, tenantID).Where("conversations.state <> 'closed'")
	if agentID != "" {
		q = q.Where("conversations.agent_id = ?", agentID)
	} else {
		q = q.Where("conversations.agent_id <> ''")
	}
	items, err := db.queueItems(q.Order("conversations.updated_at DESC, conversations.id"), limit, "assigned conversations")
	if err != nil || len(items) == 0 {
		return items, err
	}
	// The last hand-over of each, in one query: every transfer of these
	// conversations in order, the latest kept.
	ids := make([]string, len(items))
	byID := map[string]*negotiation.QueueItem{}
	for i, it := range items {
		ids[i], byID[it.ID] = it.ID, it
	}
	var rows []messageRow
	if err := db.conn(ctx).Where("tenant_id = ? AND conversation_id IN ? AND kind = ?", tenantID, ids, string(negotiation.MsgTransfer)).
		Order("conversation_id, seq").Find(&rows).Error; err != nil {
		return nil, translate("list transfers", err)
	}
	for i := range rows {
		m, err := rows[i].message()
		if err != nil {
			return nil, err
		}
		byID[m.ConversationID].LastTransfer = m
	}
	return items, nil
}

// queueQuery selects conversations of a tenant with their claim's
// reference, the debtor's name and the name of the agent holding them.
func (db *DB) queueQuery(ctx context.Context, tenantID string) *gorm.DB {
	return db.conn(ctx).Table("conversations").
		Select("conversations.id, conversations.tenant_id, conversations.claim_id, conversations.agent_id, conversations.state, "+
			"conversations.waiting_since, conversations.last_seq, conversations.created_at, conversations.updated_at, conversations.hardship_at, "+
			"claims.reference AS reference, debtors.name AS debtor_name, "+
			"COALESCE(NULLIF(users.name, ''), users.email, '') AS agent_name, "+
			// Answered: an agent has written to the debtor, so the next-response
			// target applies rather than the first (assigned or not).
			"EXISTS (SELECT 1 FROM messages WHERE messages.conversation_id = conversations.id "+
			"AND messages.author_kind = 'user' AND messages.internal = FALSE) AS answered").
		Joins("JOIN claims ON claims.id = conversations.claim_id").
		Joins("JOIN debtors ON debtors.id = claims.debtor_id").
		Joins("LEFT JOIN users ON users.id = conversations.agent_id AND users.tenant_id = conversations.tenant_id").
		Where("conversations.tenant_id = ?", tenantID)
}

func (db *DB) queueItems(q *gorm.DB, limit int, what string) ([]*negotiation.QueueItem, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	type row struct {
		ID, TenantID, ClaimID, AgentID, State string
		WaitingSince                          *time.Time
		LastSeq                               int64
		CreatedAt, UpdatedAt                  time.Time
		Reference, DebtorName, AgentName      string
		Answered                              bool
		HardshipAt                            *timeUTC
	}
	var rows []row
	if err := q.Limit(limit).Scan(&rows).Error; err != nil {
		return nil, translate(what, err)
	}
	out := make([]*negotiation.QueueItem, len(rows))
	for i, r := range rows {
		cr := conversationRow{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, AgentID: r.AgentID, State: r.State,
			WaitingSince: r.WaitingSince, LastSeq: r.LastSeq, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		out[i] = &negotiation.QueueItem{Conversation: *cr.conversation(), ClaimReference: r.Reference, DebtorName: r.DebtorName, AgentName: r.AgentName,
			Answered: r.Answered}
		if r.HardshipAt != nil {
			at := time.Time(*r.HardshipAt)
			out[i].HardshipAt = &at
		}
	}
	return out, nil
}

// FindOffer implements negotiation.Store.
func (db *DB) FindOffer(ctx context.Context, tenantID, id string) (*negotiation.OfferRecord, error) {
	var row offerRow
	if err := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&row).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "Offer not found.")
		}
		return nil, translate("find offer", err)
	}
	return row.record()
}

// ClaimOffers implements negotiation.Store.
func (db *DB) ClaimOffers(ctx context.Context, tenantID, claimID string) ([]*negotiation.OfferRecord, error) {
	var rows []offerRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate("list offers", err)
	}
	out := make([]*negotiation.OfferRecord, 0, len(rows))
	for i := range rows {
		r, err := rows[i].record()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
