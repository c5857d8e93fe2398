package rules

import (
	"fmt"

	"github.com/relais/relais/portal"
)

// frB2B is France between professionals (Code de commerce L441-10,
// D441-5): interest from the day after the due date, without notice, at
// the half-year's fr_b2b rate (ECB + 10 points) or at the contract rate,
// never below 3 × the legal rate; EUR 40 per late invoice.
func (r *Rates) frB2B(c *portal.Claim) *ruleSet {
	rs := &ruleSet{key: "fr.b2b", start: fromDue}
	if c.ContractRateBP != nil {
		contract := *c.ContractRateBP
		rs.series = []string{SeriesFRLegalOther}
		rs.rate = func(d portal.Date) (int64, string, error) {
			p, err := r.Rate(SeriesFRLegalOther, d)
			if err != nil {
				return 0, "", err
			}
			if floor := 3 * p.RateBP; contract < floor {
				return floor, RuleFRB2BContractRateFloor, nil
			}
			return contract, RuleFRB2BContractRate, nil
		}
		rs.refs = append(rs.refs, ruleRef(RuleFRB2BContractRate, fmt.Sprintf("contract rate %s %%", formatBP(contract))))
	} else {
		rs.series = []string{SeriesFRB2B}
		rs.rate = r.seriesRate(SeriesFRB2B, RuleFRB2BInterest)
		rs.refs = append(rs.refs, ruleRef(RuleFRB2BInterest, ""))
	}
	rs.flatIndemnity(c, RuleFRB2BIndemnity)
	return rs
}
