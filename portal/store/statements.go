package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/relais/relais/portal"
)

type statementRow struct {
	ID         string
	TenantID   string
	Format     string
	Lines      int
	Duplicates int
	CreatedAt  timeUTC
}

func (statementRow) TableName() string { return "statements" }

type statementLineRow struct {
	ID          string
	TenantID    string
	StatementID string
	BankRef     string
	BookedOn    portal.Date
	Amount      int64
	Currency    string
	Credit      int
	Reference   string
	Name        string
	IBAN        string `gorm:"column:iban"`
	Status      string
	ClaimID     string
	PaymentID   string
	Candidates  string
	CreatedAt   timeUTC
	ResolvedAt  *timeUTC
}

func (statementLineRow) TableName() string { return "statement_lines" }

func (r *statementLineRow) line() *portal.StatementLine {
	l := &portal.StatementLine{ID: r.ID, TenantID: r.TenantID, StatementID: r.StatementID, BankRef: r.BankRef, BookedOn: r.BookedOn,
		Amount: r.Amount, Currency: portal.Currency(r.Currency), Credit: r.Credit == 1, Reference: r.Reference, Name: r.Name, IBAN: r.IBAN,
		Status: r.Status, ClaimID: r.ClaimID, PaymentID: r.PaymentID}
	if r.Candidates != "" {
		l.Candidates = strings.Split(r.Candidates, ",")
	}
	return l
}

// errNothingNew rolls back a statement whose every line was imported before.
var errNothingNew = errors.New("every line was imported before")

// RecordStatement stores an imported statement in one transaction: lines
// whose bank reference the tenant already has are skipped; lines the
// matcher matched (Status matched, ClaimID set) are recorded as transfer
// payments with statement.matched and payment.recorded events. When every
// line was known the statement is not kept and the result has no ID.
func (db *DB) RecordStatement(ctx context.Context, tenantID, format string, lines []*portal.StatementLine) (*portal.Statement, error) {
	st := &portal.Statement{TenantID: tenantID, Format: format}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		now := db.Now()
		st.ID, st.CreatedAt, st.Lines, st.Duplicates = portal.NewID(now), now, 0, 0
		st.Matched, st.Suggested, st.Unmatched, st.Skipped = nil, nil, nil, nil
		if err := tx.Create(&statementRow{ID: st.ID, TenantID: tenantID, Format: format, CreatedAt: timeUTC(now)}).Error; err != nil {
			return translate("create statement", err)
		}
		for _, l := range lines {
			credit := 0
			if l.Credit {
				credit = 1
			}
			row := statementLineRow{ID: portal.NewID(now), TenantID: tenantID, StatementID: st.ID, BankRef: l.BankRef, BookedOn: l.BookedOn,
				Amount: l.Amount, Currency: string(l.Currency), Credit: credit, Reference: l.Reference, Name: l.Name, IBAN: l.IBAN,
				Status: l.Status, Candidates: strings.Join(l.Candidates, ","), CreatedAt: timeUTC(now)}
			if l.Status == portal.LineMatched {
				row.ClaimID = l.ClaimID
			}
			ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if ins.Error != nil {
				return translate("store statement line", ins.Error)
			}
			if ins.RowsAffected == 0 {
				st.Duplicates++
				continue
			}
			st.Lines++
			if row.Status == portal.LineMatched {
				if err := db.payFromLine(ctx, tx, &row, "statement.matched"); err != nil {
					return err
				}
			}
		}
		if st.Lines == 0 {
			return errNothingNew
		}
		return tx.Model(&statementRow{}).Where("id = ?", st.ID).Updates(map[string]any{"lines": st.Lines, "duplicates": st.Duplicates}).Error
	})
	if errors.Is(err, errNothingNew) {
		return &portal.Statement{Format: format, Duplicates: st.Duplicates, CreatedAt: st.CreatedAt}, nil
	}
	if err != nil {
		return nil, err
	}
	return db.FindStatement(ctx, tenantID, st.ID)
}

// payFromLine records a credit line as a transfer payment on its claim.
// A line in another currency than the claim's is left as a suggestion.
func (db *DB) payFromLine(ctx context.Context, tx *gorm.DB, row *statementLineRow, how string) error {
	if err := db.lockClaim(tx, row.TenantID, row.ClaimID); err != nil {
		return err
	}
	var c portal.Claim
	if err := tx.Where("id = ?", row.ClaimID).Take(&c).Error; err != nil {
		return translate("find claim", err)
	}
	if string(c.Currency) != row.Currency {
		row.Status, row.Candidates, row.ClaimID = portal.LineSuggested, c.ID, ""
		return translate("demote statement line", tx.Model(&statementLineRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"status": row.Status, "candidates": row.Candidates, "claim_id": ""}).Error)
	}
	now := db.Now()
	p := &portal.Payment{ID: portal.NewID(now), TenantID: row.TenantID, ClaimID: c.ID, Amount: row.Amount, Currency: c.Currency,
		ReceivedOn: row.BookedOn, Method: portal.PaymentTransfer, Reference: "bank " + row.BankRef, CreatedAt: now}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := tx.Create(p).Error; err != nil {
		return translate("create payment", err)
	}
	line := map[string]any{"statement_id": row.StatementID, "line_id": row.ID, "bank_ref": row.BankRef, "booked_on": row.BookedOn.String(),
		"amount": row.Amount, "currency": row.Currency, "reference": row.Reference, "payer": row.Name, "payer_iban": row.IBAN, "how": how}
	if _, err := db.appendEvent(ctx, tx, row.TenantID, c.ID, portal.EventStatementMatched, line); err != nil {
		return err
	}
	if _, err := db.appendEvent(ctx, tx, row.TenantID, c.ID, portal.EventPaymentRecorded, map[string]any{
		"payment_id": p.ID, "amount": p.Amount, "currency": p.Currency, "received_on": p.ReceivedOn.String(), "method": p.Method,
		"reference": p.Reference, "statement_line": row.ID,
	}); err != nil {
		return err
	}
	if err := db.markInstalmentPaid(ctx, tx, row.TenantID, c.ID, "", p); err != nil {
		return err
	}
	if err := db.settleOnPayment(ctx, tx, row.TenantID, c.ID, p); err != nil {
		return err
	}
	row.PaymentID = p.ID
	return translate("settle statement line", tx.Model(&statementLineRow{}).Where("id = ?", row.ID).
		Updates(map[string]any{"payment_id": p.ID, "claim_id": c.ID, "status": row.Status, "resolved_at": timeUTC(now)}).Error)
}

// ListStatements implements portal.StatementService.
func (db *DB) ListStatements(ctx context.Context, tenantID string, limit int) ([]*portal.Statement, error) {
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	var rows []statementRow
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list statements", err)
	}
	out := make([]*portal.Statement, len(rows))
	ids := make([]string, len(rows))
	byID := map[string]*portal.Statement{}
	for i, r := range rows {
		out[i] = &portal.Statement{ID: r.ID, TenantID: r.TenantID, Format: r.Format, Lines: r.Lines, Duplicates: r.Duplicates, CreatedAt: r.CreatedAt.Time()}
		ids[i], byID[r.ID] = r.ID, out[i]
	}
	if len(ids) == 0 {
		return out, nil
	}
	var counts []struct {
		StatementID string
		N           int
	}
	if err := db.conn(ctx).Model(&statementLineRow{}).Select("statement_id, COUNT(*) AS n").
		Where("tenant_id = ? AND statement_id IN ? AND status IN ?", tenantID, ids, []string{portal.LineSuggested, portal.LineUnmatched}).
		Group("statement_id").Scan(&counts).Error; err != nil {
		return nil, translate("count pending statement lines", err)
	}
	for _, c := range counts {
		byID[c.StatementID].Pending = c.N
	}
	return out, nil
}

// FindStatement implements portal.StatementService.
func (db *DB) FindStatement(ctx context.Context, tenantID, id string) (*portal.Statement, error) {
	var sr statementRow
	if err := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Limit(1).Find(&sr).Error; err != nil {
		return nil, translate("find statement", err)
	}
	if sr.ID == "" {
		return nil, portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	st := &portal.Statement{ID: sr.ID, TenantID: sr.TenantID, Format: sr.Format, Lines: sr.Lines, Duplicates: sr.Duplicates, CreatedAt: sr.CreatedAt.Time(),
		Matched: []*portal.StatementLine{}, Suggested: []*portal.StatementLine{}, Unmatched: []*portal.StatementLine{}, Skipped: []*portal.StatementLine{}}
	var rows []statementLineRow
	if err := db.conn(ctx).Where("statement_id = ?", id).Order("booked_on, id").Find(&rows).Error; err != nil {
		return nil, translate("list statement lines", err)
	}
	for i := range rows {
		l := rows[i].line()
		switch l.Status {
		case portal.LineMatched, portal.LineAccepted:
			st.Matched = append(st.Matched, l)
		case portal.LineSuggested:
			st.Suggested = append(st.Suggested, l)
		case portal.LineUnmatched:
			st.Unmatched = append(st.Unmatched, l)
		default:
			st.Skipped = append(st.Skipped, l)
		}
	}
	return st, nil
}

// AcceptLine implements portal.StatementService.
func (db *DB) AcceptLine(ctx context.Context, tenantID, statementID, lineID, claimID string) (*portal.StatementLine, error) {
	var out *portal.StatementLine
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row statementLineRow
		if err := tx.Where("id = ? AND statement_id = ? AND tenant_id = ?", lineID, statementID, tenantID).Limit(1).Find(&row).Error; err != nil {
			return translate("find statement line", err)
		}
		if row.ID == "" {
			return portal.Errorf(portal.ENOTFOUND, "Statement line not found.")
		}
		if row.Status != portal.LineSuggested && row.Status != portal.LineUnmatched {
			return portal.Errorf(portal.ECONFLICT, "This line is %s and cannot be accepted.", row.Status)
		}
		if row.Credit != 1 {
			return portal.Errorf(portal.EINVALID, "Only a credit can pay a claim.")
		}
		candidates := strings.Split(row.Candidates, ",")
		if claimID == "" {
			if row.Status != portal.LineSuggested || len(candidates) != 1 {
				return portal.FieldError("claim_id", "claim_id is required: name the claim this payment is for")
			}
			claimID = candidates[0]
		}
		if row.Status == portal.LineSuggested && !contains(candidates, claimID) {
			return portal.FieldError("claim_id", "claim_id is not one of the suggested claims")
		}
		if !portal.ValidID(claimID) {
			return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
		}
		row.ClaimID, row.Status = claimID, portal.LineAccepted
		if err := db.payFromLine(ctx, tx, &row, "accepted"); err != nil {
			return err
		}
		if row.Status != portal.LineAccepted {
			return portal.FieldError("claim_id", "the line's currency is not the claim's")
		}
		out = row.line()
		return nil
	})
	return out, err
}

// OpenClaimsForMatching returns the tenant's claims that may receive a
// transfer (open, in a plan, disputed), fully loaded, and the payment
// references issued to them by claim id.
func (db *DB) OpenClaimsForMatching(ctx context.Context, tenantID string) ([]*portal.Claim, map[string]string, error) {
	var ids []string
	if err := db.conn(ctx).Model(&portal.Claim{}).Where("tenant_id = ? AND status IN ?", tenantID,
		[]string{string(portal.StatusOpen), string(portal.StatusInPlan), string(portal.StatusDisputed)}).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, nil, translate("list open claims", err)
	}
	claims := make([]*portal.Claim, 0, len(ids))
	for _, id := range ids {
		c, err := db.FindClaim(ctx, tenantID, id)
		if err != nil {
			return nil, nil, err
		}
		claims = append(claims, c)
	}
	refs, err := db.ClaimPaymentReferences(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	return claims, refs, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
