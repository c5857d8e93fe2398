package store

import (
	"context"
	"time"

	"github.com/relais/relais/portal"
)

// TimeDashboardSteps has f told how long each step of every Dashboard
// took, until the returned function is called (BenchmarkDashboard).
func TimeDashboardSteps(f func(step string, took time.Duration)) (stop func()) {
	dashboardStepTimed = f
	return func() { dashboardStepTimed = nil }
}

// DashboardLive is Dashboard with every figure computed from the claims'
// rows: no claim_summaries, and the payments by channel and the response
// time from the payments, contacts and messages themselves, not from what
// migration 00130 records.
func (db *DB) DashboardLive(ctx context.Context, tenantID string, f portal.DashboardFilter) (*portal.Dashboard, error) {
	return db.dashboard(ctx, tenantID, f, true)
}

// RedoMigration applies the Down section of one migration, then its Up
// again (a backfill on the data already there).
func (db *DB) RedoMigration(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.ApplyVersion(ctx, version, false); err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, true)
	return err
}
