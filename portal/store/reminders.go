package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/reminders"
)

var (
	_ portal.ReminderService = (*DB)(nil)
	_ portal.OptOutService   = (*DB)(nil)
	_ reminders.Store        = (*DB)(nil)
)

// sendRow is the reminder_sends table.
type sendRow struct {
	ID            string
	TenantID      string
	ClaimID       string
	StepID        string
	SequenceID    string
	Position      int
	Channel       string
	TemplateKey   string
	Status        string
	Language      string
	Recipient     string
	Subject       string
	BodyText      string
	BodyHTML      string `gorm:"column:body_html"`
	ContentSHA256 string `gorm:"column:content_sha256"`
	ProviderID    string
	Attempts      int
	Error         string
	LocalDate     portal.Date
	CreatedAt     timeUTC
	SentAt        *timeUTC
}

func (sendRow) TableName() string { return "reminder_sends" }

func (r *sendRow) toSend() *portal.ReminderSend {
	s := &portal.ReminderSend{
		ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, StepID: r.StepID, SequenceID: r.SequenceID, Position: r.Position,
		Channel: portal.Channel(r.Channel), TemplateKey: r.TemplateKey, Status: portal.SendStatus(r.Status), Language: r.Language,
		Recipient: r.Recipient, Subject: r.Subject, BodyText: r.BodyText, BodyHTML: r.BodyHTML, ContentSHA256: r.ContentSHA256,
		ProviderID: r.ProviderID, Attempts: r.Attempts, Error: r.Error, LocalDate: r.LocalDate, CreatedAt: r.CreatedAt.Time(),
	}
	if r.SentAt != nil {
		t := r.SentAt.Time()
		s.SentAt = &t
	}
	return s
}

type claimSequenceRow struct {
	ClaimID    string
	TenantID   string
	SequenceID string
	ChosenAt   timeUTC
}

func (claimSequenceRow) TableName() string { return "claim_sequences" }

type optOutRow struct {
	DebtorID  string
	Channel   string
	TenantID  string
	ClaimID   string
	CreatedAt timeUTC
}

func (optOutRow) TableName() string { return "contact_opt_outs" }

type unsubscribeRow struct {
	Hash      string
	TenantID  string
	ClaimID   string
	DebtorID  string
	Channel   string
	CreatedAt timeUTC
}

func (unsubscribeRow) TableName() string { return "unsubscribe_tokens" }

type leaseRow struct {
	Name      string
	Holder    string
	ExpiresAt timeUTC
}

func (leaseRow) TableName() string { return "job_leases" }

// ensureBuiltins creates the tenant's copies of the shipped default
// sequences that are missing. Two instances doing it at once are settled by
// the unique (tenant_id, builtin) index: the loser inserts nothing.
func (db *DB) ensureBuiltins(ctx context.Context, tenantID string) error {
	var have []string
	if err := db.conn(ctx).Model(&portal.ReminderSequence{}).Where("tenant_id = ? AND builtin <> ''", tenantID).
		Pluck("builtin", &have).Error; err != nil {
		return translate("list builtin sequences", err)
	}
	if len(have) == len(reminders.Builtins) {
		return nil
	}
	got := map[string]bool{}
	for _, k := range have {
		got[k] = true
	}
	for _, b := range reminders.Builtins {
		if got[b.Key] {
			continue
		}
		err := db.tx(ctx, func(tx *gorm.DB) error {
			now := db.Now()
			s := &portal.ReminderSequence{ID: portal.NewID(now), TenantID: tenantID, Name: b.Name, Builtin: b.Key, CreatedAt: now}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(s)
			if res.Error != nil {
				return translate("create builtin sequence", res.Error)
			}
			if res.RowsAffected == 0 {
				return nil // another instance made it
			}
			for i, st := range b.Steps {
				row := &portal.ReminderStep{ID: portal.NewID(now), TenantID: tenantID, SequenceID: s.ID, Position: i + 1,
					DayOffset: st.DayOffset, Channel: st.Channel, TemplateKey: st.Template}
				if err := tx.Create(row).Error; err != nil {
					return translate("create builtin step", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// FindSequences implements portal.ReminderService.
func (db *DB) FindSequences(ctx context.Context, tenantID string) ([]*portal.ReminderSequence, error) {
	if err := db.ensureBuiltins(ctx, tenantID); err != nil {
		return nil, err
	}
	var seqs []*portal.ReminderSequence
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&seqs).Error; err != nil {
		return nil, translate("list sequences", err)
	}
	return seqs, db.attachSteps(ctx, seqs)
}

func (db *DB) attachSteps(ctx context.Context, seqs []*portal.ReminderSequence) error {
	if len(seqs) == 0 {
		return nil
	}
	ids := make([]string, len(seqs))
	byID := map[string]*portal.ReminderSequence{}
	for i, s := range seqs {
		ids[i], byID[s.ID] = s.ID, s
		s.Steps = []*portal.ReminderStep{}
	}
	var steps []*portal.ReminderStep
	if err := db.conn(ctx).Where("sequence_id IN ?", ids).Order("sequence_id, position").Find(&steps).Error; err != nil {
		return translate("list steps", err)
	}
	for _, st := range steps {
		byID[st.SequenceID].Steps = append(byID[st.SequenceID].Steps, st)
	}
	return nil
}

func (db *DB) findSequence(ctx context.Context, tenantID, id string) (*portal.ReminderSequence, error) {
	var s portal.ReminderSequence
	if !portal.ValidID(id) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Sequence not found.")
	}
	if err := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&s).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "Sequence not found.")
		}
		return nil, translate("find sequence", err)
	}
	return &s, db.attachSteps(ctx, []*portal.ReminderSequence{&s})
}

// CreateSequence implements portal.ReminderService.
func (db *DB) CreateSequence(ctx context.Context, tenantID string, s *portal.ReminderSequence) error {
	if err := reminders.ValidateSequence(s); err != nil {
		return err
	}
	if s.CreditorID != "" {
		creditors, err := db.FindCreditors(ctx, tenantID)
		if err != nil {
			return err
		}
		found := false
		for _, c := range creditors {
			found = found || c.ID == s.CreditorID
		}
		if !found {
			return portal.FieldError("creditor_id", "creditor_id %q is not one of this account's creditors", s.CreditorID)
		}
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		now := db.Now()
		s.ID, s.TenantID, s.Builtin, s.CreatedAt = portal.NewID(now), tenantID, "", now
		if err := tx.Create(s).Error; err != nil {
			return translate("create sequence", err)
		}
		for _, st := range s.Steps {
			st.ID, st.TenantID, st.SequenceID = portal.NewID(now), tenantID, s.ID
			if err := tx.Create(st).Error; err != nil {
				return translate("create step", err)
			}
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountSequenceCreated, s.ID, map[string]any{"sequence_id": s.ID, "sequence": s})
	})
}

// UpdateSequence implements portal.ReminderService: the name and steps
// of a creditor's own sequence that no reminder was sent from, with
// sequence.updated (before and after) in the account log. The check and
// the change are one transaction; a reminder begun meanwhile on a step
// about to go is kept by the steps' foreign key (the change then fails).
func (db *DB) UpdateSequence(ctx context.Context, tenantID string, s *portal.ReminderSequence) error {
	old, err := db.findSequence(ctx, tenantID, s.ID)
	if err != nil {
		return err
	}
	if old.Builtin != "" {
		return portal.Errorf(portal.ECONFLICT, "A sequence shipped with Relais is not changed: make a new one from it.")
	}
	s.CreditorID = old.CreditorID // claims of that creditor follow it
	if err := reminders.ValidateSequence(s); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var sent int64
		if err := tx.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM reminder_sends WHERE sequence_id = ? AND tenant_id = ? LIMIT 1) x`, s.ID, tenantID).Scan(&sent).Error; err != nil {
			return translate("find sends of sequence", err)
		}
		if sent > 0 {
			return portal.Errorf(portal.ECONFLICT, "Reminders were sent from this sequence: its steps stay as they were sent; make a new sequence from it.")
		}
		now := db.Now()
		s.TenantID, s.Builtin, s.CreatedAt = tenantID, "", old.CreatedAt
		if err := tx.Model(&portal.ReminderSequence{}).Where("id = ? AND tenant_id = ?", s.ID, tenantID).Update("name", s.Name).Error; err != nil {
			return translate("update sequence", err)
		}
		if err := tx.Where("sequence_id = ? AND tenant_id = ?", s.ID, tenantID).Delete(&portal.ReminderStep{}).Error; err != nil {
			return translate("replace steps", err)
		}
		for _, st := range s.Steps {
			st.ID, st.TenantID, st.SequenceID = portal.NewID(now), tenantID, s.ID
			if err := tx.Create(st).Error; err != nil {
				return translate("create step", err)
			}
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountSequenceUpdated, s.ID, map[string]any{"sequence_id": s.ID, "before": old, "sequence": s})
	})
}

// SequencesSent implements portal.ReminderService.
func (db *DB) SequencesSent(ctx context.Context, tenantID string) (map[string]bool, error) {
	var ids []string
	err := db.conn(ctx).Raw(`SELECT s.id FROM reminder_sequences s WHERE s.tenant_id = ?
		AND EXISTS (SELECT 1 FROM reminder_sends r WHERE r.sequence_id = s.id)`, tenantID).Scan(&ids).Error
	if err != nil {
		return nil, translate("find sequences sent", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SetClaimSequence implements portal.ReminderService.
func (db *DB) SetClaimSequence(ctx context.Context, tenantID, claimID, sequenceID string) error {
	c, err := db.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return err
	}
	s, err := db.findSequence(ctx, tenantID, sequenceID)
	if err != nil {
		return portal.FieldError("sequence_id", "sequence_id %q is not one of this account's sequences", sequenceID)
	}
	if s.CreditorID != "" && s.CreditorID != c.CreditorID {
		return portal.FieldError("sequence_id", "this sequence belongs to another creditor than the claim's")
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		row := claimSequenceRow{ClaimID: c.ID, TenantID: tenantID, SequenceID: s.ID, ChosenAt: timeUTC(db.Now())}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "claim_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"sequence_id", "chosen_at"}),
		}).Create(&row).Error; err != nil {
			return translate("choose sequence", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountSequenceChosen, c.ID, map[string]any{"claim_id": c.ID, "sequence_id": s.ID})
	})
}

// FindReminders implements portal.ReminderService.
func (db *DB) FindReminders(ctx context.Context, tenantID, claimID string) ([]*portal.ReminderSend, error) {
	if _, err := db.FindClaim(ctx, tenantID, claimID); err != nil {
		return nil, err
	}
	var rows []sendRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("list reminders", err)
	}
	return toSends(rows), nil
}

// FindLettersToPrint implements portal.ReminderService: letter steps not
// yet posted. A letter made by the letter service leaves the list once its
// sending is recorded (POST .../letters/{letter_id}/sent).
func (db *DB) FindLettersToPrint(ctx context.Context, tenantID string) ([]*portal.ReminderSend, error) {
	var rows []sendRow
	err := db.conn(ctx).Where("tenant_id = ? AND channel = ? AND status = ?", tenantID, portal.ChannelLetter, portal.SendToPrint).
		Where("NOT EXISTS (SELECT 1 FROM letters l WHERE l.id = reminder_sends.provider_id AND l.sent_at IS NOT NULL)").
		Order("id").Limit(1000).Find(&rows).Error
	if err != nil {
		return nil, translate("list letters to print", err)
	}
	return toSends(rows), nil
}

func toSends(rows []sendRow) []*portal.ReminderSend {
	out := make([]*portal.ReminderSend, len(rows))
	for i := range rows {
		out[i] = rows[i].toSend()
	}
	return out
}

// reminderStages are the stages in which reminders go out: once a claim is
// before a court, letters come from the procedure, not from a sequence.
func reminderStage(s portal.Stage) bool {
	return s == portal.StageAmicable || s == portal.StageFormalNotice
}

// ReminderCandidates implements reminders.Store: open claims at the
// amicable or formal notice stage, in ID order after the cursor, each with
// its tenant, sequence, sends so far and opt-outs. A page is loaded in a
// fixed number of queries, whatever its size.
func (db *DB) ReminderCandidates(ctx context.Context, after string, limit int) ([]*reminders.Candidate, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	conn := db.conn(ctx)
	var claims []*portal.Claim
	err := conn.Where("id > ? AND status = ? AND stage IN ?", after, portal.StatusOpen,
		[]portal.Stage{portal.StageAmicable, portal.StageFormalNotice}).Order("id").Limit(limit).Find(&claims).Error
	if err != nil || len(claims) == 0 {
		return nil, translate("list reminder candidates", err)
	}
	ids, debtorIDs, creditorIDs := make([]string, len(claims)), make([]string, len(claims)), make([]string, len(claims))
	byID := map[string]*portal.Claim{}
	tenantIDs := map[string]bool{}
	for i, c := range claims {
		ids[i], debtorIDs[i], creditorIDs[i] = c.ID, c.DebtorID, c.CreditorID
		byID[c.ID] = c
		tenantIDs[c.TenantID] = true
		c.Invoices, c.Payments, c.CreditNotes = []*portal.Invoice{}, []*portal.Payment{}, []*portal.CreditNote{}
	}
	var debtors []*portal.Debtor
	var creditors []*portal.Creditor
	var invoices []*portal.Invoice
	var payments []*portal.Payment
	var notes []*portal.CreditNote
	var sends []sendRow
	var opts []optOutRow
	var chosen []claimSequenceRow
	for _, q := range []struct {
		op  string
		err error
	}{
		{"debtors", conn.Where("id IN ?", debtorIDs).Find(&debtors).Error},
		{"creditors", conn.Where("id IN ?", creditorIDs).Find(&creditors).Error},
		{"invoices", conn.Where("claim_id IN ?", ids).Order("due_date, number").Find(&invoices).Error},
		{"payments", conn.Where("claim_id IN ?", ids).Order("received_on, id").Find(&payments).Error},
		{"credit notes", conn.Where("claim_id IN ?", ids).Order("issue_date, id").Find(&notes).Error},
		{"sends", conn.Where("claim_id IN ?", ids).Order("id").Find(&sends).Error},
		{"opt-outs", conn.Where("debtor_id IN ?", debtorIDs).Find(&opts).Error},
		{"claim sequences", conn.Where("claim_id IN ?", ids).Find(&chosen).Error},
	} {
		if q.err != nil {
			return nil, translate("load reminder "+q.op, q.err)
		}
	}
	dm, cm := map[string]*portal.Debtor{}, map[string]*portal.Creditor{}
	for _, d := range debtors {
		dm[d.ID] = d
	}
	for _, c := range creditors {
		cm[c.ID] = c
	}
	for _, c := range claims {
		c.Debtor, c.Creditor = dm[c.DebtorID], cm[c.CreditorID]
	}
	for _, x := range invoices {
		byID[x.ClaimID].Invoices = append(byID[x.ClaimID].Invoices, x)
	}
	for _, x := range payments {
		byID[x.ClaimID].Payments = append(byID[x.ClaimID].Payments, x)
	}
	for _, x := range notes {
		byID[x.ClaimID].CreditNotes = append(byID[x.ClaimID].CreditNotes, x)
	}
	tenants := map[string]*portal.Tenant{}
	var tids []string
	for id := range tenantIDs {
		t, err := db.FindTenant(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := db.ensureBuiltins(ctx, id); err != nil {
			return nil, err
		}
		tenants[id] = t
		tids = append(tids, id)
	}
	chosenIDs := []string{""}
	chosenOf := map[string]string{}
	for _, r := range chosen {
		chosenOf[r.ClaimID] = r.SequenceID
		chosenIDs = append(chosenIDs, r.SequenceID)
	}
	var seqs []*portal.ReminderSequence
	err = conn.Where("(tenant_id IN ? AND builtin <> '') OR id IN ?", tids, chosenIDs).Find(&seqs).Error
	if err != nil {
		return nil, translate("load reminder sequences", err)
	}
	if err := db.attachSteps(ctx, seqs); err != nil {
		return nil, err
	}
	seqByID, builtin := map[string]*portal.ReminderSequence{}, map[string]*portal.ReminderSequence{}
	for _, s := range seqs {
		seqByID[s.ID] = s
		if s.Builtin != "" {
			builtin[s.TenantID+"/"+s.Builtin] = s
		}
	}
	sendsOf := map[string][]*portal.ReminderSend{}
	for i := range sends {
		sendsOf[sends[i].ClaimID] = append(sendsOf[sends[i].ClaimID], sends[i].toSend())
	}
	optedOut := map[string]map[portal.Channel]bool{}
	for _, o := range opts {
		if optedOut[o.DebtorID] == nil {
			optedOut[o.DebtorID] = map[portal.Channel]bool{}
		}
		optedOut[o.DebtorID][portal.Channel(o.Channel)] = true
	}
	out := make([]*reminders.Candidate, 0, len(claims))
	for _, c := range claims {
		if c.Debtor == nil || c.Creditor == nil {
			return nil, fmt.Errorf("load reminder candidates: claim %s lacks its debtor or creditor", c.ID)
		}
		seq := seqByID[chosenOf[c.ID]]
		if seq == nil {
			seq = builtin[c.TenantID+"/"+reminders.BuiltinKey(c.Jurisdiction, c.Debtor.Kind)]
		}
		opt := optedOut[c.DebtorID]
		if opt == nil {
			opt = map[portal.Channel]bool{}
		}
		out = append(out, &reminders.Candidate{Claim: c, Tenant: tenants[c.TenantID], Sequence: seq, Sends: sendsOf[c.ID], OptedOut: opt})
	}
	if err := db.markPromised(ctx, ids, out); err != nil {
		return nil, err
	}
	return out, nil
}

// BeginSend implements reminders.Store. In one transaction it re-reads the
// claim (locked on PostgreSQL; SQLite transactions take the write lock at
// BEGIN), so that a dispute, a plan or a settlement committed before it
// wins: then it returns ECONFLICT and records nothing. A debtor who opted
// out of the channel gets a skipped row. The unique (claim, step) index
// makes a second claim of the same step ECONFLICT.
func (db *DB) BeginSend(ctx context.Context, tenantID, claimID string, step *portal.ReminderStep, localDate portal.Date, skip string) (*portal.ReminderSend, error) {
	var out *portal.ReminderSend
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var c struct {
			Status   portal.Status
			Stage    portal.Stage
			DebtorID string
		}
		q := tx.Raw("SELECT status, stage, debtor_id FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID)
		if db.Dialect == Postgres {
			q = tx.Raw("SELECT status, stage, debtor_id FROM claims WHERE id = ? AND tenant_id = ? FOR UPDATE", claimID, tenantID)
		}
		if err := q.Scan(&c).Error; err != nil {
			return translate("lock claim", err)
		}
		if c.DebtorID == "" {
			return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
		}
		if escalation.Pauses(c.Status) || escalation.Ended(c.Status) || !reminderStage(c.Stage) {
			return portal.Errorf(portal.ECONFLICT, "the claim is %s at stage %s: no reminder", c.Status, c.Stage)
		}
		if held, err := promisePauses(tx, claimID, localDate); err != nil {
			return err
		} else if held {
			return portal.Errorf(portal.ECONFLICT, "a promise to pay is expected: no reminder until its date")
		}
		var n int64
		if err := tx.Model(&optOutRow{}).Where("debtor_id = ? AND channel = ?", c.DebtorID, step.Channel).Count(&n).Error; err != nil {
			return translate("check opt-out", err)
		}
		status := portal.SendSending
		if n > 0 {
			status, skip = portal.SendSkipped, "the debtor opted out of "+string(step.Channel)
		} else if skip != "" {
			status = portal.SendSkipped
		}
		now := db.Now()
		row := sendRow{
			ID: portal.NewID(now), TenantID: tenantID, ClaimID: claimID, StepID: step.ID, SequenceID: step.SequenceID,
			Position: step.Position, Channel: string(step.Channel), TemplateKey: step.TemplateKey, Status: string(status),
			Error: skip, LocalDate: localDate, CreatedAt: timeUTC(now),
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate("claim send", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ECONFLICT, "this step was already handled for the claim")
		}
		out = row.toSend()
		return nil
	})
	return out, err
}

// ClaimSendable implements reminders.Store: the last check right before
// delivery, for a status that changed while the message was being made.
func (db *DB) ClaimSendable(ctx context.Context, tenantID, claimID string) error {
	var c struct {
		Status portal.Status
		Stage  portal.Stage
	}
	if err := db.conn(ctx).Raw("SELECT status, stage FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&c).Error; err != nil {
		return translate("check claim", err)
	}
	if escalation.Pauses(c.Status) || escalation.Ended(c.Status) || !reminderStage(c.Stage) {
		return portal.Errorf(portal.ECONFLICT, "the claim is %s at stage %s: no reminder", c.Status, c.Stage)
	}
	return nil
}

// FinishSend implements reminders.Store: it records the outcome of a send
// claimed by BeginSend with its evidence event (reminder.sent with the
// content hash, reminder.failed, or letter.generated for a letter to
// print), and sets the claim's first reminder date on its first sent
// reminder.
func (db *DB) FinishSend(ctx context.Context, s *portal.ReminderSend) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if db.Dialect == Postgres {
			// Lock the claim before the send row, in the order BeginSend
			// takes them, so that the two cannot deadlock.
			var id string
			if err := tx.Raw("SELECT id FROM claims WHERE id = ? AND tenant_id = ? FOR UPDATE", s.ClaimID, s.TenantID).Scan(&id).Error; err != nil {
				return translate("lock claim", err)
			}
		}
		now := db.Now()
		upd := map[string]any{
			"status": string(s.Status), "language": s.Language, "recipient": s.Recipient, "subject": s.Subject,
			"body_text": s.BodyText, "body_html": s.BodyHTML, "content_sha256": s.ContentSHA256, "provider_id": s.ProviderID,
			"attempts": s.Attempts, "error": truncateText(s.Error, 1000),
		}
		if s.Status == portal.SendSent {
			upd["sent_at"] = timeUTC(now)
			s.SentAt = &now
		}
		res := tx.Model(&sendRow{}).Where("id = ? AND tenant_id = ? AND status = ?", s.ID, s.TenantID, portal.SendSending).Updates(upd)
		if res.Error != nil {
			return translate("finish send", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ECONFLICT, "send %s is not being sent", s.ID)
		}
		payload := map[string]any{
			"send_id": s.ID, "step": s.Position, "channel": s.Channel, "template": s.TemplateKey, "language": s.Language,
			"recipient": s.Recipient, "content_sha256": s.ContentSHA256, "provider_id": s.ProviderID, "attempts": s.Attempts,
		}
		if s.TextSource != "" {
			payload["text_source"], payload["text_sha256"] = s.TextSource, s.TextSHA256
		}
		var kind portal.EventKind
		switch s.Status {
		case portal.SendSent:
			kind = portal.EventReminderSent
		case portal.SendFailed, portal.SendBounced:
			kind, payload["error"], payload["status"] = portal.EventReminderFailed, truncateText(s.Error, 300), s.Status
		case portal.SendToPrint:
			if s.ProviderID != "" {
				return nil // the letter service recorded letter.generated with the PDF's hash
			}
			kind, payload["source"] = portal.EventLetterGenerated, "reminder"
		default:
			return nil
		}
		if _, err := db.appendEvent(ctx, tx, s.TenantID, s.ClaimID, kind, payload); err != nil {
			return err
		}
		if s.Status == portal.SendSent {
			// An e-mail or an SMS reaches the debtor the day it is sent: the
			// free period counts it as electronic (escalation.ChannelEmail).
			if err := markReminded(tx, s.ClaimID, s.LocalDate, string(escalation.ChannelEmail), now); err != nil {
				return err
			}
		}
		return nil
	})
}

// RecordBounce implements portal.ReminderService.
func (db *DB) RecordBounce(ctx context.Context, tenantID, claimID, sendID, reason string) (*portal.ReminderSend, error) {
	var out *portal.ReminderSend
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var row sendRow
		if err := tx.Where("id = ? AND tenant_id = ? AND claim_id = ?", sendID, tenantID, claimID).Limit(1).Find(&row).Error; err != nil {
			return translate("find send", err)
		}
		if row.ID == "" {
			return portal.Errorf(portal.ENOTFOUND, "Reminder not found.")
		}
		if row.Status != string(portal.SendSent) || row.Channel == string(portal.ChannelLetter) {
			return portal.Errorf(portal.ECONFLICT, "Only a sent e-mail or SMS can bounce; this reminder is %s.", row.Status)
		}
		res := tx.Model(&sendRow{}).Where("id = ? AND status = ?", row.ID, portal.SendSent).
			Updates(map[string]any{"status": string(portal.SendBounced), "error": truncateText(reason, 1000)})
		if res.Error != nil {
			return translate("record bounce", res.Error)
		}
		row.Status, row.Error = string(portal.SendBounced), truncateText(reason, 1000)
		out = row.toSend()
		_, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventReminderBounced, map[string]any{
			"send_id": row.ID, "channel": row.Channel, "recipient": row.Recipient, "provider_id": row.ProviderID,
			"content_sha256": row.ContentSHA256, "reason": truncateText(reason, 300),
		})
		return err
	})
	return out, err
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// IssueUnsubscribe implements reminders.Store: a 160-bit token (32
// characters, short enough for an SMS) of which only the SHA-256 is kept.
func (db *DB) IssueUnsubscribe(ctx context.Context, tenantID, claimID, debtorID string, ch portal.Channel) (string, error) {
	buf := make([]byte, 20)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	token := strings.ToLower(tokenEncoding.EncodeToString(buf))
	row := unsubscribeRow{Hash: portal.SHA256Hex([]byte(token)), TenantID: tenantID, ClaimID: claimID, DebtorID: debtorID,
		Channel: string(ch), CreatedAt: timeUTC(db.Now())}
	if err := db.conn(ctx).Create(&row).Error; err != nil {
		return "", translate("issue unsubscribe token", err)
	}
	return token, nil
}

func (db *DB) findUnsubscribe(ctx context.Context, tx *gorm.DB, token string) (*portal.Unsubscribe, error) {
	notFound := portal.Errorf(portal.ENOTFOUND, "This link is not valid.")
	if len(token) != 32 || strings.Trim(token, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return nil, notFound
	}
	var row unsubscribeRow
	if err := tx.Where("hash = ?", portal.SHA256Hex([]byte(token))).Limit(1).Find(&row).Error; err != nil {
		return nil, translate("find unsubscribe token", err)
	}
	if row.Hash == "" {
		return nil, notFound
	}
	var info struct {
		Language  string
		LegalName string
	}
	err := tx.Raw(`SELECT d.language, cr.legal_name FROM claims c JOIN debtors d ON d.id = c.debtor_id
		JOIN creditors cr ON cr.id = c.creditor_id WHERE c.id = ?`, row.ClaimID).Scan(&info).Error
	if err != nil {
		return nil, translate("find unsubscribe claim", err)
	}
	var n int64
	if err := tx.Model(&optOutRow{}).Where("debtor_id = ? AND channel = ?", row.DebtorID, row.Channel).Count(&n).Error; err != nil {
		return nil, translate("check opt-out", err)
	}
	return &portal.Unsubscribe{TenantID: row.TenantID, ClaimID: row.ClaimID, DebtorID: row.DebtorID, Channel: portal.Channel(row.Channel),
		Language: info.Language, Creditor: info.LegalName, Done: n > 0}, nil
}

// FindUnsubscribe implements portal.OptOutService.
func (db *DB) FindUnsubscribe(ctx context.Context, token string) (*portal.Unsubscribe, error) {
	return db.findUnsubscribe(ctx, db.conn(ctx), token)
}

// OptOut implements portal.OptOutService.
func (db *DB) OptOut(ctx context.Context, token string) (*portal.Unsubscribe, error) {
	var u *portal.Unsubscribe
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = db.findUnsubscribe(ctx, tx, token); err != nil || u.Done {
			return err
		}
		row := optOutRow{DebtorID: u.DebtorID, Channel: string(u.Channel), TenantID: u.TenantID, ClaimID: u.ClaimID, CreatedAt: timeUTC(db.Now())}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate("record opt-out", res.Error)
		}
		u.Done = true
		if res.RowsAffected == 0 {
			return nil
		}
		_, err = db.appendEvent(ctx, tx, u.TenantID, u.ClaimID, portal.EventContactOptOut, map[string]any{
			"debtor_id": u.DebtorID, "channel": u.Channel,
		})
		return err
	})
	return u, err
}

// AcquireLease implements reminders.Store: it takes or renews the named
// lease for holder until now+ttl, unless another holder has it unexpired.
// The conditional UPDATE (row-locked on PostgreSQL, serialised on SQLite)
// and the INSERT … ON CONFLICT DO NOTHING let exactly one contender win.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := db.Now()
	res := db.conn(ctx).Model(&leaseRow{}).Where("name = ? AND (holder = ? OR expires_at <= ?)", name, holder, timeUTC(now)).
		Updates(map[string]any{"holder": holder, "expires_at": timeUTC(now.Add(ttl))})
	if res.Error != nil {
		return false, translate("renew lease", res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	res = db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&leaseRow{Name: name, Holder: holder, ExpiresAt: timeUTC(now.Add(ttl))})
	if res.Error != nil {
		return false, translate("take lease", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease implements reminders.Store.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	err := db.conn(ctx).Model(&leaseRow{}).Where("name = ? AND holder = ?", name, holder).
		Update("expires_at", timeUTC(db.Now())).Error
	return translate("release lease", err)
}

// ReminderContent is the evidence bundle's source of rendered reminders:
// for each e-mail, SMS or text letter that was sent, failed or waits to be
// printed, the file reminders/<date>-<step>-<channel>-<id>.json holds the
// canonical JSON {html, subject, text} whose SHA-256 is in its evidence
// event. Letters made by the letter service come from LetterStore.
type ReminderContent struct{ DB *DB }

var _ portal.AttachmentSource = ReminderContent{}

// Attachments implements portal.AttachmentSource.
func (r ReminderContent) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	var rows []sendRow
	err := r.DB.conn(ctx).Where("tenant_id = ? AND claim_id = ? AND body_text <> '' AND status IN ?", tenantID, claimID,
		[]portal.SendStatus{portal.SendSent, portal.SendFailed, portal.SendBounced, portal.SendToPrint}).Order("id").Find(&rows).Error
	if err != nil {
		return nil, translate("list reminder contents", err)
	}
	out := make([]portal.Attachment, 0, len(rows))
	for i := range rows {
		row := rows[i]
		content := reminders.ContentJSON(row.Subject, row.BodyText, row.BodyHTML)
		out = append(out, portal.Attachment{
			Name:   fmt.Sprintf("reminders/%s-%d-%s-%s.json", row.LocalDate, row.Position, row.Channel, strings.ToLower(row.ID)),
			SHA256: row.ContentSHA256,
			Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil },
		})
	}
	return out, nil
}
