package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

// beConsumer is Belgium, an enterprise against a consumer (Code of
// Economic Law, Book XIX, law of 4 May 2023):
//
//   - each invoice needs its own free first reminder, sent after it fell
//     due (Invoice.FirstReminderOn, or the claim's first reminder for the
//     invoices already due then); nothing is charged on it until 14 days
//     after (escalation.BEConsumerFreePeriod: from the day after an
//     e-mail, or from the third working day after a letter is posted);
//   - damages and interest are contractual maxima: flat damages only with
//     a damages clause (Claim.DamagesClause), by band and capped; interest
//     at the contract rate (Claim.ContractRateBP) but at most the reference
//     rate of the law of 2 August 2002, or without an interest clause at
//     the civil legal rate (be_civil_legal).
func (r *Rates) beConsumer(c *portal.Claim, asOf portal.Date) *ruleSet {
	rs := &ruleSet{key: "be.consumer"}
	if c.ContractRateBP != nil {
		contract := *c.ContractRateBP
		rs.series = []string{SeriesBEB2B}
		rs.rate = func(d portal.Date) (int64, string, error) {
			p, err := r.Rate(SeriesBEB2B, d)
			if err != nil {
				return 0, "", err
			}
			if contract < p.RateBP {
				return contract, RuleBEConsumerContractRate, nil
			}
			return p.RateBP, RuleBEConsumerInterest, nil
		}
	} else {
		rs.series = []string{SeriesBECivilLegal}
		rs.rate = r.seriesRate(SeriesBECivilLegal, RuleBEConsumerCivilRate)
	}

	// The last free day of each invoice that a first reminder covers.
	free := map[*portal.Invoice]portal.Date{}
	var periods, uncovered []string
	damageDays := map[portal.Date]bool{}
	for _, inv := range c.Invoices {
		on, ch, ok := reminderOf(c, inv)
		if !ok || on.After(asOf) {
			uncovered = append(uncovered, inv.Number)
			continue
		}
		first, last := escalation.BEConsumerFreePeriod(on, ch)
		free[inv] = maxDate(inv.DueDate, last)
		damageDays[free[inv].AddDays(1)] = true
		periods = append(periods, fmt.Sprintf("invoice %s: first reminder of %s by %s, free from %s to %s",
			inv.Number, on, channelName(ch), first, last))
	}
	rs.start = func(inv *portal.Invoice) (portal.Date, bool) {
		last, ok := free[inv]
		return last, ok
	}
	if len(free) == 0 {
		detail := "no first reminder recorded"
		if !c.FirstReminderOn.IsZero() && c.FirstReminderOn.After(asOf) {
			detail = fmt.Sprintf("first reminder of %s is after %s", c.FirstReminderOn, asOf)
		}
		rs.refs = append(rs.refs, ruleRef(RuleBEConsumerNoReminder, detail))
		return rs
	}
	rs.refs = append(rs.refs, ruleRef(RuleBEConsumerWaiting, strings.Join(periods, "; ")))
	if len(uncovered) > 0 {
		rs.refs = append(rs.refs, ruleRef(RuleBEConsumerNotReminded, "no first reminder yet for "+strings.Join(uncovered, ", ")))
	}
	if c.ContractRateBP != nil {
		rs.refs = append(rs.refs, ruleRef(RuleBEConsumerInterest, fmt.Sprintf("contract rate %s %%", formatBP(*c.ContractRateBP))))
	} else {
		rs.refs = append(rs.refs, ruleRef(RuleBEConsumerCivilRate, "no interest clause recorded"))
	}
	switch {
	case c.Currency != "EUR":
		rs.refs = append(rs.refs, noEURIndemnity(c))
	case !c.DamagesClause:
		rs.refs = append(rs.refs, ruleRef(RuleBEConsumerNoDamagesClause, "no damages clause recorded"))
	default:
		for d := range damageDays {
			rs.damagesOn = append(rs.damagesOn, d)
		}
		sort.Slice(rs.damagesOn, func(i, j int) bool { return rs.damagesOn[i].Before(rs.damagesOn[j]) })
		rs.refs = append(rs.refs, ruleRef(RuleBEConsumerDamages, ""))
	}
	return rs
}

// reminderOf is the first reminder that covers inv: its own, or the
// claim's first reminder when the invoice was already due then. A
// reminder sent before the due date covers nothing: the debt was not late.
func reminderOf(c *portal.Claim, inv *portal.Invoice) (portal.Date, escalation.Channel, bool) {
	if on := inv.FirstReminderOn; !on.IsZero() && inv.DueDate.Before(on) {
		return on, escalation.Channel(inv.FirstReminderChannel), true
	}
	if on := c.FirstReminderOn; !on.IsZero() && inv.DueDate.Before(on) {
		return on, escalation.Channel(c.FirstReminderChannel), true
	}
	return portal.Date{}, "", false
}

// channelName names the channel as the free period counts it: anything but
// an e-mail counts as a posted letter.
func channelName(ch escalation.Channel) string {
	if ch == escalation.ChannelEmail {
		return "e-mail"
	}
	return "letter"
}
