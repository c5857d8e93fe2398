package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

var _ portal.PlanManager = (*DB)(nil)

// HardshipMessage is the text of the system message that puts a hardship
// request before the agent: "plan.hardship|<kind>|<reason>", the reason
// as the debtor typed it (docs/protocol.md).
func HardshipMessage(h portal.Hardship) string {
	return "plan.hardship|" + h.Kind + "|" + h.Reason
}

// RequestHardship implements portal.PlanManager: in the claim's
// transaction the event (with what is left on the plan), the message in
// the conversation, which waits for an agent marked as a hardship.
func (db *DB) RequestHardship(ctx context.Context, tenantID, claimID string, h portal.Hardship) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var c struct {
			Status   string
			Currency string
		}
		if err := tx.Raw("SELECT status, currency FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&c).Error; err != nil {
			return translate("read claim", err)
		}
		if c.Status != string(portal.StatusInPlan) {
			return portal.Errorf(portal.ECONFLICT, "No plan is in force on this claim.")
		}
		var waiting int64
		if err := tx.Table("conversations").Where("tenant_id = ? AND claim_id = ? AND hardship_at IS NOT NULL", tenantID, claimID).Count(&waiting).Error; err != nil {
			return translate("read conversation", err)
		}
		if waiting > 0 {
			return portal.Errorf(portal.ECONFLICT, "Your request for a new plan is already with an agent.")
		}
		ins, err := scanInstalments(tx.Raw(instalmentSelect+"WHERE i.tenant_id = ? AND i.claim_id = ?", tenantID, claimID))
		if err != nil {
			return err
		}
		var rest int64
		for _, in := range ins {
			switch in.Status {
			case portal.InstalmentDue, portal.InstalmentProcessing, portal.InstalmentFailed, portal.InstalmentMissed:
				rest += max(0, in.Amount-in.Paid)
			}
		}
		now := db.Now()
		convID, err := db.tellConversation(ctx, tx, tenantID, claimID, "hardship:"+portal.NewID(now), HardshipMessage(h), true)
		if err != nil {
			return err
		}
		if err := tx.Exec("UPDATE conversations SET hardship_at = ? WHERE id = ?", timeUTC(now), convID).Error; err != nil {
			return translate("mark conversation", err)
		}
		_, err = db.appendEvent(ctx, tx, tenantID, claimID, portal.EventHardshipRequested, map[string]any{
			"reason_kind": h.Kind, "reason": h.Reason, "conversation_id": convID, "rest": rest, "currency": c.Currency,
		})
		return err
	})
}

// ChangePlanMethod implements portal.PlanManager. A failed instalment that
// waited for the debtor (no card, no mandate, a mandate ended, a bank
// asking to authenticate) is charged again the new way. The agreement's
// notice period is kept: a plan signed with none is announced 14 days
// ahead once debited.
func (db *DB) ChangePlanMethod(ctx context.Context, tenantID, claimID string, to portal.PlanPayment) (*portal.PlanMethodChange, error) {
	switch to.Method {
	case portal.MethodCard, portal.MethodTransfer:
		to.MandateVia = ""
	case portal.MethodSEPADebit:
		if to.MandateVia != portal.MandateViaSEPADebit && to.MandateVia != portal.MandateViaBancontact {
			return nil, portal.FieldError("method", "Unknown way to pay the plan.")
		}
	default:
		return nil, portal.FieldError("method", "Unknown way to pay the plan.")
	}
	var out *portal.PlanMethodChange
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var c struct{ Status, DebtorID string }
		if err := tx.Raw("SELECT status, debtor_id FROM claims WHERE id = ? AND tenant_id = ?", claimID, tenantID).Scan(&c).Error; err != nil {
			return translate("read claim", err)
		}
		if c.Status != string(portal.StatusInPlan) {
			return portal.Errorf(portal.ECONFLICT, "No plan is in force on this claim.")
		}
		ins, err := scanInstalments(tx.Raw(instalmentSelect+"WHERE i.tenant_id = ? AND i.claim_id = ? AND i.status IN ('due', 'failed', 'missed') ORDER BY i.due_on, i.seq",
			tenantID, claimID))
		if err != nil {
			return err
		}
		var ids []string
		from := ""
		for _, in := range ins {
			if in.Amount <= in.Paid {
				continue
			}
			if from == "" {
				from = in.Method
			}
			if in.Method != to.Method {
				ids = append(ids, in.ID)
			}
		}
		if from == "" {
			return portal.Errorf(portal.ECONFLICT, "Nothing is left to pay on this plan.")
		}
		if len(ids) == 0 {
			return portal.Errorf(portal.ECONFLICT, "Your plan is already paid this way.")
		}
		now := db.Now()
		if err := tx.Exec("UPDATE instalments SET method = ?, updated_at = ? WHERE id IN ?", to.Method, timeUTC(now), ids).Error; err != nil {
			return translate("change instalment method", err)
		}
		if err := tx.Exec("UPDATE instalment_charges SET last_code = '', updated_at = ? WHERE instalment_id IN ? AND last_code IN "+noCharge,
			timeUTC(now), ids).Error; err != nil {
			return translate("reset instalment charge", err)
		}
		out = &portal.PlanMethodChange{From: from, To: to.Method, Instalments: len(ids)}
		switch to.Method {
		case portal.MethodSEPADebit:
			var active int64
			if err := tx.Model(&mandateRow{}).Where("tenant_id = ? AND debtor_id = ? AND status = ?", tenantID, c.DebtorID, portal.MandateActive).
				Count(&active).Error; err != nil {
				return translate("find mandate", err)
			}
			out.MandateNeeded = active == 0
		case portal.MethodCard:
			var cu stripeCustomerRow
			if err := tx.Where("tenant_id = ? AND debtor_id = ?", tenantID, c.DebtorID).Limit(1).Find(&cu).Error; err != nil {
				return translate("find stripe customer", err)
			}
			out.CardNeeded = cu.PaymentMethod == ""
		}
		payload := map[string]any{"from": from, "to": to.Method, "instalments": len(ids), "mandate_needed": out.MandateNeeded, "card_needed": out.CardNeeded}
		if to.MandateVia != "" {
			payload["mandate_via"] = to.MandateVia
		}
		_, err = db.appendEvent(ctx, tx, tenantID, claimID, portal.EventPlanMethodChanged, payload)
		return err
	})
	return out, err
}
