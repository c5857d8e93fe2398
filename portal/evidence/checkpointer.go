package evidence

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/relais/relais/portal"
)

// CheckpointRecord is a checkpoint made, as the database keeps it: to know
// when the next is due, and as the body of its webhook deliveries. The
// database's copy proves nothing (whoever rewrites the chains can rewrite
// it); the creditor's and the file's do.
type CheckpointRecord struct {
	ID       string
	TenantID string
	At       time.Time
	TreeSize int64
	Root     string
	// Body is the checkpoint file.
	Body []byte
}

// CheckpointStore is what the Checkpointer reads and writes.
type CheckpointStore interface {
	portal.ChainHeadLister
	// TenantIDs lists every tenant.
	TenantIDs(ctx context.Context) ([]string, error)
	// RecordCheckpoint keeps a checkpoint and queues its delivery (kind
	// checkpoint.signed) to the tenant's webhook endpoints that want it,
	// in one transaction.
	RecordCheckpoint(ctx context.Context, r CheckpointRecord) error
	// LastCheckpoints returns the time of each tenant's latest checkpoint
	// (tenants without one are absent).
	LastCheckpoints(ctx context.Context) (map[string]time.Time, error)
}

// Leaser lets one instance at a time make the checkpoints (the store's
// job leases).
type Leaser = portal.Leases

// Checkpointer makes the checkpoints: for each tenant, its chain heads
// signed, written to a file in Dir (outside the database) and recorded,
// which sends them to the tenant's webhook endpoints.
type Checkpointer struct {
	Store  CheckpointStore
	Leases Leaser
	Signer *Signer
	Clock  portal.Clock
	// Dir receives one directory per tenant, Dir/<tenant id>/, holding
	// checkpoint-<time>.json files.
	Dir string
	// Owner names this instance in the lease.
	Owner string
	// Every is the time between two checkpoints of a tenant (default
	// 24 h); failures are retried sooner (RetryMin, default 5 minutes,
	// doubling up to Every).
	Every, RetryMin time.Duration
	Health          *portal.JobHealth
	Log             *slog.Logger
}

// leaseCheckpoint is the lease that lets one instance at a time make
// checkpoints.
const leaseCheckpoint = "evidence_checkpoint"

// Written is one checkpoint made.
type Written struct {
	TenantID string
	Path     string
	Claims   int64
	Root     string
}

// CheckpointFile is where a checkpoint of tenantID made at at is written.
func CheckpointFile(dir, tenantID string, at time.Time) string {
	return filepath.Join(dir, tenantID, "checkpoint-"+at.UTC().Format("20060102T150405.000000Z")+".json")
}

// Make makes a checkpoint of one tenant now: the heads are read in one
// statement, signed, written to the tenant's file (synced, then renamed
// into place) and then recorded, so that what creditors receive is
// always on disk too.
func (c *Checkpointer) Make(ctx context.Context, tenantID string) (Written, error) {
	at := portal.NormalizeEventTime(c.Clock.Now())
	heads, err := c.Store.ChainHeads(ctx, tenantID)
	if err != nil {
		return Written{}, err
	}
	cp, err := NewCheckpoint(tenantID, at, heads, c.Signer)
	if err != nil {
		return Written{}, err
	}
	body := cp.Marshal()
	path := CheckpointFile(c.Dir, tenantID, at)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return Written{}, fmt.Errorf("checkpoint directory: %w", err)
	}
	tmp, err := writeTemp(path, body, 0o640)
	if err != nil {
		return Written{}, fmt.Errorf("write checkpoint: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return Written{}, fmt.Errorf("write checkpoint: %w", err)
	}
	syncDir(filepath.Dir(path))
	rec := CheckpointRecord{ID: portal.NewID(at), TenantID: tenantID, At: at, TreeSize: cp.TreeSize, Root: cp.Root, Body: body}
	if err := c.Store.RecordCheckpoint(ctx, rec); err != nil {
		return Written{}, fmt.Errorf("record the checkpoint written to %s: %w", path, err)
	}
	return Written{TenantID: tenantID, Path: path, Claims: cp.TreeSize, Root: cp.Root}, nil
}

// MakeDue makes the checkpoint of every tenant whose last one is Every
// old or more (all of them when force), one tenant after the other; a
// failed tenant does not stop the others, and the first error is
// returned.
func (c *Checkpointer) MakeDue(ctx context.Context, force bool) ([]Written, error) {
	ids, err := c.Store.TenantIDs(ctx)
	if err != nil {
		return nil, err
	}
	last := map[string]time.Time{}
	if !force {
		if last, err = c.Store.LastCheckpoints(ctx); err != nil {
			return nil, err
		}
	}
	now := c.Clock.Now()
	var out []Written
	var first error
	for _, id := range ids {
		if t, ok := last[id]; ok && now.Sub(t) < c.every()-time.Minute {
			continue
		}
		w, err := c.Make(ctx, id)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("checkpoint of tenant %s: %w", id, err)
			}
			continue
		}
		out = append(out, w)
	}
	return out, first
}

func (c *Checkpointer) every() time.Duration {
	if c.Every > 0 {
		return c.Every
	}
	return 24 * time.Hour
}

// RunOnce takes the lease and makes the checkpoints due; ran is false
// when another instance holds the lease.
func (c *Checkpointer) RunOnce(ctx context.Context) (ws []Written, ran bool, err error) {
	ran, err = portal.UnderLease(ctx, c.Leases, leaseCheckpoint, c.Owner, 30*time.Minute, c.Log, func() (err error) {
		ws, err = c.MakeDue(ctx, false)
		return err
	})
	return ws, ran, err
}

// Run makes the checkpoints due until ctx ends: it looks at start, then
// every hour (or every Every when shorter).
func (c *Checkpointer) Run(ctx context.Context) {
	poll := min(c.every(), time.Hour)
	retry := c.RetryMin
	if retry <= 0 {
		retry = 5 * time.Minute
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		ws, ran, err := c.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		next := poll
		for _, w := range ws {
			c.log().InfoContext(ctx, "evidence checkpoint signed", "tenant_id", w.TenantID, "claims", w.Claims, "root", w.Root, "file", w.Path)
		}
		if err != nil {
			failures++
			next = portal.Backoff(retry, poll, failures)
			c.log().WarnContext(ctx, "evidence checkpoint failed", "err", err, "retry_in", next.String())
		} else {
			failures = 0
		}
		if ran || err != nil {
			c.Health.Record(time.Now(), err)
		}
		timer.Reset(next)
	}
}

func (c *Checkpointer) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}
