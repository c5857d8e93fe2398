// Package breaches runs the sweep that records the breaches of response
// targets (issue 21) of the conversations still waiting past their
// answer's due time, so that the dashboard counts them though no console
// page showed them late. An answer that comes late records its own breach
// as it is stored; the sweep is for the waits nobody has answered yet. The
// recording itself is the store's (SweepBreaches), once per wait.
package breaches

import (
	"context"
	"log/slog"
	"time"

	"github.com/relais/relais/portal"
)

// LeaseName is the job lease: one instance sweeps at a time (a second
// one would record nothing more: a wait has one breach).
const LeaseName = "breaches"

// Store is what the job needs (portal/store implements it).
type Store interface {
	portal.Leases
	// SweepBreaches records the breaches of the waits past their due
	// time that have none yet, on the store's clock: how many it recorded.
	SweepBreaches(ctx context.Context) (int, error)
}

// Job records overdue waits' breaches every Interval under the lease.
type Job struct {
	Store Store
	Clock portal.Clock
	// Owner names this instance in the lease (host and pid).
	Owner string
	// Interval between runs (default 1 minute); LeaseTTL bounds a run
	// (default 2 minutes).
	Interval, LeaseTTL time.Duration
	Log                *slog.Logger
	// Health, when set, records every run for /healthz.
	Health *portal.JobHealth
}

// RunOnce records the breaches due now, if this instance gets the lease;
// ran is false when another instance holds it.
func (j *Job) RunOnce(ctx context.Context) (recorded int, ran bool, err error) {
	ttl := j.LeaseTTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	ran, err = portal.UnderLease(ctx, j.Store, LeaseName, j.Owner, ttl, j.Log, func() (err error) {
		recorded, err = j.Store.SweepBreaches(ctx)
		return err
	})
	return recorded, ran, err
}

// Run calls RunOnce every Interval until ctx ends.
func (j *Job) Run(ctx context.Context) {
	iv := j.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	portal.RunEvery(ctx, iv, j.Clock, j.Health, j.Log, "breaches job", func(ctx context.Context) ([]any, error) {
		n, _, err := j.RunOnce(ctx)
		if n == 0 {
			return nil, err
		}
		return []any{"recorded", n}, err
	})
}
