package store

import "context"

// SweepBreachesPaged is SweepBreaches reading page waits at a time (for
// the test of its pages in store_test).
func (db *DB) SweepBreachesPaged(ctx context.Context, page int) (int, error) {
	return db.sweepBreaches(ctx, page)
}
