package server_test

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server"
	"github.com/relais/relais/server/servertest"
)

// nullable are the fields that may be null: values not known (a date, a
// rate, a cursor), never lists.
var nullable = regexp.MustCompile(`^"([a-z_]+_on|[a-z_]+_at|contract_rate_bp|birth_date|to|current|payload)":null$`)

// TestListsAreNeverNull: on a fresh tenant with one claim and nothing
// else, every list the API's GET routes answer is [], never null (issue
// 19), on both databases.
func TestListsAreNeverNull(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testListsAreNeverNull(t, dialect) })
	}
}

func testListsAreNeverNull(t *testing.T, dialect string) {
	ctx := context.Background()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	w := servertest.Wire(t, db, servertest.Options{Clock: clock})
	srv := server.New(w.Config, w.Deps)
	tn := &portal.Tenant{Name: "A"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	cr := &portal.Creditor{TenantID: tn.ID, LegalName: "A SA", Country: "FR"}
	if err := db.CreateCreditor(ctx, cr); err != nil {
		t.Fatal(err)
	}
	_, key, err := db.CreateAPIKey(ctx, tn.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/v1/claims", strings.NewReader(`{"reference":"INV-1","currency":"EUR","jurisdiction":"FR",
 "debtor":{"kind":"business","name":"Dupont SARL","language":"fr","email":"a@b.fr","postcode":"75011","country":"FR"},
 "invoices":[{"number":"F-1","issue_date":"2024-01-01","due_date":"2024-01-31","amount":100000}]}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, _ := srv.App().Test(req, -1)
	b, _ := io.ReadAll(resp.Body)
	id := regexp.MustCompile(`"id":"([a-z0-9]+)"`).FindStringSubmatch(string(b))[1]
	for _, p := range []string{"/api/v1/claims", "/api/v1/claims/" + id, "/api/v1/claims/" + id + "/events", "/api/v1/claims/" + id + "/instalments",
		"/api/v1/claims/" + id + "/links", "/api/v1/claims/" + id + "/disputes", "/api/v1/claims/" + id + "/offers", "/api/v1/claims/" + id + "/conversation",
		"/api/v1/claims/" + id + "/letters", "/api/v1/claims/" + id + "/reminders", "/api/v1/claims/" + id + "/timeline", "/api/v1/claims/" + id + "/balance",
		"/api/v1/sequences", "/api/v1/letters/to-print", "/api/v1/webhooks", "/api/v1/creditors", "/api/v1/rates", "/api/v1/retention", "/api/v1/claims/" + id + "/policy",
		"/api/v1/creditors/" + cr.ID + "/policy", "/api/v1/event-kinds", "/api/v1/account-log"} {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, _ := srv.App().Test(req, -1)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, b)
		}
		for _, n := range regexp.MustCompile(`"[a-z_]+":null`).FindAllString(string(b), -1) {
			if !nullable.MatchString(n) {
				t.Errorf("GET %s: %s", p, n)
			}
		}
	}
}
