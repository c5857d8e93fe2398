package negotiation

import (
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// RulesBalance returns the balance function of the Service: what the
// debtor owes on a day under portal/rules (principal, interest,
// indemnities, less payments). When a needed rate is not published yet the
// interest is counted up to the last covered day, so the chat keeps working
// on that total; the agreement states the balance it was computed on and
// keeps its schedule when the rate is published later.
func RulesBalance(r *rules.Rates) func(c *portal.Claim, today portal.Date) (int64, error) {
	return func(c *portal.Claim, today portal.Date) (int64, error) {
		b, err := r.Compute(c, today)
		if err != nil {
			return 0, err
		}
		return b.Total, nil
	}
}
