package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestPreparedReplies: a creditor's replies on both databases. One per
// name and language (the same name in another language or for another
// creditor is fine); editing keeps the id, deleting removes it; another
// tenant sees, edits and deletes nothing; bad input stores nothing.
func TestPreparedReplies(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn, other := &portal.Tenant{Name: "T"}, &portal.Tenant{Name: "O"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateTenant(ctx, other))
			cr, cr2, crO := &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "BE"}, &portal.Creditor{TenantID: tn.ID, LegalName: "D", Country: "FR"},
				&portal.Creditor{TenantID: other.ID, LegalName: "O", Country: "FR"}
			noErr(t, db.CreateCreditor(ctx, cr))
			noErr(t, db.CreateCreditor(ctx, cr2))
			noErr(t, db.CreateCreditor(ctx, crO))

			hello := &negotiation.PreparedReply{TenantID: tn.ID, CreditorID: cr.ID, Name: " hello ", Language: "fr", Body: "Bonjour {debtor_name}, il reste {balance}.", UpdatedBy: "u1"}
			noErr(t, db.SaveReply(ctx, hello))
			if hello.ID == "" || hello.Name != "hello" || !hello.CreatedAt.Equal(clock.T) {
				t.Fatalf("saved: %+v", hello)
			}
			noErr(t, db.SaveReply(ctx, &negotiation.PreparedReply{TenantID: tn.ID, CreditorID: cr.ID, Name: "hello", Language: "nl", Body: "Dag {debtor_name}."}))
			noErr(t, db.SaveReply(ctx, &negotiation.PreparedReply{TenantID: tn.ID, CreditorID: cr2.ID, Name: "hello", Language: "fr", Body: "Salut."}))

			t.Run("ErrConflict", func(t *testing.T) {
				err := db.SaveReply(ctx, &negotiation.PreparedReply{TenantID: tn.ID, CreditorID: cr.ID, Name: "hello", Language: "fr", Body: "Encore"})
				if portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("same name and language: %v", err)
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				for _, r := range []negotiation.PreparedReply{
					{Name: "Bad Name", Language: "fr", Body: "x"}, {Name: "ok", Language: "es", Body: "x"}, {Name: "ok", Language: "fr", Body: "  "},
					{Name: "ok", Language: "fr", Body: "Cher {debtor}"}, {Name: "ok", Language: "fr", Body: "a\x00b"},
				} {
					r.TenantID, r.CreditorID = tn.ID, cr.ID
					if err := db.SaveReply(ctx, &r); portal.ErrorCode(err) != portal.EINVALID {
						t.Errorf("%+v: %v", r, err)
					}
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				if err := db.SaveReply(ctx, &negotiation.PreparedReply{TenantID: tn.ID, CreditorID: crO.ID, Name: "x", Language: "fr", Body: "x"}); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Errorf("another tenant's creditor: %v", err)
				}
				if _, err := db.FindReply(ctx, other.ID, hello.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Errorf("find as another tenant: %v", err)
				}
				edit := *hello
				edit.TenantID, edit.CreditorID, edit.Body = other.ID, crO.ID, "pris"
				if err := db.SaveReply(ctx, &edit); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Errorf("edit as another tenant: %v", err)
				}
				if err := db.DeleteReply(ctx, other.ID, hello.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Errorf("delete as another tenant: %v", err)
				}
				if rs, _ := db.ListReplies(ctx, other.ID, ""); len(rs) != 0 {
					t.Errorf("another tenant lists %d replies", len(rs))
				}
			})

			rs, err := db.ListReplies(ctx, tn.ID, cr.ID)
			noErr(t, err)
			if len(rs) != 2 || rs[0].Language != "fr" || rs[1].Language != "nl" || rs[0].Body != "Bonjour {debtor_name}, il reste {balance}." {
				t.Fatalf("creditor's replies: %+v", rs)
			}
			if all, _ := db.ListReplies(ctx, tn.ID, ""); len(all) != 3 {
				t.Fatalf("tenant's replies: %d", len(all))
			}

			clock.T = clock.T.Add(time.Hour)
			edit := *hello
			edit.Name, edit.Body, edit.UpdatedBy = "welcome", "Bonjour {debtor_name}.", "u2"
			noErr(t, db.SaveReply(ctx, &edit))
			got, err := db.FindReply(ctx, tn.ID, hello.ID)
			noErr(t, err)
			if got.Name != "welcome" || got.Body != "Bonjour {debtor_name}." || got.UpdatedBy != "u2" || !got.UpdatedAt.Equal(clock.T) || !got.CreatedAt.Equal(hello.CreatedAt) {
				t.Fatalf("after edit: %+v", got)
			}
			noErr(t, db.DeleteReply(ctx, tn.ID, hello.ID))
			if _, err := db.FindReply(ctx, tn.ID, hello.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("after delete: %v", err)
			}
		})
	}
}
