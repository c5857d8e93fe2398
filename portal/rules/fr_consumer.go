package rules

import (
	"fmt"

	"github.com/relais/relais/portal"
)

// legalIncrease is the increase of the French legal rate two months after
// a court decision becomes enforceable (CMF L313-3), in basis points.
const legalIncrease = 500

// frConsumer is France against a consumer: the legal rate (fr_legal_other,
// the rate for creditors other than private persons; CMF L313-2) from the
// day after the formal notice (Code civil 1231-6, 1344-1), or after the due
// date if later; no notice, no interest. Two months after a judgment or an
// order for payment becomes enforceable (Claim.EnforceableOn) the rate is
// increased by 5 points (CMF L313-3). No flat indemnity (CPCE L111-8).
func (r *Rates) frConsumer(c *portal.Claim, asOf portal.Date) *ruleSet {
	rs := &ruleSet{key: "fr.consumer", series: []string{SeriesFRLegalOther}}
	rs.rate = r.seriesRate(SeriesFRLegalOther, RuleFRConsumerInterest)
	notice := c.FormalNoticeOn
	switch {
	case notice.IsZero():
		rs.start = never
		rs.refs = append(rs.refs, ruleRef(RuleFRConsumerNoNotice, "no formal notice recorded"))
	case notice.After(asOf):
		rs.start = never
		rs.refs = append(rs.refs, ruleRef(RuleFRConsumerNoNotice, fmt.Sprintf("formal notice of %s is after %s", notice, asOf)))
	default:
		rs.start = func(inv *portal.Invoice) (portal.Date, bool) { return maxDate(inv.DueDate, notice), true }
		rs.refs = append(rs.refs, ruleRef(RuleFRConsumerInterest, fmt.Sprintf("formal notice of %s; interest from %s", notice, notice.AddDays(1))))
	}
	if e := c.EnforceableOn; !e.IsZero() {
		from := e.AddMonths(2)
		base := rs.rate
		rs.rate = func(d portal.Date) (int64, string, error) {
			rate, rule, err := base(d)
			if err != nil || d.Before(from) {
				return rate, rule, err
			}
			return rate + legalIncrease, RuleFRLegalIncreased, nil
		}
		rs.cuts = append(rs.cuts, from)
		rs.refs = append(rs.refs, ruleRef(RuleFRLegalIncreased, fmt.Sprintf("enforceable since %s; legal rate + 5 points from %s", e, from)))
	}
	rs.refs = append(rs.refs, ruleRef(RuleFRConsumerNoIndemnity, ""))
	return rs
}
