package server

import (
	"context"
	"log/slog"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestAssignmentAPI: GET and PUT /api/v1/assignment read and set the
// key's tenant's automatic assignment (both fields required, each bad one
// named), the change is in the account log with the key, and what waits
// is assigned at once.
func TestAssignmentAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			ctx := context.Background()
			e.srv = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db,
				Clock: e.clock, Logger: slog.New(slog.NewTextHandler(e.logs, nil)), AccountLog: e.db, Conversations: e.db,
				Negotiation: &negotiation.Service{Store: e.db, Claims: e.db, Clock: e.clock, Assignments: e.db}})
			agent := &portal.User{TenantID: e.tenantA, Email: "ann@alpha.test", Name: "Ann", Role: portal.RoleAgent}
			if err := e.db.CreateUser(ctx, agent, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			c := &portal.Claim{Reference: "AS-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
				Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
			if err := e.db.CreateClaim(ctx, e.tenantA, c); err != nil {
				t.Fatal(err)
			}
			conv, err := e.db.OpenConversation(ctx, e.tenantA, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.db.PostMessage(ctx, &negotiation.Message{TenantID: e.tenantA, ConversationID: conv.ID, ClientID: "d-1",
				Kind: negotiation.MsgText, Author: negotiation.Author{Kind: portal.ActorDebtor, ID: "sess"}, Text: "Bonjour"}); err != nil {
				t.Fatal(err)
			}
			t.Run("Default", func(t *testing.T) {
				status, body := e.do(t, "GET", "/api/v1/assignment", e.keyA, "", "")
				if status != 200 || body["strategy"] != "off" || body["cap"] != float64(0) {
					t.Fatalf("%d %v", status, body)
				}
			})
			t.Run("OK", func(t *testing.T) {
				status, body := e.do(t, "PUT", "/api/v1/assignment", e.keyA, "application/json", `{"strategy": "fewest_open", "cap": 3}`)
				if status != 200 || body["strategy"] != "fewest_open" || body["cap"] != float64(3) {
					t.Fatalf("%d %v", status, body)
				}
				if _, body := e.do(t, "GET", "/api/v1/assignment", e.keyA, "", ""); body["strategy"] != "fewest_open" {
					t.Fatalf("not stored: %v", body)
				}
				if _, body := e.do(t, "GET", "/api/v1/assignment", e.keyB, "", ""); body["strategy"] != "off" {
					t.Fatalf("tenant B changed: %v", body)
				}
				if got, _ := e.db.FindConversation(ctx, e.tenantA, conv.ID); got.AgentID != agent.ID {
					t.Fatalf("the waiting conversation is %q's, want the agent's", got.AgentID)
				}
				chs, err := e.db.AccountChanges(ctx, e.tenantA, portal.AccountAssignmentSet, "", 10)
				if err != nil || len(chs) != 1 || chs[0].Actor.Kind != portal.ActorAPIKey {
					t.Fatalf("account log: %v %+v", err, chs)
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				for _, tt := range []struct{ body, field string }{
					{`{"cap": 3}`, "strategy"},
					{`{"strategy": "round_robin"}`, "cap"},
					{`{"strategy": "random", "cap": 3}`, "strategy"},
					{`{"strategy": "round_robin", "cap": -1}`, "cap"},
					{`{"strategy": "round_robin", "cap": 1001}`, "cap"},
					{`{"strategy": "round_robin", "cap": 3, "owners": false}`, "owners"},
				} {
					status, body := e.do(t, "PUT", "/api/v1/assignment", e.keyA, "application/json", tt.body)
					if code, _, field := errorOf(body); status != 400 || code != portal.EINVALID || field != tt.field {
						t.Errorf("%s: %d %v", tt.body, status, body)
					}
				}
				if _, body := e.do(t, "GET", "/api/v1/assignment", e.keyA, "", ""); body["strategy"] != "fewest_open" || body["cap"] != float64(3) {
					t.Fatalf("a refused body changed the settings: %v", body)
				}
			})
			t.Run("ErrUnauthorized", func(t *testing.T) {
				if status, _ := e.do(t, "PUT", "/api/v1/assignment", e.revokedKeyA, "application/json", `{"strategy": "off", "cap": 0}`); status != 401 {
					t.Fatalf("revoked key: %d", status)
				}
			})
		})
	}
}
