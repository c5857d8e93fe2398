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
		ins, err := db.listInstalments(ctx, tenantID, claimID)
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
