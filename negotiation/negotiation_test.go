package negotiation_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

var today = portal.MustDate("2024-06-30")

func d(s string) portal.Date { return portal.MustDate(s) }

func TestValidate(t *testing.T) {
	plan := func(f func(o *negotiation.Offer)) negotiation.Offer {
		o := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 33334, FirstDate: d("2024-07-15"), Frequency: negotiation.Monthly, Method: negotiation.MethodCard}
		if f != nil {
			f(&o)
		}
		return o
	}
	long := make([]rune, negotiation.MaxNoteLen+1)
	for i := range long {
		long[i] = 'é'
	}
	for _, tt := range []struct {
		name   string
		offer  negotiation.Offer
		reason string
		field  string
	}{
		{"OK", plan(nil), "", ""},
		{"ZeroAmount", plan(func(o *negotiation.Offer) { o.Amount = 0 }), negotiation.ReasonAmountNotPositive, "amount"},
		{"NegativeAmount", plan(func(o *negotiation.Offer) { o.Amount = -5 }), negotiation.ReasonAmountNotPositive, "amount"},
		{"OverflowingAmount", plan(func(o *negotiation.Offer) { o.Amount = portal.MaxAmount + 1 }), negotiation.ReasonAmountTooLarge, "amount"},
		{"HugeAmountTimesCount", plan(func(o *negotiation.Offer) { o.Amount = 9_000_000_000_000_000_000 }), negotiation.ReasonAmountTooLarge, "amount"},
		{"ZeroCount", plan(func(o *negotiation.Offer) { o.Count = 0 }), negotiation.ReasonCountNotPositive, "count"},
		{"TooManyInstalments", plan(func(o *negotiation.Offer) { o.Count = 121; o.Amount = 100 }), negotiation.ReasonTooManyInstalments, "count"},
		{"PastDate", plan(func(o *negotiation.Offer) { o.FirstDate = d("2024-06-29") }), negotiation.ReasonDatePast, "first_date"},
		{"MissingDate", plan(func(o *negotiation.Offer) { o.FirstDate = portal.Date{} }), negotiation.ReasonDateMissing, "first_date"},
		{"DateTooFar", plan(func(o *negotiation.Offer) { o.FirstDate = d("2035-01-01") }), negotiation.ReasonDateTooFar, "first_date"},
		{"BadFrequency", plan(func(o *negotiation.Offer) { o.Frequency = "daily" }), negotiation.ReasonBadFrequency, "frequency"},
		{"BadMethod", plan(func(o *negotiation.Offer) { o.Method = "cash" }), negotiation.ReasonBadMethod, "method"},
		{"NegativeDown", plan(func(o *negotiation.Offer) { o.DownPayment = -1 }), negotiation.ReasonDownPaymentNegative, "down_payment"},
		// 2 × 60000 already reach the 100000 balance: the third is superfluous.
		{"MoreThanBalance", plan(func(o *negotiation.Offer) { o.Amount = 60000 }), negotiation.ReasonExceedsBalance, "count"},
		{"NoteTooLong", plan(func(o *negotiation.Offer) { o.Note = string(long) }), negotiation.ReasonNoteTooLong, "note"},
		{"SettlementOK", negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 90000}, "", ""},
		{"SettlementAboveBalance", negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 100001}, negotiation.ReasonExceedsBalance, "amount"},
		{"SettlementNegative", negotiation.Offer{Kind: negotiation.KindSettlement, Amount: -1}, negotiation.ReasonAmountNotPositive, "amount"},
		{"PromiseOK", negotiation.Offer{Kind: negotiation.KindPromise, Date: d("2024-07-10")}, "", ""},
		{"PromiseToday", negotiation.Offer{Kind: negotiation.KindPromise, Date: today}, "", ""},
		{"PromisePast", negotiation.Offer{Kind: negotiation.KindPromise, Date: d("2024-01-01")}, negotiation.ReasonDatePast, "date"},
		{"PromiseNoDate", negotiation.Offer{Kind: negotiation.KindPromise}, negotiation.ReasonDateMissing, "date"},
		{"CallbackOK", negotiation.Offer{Kind: negotiation.KindCallback, Phone: "+32470123456"}, "", ""},
		{"CallbackBadPhone", negotiation.Offer{Kind: negotiation.KindCallback, Phone: "0470 12"}, negotiation.ReasonBadPhone, "phone"},
		{"UnknownKind", negotiation.Offer{Kind: "barter"}, negotiation.ReasonUnknownKind, "kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.offer.Validate(today, 100000)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			r := negotiation.ReasonOf(err)
			if portal.ErrorCode(err) != portal.EINVALID || r == nil || r.Key != tt.reason || portal.ErrorField(err) != tt.field {
				t.Fatalf("want %s on %s, got %v (reason %+v, field %q)", tt.reason, tt.field, err, r, portal.ErrorField(err))
			}
			if portal.ErrorMessage(err) == "" {
				t.Fatal("no message")
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	for _, tt := range []struct {
		name    string
		offer   negotiation.Offer
		balance int64
		want    []negotiation.Instalment
		total   int64
	}{
		{
			// €1,000.00 in 3 monthly instalments of €333.34 from 31 January
			// 2024: the last takes the remainder (€333.32); February is
			// clamped to the 29th (leap year).
			name:    "MonthlyRemainderOnLast",
			offer:   negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 33334, FirstDate: d("2024-01-31"), Frequency: negotiation.Monthly},
			balance: 100000,
			want: []negotiation.Instalment{
				{Seq: 1, DueOn: d("2024-01-31"), Amount: 33334}, {Seq: 2, DueOn: d("2024-02-29"), Amount: 33334}, {Seq: 3, DueOn: d("2024-03-31"), Amount: 33332},
			},
			total: 100000,
		},
		{
			// €1,000.00: €100 down on 1 July, then 3 weekly instalments of €300.
			name:    "WeeklyWithDownPayment",
			offer:   negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 30000, DownPayment: 10000, FirstDate: d("2024-07-01"), Frequency: negotiation.Weekly},
			balance: 100000,
			want: []negotiation.Instalment{
				{Seq: 0, DueOn: d("2024-07-01"), Amount: 10000}, {Seq: 1, DueOn: d("2024-07-08"), Amount: 30000},
				{Seq: 2, DueOn: d("2024-07-15"), Amount: 30000}, {Seq: 3, DueOn: d("2024-07-22"), Amount: 30000},
			},
			total: 100000,
		},
		{
			// An agent accepted 3 × €200 on €1,000: the plan pays €600.
			name:    "PartialPlan",
			offer:   negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 20000, FirstDate: d("2024-11-30"), Frequency: negotiation.Monthly},
			balance: 100000,
			want: []negotiation.Instalment{
				{Seq: 1, DueOn: d("2024-11-30"), Amount: 20000}, {Seq: 2, DueOn: d("2024-12-30"), Amount: 20000}, {Seq: 3, DueOn: d("2025-01-30"), Amount: 20000},
			},
			total: 60000,
		},
		{
			name:    "Settlement",
			offer:   negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 90001, Date: today},
			balance: 100001,
			want:    []negotiation.Instalment{{Seq: 1, DueOn: today, Amount: 90001}},
			total:   90001,
		},
		{
			name:    "Promise",
			offer:   negotiation.Offer{Kind: negotiation.KindPromise, Date: d("2024-07-30")},
			balance: 123456,
			want:    []negotiation.Instalment{{Seq: 1, DueOn: d("2024-07-30"), Amount: 123456}},
			total:   123456,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := negotiation.ScheduleFor(tt.offer, tt.balance)
			if !reflect.DeepEqual(s.Instalments, tt.want) || s.Total != tt.total {
				t.Fatalf("got %+v total %d\nwant %+v total %d", s.Instalments, s.Total, tt.want, tt.total)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	p := negotiation.DefaultPolicy() // ≤€500: 3 months, ≤€2,000: 6, ≤€10,000: 12; min €20; promise ≤30 days
	p.MaxDiscountBP = 1000           // 10 %
	withDown := p
	withDown.MinDownPaymentBP = 1000
	monthly := func(count int, amount int64, first string) negotiation.Offer {
		return negotiation.Offer{Kind: negotiation.KindPlan, Count: count, Amount: amount, FirstDate: d(first), Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}
	}
	weekly := func(count int, amount int64, first string) negotiation.Offer {
		o := monthly(count, amount, first)
		o.Frequency = negotiation.Weekly
		return o
	}
	for _, tt := range []struct {
		name     string
		policy   negotiation.Policy
		offer    negotiation.Offer
		balance  int64
		breaches []negotiation.Breach
		nearest  *negotiation.Offer
	}{
		// €1,500 may take 6 months: the last instalment 15 December is
		// before 30 December.
		{name: "PlanInside", policy: p, offer: monthly(6, 25000, "2024-07-15"), balance: 150000},
		// 12 months on €1,500: the last (15 June 2025) is 12 months away;
		// nearest keeps the first date and spreads over the 6 allowed.
		{name: "PlanTooLong", policy: p, offer: monthly(12, 12500, "2024-07-15"), balance: 150000,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundPlanLength, Limit: 6, Got: 12}},
			nearest:  ptr(monthly(6, 25000, "2024-07-15"))},
		// €100 in 10 weekly €10: below the €20 minimum; nearest is the
		// allowed count closest to 10 with instalments of at least €20: 5 × €20.
		{name: "InstalmentTooSmall", policy: p, offer: weekly(10, 1000, "2024-07-01"), balance: 10000,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundMinInstalment, Limit: 2000, Got: 1000}},
			nearest:  ptr(weekly(5, 2000, "2024-07-01"))},
		// 3 × €200 do not reach €1,000: keep €200 and take 5 instalments.
		{name: "DoesNotCover", policy: p, offer: monthly(3, 20000, "2024-07-15"), balance: 100000,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundCoversBalance, Limit: 100000, Got: 60000}},
			nearest:  ptr(monthly(5, 20000, "2024-07-15"))},
		// Above every band: no plan by Relais alone, no nearest plan.
		{name: "NoPlanForBalance", policy: p, offer: monthly(12, 170000, "2024-07-15"), balance: 2000000,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundNoPlan, Limit: 0, Got: 12}}},
		// 10 % of €1,000.01 rounded up is €100.01.
		{name: "DownPaymentTooSmall", policy: withDown, offer: func() negotiation.Offer {
			o := monthly(3, 30001, "2024-07-15")
			o.DownPayment = 10000
			return o
		}(), balance: 100001,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundMinDownPayment, Limit: 10001, Got: 10000}},
			// The amount is kept: 3 × €300.01 after €100.01 down still pay
			// the balance (the last instalment is €299.98).
			nearest: func() *negotiation.Offer {
				o := monthly(3, 30001, "2024-07-15")
				o.DownPayment = 10001
				return &o
			}()},
		// 10 % off €1,000.01 is at most €100.00 (rounded down): the
		// smallest settlement is €900.01.
		{name: "SettlementInside", policy: p, offer: negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 90001}, balance: 100001},
		{name: "SettlementDiscountTooBig", policy: p, offer: negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 90000}, balance: 100001,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundMaxDiscount, Limit: 90001, Got: 90000}},
			nearest:  &negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 90001}},
		{name: "PromiseInside", policy: p, offer: negotiation.Offer{Kind: negotiation.KindPromise, Date: d("2024-07-30")}, balance: 50000},
		{name: "PromiseTooFar", policy: p, offer: negotiation.Offer{Kind: negotiation.KindPromise, Date: d("2024-07-31")}, balance: 50000,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundPromiseTooFar, Limit: 30, Got: 31}},
			nearest:  &negotiation.Offer{Kind: negotiation.KindPromise, Date: d("2024-07-30")}},
		{name: "Callback", policy: p, offer: negotiation.Offer{Kind: negotiation.KindCallback}, balance: 50000,
			breaches: []negotiation.Breach{{Bound: negotiation.BoundNeedsAgent}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.offer.Validate(today, tt.balance); err != nil {
				t.Fatalf("test offer invalid: %v", err)
			}
			v := negotiation.Evaluate(tt.policy, tt.offer, tt.balance, today)
			if v.Accepted != (len(tt.breaches) == 0) || !reflect.DeepEqual(v.Breaches, tt.breaches) {
				t.Fatalf("breaches: got %+v accepted=%v, want %+v", v.Breaches, v.Accepted, tt.breaches)
			}
			if !reflect.DeepEqual(v.Nearest, tt.nearest) {
				t.Fatalf("nearest: got %+v, want %+v", v.Nearest, tt.nearest)
			}
			if v.Nearest != nil && v.Nearest.Kind == negotiation.KindPlan {
				if n := negotiation.Evaluate(tt.policy, *v.Nearest, tt.balance, today); !n.Accepted {
					t.Fatalf("nearest plan is itself outside the policy: %+v", n.Breaches)
				}
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	p := negotiation.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Bands = []negotiation.Band{{UpTo: 0, MaxMonths: 3}, {UpTo: 100, MaxMonths: 6}}
	if portal.ErrorCode(p.Validate()) != portal.EINVALID {
		t.Fatal("unbounded band before the last accepted")
	}
	p = negotiation.DefaultPolicy()
	p.MaxDiscountBP = 10001
	if portal.ErrorField(p.Validate()) != "max_discount_bp" {
		t.Fatal("discount above 100 % accepted")
	}
}

func ptr(o negotiation.Offer) *negotiation.Offer { return &o }

func TestNextOpening(t *testing.T) {
	h := negotiation.DefaultPolicy().Hours // Monday–Friday 9:00–17:00
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata")
	}
	for _, tt := range []struct{ now, want string }{
		{"2024-07-01T10:00:00+02:00", "2024-07-01T10:00:00+02:00"}, // Monday 10:00: open now
		{"2024-07-01T17:00:00+02:00", "2024-07-02T09:00:00+02:00"}, // Monday 17:00: Tuesday 9:00
		{"2024-07-05T18:30:00+02:00", "2024-07-08T09:00:00+02:00"}, // Friday evening: Monday
		{"2024-07-06T08:00:00+02:00", "2024-07-08T09:00:00+02:00"}, // Saturday
		{"2024-07-01T07:00:00+02:00", "2024-07-01T09:00:00+02:00"}, // Monday early
	} {
		now, _ := time.Parse(time.RFC3339, tt.now)
		want, _ := time.Parse(time.RFC3339, tt.want)
		if got := negotiation.NextOpening(h, now.In(paris)); !got.Equal(want) {
			t.Errorf("%s: got %s, want %s", tt.now, got, want)
		}
	}
}

// TestOutsidePolicy: what an agent must confirm is every broken bound but
// "an agent decides" (a call-back an agent may accept freely).
func TestOutsidePolicy(t *testing.T) {
	p := negotiation.DefaultPolicy()
	for _, tt := range []struct {
		name  string
		offer negotiation.Offer
		want  []negotiation.Bound
	}{
		{"inside", negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 100000}, nil},
		{"callback", negotiation.Offer{Kind: negotiation.KindCallback}, nil},
		{"discount", negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 50000}, []negotiation.Bound{negotiation.BoundMaxDiscount}},
		{"long plan", negotiation.Offer{Kind: negotiation.KindPlan, Count: 12, Amount: 8334, FirstDate: d("2024-07-15"), Frequency: negotiation.Monthly,
			Method: negotiation.MethodCard}, []negotiation.Bound{negotiation.BoundPlanLength}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []negotiation.Bound
			for _, b := range negotiation.OutsidePolicy(negotiation.Evaluate(p, tt.offer, 100000, today)) {
				got = append(got, b.Bound)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("outside the policy: %v, want %v", got, tt.want)
			}
		})
	}
}
