package negotiation

import (
	"errors"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// RulesBalance returns the balance function of the Service: what the
// debtor owes on a day under portal/rules (principal, interest,
// indemnities, less payments). When a needed rate is not published yet it
// falls back to the principal less credit notes and payments — the least
// the debtor owes — so that the chat keeps working; the agreement states
// the balance it was computed on.
func RulesBalance(r *rules.Rates) func(c *portal.Claim, today portal.Date) (int64, error) {
	return func(c *portal.Claim, today portal.Date) (int64, error) {
		b, err := r.Compute(c, today)
		if err == nil {
			return b.Total, nil
		}
		if !errors.Is(err, rules.ErrRateUnknown) {
			return 0, err
		}
		total := c.Principal()
		for _, cn := range c.CreditNotes {
			if !cn.IssueDate.After(today) {
				total -= cn.Amount
			}
		}
		for _, p := range c.Payments {
			if !p.ReceivedOn.After(today) {
				total -= p.Amount
			}
		}
		return total, nil
	}
}
