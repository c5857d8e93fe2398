package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// AppendEventThenFail appends an event in a transaction that fails after
// it, and returns how many deliveries of the event the transaction saw
// before it rolled back (for the outbox tests of store_test).
func (db *DB) AppendEventThenFail(ctx context.Context, tenantID, claimID string, kind portal.EventKind) (int64, error) {
	errOnPurpose := errors.New("rolled back on purpose")
	var seen int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		e, err := db.appendEvent(ctx, tx, tenantID, claimID, kind, map[string]any{"n": 1})
		if err != nil {
			return err
		}
		if err := tx.Raw("SELECT count(*) FROM webhook_deliveries WHERE event_id = ?", e.ID).Scan(&seen).Error; err != nil {
			return err
		}
		return errOnPurpose
	})
	if errors.Is(err, errOnPurpose) {
		err = nil
	}
	return seen, err
}
