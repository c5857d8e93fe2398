// Package ratefeed keeps the interest rates of a running instance current
// and shared: it loads the rate lines recorded in the database on top of
// the embedded data (rules.Rates.SetOverlay), records the lines an
// operator enters or confirms, and derives the French L441-10 and Belgian
// law-of-2002 lines from the ECB's main refinancing rate (Update).
//
// Every instance reads the same table: Refresh notices a line another
// instance recorded and reloads, so a rate entered once applies
// everywhere without a restart.
package ratefeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// Fetcher returns the ECB main refinancing rate observations from since
// on and the URL they came from (ecb.Client).
type Fetcher interface {
	Fetch(ctx context.Context, since portal.Date) ([]rules.ECBObservation, string, error)
}

// Leaser lets one instance at a time run the update.
type Leaser = portal.Leases

// Service loads and records rate lines.
type Service struct {
	Rates *rules.Rates
	Store portal.RateLineStore
	// ECB fetches the observations; nil disables Update.
	ECB   Fetcher
	Clock portal.Clock
	Zone  *time.Location
	// Since is the first day the update derives lines for (default
	// 2022-01-01: the claims still within prescription).
	Since portal.Date
	Log   *slog.Logger

	mu      sync.Mutex
	version string
}

// DefaultSince is the first half-year the update derives.
var DefaultSince = portal.Date{Year: 2022, Month: time.January, Day: 1}

func (s *Service) today() portal.Date {
	z := s.Zone
	if z == nil {
		z = portal.Zone()
	}
	return portal.DateOf(s.Clock.Now().In(z))
}

// Reload reads every recorded line and makes it the overlay of Rates.
func (s *Service) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked(ctx)
}

func (s *Service) reloadLocked(ctx context.Context) error {
	// The version is read first: a line added between the two reads is
	// loaded now and seen again at the next Refresh, never missed.
	v, err := s.Store.RateLinesVersion(ctx)
	if err != nil {
		return err
	}
	lines, err := s.Store.RateLines(ctx)
	if err != nil {
		return err
	}
	periods := make([]rules.Period, len(lines))
	for i, l := range lines {
		periods[i] = periodOf(l)
	}
	if err := s.Rates.SetOverlay(periods); err != nil {
		return err
	}
	s.version = v
	return nil
}

// Refresh reloads when another instance (or the CLI) recorded a line since
// the last load; it reports whether it did.
func (s *Service) Refresh(ctx context.Context) (bool, error) {
	v, err := s.Store.RateLinesVersion(ctx)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v == s.version {
		return false, nil
	}
	return true, s.reloadLocked(ctx)
}

func periodOf(l portal.RateLine) rules.Period {
	return rules.Period{Series: l.Series, From: l.From, To: l.To, RateBP: l.RateBP, Status: rules.Status(l.Status),
		Source: l.Source, Origin: "database"}
}

// Entry is a line an operator enters: To may be zero (the end of the
// series' usual period: the half-year, or the year of be_civil_legal),
// Status defaults to confirmed.
type Entry struct {
	Series   string
	From, To portal.Date
	RateBP   int64
	Status   rules.Status
	Source   string
}

// Set records an operator's line after checking it, and loads it. The
// actor in ctx is recorded as its author. Nothing is recorded when the
// line is refused.
func (s *Service) Set(ctx context.Context, e Entry) (portal.RateLine, error) {
	if e.To.IsZero() && !e.From.IsZero() {
		e.To = rules.DefaultPeriodEnd(e.Series, e.From)
	}
	if e.Status == "" {
		e.Status = rules.StatusConfirmed
	}
	if e.Status == rules.StatusDerived {
		return portal.RateLine{}, portal.FieldError("status", "an operator's line is confirmed (checked against the publication) or likely, not derived")
	}
	p := rules.Period{Series: e.Series, From: e.From, To: e.To, RateBP: e.RateBP, Status: e.Status, Source: e.Source}
	if err := p.Check(); err != nil {
		return portal.RateLine{}, err
	}
	a := portal.ActorFrom(ctx)
	l := portal.RateLine{Series: p.Series, From: p.From, To: p.To, RateBP: p.RateBP, Status: string(p.Status), Source: p.Source,
		Origin: portal.RateOriginOperator, RecordedBy: recordedBy(a), TenantID: a.TenantID}
	lines := []portal.RateLine{l}
	if err := s.record(ctx, lines); err != nil {
		return portal.RateLine{}, err
	}
	return lines[0], nil
}

// Confirm records, as confirmed, the line in force for series on from
// with the same days and rate, citing the publication it was checked
// against.
func (s *Service) Confirm(ctx context.Context, series string, from portal.Date, source string) (portal.RateLine, error) {
	cur, err := s.Rates.Rate(series, from)
	if err != nil {
		return portal.RateLine{}, err
	}
	if cur.From != from {
		return portal.RateLine{}, portal.FieldError("from", "the %s line in force on %s starts on %s: confirm it from that day", series, from, cur.From)
	}
	return s.Set(ctx, Entry{Series: series, From: cur.From, To: cur.To, RateBP: cur.RateBP, Status: rules.StatusConfirmed, Source: source})
}

// record stores lines (AddRateLines sets their ID and time) and loads
// them.
func (s *Service) record(ctx context.Context, lines []portal.RateLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Store.AddRateLines(ctx, lines); err != nil {
		return err
	}
	return s.reloadLocked(ctx)
}

func recordedBy(a portal.Actor) string {
	if a.Kind == portal.ActorSystem {
		return a.ID
	}
	return string(a.Kind) + ":" + a.ID
}

// UpdateReport says what an update did.
type UpdateReport struct {
	// Source is the URL the observations came from.
	Source string
	// Observations is how many days the answer held.
	Observations int
	// Added are the lines recorded.
	Added []rules.Period
	// Conflicts are derived rates that disagree with a line a person
	// entered or confirmed; those lines were kept.
	Conflicts []string
}

// ErrNoFetcher is returned by Update when no ECB client is configured.
var ErrNoFetcher = errors.New("ratefeed: no ECB client configured")

// Update fetches the ECB rate, derives the lines of every half-year since
// Since that has started, and records those that are new or that revise a
// derived line. A failure (network, bad answer) records nothing.
func (s *Service) Update(ctx context.Context) (UpdateReport, error) {
	var rep UpdateReport
	if s.ECB == nil {
		return rep, ErrNoFetcher
	}
	since := s.Since
	if since.IsZero() {
		since = DefaultSince
	}
	// From a year before since: the rate in force on since was set by an
	// earlier operation, and the derivation needs that observation.
	obs, src, err := s.ECB.Fetch(ctx, since.AddDays(-400))
	rep.Source, rep.Observations = src, len(obs)
	if err != nil {
		return rep, err
	}
	derived := rules.DeriveFromECB(obs, since, s.today(), src)
	rep.Added, rep.Conflicts = s.Rates.Diff(derived)
	if len(rep.Added) == 0 {
		return rep, nil
	}
	lines := make([]portal.RateLine, len(rep.Added))
	for i, p := range rep.Added {
		lines[i] = portal.RateLine{Series: p.Series, From: p.From, To: p.To, RateBP: p.RateBP, Status: string(p.Status), Source: p.Source,
			Origin: portal.RateOriginECB, RecordedBy: "system:rates-update"}
	}
	return rep, s.record(ctx, lines)
}

// Scheduler runs Update once a day on one instance at a time and Refresh
// on every instance.
type Scheduler struct {
	Feed   *Service
	Leases Leaser
	// Owner names this instance in the lease.
	Owner string
	// Every is the time between successful updates (default 24 h);
	// failures are retried sooner, with a growing, jittered delay
	// (RetryMin doubling up to Every; default 5 minutes).
	Every, RetryMin time.Duration
	// RefreshEvery is how often this instance looks for lines recorded by
	// another (default 30 s); 0 uses the default, a negative value turns
	// it off.
	RefreshEvery time.Duration
	// Update off: only Refresh runs (the --rates-update=off flag).
	NoUpdate bool
	Health   *portal.JobHealth
	Log      *slog.Logger
}

// leaseName is the lease that lets one instance at a time update.
const leaseName = "rates_update"

// RunUpdateOnce takes the lease and runs one update; ok is false when
// another instance holds the lease.
func (sc *Scheduler) RunUpdateOnce(ctx context.Context) (rep UpdateReport, ok bool, err error) {
	ok, err = portal.UnderLease(ctx, sc.Leases, leaseName, sc.Owner, 10*time.Minute, sc.Log, func() (err error) {
		rep, err = sc.Feed.Update(ctx)
		return err
	})
	return rep, ok, err
}

// Run runs until ctx ends.
func (sc *Scheduler) Run(ctx context.Context) {
	every, retry := sc.Every, sc.RetryMin
	if every <= 0 {
		every = 24 * time.Hour
	}
	if retry <= 0 {
		retry = 5 * time.Minute
	}
	refresh := sc.RefreshEvery
	if refresh == 0 {
		refresh = 30 * time.Second
	}
	var refreshC <-chan time.Time
	if refresh > 0 {
		t := time.NewTicker(refresh)
		defer t.Stop()
		refreshC = t.C
	}
	var updateC <-chan time.Time
	var timer *time.Timer
	if !sc.NoUpdate && sc.Feed.ECB != nil {
		timer = time.NewTimer(0)
		defer timer.Stop()
		updateC = timer.C
	}
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-refreshC:
			if _, err := sc.Feed.Refresh(ctx); err != nil && ctx.Err() == nil {
				sc.log().WarnContext(ctx, "rates refresh failed", "err", err)
			}
		case <-updateC:
			rep, ran, err := sc.RunUpdateOnce(ctx)
			if ctx.Err() != nil {
				return
			}
			next := every
			switch {
			case err != nil:
				failures++
				next = portal.Backoff(retry, every, failures)
				sc.log().WarnContext(ctx, "rates update failed; nothing changed", "err", err, "source", rep.Source, "retry_in", next.String())
			case ran:
				failures = 0
				sc.log().InfoContext(ctx, "rates update", "source", rep.Source, "observations", rep.Observations,
					"added", len(rep.Added), "conflicts", len(rep.Conflicts))
				for _, c := range rep.Conflicts {
					sc.log().WarnContext(ctx, "rates update conflict", "conflict", c)
				}
			default:
				// Another instance holds the lease: try again in a while.
				next = retry
			}
			if ran || err != nil {
				sc.Health.Record(time.Now(), err)
			}
			timer.Reset(next)
		}
	}
}

func (sc *Scheduler) log() *slog.Logger {
	if sc.Log != nil {
		return sc.Log
	}
	return slog.Default()
}

// String describes a line for logs and the CLI.
func String(l portal.RateLine) string {
	return fmt.Sprintf("%s %s..%s %s %% %s (%s, by %s at %s): %s", l.Series, l.From, l.To.AddDays(-1), rules.FormatRate(l.RateBP),
		l.Status, l.Origin, l.RecordedBy, l.RecordedAt.UTC().Format(time.RFC3339), l.Source)
}
