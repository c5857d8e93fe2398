package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

// eventRow is the events table; portal.Event nests the actor.
type eventRow struct {
	ID          string
	TenantID    string
	ClaimID     string
	Seq         int64
	At          timeUTC
	Kind        string
	ActorKind   string
	ActorID     string
	IP          string
	UserAgent   string
	Payload     *string
	PayloadHash string
	PrevHash    string
	Hash        string
}

func (eventRow) TableName() string { return "events" }

func (r *eventRow) toEvent() *portal.Event {
	e := &portal.Event{
		ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, Seq: r.Seq, At: r.At.Time(), Kind: portal.EventKind(r.Kind),
		Actor:       portal.Actor{Kind: portal.ActorKind(r.ActorKind), ID: r.ActorID, IP: r.IP, UserAgent: r.UserAgent},
		PayloadHash: r.PayloadHash, PrevHash: r.PrevHash, Hash: r.Hash,
	}
	if r.Payload != nil {
		e.Payload = *r.Payload
	}
	return e
}

// appendEvent adds an event to a claim's chain inside tx, the transaction of
// the change it records. Appends to one claim are serialised: on PostgreSQL
// by a row lock on the claim, on SQLite by the write lock every transaction
// takes at BEGIN; the unique (claim_id, seq) index is the last guard.
func (db *DB) appendEvent(ctx context.Context, tx *gorm.DB, tenantID, claimID string, kind portal.EventKind, payload any) (*portal.Event, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("append event: unknown kind %q", kind)
	}
	if db.Dialect == Postgres {
		var id string
		if err := tx.Raw("SELECT id FROM claims WHERE id = ? AND tenant_id = ? FOR UPDATE", claimID, tenantID).Scan(&id).Error; err != nil {
			return nil, translate("lock claim", err)
		}
		if id == "" {
			return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
		}
	}
	// The chain head, and (issue 19) whether the tenant has webhook
	// endpoints: asked here so that a tenant without any pays no query.
	var head struct {
		ID, Hash string
		Seq      int64
		At       timeUTC
		Webhooks bool
	}
	err := tx.Raw(`SELECT e.id, e.hash, e.seq, e.at, EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = ?) AS webhooks
		FROM events e WHERE e.claim_id = ? ORDER BY e.seq DESC LIMIT 1`, tenantID, claimID).Scan(&head).Error
	if err != nil {
		return nil, translate("read chain head", err)
	}
	prev, seq := portal.GenesisHash, int64(1)
	if head.ID != "" {
		prev, seq = head.Hash, head.Seq+1
	}
	// Never dated before the head: another instance's clock may be a few
	// milliseconds ahead, and the database refuses an event that goes back
	// in time.
	now := db.Now()
	if head.ID != "" && now.Before(head.At.Time()) {
		now = head.At.Time()
	}
	row, e, err := newEventRow(ctx, tenantID, claimID, seq, prev, kind, payload, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Create(&row).Error; err != nil {
		return nil, translate("append event", err)
	}
	// Webhooks (issue 19, portal/store/webhooks.go): the deliveries of
	// this event to the tenant's endpoints, in this same transaction.
	if head.Webhooks || head.ID == "" {
		if err := db.enqueueWebhooks(tx, tenantID, row); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// newEventRow builds the event that follows prev at seq on a claim's
// chain, with the actor of ctx, and its hash.
func newEventRow(ctx context.Context, tenantID, claimID string, seq int64, prev string, kind portal.EventKind, payload any, now time.Time) (eventRow, *portal.Event, error) {
	if payload == nil {
		payload = map[string]any{}
	}
	body, err := portal.CanonicalJSON(payload)
	if err != nil {
		return eventRow{}, nil, fmt.Errorf("encode event payload: %w", err)
	}
	actor := portal.ActorFrom(ctx)
	// Invalid UTF-8 (a forged user agent) would not survive the JSON round
	// trip of an evidence bundle, and the event could then not be verified.
	for _, s := range []*string{&actor.ID, &actor.IP, &actor.UserAgent} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
	}
	e := &portal.Event{
		ID: portal.NewID(now), TenantID: tenantID, ClaimID: claimID, Seq: seq, At: now, Kind: kind,
		Actor: actor, Payload: string(body), PayloadHash: portal.SHA256Hex(body), PrevHash: prev,
	}
	e.Hash = e.ComputeHash()
	p := e.Payload
	row := eventRow{
		ID: e.ID, TenantID: tenantID, ClaimID: claimID, Seq: seq, At: timeUTC(now), Kind: string(kind),
		ActorKind: string(e.Actor.Kind), ActorID: e.Actor.ID, IP: e.Actor.IP, UserAgent: e.Actor.UserAgent,
		Payload: &p, PayloadHash: e.PayloadHash, PrevHash: prev, Hash: e.Hash,
	}
	return row, e, nil
}

// AppendEvent records an event on its own (a page view, an identity check)
// in a transaction of its own.
func (db *DB) AppendEvent(ctx context.Context, tenantID, claimID string, kind portal.EventKind, payload any) (*portal.Event, error) {
	var e *portal.Event
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		e, err = db.appendEvent(ctx, tx, tenantID, claimID, kind, payload)
		return err
	})
	return e, err
}

// ListEvents implements portal.EventLog.
func (db *DB) ListEvents(ctx context.Context, tenantID, claimID string, after int64, limit int) ([]*portal.Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	var rows []eventRow
	err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ? AND seq > ?", tenantID, claimID, after).
		Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, translate("list events", err)
	}
	out := make([]*portal.Event, len(rows))
	for i := range rows {
		out[i] = rows[i].toEvent()
	}
	return out, nil
}

// allEvents returns every event of a claim in chain order, read a page of
// ListEvents' largest size at a time.
func (db *DB) allEvents(ctx context.Context, tenantID, claimID string) ([]*portal.Event, error) {
	var events []*portal.Event
	for after := int64(0); ; {
		page, err := db.ListEvents(ctx, tenantID, claimID, after, 10000)
		if err != nil {
			return nil, err
		}
		events = append(events, page...)
		if len(page) < 10000 {
			return events, nil
		}
		after = page[len(page)-1].Seq
	}
}

// LastEvent returns a claim's chain head, nil when it has no event.
func (db *DB) LastEvent(ctx context.Context, tenantID, claimID string) (*portal.Event, error) {
	var rows []eventRow
	err := db.conn(ctx).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("seq DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, translate("read chain head", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].toEvent(), nil
}

// erasePayloads removes the payload of every event of a claim, inside tx
// (the purge of a claim's personal data, ErasePersonalData, which marks the
// claim erased first). The events, their payload hashes and the chain stay,
// so the chain still verifies; the database triggers allow this one update
// on events, on a claim marked erased only, and refuse every other. It
// returns how many payloads it erased.
func erasePayloads(tx *gorm.DB, tenantID, claimID string) (int, error) {
	res := tx.Exec("UPDATE events SET payload = NULL WHERE tenant_id = ? AND claim_id = ? AND payload IS NOT NULL", tenantID, claimID)
	if res.Error != nil {
		return 0, translate("erase event payloads", res.Error)
	}
	return int(res.RowsAffected), nil
}

var _ portal.EventLog = (*DB)(nil)
