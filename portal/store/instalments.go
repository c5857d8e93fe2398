package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// markInstalmentPaid marks an instalment paid when a card payment for it is
// recorded (the instalment plan is wired in a later step).
func (db *DB) markInstalmentPaid(ctx context.Context, tx *gorm.DB, tenantID, claimID, instalmentID string, p *portal.Payment) error {
	return nil
}
