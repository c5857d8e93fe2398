package server

import (
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/portal/store"
)

// claimPageBudget is how many SQL statements a view of the claim page may
// run (BEGIN and COMMIT of its one transaction aside), per database, when
// this instance's page cache misses (the first view after a change to the
// claim's rows) and when it hits. Every debtor pays each of them on every
// view: raise it only for a query the page needs, and say so in
// docs/performance.md. The claim.viewed event's statements (two on SQLite,
// counted whole although the group commit shares them between the views of
// the same moment; three on PostgreSQL, in a transaction of its own) are
// included.
var (
	claimPageBudget    = map[string]int{store.SQLite: 8, store.Postgres: 9}
	claimPageHitBudget = map[string]int{store.SQLite: 3, store.Postgres: 4}
)

var claimLoad = regexp.MustCompile("^SELECT claims\\.\\*, .* FROM claims\\s+JOIN creditors")

// TestClaimPageQueries counts the statements of views of the claim page
// with the bank transfer and instalment blocks: on a cache miss the claim
// is loaded once and handed to them, on a hit the session's statement and
// the view event are all, and both stay within their budget and show the
// same page.
func TestClaimPageQueries(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, "")
			b := e.verified(e.be, "K-20417")
			// The first view creates the payment reference (a change of the
			// claim's rows): count the next two, a miss and a hit.
			if p := b.get("/p"); p.status != 200 {
				t.Fatalf("claim page %d", p.status)
			}
			var bodies []string
			for i, c := range []struct {
				name          string
				loads, budget int
			}{{"miss", 1, claimPageBudget[dialect]}, {"hit", 0, claimPageHitBudget[dialect]}} {
				log, err := e.db.LogQueries()
				if err != nil {
					t.Fatal(err)
				}
				p := b.get("/p")
				if p.status != 200 {
					t.Fatalf("claim page %d", p.status)
				}
				mustContain(t, "claim page", p.body, "Via overschrijving", "BE-B2B-0003")
				bodies = append(bodies, p.body)
				stmts := log.Statements()
				loads := 0
				for _, s := range stmts {
					if claimLoad.MatchString(s) {
						loads++
					}
				}
				if loads != c.loads || len(stmts) > c.budget || log.Transactions() != 1 {
					t.Errorf("claim page, view %d (%s): %d claim loads (want %d), %d statements (budget %d), %d transactions (want 1, the claim.viewed event):\n%s",
						i+2, c.name, loads, c.loads, len(stmts), c.budget, log.Transactions(), strings.Join(stmts, "\n"))
				}
				t.Logf("%s: %d statements in %d transaction(s)", c.name, len(stmts), log.Transactions())
			}
			if bodies[0] != bodies[1] {
				t.Errorf("the page served from the cache differs from the page read from the database")
			}
		})
	}
}
