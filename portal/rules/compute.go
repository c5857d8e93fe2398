package rules

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/relais/relais/portal"
)

type baseChange struct {
	from portal.Date // first day the base is in force
	base int64
}

type invState struct {
	inv           *portal.Invoice
	net           int64 // amount after credit notes
	base          int64 // unpaid principal now
	changes       []baseChange
	start         portal.Date
	accrues       bool
	principalPaid int64
	interestPaid  int64
}

func (s *invState) setBase(from portal.Date, base int64) {
	s.base = base
	if n := len(s.changes); n > 0 && s.changes[n-1].from == from {
		s.changes[n-1].base = base
		return
	}
	s.changes = append(s.changes, baseChange{from, base})
}

// owedIn reports whether some principal is unpaid on a day of [from, to].
func (s *invState) owedIn(from, to portal.Date) bool {
	if s.baseAt(from) > 0 {
		return true
	}
	for _, c := range s.changes {
		if c.from.After(from) && !c.from.After(to) && c.base > 0 {
			return true
		}
	}
	return false
}

func (s *invState) baseAt(d portal.Date) int64 {
	b := s.net
	for _, c := range s.changes {
		if !d.Before(c.from) {
			b = c.base
		}
	}
	return b
}

type allocEntry struct {
	kind   string
	idx    int // invoice index (principal, interest) or cost index (indemnity)
	amount int64
}

type calc struct {
	// until is the last day interest is counted: asOf, or the day before
	// the first day a needed rate is not known.
	until   portal.Date
	cur     portal.Currency
	r       *Rates
	rs      *ruleSet
	states  []*invState
	costs   []IndemnityLine
	costOf  []int // invoice index of each cost, -1 for claim level
	stack   []allocEntry
	byID    map[string]int // invoice index by ID
	unalloc int64
	allocs  []AllocationLine
}

// Compute returns what the debtor of c owes on asOf under the rules of
// c.Jurisdiction and c.Debtor.Kind. It needs c.Debtor; bad claim data
// gives EINVALID.
//
// A day for which a needed rate is not known is never counted at a guessed
// or zero rate: interest is counted up to the last day before the first
// such day, and the balance says so (Complete false, ComputedTo, the
// missing series and each invoice's pending days). Everything else (costs,
// payments, credit notes) is as usual, so the debtor can pay what is known
// to be owed; the rest is added once the rate is recorded.
func (r *Rates) Compute(c *portal.Claim, asOf portal.Date) (*Balance, error) {
	if err := checkInput(c, asOf); err != nil {
		return nil, err
	}
	rs, err := r.ruleSetFor(c, asOf)
	if err != nil {
		return nil, err
	}
	k := &calc{cur: c.Currency, r: r, rs: rs}
	b := &Balance{AsOf: asOf, Currency: c.Currency, Jurisdiction: c.Jurisdiction, DebtorKind: c.Debtor.Kind, RuleSet: rs.key}

	// Invoices, oldest due date first.
	invs := append([]*portal.Invoice(nil), c.Invoices...)
	sort.SliceStable(invs, func(i, j int) bool { return invs[i].DueDate.Before(invs[j].DueDate) })
	byID := map[string]int{}
	for i, inv := range invs {
		st := &invState{inv: inv, net: inv.Amount, base: inv.Amount}
		st.start, st.accrues = rs.start(inv)
		k.states = append(k.states, st)
		if inv.ID != "" {
			byID[inv.ID] = i
		}
		b.Principal += inv.Amount
	}

	k.until = asOf
	b.Complete = true
	if first, ok := k.firstInterestDay(); ok && !asOf.Before(first) {
		for _, s := range rs.series {
			if g, ok := r.firstGap(s, first, asOf); ok && g.AddDays(-1).Before(k.until) {
				k.until = g.AddDays(-1)
			}
			for _, gap := range r.gaps(s, first, asOf) {
				b.MissingRates = append(b.MissingRates, MissingRate{Series: s, From: gap.From, To: gap.To.AddDays(-1)})
			}
		}
		b.Complete = len(b.MissingRates) == 0
	}
	b.ComputedTo = k.until
	if b.MissingRates == nil {
		b.MissingRates = []MissingRate{}
	}

	k.byID = byID
	credited, excess, err := k.applyCreditNotes(c.CreditNotes, asOf, byID)
	if err != nil {
		return nil, err
	}
	b.CreditNotes = credited + excess
	k.unalloc += excess

	if err := k.run(c.Payments, asOf); err != nil {
		return nil, err
	}

	// Final interest and lines.
	used := map[string]bool{}
	pending := false
	for i, st := range k.states {
		lines, err := k.interest(st, asOf)
		if err != nil {
			return nil, err
		}
		il := InvoiceLine{
			InvoiceID: st.inv.ID, Number: st.inv.Number, DueDate: st.inv.DueDate, Amount: st.inv.Amount,
			CreditNotes: st.inv.Amount - st.net, PrincipalPaid: st.principalPaid, PrincipalDue: st.base,
			InterestPaid: st.interestPaid, Periods: lines,
		}
		if il.Periods == nil {
			il.Periods = []PeriodLine{}
		}
		if d := st.inv.DueDate.DaysUntil(asOf); d > 0 {
			il.DaysLate = d
		}
		if st.accrues {
			il.InterestFrom = st.start.AddDays(1)
			if from := maxDate(il.InterestFrom, k.until.AddDays(1)); k.until.Before(asOf) && !asOf.Before(from) && st.owedIn(from, asOf) {
				il.Pending = &PendingLine{From: from, To: asOf, Days: from.DaysUntil(asOf) + 1}
				pending = true
			}
		}
		for _, l := range lines {
			il.Interest += l.Amount
			used[l.Rule] = true
		}
		il.InterestDue = il.Interest - il.InterestPaid
		for ci, cost := range k.costs {
			if k.costOf[ci] == i {
				il.Indemnity += cost.Amount
				il.IndemnityPaid += cost.Paid
			}
		}
		il.IndemnityDue = il.Indemnity - il.IndemnityPaid
		il.Total = il.PrincipalDue + il.InterestDue + il.IndemnityDue
		b.Invoices = append(b.Invoices, il)
		b.Interest += il.Interest
		b.PrincipalDue += il.PrincipalDue
		b.InterestDue += il.InterestDue
	}
	for _, cost := range k.costs {
		b.Indemnities += cost.Amount
		b.IndemnitiesDue += cost.Amount - cost.Paid
	}
	for _, p := range c.Payments {
		if !p.ReceivedOn.After(asOf) {
			b.Paid += p.Amount
		}
	}
	if !pending { // the days without a rate bear no interest: nothing waits
		b.Complete, b.ComputedTo, b.MissingRates = true, asOf, []MissingRate{}
	}
	b.Unallocated = k.unalloc
	b.Total = b.PrincipalDue + b.InterestDue + b.IndemnitiesDue
	b.IndemnityLines = k.costs
	if b.IndemnityLines == nil {
		b.IndemnityLines = []IndemnityLine{}
	}
	b.Allocations = k.allocs
	if b.Allocations == nil {
		b.Allocations = []AllocationLine{}
	}
	if b.Invoices == nil {
		b.Invoices = []InvoiceLine{}
	}

	// Rules: the rule set's own, then any other rule a line used.
	seen := map[string]bool{}
	add := func(ref RuleRef) {
		if !seen[ref.Key] {
			seen[ref.Key] = true
			b.Rules = append(b.Rules, ref)
		}
	}
	for _, ref := range rs.refs {
		add(ref)
	}
	for _, key := range []string{RuleFRB2BInterest, RuleFRB2BContractRate, RuleFRB2BContractRateFloor, RuleFRConsumerInterest, RuleFRLegalIncreased,
		RuleBEB2BInterest, RuleBEConsumerInterest, RuleBEConsumerContractRate, RuleBEConsumerCivilRate} {
		if used[key] {
			add(ruleRef(key, ""))
		}
	}
	if b.CreditNotes != 0 {
		add(ruleRef(RuleCreditNotes, ""))
	}
	if len(c.Payments) > 0 {
		add(ruleRef(RuleAllocation, ""))
	}
	for _, p := range c.Payments {
		if p.InvoiceID != "" && !p.ReceivedOn.After(asOf) {
			add(ruleRef(RuleAllocationChosen, ""))
			break
		}
	}
	if !b.Complete {
		var names []string
		for _, m := range b.MissingRates {
			names = append(names, fmt.Sprintf("%s from %s to %s", m.Series, m.From, m.To))
		}
		add(ruleRef(RuleRatePending, fmt.Sprintf("interest counted to %s; no published rate yet for %s", k.until, strings.Join(names, ", "))))
	}
	return b, nil
}

// firstInterestDay is the earliest day interest may accrue on any invoice.
func (k *calc) firstInterestDay() (portal.Date, bool) {
	var first portal.Date
	found := false
	for _, st := range k.states {
		if !st.accrues {
			continue
		}
		if d := st.start.AddDays(1); !found || d.Before(first) {
			first, found = d, true
		}
	}
	return first, found
}

func checkInput(c *portal.Claim, asOf portal.Date) error {
	switch {
	case c == nil:
		return portal.Errorf(portal.EINVALID, "balance: claim is required")
	case asOf.IsZero():
		return portal.Errorf(portal.EINVALID, "balance: the date (at=YYYY-MM-DD) is required")
	case c.Debtor == nil:
		return portal.Errorf(portal.EINVALID, "balance: the claim's debtor is required to choose the rules")
	case c.ContractRateBP != nil && (*c.ContractRateBP < 0 || *c.ContractRateBP > basisPoints):
		return portal.FieldError("contract_rate_bp", "contract_rate_bp must be between 0 and 10000 basis points")
	}
	if err := c.Currency.Validate(); err != nil {
		return err
	}
	for i, inv := range c.Invoices {
		switch {
		case inv == nil:
			return portal.Errorf(portal.EINVALID, "balance: invoice %d is missing", i)
		case inv.DueDate.IsZero():
			return portal.Errorf(portal.EINVALID, "balance: invoice %s has no due date", inv.Number)
		case inv.Amount <= 0 || inv.Amount > portal.MaxAmount:
			return portal.Errorf(portal.EINVALID, "balance: invoice %s has an invalid amount", inv.Number)
		}
	}
	for i, p := range c.Payments {
		switch {
		case p == nil:
			return portal.Errorf(portal.EINVALID, "balance: payment %d is missing", i)
		case p.ReceivedOn.IsZero():
			return portal.Errorf(portal.EINVALID, "balance: payment %s has no received_on date", p.ID)
		case p.Amount == 0 || p.Amount > portal.MaxAmount || p.Amount < -portal.MaxAmount:
			return portal.Errorf(portal.EINVALID, "balance: payment %s has an invalid amount", p.ID)
		case p.Currency != "" && p.Currency != c.Currency:
			return portal.Errorf(portal.EINVALID, "balance: payment %s is in %s but the claim is in %s", p.ID, p.Currency, c.Currency)
		}
	}
	for i, cn := range c.CreditNotes {
		switch {
		case cn == nil:
			return portal.Errorf(portal.EINVALID, "balance: credit note %d is missing", i)
		case cn.Amount <= 0 || cn.Amount > portal.MaxAmount:
			return portal.Errorf(portal.EINVALID, "balance: credit note %s has an invalid amount", cn.Number)
		}
	}
	return nil
}

// applyCreditNotes reduces invoices by the credit notes issued on or
// before asOf (undated ones always count): first the invoice each names,
// then what is left, and unnamed notes, on the oldest invoices. It returns
// the amount applied and the excess no invoice could take.
func (k *calc) applyCreditNotes(cns []*portal.CreditNote, asOf portal.Date, byID map[string]int) (applied, excess int64, err error) {
	var notes []*portal.CreditNote
	for _, cn := range cns {
		if cn.IssueDate.IsZero() || !cn.IssueDate.After(asOf) {
			notes = append(notes, cn)
		}
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].IssueDate.Before(notes[j].IssueDate) })
	left := make([]int64, len(notes))
	take := func(cn *portal.CreditNote, i int, amount int64) int64 {
		st := k.states[i]
		x := min(amount, st.net)
		if x <= 0 {
			return 0
		}
		st.net -= x
		st.base = st.net
		k.allocs = append(k.allocs, AllocationLine{Source: SourceCreditNote, SourceID: cn.ID, Date: cn.IssueDate,
			InvoiceID: st.inv.ID, InvoiceNumber: st.inv.Number, Kind: KindPrincipal, Amount: x})
		return x
	}
	for n, cn := range notes {
		left[n] = cn.Amount
		if cn.InvoiceID == "" {
			continue
		}
		i, ok := byID[cn.InvoiceID]
		if !ok {
			return 0, 0, portal.Errorf(portal.EINVALID, "balance: credit note %s names invoice %s, which is not in the claim", cn.Number, cn.InvoiceID)
		}
		x := take(cn, i, left[n])
		left[n] -= x
		applied += x
	}
	for n, cn := range notes {
		for i := range k.states {
			if left[n] == 0 {
				break
			}
			x := take(cn, i, left[n])
			left[n] -= x
			applied += x
		}
		if left[n] > 0 {
			excess += left[n]
			k.allocs = append(k.allocs, AllocationLine{Source: SourceCreditNote, SourceID: cn.ID, Date: cn.IssueDate,
				Kind: KindUnallocated, Amount: left[n]})
		}
	}
	return applied, excess, nil
}

type event struct {
	date portal.Date
	kind int // evIndemnity, evDamages, evPayment: costs arise before same-day payments
	seq  int
	inv  int
	pay  *portal.Payment
}

const (
	evIndemnity = iota
	evDamages
	evPayment
)

// run replays, in date order, the days costs fall due and the payments
// received up to asOf.
func (k *calc) run(payments []*portal.Payment, asOf portal.Date) error {
	var evs []event
	if k.rs.flat > 0 {
		for i, st := range k.states {
			if d := st.inv.DueDate.AddDays(1); !asOf.Before(d) {
				evs = append(evs, event{date: d, kind: evIndemnity, inv: i})
			}
		}
	}
	for _, d := range k.rs.damagesOn {
		if !asOf.Before(d) {
			evs = append(evs, event{date: d, kind: evDamages})
		}
	}
	for _, p := range payments {
		if !p.ReceivedOn.After(asOf) {
			evs = append(evs, event{date: p.ReceivedOn, kind: evPayment, pay: p})
		}
	}
	for i := range evs {
		evs[i].seq = i
	}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.date != b.date {
			return a.date.Before(b.date)
		}
		return a.kind < b.kind
	})
	for _, ev := range evs {
		switch ev.kind {
		case evIndemnity:
			st := k.states[ev.inv]
			if st.base > 0 { // some principal was still unpaid at the end of the due date
				k.costs = append(k.costs, IndemnityLine{InvoiceID: st.inv.ID, InvoiceNumber: st.inv.Number,
					On: ev.date, Base: st.base, Amount: k.rs.flat, Rule: k.rs.flatRule})
				k.costOf = append(k.costOf, ev.inv)
			}
		case evDamages:
			// The cap applies to the balance of the invoices whose free
			// period has ended; an invoice whose period ends later tops the
			// damages up to the cap of the larger balance.
			var balance, charged int64
			for _, st := range k.states {
				if st.accrues && st.start.Before(ev.date) {
					balance += st.base
				}
			}
			for _, cost := range k.costs {
				if cost.Rule == RuleBEConsumerDamages {
					charged += cost.Amount
				}
			}
			if x := ConsumerDamages(balance) - charged; balance > 0 && x > 0 {
				k.costs = append(k.costs, IndemnityLine{On: ev.date, Base: balance, Amount: x, Rule: RuleBEConsumerDamages})
				k.costOf = append(k.costOf, -1)
			}
		case evPayment:
			var err error
			if ev.pay.Amount > 0 {
				err = k.pay(ev.pay)
			} else {
				err = k.refund(ev.pay)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// interest returns the period lines of one invoice for the days from its
// interest start up to and including upto, with the base changes known so
// far. A period ends where a rate line of the rule set's series ends or the
// unpaid principal changes.
func (k *calc) interest(st *invState, upto portal.Date) ([]PeriodLine, error) {
	if !st.accrues {
		return nil, nil
	}
	if k.until.Before(upto) { // no rate known after until: those days wait
		upto = k.until
	}
	first := st.start.AddDays(1)
	if upto.Before(first) {
		return nil, nil
	}
	cuts := map[portal.Date]bool{}
	for _, c := range st.changes {
		if first.Before(c.from) && !upto.Before(c.from) {
			cuts[c.from] = true
		}
	}
	for _, s := range k.rs.series {
		for _, d := range k.r.boundaries(s, first, upto) {
			cuts[d] = true
		}
	}
	for _, d := range k.rs.cuts {
		if first.Before(d) && !upto.Before(d) {
			cuts[d] = true
		}
	}
	starts := []portal.Date{first}
	for d := range cuts {
		starts = append(starts, d)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	var lines []PeriodLine
	for n, from := range starts {
		to := upto
		if n+1 < len(starts) {
			to = starts[n+1].AddDays(-1)
		}
		base := st.baseAt(from)
		if base <= 0 {
			continue
		}
		rate, rule, err := k.rs.rate(from)
		if err != nil {
			return nil, err
		}
		days := from.DaysUntil(to) + 1
		lines = append(lines, PeriodLine{From: from, To: to, Days: days, RateBP: rate, Base: base,
			Amount: InterestAmount(base, rate, days), Rule: rule})
	}
	return lines, nil
}

// InterestAmount is simple interest on base at rateBP a year for days
// days, actual/365: base*rateBP*days / (10000*365), rounded half up (half
// away from zero for a negative base) to the minor unit, in exact integer
// arithmetic.
func InterestAmount(base, rateBP int64, days int) int64 {
	num := new(big.Int).Mul(big.NewInt(base), big.NewInt(rateBP))
	num.Mul(num, big.NewInt(int64(days)))
	return divRound(num, big.NewInt(basisPoints*daysInYear))
}

// divRound divides rounding half away from zero; den > 0.
func divRound(num, den *big.Int) int64 {
	neg := num.Sign() < 0
	n := new(big.Int).Abs(num)
	q, r := new(big.Int).QuoRem(n, den, new(big.Int))
	if r.Lsh(r, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// ConsumerDamages is the Belgian consumer damages cap for a balance in
// euro cents (CEL XIX.4), the most a consumer may be charged and what the
// first reminder states: 20 EUR up to 150 EUR; 30 EUR + 10 % of the part
// above 150 EUR up to 500 EUR; 65 EUR + 5 % of the part above 500 EUR;
// never more than 2,000 EUR. Percentages round half up to the cent.
func ConsumerDamages(balance int64) int64 {
	var d int64
	switch {
	case balance <= 15000:
		d = 2000
	case balance <= 50000:
		d = 3000 + divRound(big.NewInt((balance-15000)*10), big.NewInt(percentScale))
	default:
		d = 6500 + divRound(big.NewInt((balance-50000)*5), big.NewInt(percentScale))
	}
	return min(d, damagesCapEUR)
}

// formatBP renders basis points as a percentage, 1450 -> "14.50".
func formatBP(bp int64) string { return portal.FormatMinor(bp, 2) }
