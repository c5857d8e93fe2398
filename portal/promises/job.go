// Package promises runs the job that judges promises to pay once their
// date and grace have passed (issue 20): partly kept or broken, with the
// event, the agent told and the claim's reminders resumed. The judging
// itself is the store's (SweepPromises), one claim per transaction.
package promises

import (
	"context"
	"log/slog"
	"time"

	"github.com/relais/relais/portal"
)

// LeaseName is the job lease: one instance judges at a time.
const LeaseName = "promises"

// Store is what the job needs (portal/store implements it).
type Store interface {
	portal.Leases
	// SweepPromises judges the expected promises whose grace ended
	// before their tenant's today, on the store's clock.
	SweepPromises(ctx context.Context) (portal.PromiseReport, error)
}

// Job judges overdue promises every Interval under the lease.
type Job struct {
	Store Store
	Clock portal.Clock
	// Owner names this instance in the lease (host and pid).
	Owner string
	// Interval between runs (default 15 minutes); LeaseTTL bounds a run
	// (default 5 minutes).
	Interval, LeaseTTL time.Duration
	Log                *slog.Logger
	// Health, when set, records every run for /healthz.
	Health *portal.JobHealth
	// Announce, when set, tells the live chat windows and queue pages of
	// a claim whose conversation the run wrote to (the server's
	// AnnounceSystemMessage); without it they see it on their next load.
	Announce func(ctx context.Context, tenantID, claimID string)
}

// RunOnce judges what is overdue now, if this instance gets the lease;
// ran is false when another instance holds it.
func (j *Job) RunOnce(ctx context.Context) (rep portal.PromiseReport, ran bool, err error) {
	ttl := j.LeaseTTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	ran, err = portal.UnderLease(ctx, j.Store, LeaseName, j.Owner, ttl, j.Log, func() (err error) {
		rep, err = j.Store.SweepPromises(portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "promises"}))
		return err
	})
	if j.Announce != nil {
		for _, t := range rep.Told { // committed, even when a later promise failed
			j.Announce(ctx, t.TenantID, t.ClaimID)
		}
	}
	return rep, ran, err
}

// Run calls RunOnce every Interval until ctx ends.
func (j *Job) Run(ctx context.Context) {
	iv := j.Interval
	if iv <= 0 {
		iv = 15 * time.Minute
	}
	portal.RunEvery(ctx, iv, j.Clock, j.Health, j.Log, "promises job", func(ctx context.Context) ([]any, error) {
		rep, _, err := j.RunOnce(ctx)
		if rep.Broken+rep.PartlyKept == 0 {
			return nil, err
		}
		return []any{"broken", rep.Broken, "partly_kept", rep.PartlyKept}, err
	})
}
