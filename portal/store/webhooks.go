package store

import (
	"context"
	"fmt"
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
	// so it cannot be hashed; it is sealed with the data key, bound to the
	// row (secrets.go, docs/security.md).
	Secret string
	// PreviousSecret signs next to Secret until PreviousSecretExpiresAt
	// (a rotation's overlap), sealed as Secret is.
	PreviousSecret          string
	PreviousSecretExpiresAt *timeUTC
	DisabledAt              *timeUTC
	DisabledReason          string
	CreatedAt               timeUTC
}

func (webhookEndpointRow) TableName() string { return "webhook_endpoints" }

func optTime(t *timeUTC) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time()
	return &v
}

// toEndpoint is r as the tenant sees it at now (no secret).
func (r *webhookEndpointRow) toEndpoint(now time.Time) *webhooks.Endpoint {
	e := &webhooks.Endpoint{ID: r.ID, TenantID: r.TenantID, URL: r.URL, Description: r.Description,
		CreatedAt: r.CreatedAt.Time(), Kinds: []portal.EventKind{}, DisabledAt: optTime(r.DisabledAt), DisabledReason: r.DisabledReason}
	if r.PreviousSecret != "" && r.PreviousSecretExpiresAt != nil && r.PreviousSecretExpiresAt.Time().After(now) {
		e.PreviousSecretExpiresAt = optTime(r.PreviousSecretExpiresAt)
	}
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
	RetryFrom     *timeUTC
	CreatedAt     timeUTC
}

type webhookAttemptRow struct {
	ID           string
	DeliveryID   string
	EndpointID   string
	At           timeUTC
	Status       int
	DurationMS   int64 `gorm:"column:duration_ms"`
	Error        string
	ResponseBody string
}

func (webhookAttemptRow) TableName() string { return "webhook_attempts" }

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
	secret := webhooks.NewSecret()
	row := webhookEndpointRow{ID: portal.NewID(now), TenantID: tenantID, URL: in.URL, Kinds: strings.Join(kinds, ","),
		Description: in.Description, CreatedAt: timeUTC(now)}
	sealed, err := db.seal("webhook_endpoints", "secret", row.ID, secret)
	if err != nil {
		return nil, err
	}
	row.Secret = sealed
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&webhookEndpointRow{}).Where("tenant_id = ?", tenantID).Count(&n).Error; err != nil {
			return translate("count webhook endpoints", err)
		}
		if n >= webhooks.MaxEndpoints {
			return portal.Errorf(portal.ECONFLICT, "This account already has %d webhook endpoints, the most it may have: delete one first.", n)
		}
		if err := tx.Create(&row).Error; err != nil {
			return translate("create webhook endpoint", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountWebhookCreated, row.ID, map[string]any{
			"endpoint_id": row.ID, "url": row.URL, "kinds": in.Kinds, "description": row.Description})
	})
	if err != nil {
		return nil, err
	}
	e := row.toEndpoint(db.Now())
	e.Secret = secret
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
		out[i] = rows[i].toEndpoint(db.Now())
	}
	return out, nil
}

// DeleteWebhookEndpoint implements webhooks.EndpointStore; its
// deliveries go with it (ON DELETE CASCADE).
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		r, err := db.findEndpointRow(tx, tenantID, id)
		if err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&webhookEndpointRow{}).Error; err != nil {
			return translate("delete webhook endpoint", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountWebhookDeleted, id, map[string]any{"endpoint_id": id, "url": r.URL})
	})
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
	events, err := firstViewsOnly(tx, tenantID, events)
	if err != nil {
		return err
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

// firstViewsOnly drops from events every claim.viewed but a claim's first:
// a creditor's system is told that the debtor opened the claim (issue 19,
// "viewed (first view)"), not of every page view, which stay in the
// evidence chain.
func firstViewsOnly(tx *gorm.DB, tenantID string, events []eventRow) ([]eventRow, error) {
	first := map[string]int64{} // claim → seq of its first view
	var claims []string
	for _, e := range events {
		if e.Kind != string(portal.EventClaimViewed) {
			continue
		}
		if s, ok := first[e.ClaimID]; !ok || e.Seq < s {
			if !ok {
				claims = append(claims, e.ClaimID)
			}
			first[e.ClaimID] = e.Seq
		}
	}
	if len(claims) == 0 {
		return events, nil
	}
	var earlier []struct {
		ClaimID string
		Seq     int64
	}
	if err := tx.Raw("SELECT claim_id, MIN(seq) AS seq FROM events WHERE tenant_id = ? AND kind = ? AND claim_id IN ? GROUP BY claim_id",
		tenantID, string(portal.EventClaimViewed), claims).Scan(&earlier).Error; err != nil {
		return nil, translate("find first views", err)
	}
	for _, r := range earlier {
		if r.Seq < first[r.ClaimID] {
			first[r.ClaimID] = r.Seq
		}
	}
	out := events[:0:0]
	for _, e := range events {
		if e.Kind == string(portal.EventClaimViewed) && e.Seq != first[e.ClaimID] {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// wantsKind reports whether an endpoint's kinds (comma-separated, empty:
// every event kind) hold kind; see webhooks.Wants.
func wantsKind(kinds, kind string) bool {
	if kinds == "" {
		return kind != string(webhooks.KindCheckpointSigned)
	}
	return strings.Contains(","+kinds+",", ","+kind+",")
}

// ClaimWebhookDeliveries implements webhooks.Store. Only the first pending
// delivery of each claim and endpoint is due, which keeps a claim's
// deliveries in seq order; on PostgreSQL the rows are taken with FOR
// UPDATE SKIP LOCKED, so instances polling at once take different ones,
// and the lease keeps them while they are sent outside any transaction.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*webhooks.Delivery, error) {
	var out []*webhooks.Delivery
	var unreadable *webhooks.UnreadableSecrets
	err := db.tx(ctx, func(tx *gorm.DB) error {
		unreadable = nil
		q := `SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.disabled_at IS NULL
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
			ID, EndpointID, TenantID, EventID, Kind, URL, Secret, PreviousSecret string
			PreviousSecretExpiresAt                                              *timeUTC
			Attempts                                                             int
			CreatedAt                                                            timeUTC
			RetryFrom                                                            *timeUTC
		}
		if err := tx.Raw(`SELECT d.id, d.endpoint_id, d.tenant_id, d.event_id, d.kind, w.url, w.secret, w.previous_secret,
			w.previous_secret_expires_at, d.attempts, d.created_at, d.retry_from
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
			secrets, err := db.endpointSecrets(r.EndpointID, r.Secret, r.PreviousSecret, r.PreviousSecretExpiresAt, now)
			if err != nil {
				// Never sent with a secret that did not decrypt: the
				// delivery keeps its lease, and is taken again once it
				// runs out, without an attempt counted against the
				// endpoint (the fault is this instance's, not the
				// receiver's).
				db.log.ErrorContext(ctx, "webhook delivery not sent: its endpoint's secret does not decrypt", "endpoint_id", r.EndpointID, "delivery_id", r.ID, "err", err)
				if unreadable == nil {
					unreadable = &webhooks.UnreadableSecrets{First: err}
				}
				unreadable.Deliveries++
				continue
			}
			d := &webhooks.Delivery{ID: r.ID, EndpointID: r.EndpointID, TenantID: r.TenantID, URL: r.URL,
				Secrets: secrets, Attempts: r.Attempts, CreatedAt: r.CreatedAt.Time()}
			if r.RetryFrom != nil {
				d.CreatedAt = r.RetryFrom.Time()
			}
			if body, ok := checkpoints[r.EventID]; ok && r.Kind == string(webhooks.KindCheckpointSigned) {
				d.EventID, d.Body = r.EventID, body
			} else if d.Event = byID[r.EventID]; d.Event == nil {
				continue
			}
			out = append(out, d)
		}
		return nil
	})
	if err == nil && unreadable != nil {
		return out, unreadable
	}
	return out, err
}

// endpointSecrets opens the secrets an endpoint's delivery is signed
// with at now: its secret, and its previous one until it expires.
func (db *DB) endpointSecrets(id, secret, previous string, previousExpires *timeUTC, now time.Time) ([]string, error) {
	cur, err := db.open("webhook_endpoints", "secret", id, secret)
	if err != nil {
		return nil, err
	}
	if cur == "" {
		return nil, fmt.Errorf("webhook_endpoints.secret of row %s is empty", id)
	}
	out := []string{cur}
	if previous != "" && previousExpires != nil && previousExpires.Time().After(now) {
		prev, err := db.open("webhook_endpoints", "previous_secret", id, previous)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// RecordWebhookAttempt implements webhooks.Store.
func (db *DB) RecordWebhookAttempt(ctx context.Context, id, owner string, a webhooks.Attempt) (disabled bool, err error) {
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
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var d webhookDeliveryRow
		err := tx.Where("id = ? AND locked_by = ? AND status = 'pending'", id, owner).Take(&d).Error
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil // another owner's lease now
		}
		if err != nil {
			return translate("find webhook delivery", err)
		}
		if err := tx.Model(&webhookDeliveryRow{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return translate("record webhook attempt", err)
		}
		log := webhookAttemptRow{ID: portal.NewID(a.At), DeliveryID: id, EndpointID: d.EndpointID, At: at, Status: a.Status,
			DurationMS: a.Duration.Milliseconds(), Error: truncateText(a.Error, 500), ResponseBody: loggedBody(a.ResponseBody)}
		if err := tx.Create(&log).Error; err != nil {
			return translate("log webhook attempt", err)
		}
		if !a.Exhausted {
			return nil
		}
		// The endpoint is down, not just this delivery refused, when
		// nothing reached it since the delivery's retries began: only then
		// is it disabled.
		from := d.CreatedAt
		if d.RetryFrom != nil {
			from = *d.RetryFrom
		}
		var reached int64
		if err := tx.Model(&webhookDeliveryRow{}).Where("endpoint_id = ? AND status = 'delivered' AND delivered_at >= ?", d.EndpointID, from).
			Limit(1).Count(&reached).Error; err != nil {
			return translate("find delivered webhooks", err)
		}
		if reached > 0 {
			return nil
		}
		res := tx.Model(&webhookEndpointRow{}).Where("id = ? AND disabled_at IS NULL", d.EndpointID).
			Updates(map[string]any{"disabled_at": at, "disabled_reason": truncateText(a.Error, 500)})
		if res.Error != nil {
			return translate("disable webhook endpoint", res.Error)
		}
		if disabled = res.RowsAffected > 0; !disabled {
			return nil
		}
		return db.logAccount(ctx, tx, d.TenantID, portal.AccountWebhookDisabled, d.EndpointID, map[string]any{
			"endpoint_id": d.EndpointID, "delivery_id": id, "reason": truncateText(a.Error, 500)})
	})
	return disabled, err
}

// loggedBody is what the log keeps of an answer's body: valid text, no
// NUL (PostgreSQL refuses it), at most webhooks.MaxLoggedBody bytes.
func loggedBody(b string) string {
	b = strings.ReplaceAll(strings.ToValidUTF8(b, "\uFFFD"), "\x00", "")
	for len(b) > webhooks.MaxLoggedBody {
		b = strings.ToValidUTF8(b[:webhooks.MaxLoggedBody], "")
	}
	return b
}

// FindWebhookEndpoint implements webhooks.EndpointStore.
func (db *DB) FindWebhookEndpoint(ctx context.Context, tenantID, id string) (*webhooks.Endpoint, error) {
	r, err := db.findEndpointRow(db.conn(ctx), tenantID, id)
	if err != nil {
		return nil, err
	}
	return r.toEndpoint(db.Now()), nil
}

func (db *DB) findEndpointRow(tx *gorm.DB, tenantID, id string) (*webhookEndpointRow, error) {
	var r webhookEndpointRow
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&r).Error
	if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
		return nil, portal.Errorf(portal.ENOTFOUND, "No such webhook endpoint.")
	}
	if err != nil {
		return nil, translate("find webhook endpoint", err)
	}
	return &r, nil
}

// RotateWebhookSecret implements webhooks.EndpointStore. The current
// secret becomes the previous one (a previous one still active is
// dropped: two at most).
func (db *DB) RotateWebhookSecret(ctx context.Context, tenantID, id string, keep time.Duration) (*webhooks.Rotation, error) {
	if keep < 0 || keep > webhooks.MaxPreviousSecret {
		return nil, portal.FieldError("previous_secret_hours", "the previous secret may keep signing for 0 to %d hours", int(webhooks.MaxPreviousSecret.Hours()))
	}
	now := db.Now()
	rot := &webhooks.Rotation{Secret: webhooks.NewSecret()}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		r, err := db.findEndpointRow(tx, tenantID, id)
		if err != nil {
			return err
		}
		sealed, err := db.seal("webhook_endpoints", "secret", id, rot.Secret)
		if err != nil {
			return err
		}
		upd := map[string]any{"secret": sealed, "previous_secret": "", "previous_secret_expires_at": nil}
		if keep > 0 {
			cur, err := db.open("webhook_endpoints", "secret", id, r.Secret)
			if err != nil {
				db.log.ErrorContext(ctx, "webhook secret rotation: the current secret does not decrypt", "endpoint_id", id, "err", err)
				return portal.Errorf(portal.ECONFLICT, "The current secret cannot be decrypted, so it cannot keep signing: rotate with previous_secret_hours 0.")
			}
			prev, err := db.seal("webhook_endpoints", "previous_secret", id, cur)
			if err != nil {
				return err
			}
			exp := now.Add(keep)
			rot.PreviousSecretExpiresAt = &exp
			upd["previous_secret"], upd["previous_secret_expires_at"] = prev, timeUTC(exp)
		}
		if err := tx.Model(&webhookEndpointRow{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return translate("rotate webhook secret", err)
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountWebhookRotated, id, map[string]any{
			"endpoint_id": id, "previous_secret_expires_at": rot.PreviousSecretExpiresAt})
	})
	if err != nil {
		return nil, err
	}
	return rot, nil
}

// SetWebhookEndpointEnabled implements webhooks.EndpointStore.
func (db *DB) SetWebhookEndpointEnabled(ctx context.Context, tenantID, id string, enabled bool, reason string) (*webhooks.Endpoint, error) {
	now := timeUTC(db.Now())
	var out *webhooks.Endpoint
	err := db.tx(ctx, func(tx *gorm.DB) error {
		r, err := db.findEndpointRow(tx, tenantID, id)
		if err != nil {
			return err
		}
		switch {
		case enabled && r.DisabledAt != nil:
			if err := tx.Model(&webhookEndpointRow{}).Where("id = ?", id).
				Updates(map[string]any{"disabled_at": nil, "disabled_reason": ""}).Error; err != nil {
				return translate("enable webhook endpoint", err)
			}
			// What waited is due now, with three days of retries again.
			if err := tx.Model(&webhookDeliveryRow{}).Where("endpoint_id = ? AND status = 'pending'", id).
				Updates(map[string]any{"next_attempt_at": now, "retry_from": now, "attempts": 0}).Error; err != nil {
				return translate("resume webhook deliveries", err)
			}
			r.DisabledAt, r.DisabledReason = nil, ""
			if err := db.logAccount(ctx, tx, tenantID, portal.AccountWebhookEnabled, id, map[string]any{"endpoint_id": id}); err != nil {
				return err
			}
		case !enabled && r.DisabledAt == nil:
			if err := tx.Model(&webhookEndpointRow{}).Where("id = ?", id).
				Updates(map[string]any{"disabled_at": now, "disabled_reason": truncateText(reason, 500)}).Error; err != nil {
				return translate("disable webhook endpoint", err)
			}
			r.DisabledAt, r.DisabledReason = &now, truncateText(reason, 500)
			if err := db.logAccount(ctx, tx, tenantID, portal.AccountWebhookDisabled, id, map[string]any{"endpoint_id": id, "reason": r.DisabledReason}); err != nil {
				return err
			}
		}
		out = r.toEndpoint(db.Now())
		return nil
	})
	return out, err
}

// WebhookDeliveryLog implements webhooks.EndpointStore, in two queries.
func (db *DB) WebhookDeliveryLog(ctx context.Context, tenantID, endpointID string, limit int) ([]*webhooks.LoggedDelivery, error) {
	if _, err := db.findEndpointRow(db.conn(ctx), tenantID, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []webhookDeliveryRow
	if err := db.conn(ctx).Where("endpoint_id = ?", endpointID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list webhook deliveries", err)
	}
	out := make([]*webhooks.LoggedDelivery, len(rows))
	byID := make(map[string]*webhooks.LoggedDelivery, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		d := &webhooks.LoggedDelivery{ID: r.ID, EventID: r.EventID, Kind: portal.EventKind(r.Kind), ClaimID: r.ClaimID, Seq: r.Seq,
			Status: webhooks.Outcome(r.Status), CreatedAt: r.CreatedAt.Time(), Attempts: []webhooks.LoggedAttempt{}}
		if d.Status == webhooks.Retry {
			d.NextAttemptAt = optTime(&r.NextAttemptAt)
		}
		out[i], byID[r.ID], ids[i] = d, d, r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var atts []webhookAttemptRow
	if err := db.conn(ctx).Where("delivery_id IN ?", ids).Order("at DESC, id DESC").Find(&atts).Error; err != nil {
		return nil, translate("list webhook attempts", err)
	}
	for _, a := range atts {
		d := byID[a.DeliveryID]
		d.Attempts = append(d.Attempts, webhooks.LoggedAttempt{At: a.At.Time(), Status: a.Status, DurationMS: a.DurationMS,
			Error: a.Error, ResponseBody: a.ResponseBody})
	}
	return out, nil
}

// ResendWebhookDelivery implements webhooks.EndpointStore.
func (db *DB) ResendWebhookDelivery(ctx context.Context, tenantID, endpointID, deliveryID string) error {
	now := timeUTC(db.Now())
	return db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.findEndpointRow(tx, tenantID, endpointID); err != nil {
			return err
		}
		res := tx.Model(&webhookDeliveryRow{}).Where("id = ? AND endpoint_id = ?", deliveryID, endpointID).
			Updates(map[string]any{"status": string(webhooks.Retry), "next_attempt_at": now, "retry_from": now, "attempts": 0,
				"locked_by": "", "locked_until": nil, "delivered_at": nil})
		if res.Error != nil {
			return translate("resend webhook delivery", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ENOTFOUND, "No such delivery of this webhook endpoint.")
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountWebhookResent, endpointID, map[string]any{"endpoint_id": endpointID, "delivery_id": deliveryID})
	})
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
