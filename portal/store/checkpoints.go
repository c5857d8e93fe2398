package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/webhooks"
)

// Checkpoints of the evidence chains (issue 26.6, portal/evidence): the
// chain heads they sign, and the table that keeps each one made for its
// webhook deliveries.

var _ evidence.CheckpointStore = (*DB)(nil)

type checkpointRow struct {
	ID       string
	TenantID string
	At       timeUTC
	TreeSize int64
	Root     string
	Body     string
}

func (checkpointRow) TableName() string { return "evidence_checkpoints" }

// ChainHeads implements portal.ChainHeadLister: the last event of each of
// the tenant's claims, in one statement (one snapshot of the database),
// through the unique (claim_id, seq) index.
func (db *DB) ChainHeads(ctx context.Context, tenantID string) ([]portal.ChainHead, error) {
	var rows []struct {
		ClaimID, Reference, Hash string
		Seq                      int64
	}
	err := db.conn(ctx).Raw(`SELECT c.id AS claim_id, c.reference, e.seq, e.hash
		FROM claims c JOIN events e ON e.claim_id = c.id
		WHERE c.tenant_id = ? AND e.seq = (SELECT MAX(m.seq) FROM events m WHERE m.claim_id = c.id)
		ORDER BY c.id`, tenantID).Scan(&rows).Error
	if err != nil {
		return nil, translate("read chain heads", err)
	}
	out := make([]portal.ChainHead, len(rows))
	for i, r := range rows {
		out[i] = portal.ChainHead{ClaimID: r.ClaimID, Reference: r.Reference, Seq: r.Seq, Hash: r.Hash}
	}
	return out, nil
}

// RecordCheckpoint implements evidence.CheckpointStore: the checkpoint
// and one delivery of it to each endpoint of the tenant that wants
// webhooks.KindCheckpointSigned, in one transaction.
func (db *DB) RecordCheckpoint(ctx context.Context, r evidence.CheckpointRecord) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		row := checkpointRow{ID: r.ID, TenantID: r.TenantID, At: timeUTC(r.At), TreeSize: r.TreeSize, Root: r.Root, Body: string(r.Body)}
		if err := tx.Create(&row).Error; err != nil {
			return translate("record checkpoint", err)
		}
		var eps []struct{ ID, Kinds string }
		if err := tx.Raw("SELECT id, kinds FROM webhook_endpoints WHERE tenant_id = ?", r.TenantID).Scan(&eps).Error; err != nil {
			return translate("find webhook endpoints", err)
		}
		var rows []webhookDeliveryRow
		for _, ep := range eps {
			if !wantsKind(ep.Kinds, string(webhooks.KindCheckpointSigned)) {
				continue
			}
			rows = append(rows, webhookDeliveryRow{ID: portal.NewID(r.At), EndpointID: ep.ID, EventID: r.ID, TenantID: r.TenantID,
				Kind: string(webhooks.KindCheckpointSigned), Status: string(webhooks.Retry), NextAttemptAt: timeUTC(r.At), CreatedAt: timeUTC(r.At)})
		}
		if len(rows) == 0 {
			return nil
		}
		return translate("enqueue checkpoint deliveries", tx.Create(&rows).Error)
	})
}

// LastCheckpoints implements evidence.CheckpointStore.
func (db *DB) LastCheckpoints(ctx context.Context) (map[string]time.Time, error) {
	var rows []struct {
		TenantID string
		At       timeUTC
	}
	err := db.conn(ctx).Raw("SELECT tenant_id, MAX(at) AS at FROM evidence_checkpoints GROUP BY tenant_id").Scan(&rows).Error
	if err != nil {
		return nil, translate("read last checkpoints", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.TenantID] = r.At.Time()
	}
	return out, nil
}

// checkpointBodies returns the webhook bodies of the checkpoints ids.
func checkpointBodies(tx *gorm.DB, ids []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []checkpointRow
	if err := tx.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate("read checkpoints", err)
	}
	for _, r := range rows {
		b, err := webhooks.CheckpointBody(r.ID, r.At.Time(), r.Root, []byte(r.Body))
		if err != nil {
			return nil, err
		}
		out[r.ID] = b
	}
	return out, nil
}
