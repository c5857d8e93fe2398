package rules

import (
	"sort"

	"github.com/relais/relais/portal"
)

// Allocation of payments (Code civil 1342-10, 1343-1; old Belgian Civil
// Code 1253-1256). A payment goes to the invoice the debtor named, if any;
// otherwise to the invoices the debtor had most interest in paying: those
// bearing interest on the payment day first, then the others, oldest due
// date first within each. On each invoice it pays the interest accrued up
// to and including its day, then the amount (1343-1). The flat indemnities
// and damages bear no interest and are paid last, in the order they fell
// due; but the indemnity of the invoice the debtor named goes with that
// invoice, right after its amount: "pay this invoice" settles it whole.
// What is left is Unallocated.

func (k *calc) record(p *portal.Payment, kind string, inv int, amount int64) {
	l := AllocationLine{Source: SourcePayment, SourceID: p.ID, Date: p.ReceivedOn, Kind: kind, Amount: amount}
	if inv >= 0 {
		l.InvoiceID, l.InvoiceNumber = k.states[inv].inv.ID, k.states[inv].inv.Number
	}
	k.allocs = append(k.allocs, l)
}

// payOrder is the order of the invoices a payment goes to.
func (k *calc) payOrder(p *portal.Payment) ([]int, error) {
	order := make([]int, 0, len(k.states))
	chosen := -1
	if p.InvoiceID != "" {
		i, ok := k.byID[p.InvoiceID]
		if !ok {
			return nil, portal.Errorf(portal.EINVALID, "balance: payment %s names invoice %s, which is not in the claim", p.ID, p.InvoiceID)
		}
		chosen = i
		order = append(order, i)
	}
	bearing := func(i int) bool {
		st := k.states[i]
		return st.accrues && st.start.Before(p.ReceivedOn) && st.base > 0
	}
	var rest []int
	for i := range k.states {
		if i != chosen {
			rest = append(rest, i)
		}
	}
	// states are sorted by due date: a stable sort keeps that order within
	// the bearing and the other invoices.
	sort.SliceStable(rest, func(a, b int) bool { return bearing(rest[a]) && !bearing(rest[b]) })
	return append(order, rest...), nil
}

// pay applies a positive payment.
func (k *calc) pay(p *portal.Payment) error {
	order, err := k.payOrder(p)
	if err != nil {
		return err
	}
	left := p.Amount
	payCosts := func(inv int, all bool) {
		for ci := range k.costs {
			if !all && k.costOf[ci] != inv {
				continue
			}
			if x := min(left, k.costs[ci].Amount-k.costs[ci].Paid); x > 0 {
				k.costs[ci].Paid += x
				left -= x
				k.record(p, KindIndemnity, k.costOf[ci], x)
				k.stack = append(k.stack, allocEntry{KindIndemnity, ci, x})
			}
		}
	}
	for n, i := range order {
		if left == 0 {
			break
		}
		st := k.states[i]
		lines, err := k.interest(st, p.ReceivedOn)
		if err != nil {
			return err
		}
		var accrued int64
		for _, l := range lines {
			accrued += l.Amount
		}
		if x := min(left, accrued-st.interestPaid); x > 0 {
			st.interestPaid += x
			left -= x
			k.record(p, KindInterest, i, x)
			k.stack = append(k.stack, allocEntry{KindInterest, i, x})
		}
		if x := min(left, st.base); x > 0 {
			st.setBase(p.ReceivedOn.AddDays(1), st.base-x)
			st.principalPaid += x
			left -= x
			k.record(p, KindPrincipal, i, x)
			k.stack = append(k.stack, allocEntry{KindPrincipal, i, x})
		}
		if n == 0 && p.InvoiceID != "" {
			payCosts(i, false)
		}
	}
	payCosts(-1, true)
	if left > 0 {
		k.unalloc += left
		k.record(p, KindUnallocated, -1, left)
	}
	return nil
}

// refund undoes a negative payment: first from money not allocated, then
// the latest allocations first. Principal given back bears interest again
// from the day after the refund.
func (k *calc) refund(p *portal.Payment) error {
	left := -p.Amount
	if x := min(left, k.unalloc); x > 0 {
		k.unalloc -= x
		left -= x
		k.record(p, KindUnallocated, -1, -x)
	}
	for left > 0 && len(k.stack) > 0 {
		top := &k.stack[len(k.stack)-1]
		x := min(left, top.amount)
		switch top.kind {
		case KindIndemnity:
			k.costs[top.idx].Paid -= x
			k.record(p, KindIndemnity, k.costOf[top.idx], -x)
		case KindInterest:
			k.states[top.idx].interestPaid -= x
			k.record(p, KindInterest, top.idx, -x)
		case KindPrincipal:
			st := k.states[top.idx]
			st.setBase(p.ReceivedOn.AddDays(1), st.base+x)
			st.principalPaid -= x
			k.record(p, KindPrincipal, top.idx, -x)
		}
		top.amount -= x
		left -= x
		if top.amount == 0 {
			k.stack = k.stack[:len(k.stack)-1]
		}
	}
	if left > 0 {
		return portal.Errorf(portal.EINVALID, "balance: refund %s of %s on %s is more than was received before it",
			p.ID, portal.NewMoney(-p.Amount, k.cur), p.ReceivedOn)
	}
	return nil
}
