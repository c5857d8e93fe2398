package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// Group commit of standalone events (issue 22): a page view must be
// durable before the page is sent, but a transaction per view makes every
// debtor wait for the single SQLite writer, or for a PostgreSQL commit of
// their own. Views that arrive while a commit is in flight queue up and go
// in the next transaction together: one lock of their claims, one read of
// their chain heads, one INSERT, one commit. Each caller waits for the
// commit that holds its event; when that commit fails, every caller in it
// gets the error and none of its events is stored.
//
// SQLite only. On PostgreSQL, measured on a quiet machine (issue 22,
// docs/performance.md), the claim page's SQL with one transaction per view
// ran at 1,679 sets/s against 1,004 grouped: PostgreSQL commits
// concurrent transactions side by side, and a group only makes each view
// wait for the slowest of its batch. There AppendEventGrouped is
// AppendEvent.

// Bounds of one group: a batch larger than this waits for the next
// transaction (the INSERT's parameters stay within both databases' limits).
const (
	groupMaxEvents = 256
	groupTimeout   = 10 * time.Second
)

// groupWriter queues standalone events and commits them in groups.
// One flusher goroutine runs while events are queued and ends when the
// queue is empty: nothing to start or stop with the DB, and one writer, as
// SQLite has.
type groupWriter struct {
	db *DB
	mu sync.Mutex
	// queue holds the events waiting for the next transaction.
	queue []*groupEvent
	// flushing is set while the flusher runs.
	flushing bool
	// hold, when set (tests), is waited for before each transaction, so
	// that the events queued meanwhile go into one group.
	hold chan struct{}
}

// groupEvent is one caller's event and where its result goes.
type groupEvent struct {
	tenantID, claimID string
	kind              portal.EventKind
	payload           any
	actor             portal.Actor
	// done receives the commit's outcome once (buffered: the flusher
	// never waits for a caller that gave up).
	done  chan error
	event *portal.Event
	// notFound: the claim is not the tenant's; the event was left out.
	notFound bool
}

// AppendEventGrouped records a standalone event like AppendEvent (same
// chain, same checks, durable when it returns nil), but in a transaction
// shared with the standalone events of other claims and sessions arriving
// at the same moment (SQLite; on PostgreSQL in a transaction of its own).
// ENOTFOUND for a claim that is not the tenant's.
func (db *DB) AppendEventGrouped(ctx context.Context, tenantID, claimID string, kind portal.EventKind, payload any) (*portal.Event, error) {
	if db.Dialect == Postgres {
		return db.AppendEvent(ctx, tenantID, claimID, kind, payload)
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("append event: unknown kind %q", kind)
	}
	if !portal.ValidID(claimID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	// The payload is encoded now: a value that cannot be must fail its own
	// caller, not the whole group.
	if payload == nil {
		payload = map[string]any{}
	}
	if _, err := portal.CanonicalJSON(payload); err != nil {
		return nil, fmt.Errorf("encode event payload: %w", err)
	}
	ge := &groupEvent{tenantID: tenantID, claimID: claimID, kind: kind, payload: payload,
		actor: portal.ActorFrom(ctx), done: make(chan error, 1)}
	db.group.enqueue(ge)
	select {
	case err := <-ge.done:
		if err != nil {
			return nil, err
		}
		return ge.event, nil
	case <-ctx.Done():
		// The event may still be committed; it is not acknowledged.
		return nil, translate("append event", ctx.Err())
	}
}

func (w *groupWriter) enqueue(ge *groupEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queue = append(w.queue, ge)
	if !w.flushing {
		w.flushing = true
		go w.flush()
	}
}

// flush commits queued events, a group at a time, until none is left.
func (w *groupWriter) flush() {
	for {
		if w.hold != nil {
			<-w.hold
		}
		w.mu.Lock()
		n := min(len(w.queue), groupMaxEvents)
		if n == 0 {
			w.flushing = false
			w.mu.Unlock()
			return
		}
		group := w.queue[:n:n]
		w.queue = append([]*groupEvent(nil), w.queue[n:]...)
		w.mu.Unlock()
		err := w.commit(group)
		// Acknowledged only now, after the commit.
		for _, ge := range group {
			switch {
			case err != nil:
				ge.event = nil
				ge.done <- err
			case ge.notFound:
				ge.event = nil
				ge.done <- portal.Errorf(portal.ENOTFOUND, "Claim not found.")
			default:
				ge.done <- nil
			}
		}
	}
}

// commit writes one group in one transaction. An event of a claim that is
// not its tenant's is left out and marked notFound; any other failure is
// the whole group's.
func (w *groupWriter) commit(group []*groupEvent) error {
	db := w.db
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	claimIDs := make([]string, 0, len(group))
	seen := map[string]bool{}
	for _, ge := range group {
		if !seen[ge.claimID] {
			seen[ge.claimID] = true
			claimIDs = append(claimIDs, ge.claimID)
		}
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		// The claims with their tenant, whether it has webhook endpoints,
		// and their chain heads (Hash is NULL for a claim without events).
		var claims []struct {
			ID, TenantID string
			Webhooks     bool
			Hash         *string
			Seq          int64
			At           timeUTC
		}
		// SQLite's write lock, taken at BEGIN, keeps the heads from moving
		// until the commit.
		if err := tx.Raw(`SELECT c.id, c.tenant_id, EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = c.tenant_id) AS webhooks,
			e.hash, COALESCE(e.seq, 0) AS seq, e.at FROM claims c LEFT JOIN events e ON e.claim_id = c.id
			AND e.seq = (SELECT MAX(h.seq) FROM events h WHERE h.claim_id = c.id) WHERE c.id IN ?`, claimIDs).Scan(&claims).Error; err != nil {
			return translate("read chain heads", err)
		}
		type chainHead struct {
			hash string
			seq  int64
			at   time.Time
		}
		tenantOf := map[string]string{}
		webhooks := map[string]bool{}
		chain := map[string]*chainHead{}
		for _, c := range claims {
			tenantOf[c.ID] = c.TenantID
			webhooks[c.TenantID] = webhooks[c.TenantID] || c.Webhooks
			h := &chainHead{hash: portal.GenesisHash}
			if c.Hash != nil {
				h = &chainHead{hash: *c.Hash, seq: c.Seq, at: c.At.Time()}
			}
			chain[c.ID] = h
		}
		now := db.Now()
		rows := make([]eventRow, 0, len(group))
		byTenant := map[string][]eventRow{}
		for _, ge := range group {
			if ge.notFound = tenantOf[ge.claimID] != ge.tenantID; ge.notFound {
				continue
			}
			h := chain[ge.claimID]
			// Never dated before the head (see appendEvent).
			at := now
			if at.Before(h.at) {
				at = h.at
			}
			row, e, err := newEventRow(portal.WithActor(ctx, ge.actor), ge.tenantID, ge.claimID, h.seq+1, h.hash, ge.kind, ge.payload, at)
			if err != nil {
				return err
			}
			h.hash, h.seq, h.at = e.Hash, e.Seq, at
			ge.event = e
			rows = append(rows, row)
			if webhooks[ge.tenantID] {
				byTenant[ge.tenantID] = append(byTenant[ge.tenantID], row)
			}
		}
		if len(rows) == 0 {
			return nil
		}
		// Rows of one claim are in chain order: the database's in-order
		// trigger sees each after the one before it.
		if err := tx.CreateInBatches(rows, db.batchRows()).Error; err != nil {
			return translate("append events", err)
		}
		for tenantID, rows := range byTenant {
			if err := db.enqueueWebhooks(tx, tenantID, rows...); err != nil {
				return err
			}
		}
		return nil
	})
}
