package store_test

import (
	"context"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestTemplateTexts: a creditor's own text wins over the tenant's, a bad
// text is refused and nothing stored, replacing keeps one row, each
// tenant sees its own, and a reset of nothing changes nothing.
func TestTemplateTexts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: "usr-owner", TenantID: a.ID})
		c := newClaim("R-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		set := func(tenantID, creditorID, body string) error {
			return db.SetTemplateText(ctx, tenantID, &portal.TemplateText{CreditorID: creditorID, Key: "second", Language: "de", Subject: "Vorgang {{.Reference}}", Body: body})
		}
		if err := set(a.ID, "", "Alle: {{.Amount}}"); err != nil {
			t.Fatal(err)
		}
		if err := set(a.ID, "", "Alle, neu: {{.Amount}}"); err != nil {
			t.Fatal(err)
		}
		t.Run("ErrInvalid", func(t *testing.T) {
			if err := set(a.ID, "", "{{.Betrag}}"); portal.ErrorCode(err) != portal.EINVALID || portal.ErrorField(err) != "body" {
				t.Fatalf("%v", err)
			}
		})
		if got, _ := db.TemplateTextFor(ctx, a.ID, c.CreditorID, "second", "de"); got == nil || got.Body != "Alle, neu: {{.Amount}}" || got.CreditorID != "" {
			t.Fatalf("tenant's text: %+v", got)
		}
		if err := set(a.ID, c.CreditorID, "Nur dieser: {{.Amount}}"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.TemplateTextFor(ctx, a.ID, c.CreditorID, "second", "de"); got == nil || got.CreditorID != c.CreditorID {
			t.Fatalf("creditor's text: %+v", got)
		}
		if got, _ := db.TemplateTextFor(ctx, a.ID, "other", "second", "de"); got == nil || got.CreditorID != "" {
			t.Fatalf("another creditor: %+v", got)
		}
		if got, _ := db.TemplateTextFor(ctx, a.ID, c.CreditorID, "second", "fr"); got != nil {
			t.Fatalf("another language: %+v", got)
		}
		t.Run("ErrNotFound", func(t *testing.T) {
			if err := set(b.ID, c.CreditorID, "x"); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant's creditor: %v", err)
			}
			if err := db.ResetTemplateText(ctx, b.ID, c.CreditorID, "second", "de"); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("reset of another tenant's creditor: %v", err)
			}
		})
		if txts, _ := db.FindTemplateTexts(ctx, a.ID, ""); len(txts) != 2 {
			t.Fatalf("A's texts: %d", len(txts))
		}
		if txts, _ := db.FindTemplateTexts(ctx, b.ID, ""); len(txts) != 0 {
			t.Fatalf("B's texts: %d", len(txts))
		}
		if chs, _ := db.AccountChanges(ctx, a.ID, portal.AccountTemplateTextSet, "second", 10); len(chs) != 3 || chs[0].Actor.ID != "usr-owner" {
			t.Fatalf("account log: %d", len(chs))
		}
		if err := db.ResetTemplateText(ctx, a.ID, "", "second", "fr"); err != nil {
			t.Fatal(err)
		}
		if chs, _ := db.AccountChanges(ctx, a.ID, portal.AccountTemplateTextReset, "", 10); len(chs) != 0 {
			t.Fatalf("a reset of nothing logged: %d", len(chs))
		}
		// The creditor's text removed, its claims use the tenant's again.
		if err := db.ResetTemplateText(ctx, a.ID, c.CreditorID, "second", "de"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.TemplateTextFor(ctx, a.ID, c.CreditorID, "second", "de"); got == nil || got.CreditorID != "" || got.Body != "Alle, neu: {{.Amount}}" {
			t.Fatalf("after the creditor's reset: %+v", got)
		}
		if chs, _ := db.AccountChanges(ctx, a.ID, portal.AccountTemplateTextReset, "second", 10); len(chs) != 1 || chs[0].Actor.ID != "usr-owner" {
			t.Fatalf("creditor's reset not logged: %d", len(chs))
		}
	})
}
