package store_test

import (
	"context"
	"strings"
	"testing"

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
		t.Run("ErasePayload", func(t *testing.T) {
			if err := db.ErasePayload(ctx, a.ID, c.ID, 3); err != nil {
				t.Fatal(err)
			}
			if err := db.ErasePayload(ctx, a.ID, c.ID, 99); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("missing event: %v", err)
			}
			other := seedTenant(t, db, "Beta")
			if err := db.ErasePayload(ctx, other.ID, c.ID, 2); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("other tenant erased: %v", err)
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
