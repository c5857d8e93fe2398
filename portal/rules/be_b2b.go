package rules

import "github.com/relais/relais/portal"

// beB2B is Belgium between enterprises (law of 2 August 2002): interest
// from the day after the due date, without notice, at the half-year's
// reference rate (be_b2b); EUR 40 per late invoice (art. 6).
func (r *Rates) beB2B(c *portal.Claim) *ruleSet {
	rs := &ruleSet{key: "be.b2b", start: fromDue, series: []string{SeriesBEB2B}}
	rs.rate = r.seriesRate(SeriesBEB2B, RuleBEB2BInterest)
	rs.refs = append(rs.refs, ruleRef(RuleBEB2BInterest, ""))
	rs.flatIndemnity(c, RuleBEB2BCompensation)
	return rs
}
