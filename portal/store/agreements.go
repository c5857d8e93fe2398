package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

type agreementRow struct {
	ID                 string
	TenantID           string
	ClaimID            string
	OfferID            string
	Status             string
	Balance            int64
	Currency           string
	Schedule           string
	InterestDuringPlan bool
	Acknowledged       bool
	Language           string
	SignedAt           *time.Time
	PDF                []byte `gorm:"column:pdf"`
	PDFSHA256          string `gorm:"column:pdf_sha256"`
	CreatedAt          time.Time
}

func (agreementRow) TableName() string { return "agreements" }

func (r *agreementRow) agreement() (*negotiation.Agreement, error) {
	a := &negotiation.Agreement{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, OfferID: r.OfferID, Status: negotiation.AgreementStatus(r.Status),
		Balance: r.Balance, InterestDuringPlan: r.InterestDuringPlan, Acknowledged: r.Acknowledged, Language: r.Language,
		PDF: r.PDF, PDFSHA256: r.PDFSHA256, CreatedAt: r.CreatedAt.UTC()}
	if r.SignedAt != nil {
		t := r.SignedAt.UTC()
		a.SignedAt = &t
	}
	if err := json.Unmarshal([]byte(r.Schedule), &a.Schedule); err != nil {
		return nil, fmt.Errorf("decode schedule %s: %w", r.ID, err)
	}
	return a, nil
}

// FindAgreement implements negotiation.Store.
func (db *DB) FindAgreement(ctx context.Context, tenantID, id string) (*negotiation.Agreement, error) {
	var row agreementRow
	if err := db.conn(ctx).Where("id = ? AND tenant_id = ?", id, tenantID).Take(&row).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "Agreement not found.")
		}
		return nil, translate("find agreement", err)
	}
	return row.agreement()
}

type instalmentRow struct {
	ID          string
	TenantID    string
	ClaimID     string
	AgreementID string
	Seq         int
	DueOn       portal.Date
	Amount      int64
	Currency    string
	Method      string
	Status      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (instalmentRow) TableName() string { return "instalments" }

// SignAgreement implements negotiation.Store. The claim's status becomes
// in_plan (escalation pauses) with a status.changed event, unless it is
// disputed, settled or closed already.
func (db *DB) SignAgreement(ctx context.Context, tenantID, agreementID string, acknowledged bool, language string, pdf []byte, pay negotiation.PayChoice) (*negotiation.Agreement, error) {
	var out *negotiation.Agreement
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row agreementRow
		// The conditional UPDATE below is the guard against a double sign.
		if err := tx.Where("id = ? AND tenant_id = ?", agreementID, tenantID).Take(&row).Error; err != nil {
			if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
				return portal.Errorf(portal.ENOTFOUND, "Agreement not found.")
			}
			return translate("find agreement", err)
		}
		if row.Status == string(negotiation.AgreementSigned) {
			return portal.Errorf(portal.ECONFLICT, "This agreement is already signed.")
		}
		var claim portal.Claim
		if err := tx.Where("id = ? AND tenant_id = ?", row.ClaimID, tenantID).Take(&claim).Error; err != nil {
			return translate("find claim", err)
		}
		if acknowledged && claim.Status == portal.StatusDisputed {
			return portal.FieldError("acknowledge", "a disputed claim cannot be acknowledged")
		}
		now := db.Now()
		sum := portal.SHA256Hex(pdf)
		res := tx.Exec("UPDATE agreements SET status = 'signed', acknowledged = ?, language = ?, signed_at = ?, pdf = ?, pdf_sha256 = ? WHERE id = ? AND status = 'draft'",
			acknowledged, language, now, pdf, sum, row.ID)
		if res.Error != nil {
			return translate("sign agreement", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ECONFLICT, "This agreement is already signed.")
		}
		a, err := row.agreement()
		if err != nil {
			return err
		}
		if pay.Method != "" {
			// The way to pay the debtor chose at signing.
			a.Schedule.Method, a.Schedule.MandateVia, a.Schedule.NoticeDays = pay.Method, pay.MandateVia, pay.NoticeDays
			if pay.Method != negotiation.MethodSEPADebit {
				a.Schedule.MandateVia, a.Schedule.NoticeDays = "", 0
			}
			if err := tx.Exec("UPDATE agreements SET schedule = ?, debit_notice_days = ? WHERE id = ?", mustJSON(a.Schedule), a.Schedule.NoticeDays, row.ID).Error; err != nil {
				return translate("record the way to pay", err)
			}
		}
		a.Status, a.Acknowledged, a.Language, a.SignedAt, a.PDF, a.PDFSHA256 = negotiation.AgreementSigned, acknowledged, language, &now, pdf, sum
		for _, in := range a.Schedule.Instalments {
			method := string(a.Schedule.Method)
			if method == "" {
				method = string(negotiation.MethodTransfer)
			}
			ir := instalmentRow{ID: portal.NewID(now), TenantID: tenantID, ClaimID: a.ClaimID, AgreementID: a.ID, Seq: in.Seq, DueOn: in.DueOn,
				Amount: in.Amount, Currency: string(a.Schedule.Currency), Method: method, Status: string(negotiation.InstalmentDue), CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&ir).Error; err != nil {
				return translate("create instalment", err)
			}
		}
		// A new plan answers a request made after a hardship.
		if err := tx.Exec("UPDATE conversations SET hardship_at = NULL WHERE tenant_id = ? AND claim_id = ? AND hardship_at IS NOT NULL", tenantID, claim.ID).Error; err != nil {
			return translate("clear hardship", err)
		}
		// While the plan is honoured escalation pauses: the claim goes
		// in_plan when the status table allows it (not from disputed,
		// settled or closed, where the agreement is recorded alone).
		if escalation.ChangeStatus(escalation.Snapshot{Stage: claim.Stage, Status: claim.Status}, portal.StatusInPlan) == nil {
			if err := db.setStatus(ctx, tx, &claim, portal.StatusInPlan, "agreement "+a.ID+" signed"); err != nil {
				return err
			}
		}
		// A signed plan that acknowledges the debt restarts prescription
		// (Code civil 2240; old Civil Code 2248 in Belgium).
		if acknowledged {
			today := tenantDate(tx, tenantID, now)
			if err := tx.Exec("UPDATE claims SET last_acknowledgement_on = ? WHERE id = ? AND (last_acknowledgement_on IS NULL OR last_acknowledgement_on < ?)",
				today, claim.ID, today).Error; err != nil {
				return translate("record acknowledgement", err)
			}
		}
		_, err = db.appendEvent(ctx, tx, tenantID, claim.ID, portal.EventAgreementSigned, map[string]any{
			"agreement_id": a.ID, "offer_id": a.OfferID, "acknowledged": acknowledged, "language": language, "pdf_sha256": sum,
			"total": a.Schedule.Total, "currency": a.Schedule.Currency, "instalments": len(a.Schedule.Instalments),
			"method": a.Schedule.Method, "via": a.Schedule.MandateVia, "debit_notice_days": a.Schedule.NoticeDays,
		})
		out = a
		return err
	})
	return out, err
}

// PlanInstalments implements negotiation.Store: the instalments of a claim
// for the payments side, by due date.
func (db *DB) PlanInstalments(ctx context.Context, tenantID, claimID string) ([]*negotiation.PlanInstalment, error) {
	var rows []instalmentRow
	if err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("due_on, seq").Find(&rows).Error; err != nil {
		return nil, translate("list instalments", err)
	}
	out := make([]*negotiation.PlanInstalment, len(rows))
	for i, r := range rows {
		out[i] = &negotiation.PlanInstalment{ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, AgreementID: r.AgreementID, Seq: r.Seq, DueOn: r.DueOn,
			Amount: r.Amount, Currency: portal.Currency(r.Currency), Method: negotiation.Method(r.Method), Status: negotiation.InstalmentStatus(r.Status)}
	}
	return out, nil
}

type policyRow struct {
	ID         string
	TenantID   string
	CreditorID string
	ClaimID    string
	Body       string
	UpdatedAt  time.Time
}

func (policyRow) TableName() string { return "negotiation_policies" }

// Policy implements negotiation.Store.
func (db *DB) Policy(ctx context.Context, tenantID, claimID string) (negotiation.Policy, error) {
	return claimPolicy(db.conn(ctx), tenantID, claimID)
}

// claimPolicy is the policy of a claim (its own, else its creditor's,
// else Relais' default), read with q (the connection or a transaction).
func claimPolicy(q *gorm.DB, tenantID, claimID string) (negotiation.Policy, error) {
	var creditorID string
	if err := q.Raw("SELECT creditor_id FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&creditorID).Error; err != nil {
		return negotiation.Policy{}, translate("find claim", err)
	}
	if creditorID == "" {
		return negotiation.Policy{}, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	var row policyRow
	err := q.Where("tenant_id = ? AND creditor_id = ? AND claim_id IN (?, '')", tenantID, creditorID, claimID).
		Order("claim_id DESC").Limit(1).Find(&row).Error
	if err != nil {
		return negotiation.Policy{}, translate("find policy", err)
	}
	return row.policy()
}

// policy decodes a stored policy; a row not found (no ID) is Relais'
// default.
func (row policyRow) policy() (negotiation.Policy, error) {
	if row.ID == "" {
		return negotiation.DefaultPolicy(), nil
	}
	var p negotiation.Policy
	if err := json.Unmarshal([]byte(row.Body), &p); err != nil {
		return p, fmt.Errorf("decode policy %s: %w", row.ID, err)
	}
	return p, nil
}

// CreditorPolicy implements negotiation.Store.
func (db *DB) CreditorPolicy(ctx context.Context, tenantID, creditorID string) (negotiation.Policy, bool, error) {
	var n int64
	if err := db.conn(ctx).Table("creditors").Where("id = ? AND tenant_id = ?", creditorID, tenantID).Count(&n).Error; err != nil {
		return negotiation.Policy{}, false, translate("find creditor", err)
	}
	if n == 0 {
		return negotiation.Policy{}, false, portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	var row policyRow
	if err := db.conn(ctx).Where("tenant_id = ? AND creditor_id = ? AND claim_id = ''", tenantID, creditorID).Limit(1).Find(&row).Error; err != nil {
		return negotiation.Policy{}, false, translate("find policy", err)
	}
	p, err := row.policy()
	return p, row.ID != "", err
}

// SetPolicy implements negotiation.Store.
func (db *DB) SetPolicy(ctx context.Context, tenantID, creditorID, claimID string, p negotiation.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("creditors").Where("id = ? AND tenant_id = ?", creditorID, tenantID).Count(&n).Error; err != nil {
			return translate("find creditor", err)
		}
		if n == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
		}
		now := db.Now()
		res := tx.Exec("UPDATE negotiation_policies SET body = ?, updated_at = ? WHERE tenant_id = ? AND creditor_id = ? AND claim_id = ?",
			mustJSON(p), now, tenantID, creditorID, claimID)
		if res.Error != nil {
			return translate("update policy", res.Error)
		}
		// The subject is the claim for an override, else the creditor.
		subject := creditorID
		if claimID != "" {
			subject = claimID
		}
		logged := map[string]any{"creditor_id": creditorID, "claim_id": claimID, "policy": p}
		if res.RowsAffected > 0 {
			return db.logAccount(ctx, tx, tenantID, portal.AccountPolicySet, subject, logged)
		}
		row := policyRow{ID: portal.NewID(now), TenantID: tenantID, CreditorID: creditorID, ClaimID: claimID, Body: mustJSON(p), UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return translate("create policy", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountPolicySet, subject, logged)
	})
}
