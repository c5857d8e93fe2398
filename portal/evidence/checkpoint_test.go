package evidence_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func testHeads() []portal.ChainHead {
	var heads []portal.ChainHead
	for i, id := range []string{"c05", "c01", "c03", "c02", "c04"} {
		heads = append(heads, portal.ChainHead{ClaimID: id, Reference: "R-" + id, Seq: int64(i + 1), Hash: portal.SHA256Hex([]byte(id))})
	}
	return heads
}

func TestCheckpointSigned(t *testing.T) {
	signer, _ := evidence.GenerateSigner()
	at := time.Date(2024, 6, 30, 2, 0, 0, 0, time.UTC)
	cp, err := evidence.NewCheckpoint("tenant-1", at, testHeads(), signer)
	if err != nil {
		t.Fatal(err)
	}
	file := cp.Marshal()
	t.Run("OK", func(t *testing.T) {
		got, pub, err := evidence.ParseCheckpoint(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(pub) != string(signer.PublicKey()) || got.TreeSize != 5 || got.Date() != "2024-06-30T02:00:00Z" || got.Signature.Fingerprint != signer.Fingerprint() {
			t.Fatalf("parsed %+v", got)
		}
		for i, l := range got.Leaves {
			if i > 0 && l.ClaimID <= got.Leaves[i-1].ClaimID {
				t.Fatalf("leaves not sorted: %v", got.Leaves)
			}
		}
		if l, ok := got.Leaf("c03"); !ok || l.Seq != 3 || l.Reference != "R-c03" {
			t.Fatalf("leaf c03: %+v %v", l, ok)
		}
		if _, ok := got.Leaf("c09"); ok {
			t.Fatal("a claim not in the checkpoint found")
		}
	})
	t.Run("Excerpt", func(t *testing.T) {
		ex, err := cp.Excerpt("c04")
		if err != nil {
			t.Fatal(err)
		}
		b := ex.Marshal()
		if strings.Contains(string(b), "c02") {
			t.Fatal("the excerpt shows another claim")
		}
		got, _, err := evidence.ParseCheckpoint(b)
		if err != nil || got.Inclusion == nil || got.Inclusion.Leaf.ClaimID != "c04" || got.Root != cp.Root {
			t.Fatalf("excerpt %+v: %v", got, err)
		}
		var bad evidence.Checkpoint
		json.Unmarshal(b, &bad)
		bad.Inclusion.AuditPath[1] = portal.SHA256Hex([]byte("x"))
		if _, err := bad.Verify(); err == nil || !strings.Contains(err.Error(), "not the signed root") {
			t.Fatalf("changed audit path: %v", err)
		}
		json.Unmarshal(b, &bad)
		bad.Inclusion.Leaf.Seq++
		if _, err := bad.Verify(); err == nil {
			t.Fatal("changed excerpt leaf accepted")
		}
		if _, err := cp.Excerpt("c09"); err == nil || !strings.Contains(err.Error(), "does not name claim c09") {
			t.Fatalf("excerpt of a missing claim: %v", err)
		}
	})
	// Each change, with a reason that names what gave it away.
	tamper := []struct {
		name, want string
		change     func(cp *evidence.Checkpoint)
	}{
		{"LeafHash", "not the signed root", func(cp *evidence.Checkpoint) { cp.Leaves[2].Hash = portal.SHA256Hex([]byte("other")) }},
		{"LeafSeq", "not the signed root", func(cp *evidence.Checkpoint) { cp.Leaves[0].Seq = 9 }},
		{"LeafDropped", "tree_size", func(cp *evidence.Checkpoint) { cp.Leaves = cp.Leaves[1:] }},
		{"LeafDroppedResized", "not the signed root", func(cp *evidence.Checkpoint) { cp.Leaves = cp.Leaves[1:]; cp.TreeSize-- }},
		{"Reordered", "sorted", func(cp *evidence.Checkpoint) { cp.Leaves[0], cp.Leaves[1] = cp.Leaves[1], cp.Leaves[0] }},
		{"RootRecomputed", "signature does not match", func(cp *evidence.Checkpoint) {
			cp.Leaves[2].Hash = portal.SHA256Hex([]byte("other"))
			other, _ := evidence.NewCheckpoint(cp.TenantID, cp.Time(), leavesAsHeads(cp.Leaves), mustSigner(t))
			cp.Root = other.Root
		}},
		{"Tenant", "signature does not match", func(cp *evidence.Checkpoint) { cp.TenantID = "tenant-2" }},
		{"Time", "signature does not match", func(cp *evidence.Checkpoint) { cp.At = "2024-07-01T02:00:00.000000Z" }},
		{"FingerprintText", "signature does not match", func(cp *evidence.Checkpoint) { cp.Signature.Fingerprint = "0000" }},
		{"OtherKey", "signature does not match", func(cp *evidence.Checkpoint) { cp.Signature.PublicKey = mustSigner(t).PublicKeyBase64() }},
		{"Format", "format", func(cp *evidence.Checkpoint) { cp.Format = "relais-checkpoint/9" }},
	}
	for _, tc := range tamper {
		t.Run("Tampered"+tc.name, func(t *testing.T) {
			var c evidence.Checkpoint
			if err := json.Unmarshal(file, &c); err != nil {
				t.Fatal(err)
			}
			tc.change(&c)
			if _, _, err := evidence.ParseCheckpoint(c.Marshal()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("ErrUnknownField", func(t *testing.T) {
		b := strings.Replace(string(file), `"format"`, `"extra": 1, "format"`, 1)
		if _, _, err := evidence.ParseCheckpoint([]byte(b)); err == nil || !strings.Contains(err.Error(), "extra") {
			t.Fatalf("unknown field: %v", err)
		}
	})
	t.Run("ErrTwoHeads", func(t *testing.T) {
		heads := append(testHeads(), portal.ChainHead{ClaimID: "c01", Seq: 9, Hash: portal.SHA256Hex(nil)})
		if _, err := evidence.NewCheckpoint("tenant-1", at, heads, signer); err == nil {
			t.Fatal("a claim with two heads signed")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		cp, err := evidence.NewCheckpoint("tenant-1", at, nil, signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := evidence.ParseCheckpoint(cp.Marshal()); err != nil || cp.Root != ctRoots[0] {
			t.Fatalf("empty checkpoint: root %s, %v", cp.Root, err)
		}
	})
}

func mustSigner(t *testing.T) *evidence.Signer {
	s, err := evidence.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func leavesAsHeads(ls []evidence.CheckpointLeaf) []portal.ChainHead {
	out := make([]portal.ChainHead, len(ls))
	for i, l := range ls {
		out[i] = portal.ChainHead{ClaimID: l.ClaimID, Reference: l.Reference, Seq: l.Seq, Hash: l.Hash}
	}
	return out
}

// rewriteChain does what a database superuser can: drop the append-only
// trigger, change the payload of event seq of a claim and recompute every
// later hash, so that the chain verifies again.
func rewriteChain(t *testing.T, db *store.DB, tenantID, claimID string, seq int64) {
	t.Helper()
	ctx := context.Background()
	drop, upd := "DROP TRIGGER events_append_only_update", "UPDATE events SET payload = ?, payload_hash = ?, prev_hash = ?, hash = ? WHERE id = ?"
	if db.Dialect == store.Postgres {
		drop, upd = "DROP TRIGGER events_append_only_update ON events", "UPDATE events SET payload = $1, payload_hash = $2, prev_hash = $3, hash = $4 WHERE id = $5"
	}
	if _, err := db.SQL().Exec(drop); err != nil {
		t.Fatal(err)
	}
	events, err := db.ListEvents(ctx, tenantID, claimID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	prev := portal.GenesisHash
	for _, e := range events {
		if e.Seq == seq {
			e.Payload = `{"text":"a rewritten note"}`
			e.PayloadHash = portal.SHA256Hex([]byte(e.Payload))
		}
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		if e.Seq < seq {
			continue
		}
		if _, err := db.SQL().Exec(upd, e.Payload, e.PayloadHash, e.PrevHash, e.Hash, e.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckpointAgainstRewrite: a checkpoint is taken, then the claim's
// chain is rewritten in the database and a fresh bundle made: on its own
// it verifies (the instance signs what it finds), with the checkpoint it
// is a contradiction.
func TestCheckpointAgainstRewrite(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect, portal.JurisdictionFR, 0)
			ctx := context.Background()
			dir := t.TempDir()
			c := &evidence.Checkpointer{Store: f.db, Leases: f.db, Signer: f.signer, Clock: f.clock, Dir: dir}
			w, err := c.Make(ctx, f.tenantID)
			if err != nil {
				t.Fatal(err)
			}
			if want := evidence.CheckpointFile(dir, f.tenantID, f.clock.T); w.Path != want || w.Claims != 1 {
				t.Fatalf("written %+v, want %s", w, want)
			}
			b, err := os.ReadFile(w.Path)
			if err != nil {
				t.Fatal(err)
			}
			cp, _, err := evidence.ParseCheckpoint(b)
			if err != nil {
				t.Fatal(err)
			}
			leaf, ok := cp.Leaf(f.claim.ID)
			head, _ := f.db.LastEvent(ctx, f.tenantID, f.claim.ID)
			if !ok || leaf.Seq != head.Seq || leaf.Hash != head.Hash || leaf.Reference != f.claim.Reference {
				t.Fatalf("leaf %+v, head seq %d %s", leaf, head.Seq, head.Hash)
			}
			ex, err := cp.Excerpt(f.claim.ID)
			if err != nil {
				t.Fatal(err)
			}

			t.Run("Agrees", func(t *testing.T) {
				rep, err := verify(f.bundle(t), evidence.AgainstCheckpoint(cp))
				if err != nil || rep.Checkpoint == nil || rep.Checkpoint.Later != 0 || rep.Checkpoint.Leaf != leaf {
					t.Fatalf("%+v: %v", rep, err)
				}
			})
			// Events after the checkpoint are fine.
			for i := 0; i < 2; i++ {
				f.clock.Advance(time.Hour)
				if _, err := f.db.AppendEvent(ctx, f.tenantID, f.claim.ID, portal.EventNoteWritten, map[string]any{"text": "later"}); err != nil {
					t.Fatal(err)
				}
			}
			t.Run("AgreesLater", func(t *testing.T) {
				for _, c := range []*evidence.Checkpoint{cp, ex} {
					rep, err := verify(f.bundle(t), evidence.AgainstCheckpoint(c))
					if err != nil || rep.Checkpoint.Later != 2 || rep.Checkpoint.Excerpt != (c == ex) {
						t.Fatalf("%+v: %v", rep, err)
					}
				}
			})
			t.Run("ErrOtherKey", func(t *testing.T) {
				heads, _ := f.db.ChainHeads(ctx, f.tenantID)
				other := mustSigner(t)
				ocp, _ := evidence.NewCheckpoint(f.tenantID, f.clock.T, heads, other)
				_, err := verify(f.bundle(t), evidence.AgainstCheckpoint(ocp))
				var ce *evidence.CheckpointError
				if !errors.As(err, &ce) || ce.Contradiction || !strings.Contains(err.Error(), "not the bundle's key") {
					t.Fatalf("another key's checkpoint: %v", err)
				}
				// The operator's published keys vouch for a retired key.
				keys := &evidence.PublishedKeys{PublicKey: f.signer.PublicKeyBase64(), Fingerprint: f.signer.Fingerprint(),
					History: []evidence.RetiredKey{{PublicKey: other.PublicKeyBase64(), Fingerprint: other.Fingerprint(), From: f.clock.T.Add(-time.Hour), Until: f.clock.T}}}
				rep, err := verify(f.bundle(t), evidence.AgainstCheckpoint(ocp), evidence.TrustedKeys(keys))
				if err != nil || rep.Checkpoint.SignedBy == nil || rep.Checkpoint.SignedBy.Current {
					t.Fatalf("retired key's checkpoint with the history: %+v %v", rep, err)
				}
			})
			t.Run("ErrNotNamed", func(t *testing.T) {
				ocp, _ := evidence.NewCheckpoint(f.tenantID, f.clock.T, testHeads(), f.signer)
				_, err := verify(f.bundle(t), evidence.AgainstCheckpoint(ocp))
				var ce *evidence.CheckpointError
				if !errors.As(err, &ce) || !ce.Contradiction || !strings.Contains(err.Error(), "does not list claim "+f.claim.ID) {
					t.Fatalf("a checkpoint without the claim: %v", err)
				}
			})

			// The rewrite: event 3 (a debtor's message) changed, every hash
			// after it recomputed.
			rewriteChain(t, f.db, f.tenantID, f.claim.ID, 3)
			fresh := f.bundle(t)
			t.Run("RewrittenIntactAlone", func(t *testing.T) {
				if _, err := verify(fresh, evidence.TrustedKey(f.signer.PublicKey())); err != nil {
					t.Fatalf("the rewritten chain's bundle should verify on its own: %v", err)
				}
			})
			t.Run("RewrittenContradicts", func(t *testing.T) {
				for _, c := range []*evidence.Checkpoint{cp, ex} {
					rep, err := verify(fresh, evidence.AgainstCheckpoint(c))
					var ce *evidence.CheckpointError
					if !errors.As(err, &ce) || !ce.Contradiction || rep == nil || rep.Events != leaf.Seq+2 {
						t.Fatalf("rewritten chain against the checkpoint: %v", err)
					}
					want := "contradicts checkpoint of " + cp.Date() + ": event " + itoa(leaf.Seq) + " of claim " + f.claim.ID + " has hash"
					if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "the checkpoint holds "+leaf.Hash) {
						t.Fatalf("message %q, want %q...", err, want)
					}
				}
			})
			// A chain cut before the checkpoint's head.
			del := "DELETE FROM events WHERE claim_id = ? AND seq >= ?"
			dropDel := "DROP TRIGGER events_append_only_delete"
			if f.db.Dialect == store.Postgres {
				del, dropDel = "DELETE FROM events WHERE claim_id = $1 AND seq >= $2", "DROP TRIGGER events_append_only_delete ON events"
			}
			if _, err := f.db.SQL().Exec(dropDel); err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.SQL().Exec(del, f.claim.ID, leaf.Seq); err != nil {
				t.Fatal(err)
			}
			t.Run("TruncatedContradicts", func(t *testing.T) {
				cut := f.bundle(t)
				if _, err := verify(cut); err != nil {
					t.Fatalf("the cut chain's bundle should verify on its own: %v", err)
				}
				_, err := verify(cut, evidence.AgainstCheckpoint(cp))
				var ce *evidence.CheckpointError
				if !errors.As(err, &ce) || !ce.Contradiction || !strings.Contains(err.Error(), "ends at event "+itoa(leaf.Seq-1)+": events were removed") {
					t.Fatalf("cut chain against the checkpoint: %v", err)
				}
			})
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
