package store

import (
	"context"
	"hash/fnv"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// Automatic assignment of conversations (issue 21, migration 00103).

var _ negotiation.Assignments = (*DB)(nil)

// AssignmentSettings implements negotiation.Assignments.
func (db *DB) AssignmentSettings(ctx context.Context, tenantID string) (negotiation.AssignmentSettings, error) {
	return assignmentSettings(db.conn(ctx), tenantID)
}

func assignmentSettings(tx *gorm.DB, tenantID string) (negotiation.AssignmentSettings, error) {
	var row struct {
		AssignStrategy string
		AssignCap      int
	}
	res := tx.Raw("SELECT assign_strategy, assign_cap FROM tenants WHERE id = ?", tenantID).Scan(&row)
	if res.Error != nil {
		return negotiation.AssignmentSettings{}, translate("find assignment settings", res.Error)
	}
	if res.RowsAffected == 0 {
		return negotiation.AssignmentSettings{}, portal.Errorf(portal.ENOTFOUND, "Tenant not found.")
	}
	return negotiation.AssignmentSettings{Strategy: negotiation.AssignStrategy(row.AssignStrategy), Cap: row.AssignCap}, nil
}

// SetAssignmentSettings implements negotiation.Assignments.
func (db *DB) SetAssignmentSettings(ctx context.Context, tenantID string, a negotiation.AssignmentSettings) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE tenants SET assign_strategy = ?, assign_cap = ? WHERE id = ?", string(a.Strategy), a.Cap, tenantID)
		if res.Error != nil {
			return translate("set assignment settings", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Tenant not found.")
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountAssignmentSet, "", map[string]any{"assignment": a})
	})
}

// assignLockKey is the PostgreSQL advisory lock key of a tenant's
// assignment runs.
func assignLockKey(tenantID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("relais/assign/" + tenantID))
	return int64(h.Sum64())
}

// assignee is an available agent as an assignment run counts them.
type assignee struct {
	ID, Name, Email string
	AssignedSeq     int64
	OpenCount       int
}

// pick returns the agent the strategy gives the next conversation to, or
// nil when every one is at the cap.
func pick(agents []*assignee, a negotiation.AssignmentSettings) *assignee {
	var best *assignee
	for _, g := range agents {
		if a.Cap > 0 && g.OpenCount >= a.Cap {
			continue
		}
		if best == nil || before(g, best, a.Strategy) {
			best = g
		}
	}
	return best
}

// before reports whether g comes before h: the fewest open conversations
// first (fewest_open), then the oldest last assignment, then the id.
func before(g, h *assignee, s negotiation.AssignStrategy) bool {
	if s == negotiation.AssignFewestOpen && g.OpenCount != h.OpenCount {
		return g.OpenCount < h.OpenCount
	}
	if g.AssignedSeq != h.AssignedSeq {
		return g.AssignedSeq < h.AssignedSeq
	}
	return g.ID < h.ID
}

// AssignWaiting implements negotiation.Assignments. One transaction per
// run: on PostgreSQL a transaction-scoped advisory lock on the tenant
// serialises the runs of every instance (SQLite takes its write lock at
// BEGIN), so that each run counts the agents' open conversations after the
// previous one committed. Each conversation is then taken with a
// conditional UPDATE on the holder read, so that a take by hand on another
// instance meanwhile wins and the run leaves it. The locks are taken in
// the order tenant, conversation, claim (its evidence chain), as a
// debtor's message takes conversation then claim: no cycle.
func (db *DB) AssignWaiting(ctx context.Context, tenantID string) ([]*negotiation.Assigned, error) {
	var out []*negotiation.Assigned
	err := db.tx(ctx, func(tx *gorm.DB) error {
		out = nil
		if db.Dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", assignLockKey(tenantID)).Error; err != nil {
				return translate("lock assignment", err)
			}
		}
		settings, err := assignmentSettings(tx, tenantID)
		if err != nil || settings.Strategy == negotiation.AssignOff {
			return err
		}
		type waiting struct{ ID, AgentID, HolderName, HolderEmail string }
		var convs []waiting
		// Waiting, held by nobody or by someone away (or no longer an
		// agent), on a claim whose personal data is still kept.
		if err := tx.Raw(`SELECT c.id, c.agent_id, COALESCE(u.name, '') AS holder_name, COALESCE(u.email, '') AS holder_email
			FROM conversations c LEFT JOIN users u ON u.id = c.agent_id AND u.tenant_id = c.tenant_id
			WHERE c.tenant_id = ? AND c.state = 'waiting'
			  AND (c.agent_id = '' OR u.id IS NULL OR u.away OR u.role NOT IN ('agent', 'owner'))
			  AND NOT EXISTS (SELECT 1 FROM claims WHERE claims.id = c.claim_id AND claims.personal_data_erased_at IS NOT NULL)
			ORDER BY c.waiting_since, c.id LIMIT 500`, tenantID).Scan(&convs).Error; err != nil {
			return translate("list conversations to assign", err)
		}
		if len(convs) == 0 {
			return nil
		}
		var agents []*assignee
		if err := tx.Raw(`SELECT u.id, u.name, u.email, u.assigned_seq,
			(SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = u.tenant_id AND c.agent_id = u.id AND c.state <> 'closed') AS open_count
			FROM users u WHERE u.tenant_id = ? AND u.role IN ('agent', 'owner') AND NOT u.away ORDER BY u.id`, tenantID).Scan(&agents).Error; err != nil {
			return translate("list available agents", err)
		}
		var seq int64 // the tenant's last turn, away agents' included
		if err := tx.Raw("SELECT COALESCE(MAX(assigned_seq), 0) FROM users WHERE tenant_id = ?", tenantID).Scan(&seq).Error; err != nil {
			return translate("read assignment turn", err)
		}
		for _, cv := range convs {
			g := pick(agents, settings)
			if g == nil {
				break
			}
			res := tx.Exec("UPDATE conversations SET agent_id = ?, updated_at = ? WHERE id = ? AND tenant_id = ? AND state = 'waiting' AND agent_id = ?",
				g.ID, db.Now(), cv.ID, tenantID, cv.AgentID)
			if res.Error != nil {
				return translate("assign conversation", res.Error)
			}
			if res.RowsAffected == 0 { // taken, answered or resolved meanwhile
				continue
			}
			seq++
			if err := tx.Exec("UPDATE users SET assigned_seq = ? WHERE id = ?", seq, g.ID).Error; err != nil {
				return translate("record assignment turn", err)
			}
			g.OpenCount, g.AssignedSeq = g.OpenCount+1, seq
			m := &negotiation.Message{TenantID: tenantID, ConversationID: cv.ID, ClientID: "assign-" + portal.NewID(db.Now()),
				Kind: negotiation.MsgTransfer, Author: negotiation.AssignmentAuthor, ToUserID: g.ID, ToName: displayName(g.Name, g.Email)}
			if cv.AgentID != "" {
				m.FromUserID, m.FromName = cv.AgentID, displayName(cv.HolderName, cv.HolderEmail)
			}
			if err := db.insertMessage(ctx, tx, m); err != nil { // a system transfer: the event's actor is Relais

				return err
			}
			var row conversationRow
			if err := tx.Where("id = ?", cv.ID).Take(&row).Error; err != nil {
				return translate("read conversation", err)
			}
			out = append(out, &negotiation.Assigned{Conversation: row.conversation(), Message: m})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
