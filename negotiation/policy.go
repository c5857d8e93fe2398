package negotiation

import (
	"fmt"

	"github.com/relais/relais/portal"
)

// Band is one line of the plan-length table: a balance up to UpTo (minor
// units, inclusive; 0 means no upper bound) may be paid over at most
// MaxMonths months, counted from today to the last instalment.
type Band struct {
	UpTo      int64 `json:"up_to"`
	MaxMonths int   `json:"max_months"`
}

// BusinessHours say when agents answer, in the tenant's time zone: on the
// listed weekdays (0 = Sunday … 6 = Saturday) from Open to Close, given as
// minutes after midnight.
type BusinessHours struct {
	Days  []int `json:"days"`
	Open  int   `json:"open"`
	Close int   `json:"close"`
}

// Policy is a creditor's negotiation policy, overridable per claim. Amounts
// are minor units of the claim's currency; rates are basis points (1000 =
// 10 %).
type Policy struct {
	// Bands bound the plan length by balance, smallest band first. A
	// balance above every band may not be paid in instalments by Relais on
	// its own (the offer goes to an agent).
	Bands []Band `json:"bands"`
	// MinInstalment is the smallest instalment accepted.
	MinInstalment int64 `json:"min_instalment"`
	// MinDownPaymentBP is the smallest down payment, as a share of the
	// balance (0: none required).
	MinDownPaymentBP int64 `json:"min_down_payment_bp"`
	// MaxDiscountBP is the largest discount a settlement may take off the
	// balance (0: settlements must pay in full).
	MaxDiscountBP int64 `json:"max_discount_bp"`
	// MaxPromiseDays is how far ahead a promise to pay in full may be.
	MaxPromiseDays int `json:"max_promise_days"`
	// InterestDuringPlan says whether late interest keeps running on the
	// unpaid principal while a plan is honoured. When false the creditor
	// waives interest after the agreement as long as the plan is kept; when
	// true the interest accrued during the plan is claimed after the last
	// instalment (it is not part of the schedule).
	InterestDuringPlan bool          `json:"interest_during_plan"`
	Hours              BusinessHours `json:"business_hours"`
	// Plan says when an agreed plan counts as broken (missed instalments,
	// days late) and how card charges are retried; zero fields keep
	// Relais' defaults (portal.PlanPolicy).
	Plan portal.PlanPolicy `json:"plan"`
	// PayMethods are the ways a debtor may choose at signing to pay a
	// plan: sepa_debit, bancontact (a SEPA mandate set up by a Bancontact
	// payment, Belgian claims), card, transfer. Empty: card and transfer.
	PayMethods []string `json:"pay_methods,omitempty"`
	// DebitNoticeDays is the pre-notification period of SEPA debits the
	// agreement states, 1 to 14 days (0: the rulebook's 14).
	DebitNoticeDays int `json:"debit_notice_days,omitempty"`
	// Response are the creditor's service-level targets (issue 21).
	Response ResponseTargets `json:"response"`
}

// Ways to pay a plan a debtor may choose at signing.
const (
	PaySEPADebit  = "sepa_debit"
	PayBancontact = "bancontact"
	PayCard       = "card"
	PayTransfer   = "transfer"
)

// DefaultPayMethods are the ways offered when a policy names none.
var DefaultPayMethods = []string{PayCard, PayTransfer}

// PayChoice is how the debtor chose at signing to pay the plan: the
// instalments' method, and for SEPA how the mandate is given and the
// notice period of the debits. Zero keeps the method of the offer.
type PayChoice struct {
	Method     Method
	MandateVia string
	NoticeDays int
}

// ChoosePay checks a way to pay chosen at signing against the policy and
// what is available (card: Stripe is configured; SEPA: also a claim in
// euro; Bancontact: also a Belgian claim) and returns the agreement's
// PayChoice. EINVALID for a way the debtor may not choose.
func (p *Policy) ChoosePay(way string, c *portal.Claim, stripeOn bool) (PayChoice, error) {
	for _, w := range p.SigningMethods(c, stripeOn) {
		if w != way {
			continue
		}
		switch way {
		case PaySEPADebit, PayBancontact:
			days := p.DebitNoticeDays
			if days <= 0 || days > portal.DefaultDebitNoticeDays {
				days = portal.DefaultDebitNoticeDays
			}
			return PayChoice{Method: MethodSEPADebit, MandateVia: way, NoticeDays: days}, nil
		case PayCard:
			return PayChoice{Method: MethodCard}, nil
		default:
			return PayChoice{Method: MethodTransfer}, nil
		}
	}
	return PayChoice{}, portal.FieldError("method", "this way to pay the plan is not offered on this claim")
}

// SigningMethods lists the ways to pay the policy allows that are
// available for claim c, in the policy's order.
func (p *Policy) SigningMethods(c *portal.Claim, stripeOn bool) []string {
	ways := p.PayMethods
	if len(ways) == 0 {
		ways = DefaultPayMethods
	}
	var out []string
	for _, w := range ways {
		ok := false
		switch w {
		case PayTransfer:
			ok = true
		case PayCard:
			ok = stripeOn
		case PaySEPADebit:
			ok = stripeOn && c.Currency == "EUR"
		case PayBancontact:
			ok = stripeOn && c.Currency == "EUR" && c.Jurisdiction == portal.JurisdictionBE
		}
		if ok {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		out = []string{PayTransfer} // a plan can always be paid by transfer
	}
	return out
}

// DefaultPolicy is used for a creditor that has not set one: up to €500 in
// 3 months, up to €2,000 in 6, up to €10,000 in 12; instalments of at least
// €20; no down payment; no discount; promises within 30 days; agents on
// weekdays 9:00-17:00.
func DefaultPolicy() Policy {
	return Policy{
		Bands:          []Band{{UpTo: 50000, MaxMonths: 3}, {UpTo: 200000, MaxMonths: 6}, {UpTo: 1000000, MaxMonths: 12}},
		MinInstalment:  2000,
		MaxPromiseDays: 30,
		Hours:          BusinessHours{Days: []int{1, 2, 3, 4, 5}, Open: 9 * 60, Close: 17 * 60},
	}
}

// Validate checks a policy an operator typed.
func (p *Policy) Validate() error {
	if err := p.Plan.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, w := range p.PayMethods {
		switch w {
		case PaySEPADebit, PayBancontact, PayCard, PayTransfer:
		default:
			return portal.FieldError("pay_methods", "pay_methods are sepa_debit, bancontact, card or transfer, not %q", w)
		}
		if seen[w] {
			return portal.FieldError("pay_methods", "pay_methods lists %q twice", w)
		}
		seen[w] = true
	}
	if p.DebitNoticeDays < 0 || p.DebitNoticeDays > portal.DefaultDebitNoticeDays {
		return portal.FieldError("debit_notice_days", "debit_notice_days must be between 0 (14 days) and %d", portal.DefaultDebitNoticeDays)
	}
	prev := int64(0)
	for i, b := range p.Bands {
		f := fmt.Sprintf("bands[%d]", i)
		if b.MaxMonths < 0 || b.MaxMonths > MaxInstalments {
			return portal.FieldError(f+".max_months", "%s.max_months must be between 0 and %d", f, MaxInstalments)
		}
		if b.UpTo < 0 || b.UpTo > portal.MaxAmount {
			return portal.FieldError(f+".up_to", "%s.up_to must be between 0 and %d", f, int64(portal.MaxAmount))
		}
		if b.UpTo == 0 && i != len(p.Bands)-1 {
			return portal.FieldError(f+".up_to", "only the last band may be unbounded (up_to 0)")
		}
		if b.UpTo != 0 && b.UpTo <= prev {
			return portal.FieldError(f+".up_to", "bands must be in increasing order of up_to")
		}
		prev = b.UpTo
	}
	if p.MinInstalment < 0 || p.MinInstalment > portal.MaxAmount {
		return portal.FieldError("min_instalment", "min_instalment must be a non-negative amount")
	}
	if p.MinDownPaymentBP < 0 || p.MinDownPaymentBP > 10000 {
		return portal.FieldError("min_down_payment_bp", "min_down_payment_bp must be between 0 and 10000")
	}
	if p.MaxDiscountBP < 0 || p.MaxDiscountBP > 10000 {
		return portal.FieldError("max_discount_bp", "max_discount_bp must be between 0 and 10000")
	}
	if p.MaxPromiseDays < 0 || p.MaxPromiseDays > MaxHorizonDays {
		return portal.FieldError("max_promise_days", "max_promise_days must be between 0 and %d", MaxHorizonDays)
	}
	for _, d := range p.Hours.Days {
		if d < 0 || d > 6 {
			return portal.FieldError("business_hours.days", "business_hours.days are 0 (Sunday) to 6 (Saturday)")
		}
	}
	if p.Hours.Open < 0 || p.Hours.Close > 24*60 || p.Hours.Open > p.Hours.Close {
		return portal.FieldError("business_hours", "business_hours open and close are minutes after midnight, open before close")
	}
	if r := p.Response; r.FirstMinutes < 0 || r.FirstMinutes > MaxTargetMinutes || r.NextMinutes < 0 || r.NextMinutes > MaxTargetMinutes {
		return portal.FieldError("response", "response.first_minutes and next_minutes are 0 (no target) to %d minutes of business hours", MaxTargetMinutes)
	}
	return nil
}

// MaxMonths is the longest plan the policy allows for balance; 0 when no
// plan is allowed.
func (p *Policy) MaxMonths(balance int64) int {
	for _, b := range p.Bands {
		if b.UpTo == 0 || balance <= b.UpTo {
			return b.MaxMonths
		}
	}
	return 0
}

// MinDownPayment is the smallest down payment for balance, rounded up to
// the minor unit.
func (p *Policy) MinDownPayment(balance int64) int64 { return ceilBP(balance, p.MinDownPaymentBP) }

// MinSettlement is the smallest settlement accepted for balance: the
// balance less the largest discount, rounded up to the minor unit so that
// the discount never exceeds the bound.
func (p *Policy) MinSettlement(balance int64) int64 {
	return balance - floorBP(balance, p.MaxDiscountBP)
}

// ceilBP is ceil(v × bp / 10000) for v, bp ≥ 0 without overflow for
// v ≤ portal.MaxAmount (10^13 × 10^4 = 10^17 < 9.2 × 10^18).
func ceilBP(v, bp int64) int64  { return (v*bp + 9999) / 10000 }
func floorBP(v, bp int64) int64 { return v * bp / 10000 }

// Bound names the policy rule an offer breaks.
type Bound string

const (
	BoundPlanLength     Bound = "plan_length"    // last instalment later than the band allows
	BoundNoPlan         Bound = "no_plan"        // the balance is above every band
	BoundMinInstalment  Bound = "min_instalment" // an instalment below the minimum
	BoundMinDownPayment Bound = "min_down_payment"
	BoundCoversBalance  Bound = "covers_balance" // the instalments do not add up to the balance
	BoundMaxDiscount    Bound = "max_discount"
	BoundPromiseTooFar  Bound = "promise_too_far"
	BoundNeedsAgent     Bound = "needs_agent" // a call-back request, or an offer made by an agent
)

// Breach is one broken bound: Limit is the policy's value and Got the
// offer's, in minor units, months or days as the bound says.
type Breach struct {
	Bound Bound `json:"bound"`
	Limit int64 `json:"limit"`
	Got   int64 `json:"got"`
}

// Verdict is the policy's answer to an offer.
type Verdict struct {
	// Accepted is true when the offer is inside the policy: Relais accepts
	// it at once, at any hour.
	Accepted bool     `json:"accepted"`
	Balance  int64    `json:"balance"`
	Breaches []Breach `json:"breaches,omitempty"`
	// Nearest is the offer closest to this one that the policy accepts, to
	// show the debtor; nil when there is none (no plan allowed, call-back).
	Nearest *Offer `json:"nearest,omitempty"`
}

// Evaluate checks a valid offer against the policy for the given balance.
// Plan length is counted in calendar months from today to the last
// instalment (today.AddMonths(max) is the latest allowed date).
func Evaluate(p Policy, o Offer, balance int64, today portal.Date) Verdict {
	v := Verdict{Balance: balance}
	switch o.Kind {
	case KindCallback:
		v.Breaches = []Breach{{Bound: BoundNeedsAgent}}
	case KindPromise:
		if latest := today.AddDays(p.MaxPromiseDays); o.Date.After(latest) {
			v.Breaches = append(v.Breaches, Breach{Bound: BoundPromiseTooFar, Limit: int64(p.MaxPromiseDays), Got: int64(today.DaysUntil(o.Date))})
			n := o
			n.Date = latest
			v.Nearest = &n
		}
	case KindSettlement:
		if min := p.MinSettlement(balance); o.Amount < min {
			v.Breaches = append(v.Breaches, Breach{Bound: BoundMaxDiscount, Limit: min, Got: o.Amount})
			n := o
			n.Amount = min
			v.Nearest = &n
		}
	case KindPlan:
		v.Breaches = planBreaches(p, o, balance, today)
		if len(v.Breaches) > 0 {
			v.Nearest = NearestPlan(p, o, balance, today)
		}
	}
	v.Accepted = len(v.Breaches) == 0
	return v
}

func planBreaches(p Policy, o Offer, balance int64, today portal.Date) []Breach {
	var out []Breach
	max := p.MaxMonths(balance)
	if max == 0 {
		return []Breach{{Bound: BoundNoPlan, Limit: 0, Got: int64(o.Count)}}
	}
	if latest := today.AddMonths(max); o.LastDate().After(latest) {
		out = append(out, Breach{Bound: BoundPlanLength, Limit: int64(max), Got: int64(monthsBetween(today, o.LastDate()))})
	}
	if min := p.MinDownPayment(balance); o.DownPayment < min {
		out = append(out, Breach{Bound: BoundMinDownPayment, Limit: min, Got: o.DownPayment})
	}
	// The last instalment takes the remainder and may be smaller; only the
	// regular amount is held to the minimum.
	if o.Amount < p.MinInstalment && o.Amount < balance-o.DownPayment {
		out = append(out, Breach{Bound: BoundMinInstalment, Limit: p.MinInstalment, Got: o.Amount})
	}
	if covered := o.DownPayment + int64(o.Count)*o.Amount; covered < balance {
		out = append(out, Breach{Bound: BoundCoversBalance, Limit: balance, Got: covered})
	}
	return out
}

// monthsBetween counts whole months from a to b, rounding up a part month.
func monthsBetween(a, b portal.Date) int {
	n := 0
	for a.AddMonths(n).Before(b) {
		n++
	}
	return n
}

// NearestPlan returns the plan inside the policy closest to o: the same
// first date, frequency and method, a down payment raised to the minimum
// if needed, and the fewest changes to count and amount — first keep the
// amount and change the count, else spread over the longest allowed
// length. nil when the policy allows no plan for this balance or none fits.
func NearestPlan(p Policy, o Offer, balance int64, today portal.Date) *Offer {
	max := p.MaxMonths(balance)
	if max == 0 {
		return nil
	}
	n := o
	if n.FirstDate.IsZero() || n.FirstDate.Before(today) {
		n.FirstDate = today
	}
	if n.Frequency != Weekly {
		n.Frequency = Monthly
	}
	if n.Method != MethodCard && n.Method != MethodSEPADebit {
		n.Method = MethodTransfer
	}
	if min := p.MinDownPayment(balance); n.DownPayment < min {
		n.DownPayment = min
	}
	rest := balance - n.DownPayment
	if rest <= 0 {
		return nil
	}
	// The most instalments that fit before today + max months.
	latest := today.AddMonths(max)
	maxCount := 0
	for maxCount < MaxInstalments && !dueDate(n.FirstDate, n.Frequency, maxCount).After(latest) {
		maxCount++
	}
	if maxCount == 0 {
		return nil
	}
	fits := func(c Offer) bool { return len(planBreaches(p, c, balance, today)) == 0 }
	// Keep the amount, change the count.
	if n.Amount > 0 {
		c := n
		c.Count = int(ceilDiv(rest, n.Amount))
		if c.Count >= 1 && c.Count <= maxCount && fits(c) {
			return &c
		}
	}
	// Spread over the allowed count closest to the one offered.
	for _, count := range candidateCounts(n.Count, maxCount) {
		c := n
		c.Count = count
		c.Amount = ceilDiv(rest, int64(count))
		if c.Amount < p.MinInstalment && count > 1 {
			continue
		}
		if fits(c) {
			return &c
		}
	}
	return nil
}

// candidateCounts lists 1..max ordered by distance to want (closest first,
// larger first on a tie, since a debtor asking for a plan wants it long).
func candidateCounts(want, max int) []int {
	if want < 1 {
		want = max
	}
	if want > max {
		want = max
	}
	out := []int{want}
	for d := 1; len(out) < max; d++ {
		if want+d <= max {
			out = append(out, want+d)
		}
		if want-d >= 1 {
			out = append(out, want-d)
		}
	}
	return out
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
