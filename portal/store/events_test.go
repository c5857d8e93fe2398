package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestEventsAppendOnly checks that the database itself refuses to change
// or remove evidence, except erasing a payload, after which the chain
// still verifies.
func TestEventsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("APPEND")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventMessageSent, map[string]any{"text": "Bonjour, je conteste la facture"}); err != nil {
				t.Fatal(err)
			}
		}
		exec := func(q string, args ...any) error { _, err := db.SQL().Exec(q, args...); return err }
		refused := []struct{ name, q string }{
			{"UpdateKind", "UPDATE events SET kind = 'note.written' WHERE seq = 2"},
			{"UpdatePayload", "UPDATE events SET payload = '{\"text\":\"forged\"}' WHERE seq = 2"},
			{"UpdateHash", "UPDATE events SET hash = prev_hash WHERE seq = 2"},
			{"EraseAndChangeIP", "UPDATE events SET payload = NULL, ip = '10.0.0.1' WHERE seq = 2"},
			{"EraseAndChangePayloadHash", "UPDATE events SET payload = NULL, payload_hash = '' WHERE seq = 2"},
			// Erasing a payload is the erasure path's, on a claim marked erased.
			{"EraseOnAClaimNotErased", "UPDATE events SET payload = NULL WHERE seq = 2"},
			{"Delete", "DELETE FROM events WHERE seq = 4"},
			{"DeleteAll", "DELETE FROM events"},
		}
		if db.Dialect == store.Postgres {
			refused = append(refused, struct{ name, q string }{"Truncate", "TRUNCATE events"})
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				err := exec(tc.q)
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("%s: want refusal, got %v", tc.q, err)
				}
			})
		}
		t.Run("InOrder", func(t *testing.T) {
			// A back-dated event, or one that does not follow the chain head,
			// cannot be inserted, whatever its hashes.
			head, err := db.LastEvent(ctx, a.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			ins := func(seq int64, prev string, at time.Time) error {
				return exec(fmt.Sprintf("INSERT INTO events (id, tenant_id, claim_id, seq, at, kind, actor_kind, actor_id, ip, user_agent, payload, payload_hash, prev_hash, hash) "+
					"VALUES (%s, %s, %s, %s, %s, 'note.written', 'system', 'x', '', '', '{}', 'h', %s, 'h2')",
					placeholder(db, 1), placeholder(db, 2), placeholder(db, 3), placeholder(db, 4), placeholder(db, 5), placeholder(db, 6)),
					portal.NewID(time.Now()), a.ID, c.ID, seq, at.UTC(), prev)
			}
			for name, err := range map[string]error{
				"back-dated":   ins(head.Seq+1, head.Hash, head.At.Add(-time.Hour)),
				"seq skipped":  ins(head.Seq+2, head.Hash, head.At.Add(time.Second)),
				"seq repeated": ins(head.Seq, head.Hash, head.At.Add(time.Second)),
				"wrong prev":   ins(head.Seq+1, portal.GenesisHash, head.At.Add(time.Second)),
			} {
				if err == nil || !strings.Contains(err.Error(), "chain") && !strings.Contains(err.Error(), "back in time") {
					t.Errorf("%s insert: %v", name, err)
				}
			}
			if h, _ := db.LastEvent(ctx, a.ID, c.ID); h.Seq != head.Seq {
				t.Fatalf("an event was inserted: head %d", h.Seq)
			}
		})
		t.Run("ErasePayload", func(t *testing.T) {
			// The erasure path marks the claim erased, then erases payloads.
			if err := exec(fmt.Sprintf("UPDATE claims SET personal_data_erased_at = %s WHERE id = %s", placeholder(db, 1), placeholder(db, 2)), time.Now().UTC(), c.ID); err != nil {
				t.Fatal(err)
			}
			if err := exec(fmt.Sprintf("UPDATE events SET payload = NULL WHERE claim_id = %s AND seq = 3", placeholder(db, 1)), c.ID); err != nil {
				t.Fatal(err)
			}
			evs, err := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
			if err != nil || len(evs) != 4 {
				t.Fatal(err, len(evs))
			}
			prev := portal.GenesisHash
			for _, e := range evs {
				if e.PrevHash != prev || e.ComputeHash() != e.Hash {
					t.Fatalf("chain broken at %d after erasure", e.Seq)
				}
				if e.Seq == 3 {
					if e.Payload != "" || e.PayloadHash == "" {
						t.Fatalf("payload not erased or hash lost: %+v", e)
					}
				} else if portal.SHA256Hex([]byte(e.Payload)) != e.PayloadHash {
					t.Fatalf("payload %d changed", e.Seq)
				}
				prev = e.Hash
			}
			head, err := db.LastEvent(ctx, a.ID, c.ID)
			if err != nil || head.Seq != 4 || head.Hash != prev {
				t.Fatalf("head: %v %+v", err, head)
			}
		})
	})
}

func placeholder(db *store.DB, n int) string {
	if db.Dialect == store.Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
