package server

import (
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/portal/store"
)

// claimPageBudget is how many SQL statements a view of the claim page may
// run (BEGIN and COMMIT of its one transaction aside), per database. Every
// debtor pays each of them on every view: raise it only for a query the
// page needs, and say so in docs/performance.md. The claim.viewed event's
// statements (two on SQLite, counted whole although the group commit shares
// them between the views of the same moment; three on PostgreSQL, in a
// transaction of its own) are included.
var claimPageBudget = map[string]int{store.SQLite: 8, store.Postgres: 9}

var claimLoad = regexp.MustCompile("^SELECT claims\\.\\*, .* FROM claims\\s+JOIN creditors")

// TestClaimPageQueries counts the statements of one view of the claim page
// with the bank transfer and instalment blocks: the claim is loaded once
// and handed to them, and the page stays within its budget.
func TestClaimPageQueries(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, "")
			b := e.verified(e.be, "K-20417")
			// The first view creates the payment reference; count a later one.
			if p := b.get("/p"); p.status != 200 {
				t.Fatalf("claim page %d", p.status)
			}
			log, err := e.db.LogQueries()
			if err != nil {
				t.Fatal(err)
			}
			p := b.get("/p")
			if p.status != 200 {
				t.Fatalf("claim page %d", p.status)
			}
			mustContain(t, "claim page", p.body, "Via overschrijving", "BE-B2B-0003")
			stmts := log.Statements()
			loads := 0
			for _, s := range stmts {
				if claimLoad.MatchString(s) {
					loads++
				}
			}
			if loads != 1 || len(stmts) > claimPageBudget[dialect] || log.Transactions() != 1 {
				t.Errorf("claim page: %d claim loads (want 1), %d statements (budget %d), %d transactions (want 1, the claim.viewed event):\n%s",
					loads, len(stmts), claimPageBudget[dialect], log.Transactions(), strings.Join(stmts, "\n"))
			}
			t.Logf("%d statements in %d transaction(s)", len(stmts), log.Transactions())
		})
	}
}
