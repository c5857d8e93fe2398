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

// DashboardLive is Dashboard with every per-claim sum read from the
// claims' rows, never from claim_summaries (the equality tests).
func DashboardLive(ctx context.Context, db *DB, tenantID string, f portal.DashboardFilter) (*portal.Dashboard, error) {
	return db.dashboard(ctx, tenantID, f, true)
}
