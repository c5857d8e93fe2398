package server

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestAPITemplateTexts: a key sets its tenant's text of a template (and a
// creditor's), a bad text is refused with its field, another tenant's
// creditor is not found and another tenant does not see it; DELETE goes
// back to the shipped text; the account log names the key.
func TestAPITemplateTexts(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			e.srv = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db,
				Clock: e.clock, Reminders: e.db, TemplateTexts: e.db, Links: e.db, AccountLog: e.db,
				Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			ctx := context.Background()
			crB := &portal.Creditor{TenantID: e.tenantB, LegalName: "Beta SAS", Country: "FR"}
			if err := e.db.CreateCreditor(ctx, crB); err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/template-texts/sms_reminder/nl"
			status, body := e.do(t, "PUT", path, e.keyA, "application/json", `{"body":"{{.Amount}} open: {{.PortalURL}} Stop: {{.UnsubscribeURL}}"}`)
			if status != 200 || body["template"] != "sms_reminder" || body["language"] != "nl" || len(body["sha256"].(string)) != 64 {
				t.Fatalf("set: %d %v", status, body)
			}
			for _, tc := range []struct{ body, field string }{
				{`{"body":"{{.Amount}} open: {{.PortalURL}}"}`, "body"},          // the SMS's opt-out link dropped
				{`{"body":"{{.Bedrag}} {{.UnsubscribeURL}}"}`, "body"},           // unknown variable
				{`{"body":"{{if .Amount}}{{end}} {{.UnsubscribeURL}}"}`, "body"}, // not a variable
			} {
				status, body := e.do(t, "PUT", path, e.keyA, "application/json", tc.body)
				if code, msg, field := errorOf(body); status != 400 || code != portal.EINVALID || field != tc.field || msg == "" {
					t.Errorf("%s: %d %s %s %q", tc.body, status, code, field, msg)
				}
			}
			if status, _ := e.do(t, "PUT", "/api/v1/template-texts/friendly/nl", e.keyA, "application/json", `{"creditor_id":"`+crB.ID+`","subject":"x","body":"y"}`); status != 404 {
				t.Errorf("another tenant's creditor: %d", status)
			}
			if status, _ := e.do(t, "PUT", "/api/v1/template-texts/nope/nl", e.keyA, "application/json", `{"subject":"x","body":"y"}`); status != 404 {
				t.Errorf("unknown template: %d", status)
			}
			status, body = e.do(t, "GET", "/api/v1/template-texts", e.keyA, "", "")
			if list, _ := body["template_texts"].([]any); status != 200 || len(list) != 1 || !strings.Contains(list[0].(map[string]any)["body"].(string), "Stop:") {
				t.Fatalf("list: %d %v", status, body)
			}
			if _, body := e.do(t, "GET", "/api/v1/template-texts", e.keyB, "", ""); len(body["template_texts"].([]any)) != 0 {
				t.Fatalf("B sees A's texts: %v", body)
			}
			if chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountTemplateTextSet, "sms_reminder", 10); len(chs) != 1 || chs[0].Actor.Kind != portal.ActorAPIKey {
				t.Fatalf("account log: %+v", chs)
			}
			if status, _ := e.do(t, "DELETE", path+"?creditor_id="+crB.ID, e.keyA, "", ""); status != 404 {
				t.Errorf("reset for another tenant's creditor: %d", status)
			}
			if status, _ := e.do(t, "DELETE", path, e.keyA, "", ""); status != 204 {
				t.Fatalf("reset: %d", status)
			}
			if txt, _ := e.db.TemplateTextFor(ctx, e.tenantA, "", "sms_reminder", "nl"); txt != nil {
				t.Fatalf("still there after reset: %+v", txt)
			}
		})
	}
}
