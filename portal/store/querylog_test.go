package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestQueryLog records the statements of a claim load (no transaction)
// and of an event append (one transaction), as text without values.
func TestQueryLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("QUERYLOG")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		log, err := db.LogQueries()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindClaim(ctx, a.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		stmts := log.Statements()
		// The claim with its creditor and debtor in one JOIN, then its
		// invoices, payments and credit notes in one UNION ALL.
		if len(stmts) != 2 || !strings.Contains(stmts[0], "claims") || log.Transactions() != 0 {
			t.Fatalf("find claim: %d statements, %d transactions:\n%s", len(stmts), log.Transactions(), strings.Join(stmts, "\n"))
		}
		for _, s := range stmts {
			if strings.Contains(s, c.ID) || strings.Contains(s, c.Reference) {
				t.Fatalf("a value is in the log: %s", s)
			}
		}
		// A page of the list, whatever its size: its claims joined with
		// their debtors, then their invoices, payments and credit notes in
		// one UNION ALL (issue 22).
		for i := 0; i < 3; i++ {
			if err := db.CreateClaim(ctx, a.ID, newClaim(fmt.Sprintf("QUERYLOG-%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		for _, with := range []bool{false, true} {
			log.Reset()
			list, _, err := db.FindClaims(ctx, a.ID, portal.ClaimFilter{WithPayments: with})
			if err != nil || len(list) != 4 || list[3].Debtor == nil || len(list[3].Invoices) != 2 {
				t.Fatalf("list: %v, %d claims", err, len(list))
			}
			stmts = log.Statements()
			if len(stmts) != 2 || !strings.Contains(stmts[0], "JOIN debtors") || strings.Count(stmts[1], "UNION ALL") != map[bool]int{false: 0, true: 2}[with] || log.Transactions() != 0 {
				t.Fatalf("list with payments %v: %d statements, %d transactions:\n%s", with, len(stmts), log.Transactions(), strings.Join(stmts, "\n"))
			}
		}
		log.Reset()
		if _, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventMessageSent, map[string]any{"text": "bonjour"}); err != nil {
			t.Fatal(err)
		}
		if n := len(log.Statements()); n == 0 || log.Transactions() != 1 {
			t.Fatalf("append: %d statements, %d transactions", n, log.Transactions())
		}
	})
}
