package negotiation

import "github.com/relais/relais/portal"

// Instalment is one due payment of a schedule. Seq 0 is the down payment
// when there is one; instalments are numbered from 1.
type Instalment struct {
	Seq    int         `json:"seq"`
	DueOn  portal.Date `json:"due_on"`
	Amount int64       `json:"amount"`
}

// Schedule is the list of payments of an accepted offer.
type Schedule struct {
	Currency portal.Currency `json:"currency"`
	Method   Method          `json:"method"`
	// MandateVia and NoticeDays are set for a plan paid by SEPA Direct
	// Debit: how the mandate is given (sepa_debit or bancontact) and the
	// pre-notification period of each debit.
	MandateVia  string       `json:"mandate_via,omitempty"`
	NoticeDays  int          `json:"notice_days,omitempty"`
	Total       int64        `json:"total"`
	Instalments []Instalment `json:"instalments"`
}

// Smallest is the smallest amount due in the schedule (0 when empty).
func (s Schedule) Smallest() int64 {
	var min int64
	for i, in := range s.Instalments {
		if i == 0 || in.Amount < min {
			min = in.Amount
		}
	}
	return min
}

// ScheduleFor computes the payments of an offer settling balance, in minor
// units, with no rounding loss:
//
//   - plan: the down payment (if any) on FirstDate as Seq 0; then Count
//     instalments from FirstDate (one period after it when there is a down
//     payment), every week or every month (AddMonths clamps to the end of
//     the month). Every instalment is Amount except the LAST, which takes
//     the remainder: balance − down payment − (Count−1) × Amount, so the
//     schedule adds up to the balance exactly. When the instalments do not
//     reach the balance (an agent accepted a partial plan), the last is
//     Amount too and Total is less than the balance.
//   - settlement: one payment of Amount on Date (the caller sets Date to
//     today when the debtor gave none).
//   - promise: one payment of the balance on Date.
func ScheduleFor(o Offer, balance int64) Schedule {
	s := Schedule{Method: o.Method}
	switch o.Kind {
	case KindPlan:
		first := o.FirstDate
		if o.DownPayment > 0 {
			s.Instalments = append(s.Instalments, Instalment{Seq: 0, DueOn: o.FirstDate, Amount: o.DownPayment})
			first = dueDate(o.FirstDate, o.Frequency, 1)
		}
		for i := 0; i < o.Count; i++ {
			amt := o.Amount
			if i == o.Count-1 {
				if last := balance - o.DownPayment - int64(o.Count-1)*o.Amount; last < amt {
					amt = last
				}
			}
			s.Instalments = append(s.Instalments, Instalment{Seq: i + 1, DueOn: dueDate(first, o.Frequency, i), Amount: amt})
		}
	case KindSettlement:
		s.Instalments = []Instalment{{Seq: 1, DueOn: o.Date, Amount: o.Amount}}
	case KindPromise:
		s.Instalments = []Instalment{{Seq: 1, DueOn: o.Date, Amount: balance}}
	}
	for _, in := range s.Instalments {
		s.Total += in.Amount
	}
	return s
}
