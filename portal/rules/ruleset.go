package rules

import (
	"fmt"

	"github.com/relais/relais/portal"
)

// A rule set is the law of one jurisdiction and debtor kind, each in its
// own file (fr_b2b.go, fr_consumer.go, be_b2b.go, be_consumer.go): when
// interest starts on an invoice, at which rate, which flat costs arise and
// when. compute.go holds what they share: the periods, the arithmetic and
// the order in which payments go (allocation.go).
type ruleSet struct {
	key string
	// series whose line boundaries split interest periods.
	series []string
	// cuts are other days a period line must start on (the +5 point
	// increase of the French legal rate).
	cuts []portal.Date
	// rate gives the yearly rate in basis points for day d, and the rule
	// key of the resulting period line.
	rate func(d portal.Date) (int64, string, error)
	// start returns the last day before interest accrues on inv (interest
	// runs from the day after); ok is false when none accrues.
	start func(inv *portal.Invoice) (last portal.Date, ok bool)
	// flat is the indemnity per late invoice in minor units (0: none).
	flat     int64
	flatRule string
	// damagesOn are the days Belgian consumer damages may fall due (the
	// day after each invoice's free period); empty: none.
	damagesOn []portal.Date
	// refs are the rules that apply to the claim and the notes that
	// explain what is not charged.
	refs []RuleRef
}

// Flat amounts, in euro cents.
const (
	flatIndemnityEUR = 4000 // FR D441-5, BE law of 2 Aug 2002 art. 6
	damagesCapEUR    = 200000
)

const (
	daysInYear   = 365
	basisPoints  = 10000
	percentScale = 100
)

func (r *Rates) ruleSetFor(c *portal.Claim, asOf portal.Date) (*ruleSet, error) {
	switch {
	case c.Jurisdiction == portal.JurisdictionFR && c.Debtor.Kind == portal.DebtorBusiness:
		return r.frB2B(c), nil
	case c.Jurisdiction == portal.JurisdictionFR && c.Debtor.Kind == portal.DebtorConsumer:
		return r.frConsumer(c, asOf), nil
	case c.Jurisdiction == portal.JurisdictionBE && c.Debtor.Kind == portal.DebtorBusiness:
		return r.beB2B(c), nil
	case c.Jurisdiction == portal.JurisdictionBE && c.Debtor.Kind == portal.DebtorConsumer:
		return r.beConsumer(c, asOf), nil
	}
	return nil, portal.Errorf(portal.EINVALID, "no rules for jurisdiction %q and debtor kind %q", string(c.Jurisdiction), string(c.Debtor.Kind))
}

// fromDue: interest runs from the day after the due date.
func fromDue(inv *portal.Invoice) (portal.Date, bool) { return inv.DueDate, true }

// never: no interest accrues.
func never(*portal.Invoice) (portal.Date, bool) { return portal.Date{}, false }

// seriesRate is the rate of one series, as a line of the given rule.
func (r *Rates) seriesRate(series, rule string) func(portal.Date) (int64, string, error) {
	return func(d portal.Date) (int64, string, error) {
		p, err := r.Rate(series, d)
		return p.RateBP, rule, err
	}
}

// flatIndemnity sets the EUR 40 per late invoice of business claims, or
// says why none is charged on a claim in another currency.
func (rs *ruleSet) flatIndemnity(c *portal.Claim, rule string) {
	if c.Currency != "EUR" {
		rs.refs = append(rs.refs, noEURIndemnity(c))
		return
	}
	rs.flat, rs.flatRule = flatIndemnityEUR, rule
	rs.refs = append(rs.refs, ruleRef(rule, ""))
}

func noEURIndemnity(c *portal.Claim) RuleRef {
	return ruleRef(RuleNoIndemnityCurrency, fmt.Sprintf("claim currency %s", c.Currency))
}
