package store

import "time"

// TimeDashboardSteps has f told how long each step of every Dashboard
// took, until the returned function is called (BenchmarkDashboard).
func TimeDashboardSteps(f func(step string, took time.Duration)) (stop func()) {
	dashboardStepTimed = f
	return func() { dashboardStepTimed = nil }
}
