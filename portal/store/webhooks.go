package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/webhooks"
)

// Signed outbound webhooks (issue 19): a tenant's endpoints, and the
// outbox of deliveries that appendEvent fills in the event's transaction
// (enqueueWebhooks) and the webhooks.Worker empties.

var (
	_ webhooks.EndpointStore = (*DB)(nil)
	_ webhooks.Store         = (*DB)(nil)
)

type webhookEndpointRow struct {
	ID          string
	TenantID    string
	URL         string
	Kinds       string
	Description string
	// Secret is the HMAC key of the deliveries: Relais needs it to sign,
	// so it is kept as generated (see docs/security.md).
	Secret    string
	CreatedAt timeUTC
}

func (webhookEndpointRow) TableName() string { return "webhook_endpoints" }

func (r *webhookEndpointRow) toEndpoint() *webhooks.Endpoint {
	e := &webhooks.Endpoint{ID: r.ID, TenantID: r.TenantID, URL: r.URL, Description: r.Description,
		CreatedAt: r.CreatedAt.Time(), Kinds: []portal.EventKind{}}
	for _, k := range strings.Split(r.Kinds, ",") {
		if k != "" {
			e.Kinds = append(e.Kinds, portal.EventKind(k))
		}
	}
	return e
}

type webhookDeliveryRow struct {
	ID            string
	EndpointID    string
	EventID       string
	TenantID      string
	ClaimID       string
	Seq           int64
	Kind          string
	Status        string
	Attempts      int
	NextAttemptAt timeUTC
	LockedBy      string
	LockedUntil   *timeUTC
	LastAttemptAt *timeUTC
	LastStatus    int
	LastError     string
	DeliveredAt   *timeUTC
	CreatedAt     timeUTC
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

// CreateWebhookEndpoint implements webhooks.EndpointStore.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, tenantID string, in webhooks.EndpointInput) (*webhooks.Endpoint, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	kinds := make([]string, len(in.Kinds))
	for i, k := range in.Kinds {
		kinds[i] = string(k)
	}
	now := db.Now()
	row := webhookEndpointRow{ID: portal.NewID(now), TenantID: tenantID, URL: in.URL, Kinds: strings.Join(kinds, ","),
		Description: in.Description, Secret: webhooks.NewSecret(), CreatedAt: timeUTC(now)}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&webhookEndpointRow{}).Where("tenant_id = ?", tenantID).Count(&n).Error; err != nil {
			return translate("count webhook endpoints", err)
		}
		if n >= webhooks.MaxEndpoints {
			return portal.Errorf(portal.ECONFLICT, "This account already has %d webhook endpoints, the most it may have: delete one first.", n)
		}
		return translate("create webhook endpoint", tx.Create(&row).Error)
	})
	if err != nil {
		return nil, err
	}
	e := row.toEndpoint()
	e.Secret = row.Secret
	return e, nil
}

// ListWebhookEndpoints implements webhooks.EndpointStore: oldest first,
// without their secrets.
func (db *DB) ListWebhookEndpoints(ctx context.Context, tenantID string) ([]*webhooks.Endpoint, error) {
	var rows []webhookEndpointRow
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("list webhook endpoints", err)
	}
	out := make([]*webhooks.Endpoint, len(rows))
	for i := range rows {
		out[i] = rows[i].toEndpoint()
	}
	return out, nil
}

// DeleteWebhookEndpoint implements webhooks.EndpointStore; its
// deliveries go with it (ON DELETE CASCADE).
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error {
	res := db.conn(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&webhookEndpointRow{})
	if res.Error != nil {
		return translate("delete webhook endpoint", res.Error)
	}
	if res.RowsAffected == 0 {
		return portal.Errorf(portal.ENOTFOUND, "No such webhook endpoint.")
	}
	return nil
}

// enqueueWebhooks writes, inside tx (the transaction of the events), one
// delivery of each event to each endpoint of the tenant that wants its
// kind, so that the deliveries commit or roll back with the events.
// appendEvent calls it only when its chain head read found the tenant has
// endpoints; otherwise it costs one indexed query.
func (db *DB) enqueueWebhooks(tx *gorm.DB, tenantID string, events ...eventRow) error {
	if len(events) == 0 {
		return nil
	}
	var eps []struct{ ID, Kinds string }
	if err := tx.Raw("SELECT id, kinds FROM webhook_endpoints WHERE tenant_id = ?", tenantID).Scan(&eps).Error; err != nil {
		return translate("find webhook endpoints", err)
	}
	if len(eps) == 0 {
		return nil
	}
	now := db.Now()
	var rows []webhookDeliveryRow
	for _, ep := range eps {
		for _, e := range events {
			if !wantsKind(ep.Kinds, e.Kind) {
				continue
			}
			rows = append(rows, webhookDeliveryRow{ID: portal.NewID(now), EndpointID: ep.ID, EventID: e.ID, TenantID: tenantID,
				ClaimID: e.ClaimID, Seq: e.Seq, Kind: e.Kind, Status: string(webhooks.Retry), NextAttemptAt: e.At, CreatedAt: e.At})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return translate("enqueue webhook deliveries", tx.CreateInBatches(rows, db.batchRows()).Error)
}

// wantsKind reports whether an endpoint's kinds (comma-separated, empty:
// every kind) hold kind.
func wantsKind(kinds, kind string) bool {
	return kinds == "" || strings.Contains(","+kinds+",", ","+kind+",")
}

// ClaimWebhookDeliveries implements webhooks.Store. Only the first pending
// delivery of each claim and endpoint is due, which keeps a claim's
// deliveries in seq order; on PostgreSQL the rows are taken with FOR
// UPDATE SKIP LOCKED, so instances polling at once take different ones,
// and the lease keeps them while they are sent outside any transaction.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*webhooks.Delivery, error) {
	var out []*webhooks.Delivery
	err := db.tx(ctx, func(tx *gorm.DB) error {
		q := `SELECT d.id FROM webhook_deliveries d
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.locked_until IS NULL OR d.locked_until <= ?)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.claim_id = d.claim_id
				AND p.status = 'pending' AND p.seq < d.seq)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`
		if db.Dialect == Postgres {
			q += " FOR UPDATE OF d SKIP LOCKED"
		}
		var ids []string
		if err := tx.Raw(q, timeUTC(now), timeUTC(now), limit).Scan(&ids).Error; err != nil {
			return translate("find due webhook deliveries", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Exec("UPDATE webhook_deliveries SET locked_by = ?, locked_until = ? WHERE id IN ?",
			owner, timeUTC(now.Add(lease)), ids).Error; err != nil {
			return translate("lease webhook deliveries", err)
		}
		var rows []struct {
			ID, EndpointID, EventID, Kind, URL, Secret string
			Attempts                                   int
			CreatedAt                                  timeUTC
		}
		if err := tx.Raw(`SELECT d.id, d.endpoint_id, d.event_id, d.kind, w.url, w.secret, d.attempts, d.created_at
			FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id IN ? ORDER BY d.next_attempt_at, d.id`, ids).
			Scan(&rows).Error; err != nil {
			return translate("read webhook deliveries", err)
		}
		// A checkpoint's delivery (issue 26.6) carries the checkpoint,
		// not an event.
		var eventIDs, checkpointIDs []string
		for _, r := range rows {
			if r.Kind == string(webhooks.KindCheckpointSigned) {
				checkpointIDs = append(checkpointIDs, r.EventID)
			} else {
				eventIDs = append(eventIDs, r.EventID)
			}
		}
		checkpoints, err := checkpointBodies(tx, checkpointIDs)
		if err != nil {
			return err
		}
		var evs []eventRow
		if len(eventIDs) > 0 {
			if err := tx.Where("id IN ?", eventIDs).Find(&evs).Error; err != nil {
				return translate("read webhook events", err)
			}
		}
		byID := make(map[string]*portal.Event, len(evs))
		for i := range evs {
			byID[evs[i].ID] = evs[i].toEvent()
		}
		for _, r := range rows {
			if body, ok := checkpoints[r.EventID]; ok && r.Kind == string(webhooks.KindCheckpointSigned) {
				out = append(out, &webhooks.Delivery{ID: r.ID, EndpointID: r.EndpointID, URL: r.URL, Secret: r.Secret,
					Attempts: r.Attempts, CreatedAt: r.CreatedAt.Time(), EventID: r.EventID, Body: body})
				continue
			}
			e := byID[r.EventID]
			if e == nil {
				continue
			}
			out = append(out, &webhooks.Delivery{ID: r.ID, EndpointID: r.EndpointID, URL: r.URL, Secret: r.Secret,
				Attempts: r.Attempts, CreatedAt: r.CreatedAt.Time(), Event: e})
		}
		return nil
	})
	return out, err
}

// RecordWebhookAttempt implements webhooks.Store.
func (db *DB) RecordWebhookAttempt(ctx context.Context, id, owner string, a webhooks.Attempt) error {
	at := timeUTC(a.At)
	upd := map[string]any{
		"status": string(a.Outcome), "attempts": gorm.Expr("attempts + 1"), "last_attempt_at": at,
		"last_status": a.Status, "last_error": truncateText(a.Error, 500), "locked_by": "", "locked_until": nil,
	}
	switch a.Outcome {
	case webhooks.Delivered:
		upd["delivered_at"] = at
	case webhooks.Retry:
		upd["next_attempt_at"] = timeUTC(a.Next)
	}
	err := db.conn(ctx).Model(&webhookDeliveryRow{}).Where("id = ? AND locked_by = ? AND status = 'pending'", id, owner).Updates(upd).Error
	return translate("record webhook attempt", err)
}

// PurgeWebhookDeliveries implements webhooks.Store.
func (db *DB) PurgeWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res := db.conn(ctx).Exec("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?", timeUTC(before))
	return res.RowsAffected, translate("purge webhook deliveries", res.Error)
}

// WebhookDelivery is a delivery's state, for tests and the operator.
type WebhookDelivery struct {
	ID, EndpointID, EventID, ClaimID string
	Seq                              int64
	Kind                             portal.EventKind
	Status                           webhooks.Outcome
	Attempts, LastStatus             int
	LastError                        string
	NextAttemptAt                    time.Time
}

// WebhookDeliveries lists the deliveries of a tenant's events, in the
// order they were written.
func (db *DB) WebhookDeliveries(ctx context.Context, tenantID string) ([]WebhookDelivery, error) {
	var rows []webhookDeliveryRow
	if err := db.conn(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("list webhook deliveries", err)
	}
	out := make([]WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = WebhookDelivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, ClaimID: r.ClaimID, Seq: r.Seq,
			Kind: portal.EventKind(r.Kind), Status: webhooks.Outcome(r.Status), Attempts: r.Attempts, LastStatus: r.LastStatus,
			LastError: r.LastError, NextAttemptAt: r.NextAttemptAt.Time()}
	}
	return out, nil
}
