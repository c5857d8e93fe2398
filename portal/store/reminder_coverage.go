package store

import (
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// markReminded records inside tx that a first reminder went out on on by
// channel ("letter" or "email"): it becomes the claim's first reminder
// when the claim has none or a later one, and the first reminder of each
// of the claim's invoices already due that day (due_date before on) that
// has none or a later one. Dates only move earlier, never later: each debt
// falling due needs its own free first reminder (Book XIX), and the first
// one that covered it stays its first. Every path that sends or records a
// first reminder calls it (dates API, CSV import, letters, the reminder
// scheduler). The caller records the evidence event.
func markReminded(tx *gorm.DB, claimID string, on portal.Date, channel string, now time.Time) error {
	if on.IsZero() {
		return nil
	}
	if err := tx.Exec("UPDATE claims SET first_reminder_on = ?, first_reminder_channel = ?, updated_at = ? "+
		"WHERE id = ? AND (first_reminder_on IS NULL OR first_reminder_on > ?)",
		on, channel, timeUTC(now), claimID, on).Error; err != nil {
		return translate("record first reminder", err)
	}
	if err := tx.Exec("UPDATE invoices SET first_reminder_on = ?, first_reminder_channel = ? "+
		"WHERE claim_id = ? AND due_date < ? AND (first_reminder_on IS NULL OR first_reminder_on > ?)",
		on, channel, claimID, on, on).Error; err != nil {
		return translate("record first reminder of invoices", err)
	}
	return nil
}
