package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// The dashboard test seeds a small portfolio described as data (claims
// with their invoices, payments, contacts, disputes, chat messages and
// plans), plays it through the store's own services in time order, and
// checks every figure against what a plain Go model of the same data
// says: the expected numbers are computed here from the seed, never
// copied from the output.

type dashInvoice struct {
	amount int64
	due    string
}

type dashPay struct {
	on       string // received on; recorded at noon UTC that day
	amount   int64
	reversed bool // reversed the same day, an hour later
}

type dashTouch struct {
	at     string // RFC 3339
	source string // reminder_email, reminder_sms, link_sms, link_email, letter
	// posted is when a letter (made at, and sent on at's day) is recorded
	// as posted, possibly days later; "" the same moment.
	posted string
}

type dashDispute struct {
	filed, resolved string // RFC 3339; resolved "" stays open
	credit          int64  // partly accepted with this credit note
}

type dashMsg struct {
	at     string
	author string // debtor, agent, note (an agent's internal note)
}

type dashPlan struct {
	signed string // RFC 3339
	first  string // first instalment due
	state  string // what the test makes of it: kept, broken, running
}

type dashClaim struct {
	ref      string
	creditor int // index in the tenant's creditors
	cur      portal.Currency
	created  string // RFC 3339
	stage    portal.Stage
	invoices []dashInvoice
	pays     []dashPay
	touches  []dashTouch
	disputes []dashDispute
	msgs     []dashMsg
	plan     *dashPlan
	promise  string // RFC 3339: a promise to pay offered then (proposed)
	credits  []dashCredit
}

// dashCredit is a credit note on the claim, recorded at noon UTC on the
// day it is issued.
type dashCredit struct {
	on     string
	amount int64
}

// dashSeed is tenant A's portfolio (creditors 0 and 1); the period tested
// is 2024-01 to 2024-06, today 2024-06-30.
var dashSeed = []dashClaim{
	{ref: "D-1", created: "2023-12-10T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{100000, "2023-12-31"}},
		pays: []dashPay{{"2023-12-20", 5000, false}, {"2024-02-10", 30000, false}, {"2024-03-15", 2000, false}},
		// Posted on 03-01, recorded on 03-20: the payment of 03-15 moves to it.
		touches: []dashTouch{{at: "2024-03-01T09:00:00Z", source: "letter", posted: "2024-03-20T09:00:00Z"}},
		msgs:    []dashMsg{{"2023-12-15T10:00:00Z", "debtor"}, {"2023-12-15T10:30:00Z", "agent"}}},
	{ref: "D-2", created: "2024-02-05T09:00:00Z", stage: portal.StageFormalNotice,
		invoices: []dashInvoice{{50000, "2024-05-15"}, {20000, "2024-06-20"}},
		touches:  []dashTouch{{at: "2024-02-20T08:00:00Z", source: "reminder_email"}, {at: "2024-02-25T18:00:00Z", source: "link_sms"}},
		pays:     []dashPay{{"2024-03-01", 20000, false}},
		disputes: []dashDispute{{filed: "2024-06-25T10:00:00Z"}},
		msgs: []dashMsg{{"2024-03-05T10:00:00Z", "debtor"}, {"2024-03-05T10:01:00Z", "debtor"}, {"2024-03-05T10:03:00Z", "agent"},
			{"2024-03-06T09:00:00Z", "debtor"}, {"2024-03-06T09:30:00Z", "note"}, {"2024-03-06T11:00:00Z", "agent"},
			{"2024-03-07T08:00:00Z", "debtor"}}},
	{ref: "D-3", creditor: 1, created: "2024-03-01T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{40000, "2024-07-15"}},
		// The reminder of 04-02 at 16:00 is sent after the payment of that
		// day was recorded (noon), and still precedes it (same day).
		touches: []dashTouch{{at: "2024-03-10T09:00:00Z", source: "link_email"}, {at: "2024-04-02T16:00:00Z", source: "reminder_email"}},
		pays:    []dashPay{{"2024-03-10", 4000, false}, {"2024-04-02", 3000, false}},
		msgs:    []dashMsg{{"2024-03-12T09:00:00Z", "debtor"}, {"2024-03-12T09:00:40Z", "agent"}}},
	{ref: "D-4", cur: "GBP", created: "2024-04-01T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{80000, "2024-04-10"}},
		touches: []dashTouch{{at: "2024-04-20T09:00:00Z", source: "reminder_sms"}, {at: "2024-05-03T09:00:00Z", source: "reminder_email"}},
		pays:    []dashPay{{"2024-05-01", 10000, false}, {"2024-05-02", 7000, true}}},
	{ref: "D-5", created: "2024-01-15T09:00:00Z", stage: portal.StagePreLitigation, invoices: []dashInvoice{{60000, "2024-01-20"}},
		disputes: []dashDispute{{filed: "2024-03-01T10:00:00Z", resolved: "2024-03-10T10:00:00Z", credit: 10000}},
		pays:     []dashPay{{"2024-06-05", 50000, false}}},
	{ref: "D-6", creditor: 1, created: "2024-05-01T09:00:00Z", stage: portal.StageLitigation, invoices: []dashInvoice{{30000, "2024-05-31"}},
		disputes: []dashDispute{{filed: "2024-05-10T10:00:00Z"}, {filed: "2024-05-02T10:00:00Z", resolved: "2024-05-05T10:00:00Z"}}},
	{ref: "D-7", created: "2024-03-20T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{90000, "2024-03-25"}},
		plan: &dashPlan{signed: "2024-04-02T09:00:00Z", first: "2024-04-15", state: portal.PlanKept}},
	{ref: "D-8", created: "2024-03-20T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{60000, "2024-03-25"}},
		plan: &dashPlan{signed: "2024-04-02T09:00:00Z", first: "2024-04-15", state: portal.PlanBroken}},
	{ref: "D-9", creditor: 1, created: "2024-03-20T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{30000, "2024-03-25"}},
		plan: &dashPlan{signed: "2024-06-20T09:00:00Z", first: "2024-07-15", state: portal.PlanRunning}},
	{ref: "D-10", created: "2024-06-01T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{25000, "2024-06-10"}},
		promise: "2024-06-12T09:00:00Z"},
}

// dashOther is tenant B's portfolio: figures of A never include it.
var dashOther = []dashClaim{
	{ref: "D-1", created: "2024-02-01T09:00:00Z", stage: portal.StageAmicable, invoices: []dashInvoice{{777700, "2024-02-10"}},
		touches:  []dashTouch{{at: "2024-03-01T09:00:00Z", source: "reminder_email"}},
		pays:     []dashPay{{"2024-03-02", 111100, false}},
		disputes: []dashDispute{{filed: "2024-05-01T10:00:00Z"}},
		msgs:     []dashMsg{{"2024-03-05T10:00:00Z", "debtor"}}},
}

const planCount, planInstalment = 3, 10000

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func (c dashClaim) currency() portal.Currency {
	if c.cur == "" {
		return "EUR"
	}
	return c.cur
}

// seedDashboard plays claims into tenant tn, each action at its time (a
// claim's evidence chain only moves forward in time).
func seedDashboard(t *testing.T, db *store.DB, clock *portal.FixedClock, tn *portal.Tenant, creditors []*portal.Creditor, claims []dashClaim) {
	t.Helper()
	ctx := context.Background()
	agent := &portal.User{TenantID: tn.ID, Email: "agent@" + tn.ID + ".test", Role: portal.RoleAgent}
	if err := db.CreateUser(ctx, agent, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	seqs, err := db.FindSequences(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	letters := &store.LetterStore{DB: db, Rates: rates}
	steps := map[portal.Channel][]*portal.ReminderStep{}
	for _, s := range seqs {
		for _, st := range s.Steps {
			steps[st.Channel] = append(steps[st.Channel], st)
		}
	}
	type action struct {
		at time.Time
		n  int
		do func() error
	}
	var actions []action
	add := func(at time.Time, do func() error) { actions = append(actions, action{at, len(actions), do}) }
	ids := make([]*portal.Claim, len(claims))
	for i := range claims {
		i, dc := i, claims[i]
		add(ts(dc.created), func() error {
			c := &portal.Claim{Reference: dc.ref, CreditorID: creditors[dc.creditor].ID, Currency: dc.currency(), Jurisdiction: portal.JurisdictionFR,
				Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Débiteur " + dc.ref, Language: "fr", Postcode: "75011", Email: "d@example.test", Phone: "+33612345678"}}
			for k, in := range dc.invoices {
				due := portal.MustDate(in.due)
				c.Invoices = append(c.Invoices, &portal.Invoice{Number: fmt.Sprintf("F-%d", k), IssueDate: due.AddDays(-30), DueDate: due, Amount: in.amount})
			}
			ids[i] = c
			return db.CreateClaim(ctx, tn.ID, c)
		})
		for _, p := range dc.pays {
			p := p
			add(portal.MustDate(p.on).Time().Add(12*time.Hour), func() error {
				pay := &portal.Payment{ClaimID: ids[i].ID, Amount: p.amount, ReceivedOn: portal.MustDate(p.on), Method: "transfer", Reference: "T"}
				if err := db.AddPayment(ctx, tn.ID, pay); err != nil {
					return err
				}
				if p.reversed {
					clock.T = clock.T.Add(time.Hour)
					_, err := db.ReversePayment(ctx, tn.ID, ids[i].ID, pay.ID, "entered twice")
					return err
				}
				return nil
			})
		}
		for k, cr := range dc.credits {
			k, cr := k, cr
			add(portal.MustDate(cr.on).Time().Add(12*time.Hour), func() error {
				return db.AddCreditNote(ctx, tn.ID, &portal.CreditNote{ClaimID: ids[i].ID, Number: fmt.Sprintf("AV-%d", k), IssueDate: portal.MustDate(cr.on), Amount: cr.amount})
			})
		}
		used := map[portal.Channel]int{}
		for _, tc := range dc.touches {
			tc := tc
			if tc.source == "letter" {
				var l *portal.Letter
				add(ts(tc.at), func() error {
					var err error
					l, err = letters.CreateLetter(ctx, tn.ID, ids[i].ID, portal.LetterRequest{Kind: portal.LetterReminder, PortalURL: "https://pay.example/p/x"})
					return err
				})
				posted := tc.at
				if tc.posted != "" {
					posted = tc.posted
				}
				add(ts(posted), func() error {
					_, err := letters.MarkLetterSent(ctx, tn.ID, ids[i].ID, l.ID, portal.LetterSending{Channel: portal.SendPost, SentOn: portal.DateOf(ts(tc.at))})
					return err
				})
				continue
			}
			add(ts(tc.at), func() error {
				switch tc.source {
				case "reminder_email", "reminder_sms":
					ch := portal.ChannelEmail
					if tc.source == "reminder_sms" {
						ch = portal.ChannelSMS
					}
					step := steps[ch][used[ch]]
					used[ch]++
					s, err := db.BeginSend(ctx, tn.ID, ids[i].ID, step, portal.DateOf(clock.T), "")
					if err != nil {
						return err
					}
					s.Status, s.Recipient = portal.SendSent, "d@example.test"
					return db.FinishSend(ctx, s)
				default:
					ch := portal.ChannelSMS
					if tc.source == "link_email" {
						ch = portal.ChannelEmail
					}
					_, token, err := db.IssueLink(ctx, tn.ID, ids[i].ID, ch, 30*24*time.Hour)
					if err != nil {
						return err
					}
					_, err = db.OpenLink(ctx, token)
					return err
				}
			})
		}
		for _, d := range dc.disputes {
			d := d
			var filed *portal.Dispute
			add(ts(d.filed), func() error {
				_, token, err := db.IssueLink(ctx, tn.ID, ids[i].ID, portal.ChannelLetter, 30*24*time.Hour)
				if err != nil {
					return err
				}
				op, err := db.OpenLink(ctx, token)
				if err != nil {
					return err
				}
				if _, err := db.CheckIdentity(ctx, op.Session.ID, "75011"); err != nil {
					return err
				}
				op.Session.Verified = true
				filed = &portal.Dispute{ClaimID: ids[i].ID, Reason: portal.ReasonWrongAmount, Text: "the amount is wrong"}
				return db.FileDispute(ctx, op.Session, filed)
			})
			if d.resolved != "" {
				add(ts(d.resolved), func() error {
					r := portal.Resolution{Outcome: portal.DisputeUpheld, Reason: "the invoice stands"}
					if d.credit > 0 {
						r = portal.Resolution{Outcome: portal.DisputePartlyAccepted, Reason: "a credit note", AdjustedAmount: d.credit}
					}
					_, err := db.ResolveDispute(ctx, tn.ID, ids[i].ID, filed.ID, r)
					return err
				})
			}
		}
		var conv *negotiation.Conversation
		openConv := func() error {
			if conv != nil {
				return nil
			}
			var err error
			conv, err = db.OpenConversation(ctx, tn.ID, ids[i].ID)
			return err
		}
		for k, m := range dc.msgs {
			k, m := k, m
			add(ts(m.at), func() error {
				if err := openConv(); err != nil {
					return err
				}
				msg := &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: fmt.Sprintf("m-%d", k), Kind: negotiation.MsgText, Text: "hello"}
				switch m.author {
				case "debtor":
					msg.Author = debtorAuthor()
				case "agent":
					msg.Author = negotiation.Author{Kind: portal.ActorUser, ID: agent.ID, Name: "Agent"}
				case "note":
					msg.Author, msg.Kind = negotiation.Author{Kind: portal.ActorUser, ID: agent.ID, Name: "Agent"}, negotiation.MsgNote
				}
				_, _, err := db.PostMessage(ctx, msg)
				return err
			})
		}
		if p := dc.plan; p != nil {
			add(ts(p.signed), func() error {
				if err := openConv(); err != nil {
					return err
				}
				balance := int64(planCount * planInstalment)
				o := negotiation.Offer{Kind: negotiation.KindPlan, Count: planCount, Amount: planInstalment, FirstDate: portal.MustDate(p.first),
					Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}
				sch := negotiation.ScheduleFor(o, balance)
				sch.Currency = dc.currency()
				msgs, _, err := db.MakeOffer(ctx, &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: "plan", Kind: negotiation.MsgOffer,
					Author: debtorAuthor(), Offer: &o, Verdict: &negotiation.Verdict{Accepted: true, Balance: balance}},
					&negotiation.Decision{Accept: true, Agreement: &negotiation.Agreement{ClaimID: ids[i].ID, Balance: balance, Schedule: sch}})
				if err != nil {
					return err
				}
				ag, err := db.SignAgreement(ctx, tn.ID, msgs[1].AgreementID, true, "fr", []byte("%PDF-1.4 plan"), negotiation.PayChoice{})
				if err != nil {
					return err
				}
				if p.state == portal.PlanKept {
					// Paid by transfer as the statement matcher would mark them.
					_, err := db.SQL().ExecContext(ctx, rebind(db, "UPDATE instalments SET status = 'paid' WHERE agreement_id = ?"), ag.ID)
					return err
				}
				return nil
			})
		}
		if dc.promise != "" {
			add(ts(dc.promise), func() error {
				if err := openConv(); err != nil {
					return err
				}
				o := negotiation.Offer{Kind: negotiation.KindPromise, Date: portal.DateOf(clock.T).AddDays(10)}
				_, _, err := db.MakeOffer(ctx, &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: "promise", Kind: negotiation.MsgOffer,
					Author: debtorAuthor(), Offer: &o, Verdict: &negotiation.Verdict{Balance: 25000}}, nil)
				return err
			})
		}
		if dc.stage != portal.StageAmicable {
			// Last, so that reminders went out at the amicable stage.
			add(ts("2024-06-29T00:00:00Z"), func() error {
				_, err := db.SQL().ExecContext(ctx, rebind(db, "UPDATE claims SET stage = ? WHERE id = ?"), string(dc.stage), ids[i].ID)
				return err
			})
		}
	}
	sort.SliceStable(actions, func(a, b int) bool { return actions[a].at.Before(actions[b].at) })
	for _, a := range actions {
		clock.T = a.at
		if err := a.do(); err != nil {
			t.Fatalf("seed action %d at %s: %v", a.n, a.at, err)
		}
	}
}

// rebind turns ? placeholders into $n for PostgreSQL.
func rebind(db *store.DB, q string) string {
	if db.Dialect != store.Postgres {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// dashModel computes the dashboard the store should return for claims
// under f, from the seed alone.
func dashModel(claims []dashClaim, creditorIdx int, f portal.DashboardFilter) *portal.Dashboard {
	out := &portal.Dashboard{Filter: f}
	in := func(c dashClaim) bool { return creditorIdx < 0 || c.creditor == creditorIdx }
	start, end := f.From.Time(), f.To.AddDays(1).Time()
	asOf := f.AsOf()
	asOfEnd := asOf.AddDays(1).Time()
	inPeriod := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	principal := func(c dashClaim) (sum int64, due portal.Date) {
		for k, i := range c.invoices {
			sum += i.amount
			if d := portal.MustDate(i.due); k == 0 || d.Before(due) {
				due = d
			}
		}
		return
	}
	paidBy := func(c dashClaim, day portal.Date) (sum int64) {
		for _, p := range c.pays {
			if !p.reversed && !portal.MustDate(p.on).After(day) {
				sum += p.amount
			}
		}
		return
	}
	creditedBy := func(c dashClaim, day portal.Date) (sum int64) {
		for _, d := range c.disputes {
			if d.credit > 0 && !portal.DateOf(ts(d.resolved)).After(day) {
				sum += d.credit
			}
		}
		for _, cr := range c.credits {
			if !portal.MustDate(cr.on).After(day) {
				sum += cr.amount
			}
		}
		return
	}
	curs := map[portal.Currency]bool{}
	for _, c := range claims {
		if in(c) && ts(c.created).Before(end) {
			curs[c.currency()] = true
		}
	}
	var curList []portal.Currency
	for c := range curs {
		curList = append(curList, c)
	}
	sort.Slice(curList, func(i, j int) bool { return curList[i] < curList[j] })
	for _, cur := range curList {
		for _, m := range f.Months() {
			first := portal.MustDate(m + "-01")
			last := first.AddMonths(1).AddDays(-1)
			mf := portal.MonthFigure{Month: m, Currency: cur}
			for _, c := range claims {
				if !in(c) || c.currency() != cur {
					continue
				}
				for _, p := range c.pays {
					if on := portal.MustDate(p.on); !p.reversed && !on.Before(first) && !on.After(last) {
						mf.Collected += p.amount
					}
				}
				if ts(c.created).Before(last.AddDays(1).Time()) {
					pr, _ := principal(c)
					mf.Outstanding += pr
				}
				mf.Outstanding -= paidBy(c, last) + creditedBy(c, last)
			}
			out.Monthly = append(out.Monthly, mf)
		}
	}
	ageing := map[[2]string]*portal.AgeingFigure{}
	stages := map[[2]string]*portal.RecoveryFigure{}
	channels := map[[2]string]*portal.ChannelFigure{}
	plans := map[[2]string]*portal.PlanFigure{}
	promises := map[string]int{}
	out.Disputes.ByAge = map[string]int{}
	for _, b := range portal.DisputeAgeBuckets {
		out.Disputes.ByAge[b] = 0
	}
	out.Response.ByTime = map[string]int{}
	for _, b := range portal.ResponseBuckets {
		out.Response.ByTime[b] = 0
	}
	var respTotal float64
	for _, c := range claims {
		if !in(c) {
			continue
		}
		cur := c.currency()
		pr, due := principal(c)
		if ts(c.created).Before(asOfEnd) {
			if owed := pr - paidBy(c, asOf) - creditedBy(c, asOf); owed > 0 {
				days := due.DaysUntil(asOf)
				b := portal.AgeOver90
				switch {
				case days < 0:
					b = portal.AgeNotDue
				case days <= 30:
					b = portal.Age0to30
				case days <= 60:
					b = portal.Age31to60
				case days <= 90:
					b = portal.Age61to90
				}
				k := [2]string{string(cur), b}
				if ageing[k] == nil {
					ageing[k] = &portal.AgeingFigure{Currency: cur, Bucket: b}
				}
				ageing[k].Claims++
				ageing[k].Amount += owed
			}
		}
		if inPeriod(ts(c.created)) {
			k := [2]string{string(c.stage), string(cur)}
			if stages[k] == nil {
				stages[k] = &portal.RecoveryFigure{Stage: c.stage, Currency: cur}
			}
			stages[k].Claims++
			stages[k].Principal += pr
			stages[k].Collected += paidBy(c, asOf)
		}
		for _, p := range c.pays {
			on := portal.MustDate(p.on)
			if p.reversed || on.Before(f.From) || on.After(f.To) {
				continue
			}
			src, last := portal.SourceNone, time.Time{}
			// Filing a dispute opened a letter's link first.
			touches := append([]dashTouch(nil), c.touches...)
			for _, d := range c.disputes {
				touches = append(touches, dashTouch{at: d.filed, source: "link_letter"})
			}
			// A letter counts from midnight of the day it was posted, and
			// loses a tie.
			sort.SliceStable(touches, func(a, b int) bool { return touches[a].source == "letter" && touches[b].source != "letter" })
			for _, tc := range touches {
				at, source := ts(tc.at), tc.source
				if source == "letter" {
					at, source = portal.DateOf(at).Time(), portal.SourceReminderPrefix+"letter"
				}
				if at.Before(on.AddDays(1).Time()) && !at.Before(last) {
					src, last = source, at
				}
			}
			k := [2]string{string(cur), src}
			if channels[k] == nil {
				channels[k] = &portal.ChannelFigure{Source: src, Currency: cur}
			}
			channels[k].Payments++
			channels[k].Amount += p.amount
		}
		if p := c.plan; p != nil && inPeriod(ts(p.signed)) {
			k := [2]string{string(cur), p.state}
			if plans[k] == nil {
				plans[k] = &portal.PlanFigure{Currency: cur, State: p.state}
			}
			plans[k].Plans++
			plans[k].Amount += planCount * planInstalment
			if p.state == portal.PlanKept {
				plans[k].Paid += planCount * planInstalment
			}
		}
		if c.promise != "" && inPeriod(ts(c.promise)) {
			promises[string(negotiation.OfferProposed)]++
		}
		at := asOfEnd
		if f.Now.Before(at) {
			at = f.Now
		}
		for _, d := range c.disputes {
			filed := ts(d.filed)
			if inPeriod(filed) {
				out.Disputes.Filed++
			}
			if d.resolved != "" && inPeriod(ts(d.resolved)) {
				out.Disputes.Resolved++
			}
			if filed.Before(asOfEnd) && (d.resolved == "" || !ts(d.resolved).Before(asOfEnd)) {
				out.Disputes.Open++
				age := at.Sub(filed)
				days := int(age / (24 * time.Hour))
				if days > out.Disputes.OldestDays {
					out.Disputes.OldestDays = days
				}
				switch {
				case age <= 7*24*time.Hour:
					out.Disputes.ByAge["0-7"]++
				case age <= 30*24*time.Hour:
					out.Disputes.ByAge["8-30"]++
				case age <= 60*24*time.Hour:
					out.Disputes.ByAge["31-60"]++
				default:
					out.Disputes.ByAge["60+"]++
				}
			}
		}
		// The chat: every public message in order, plan and promise
		// offers being the debtor's (their automatic answer is not an
		// agent's).
		msgs := append([]dashMsg(nil), c.msgs...)
		if c.plan != nil {
			msgs = append(msgs, dashMsg{c.plan.signed, "debtor"})
		}
		if c.promise != "" {
			msgs = append(msgs, dashMsg{c.promise, "debtor"})
		}
		sort.SliceStable(msgs, func(i, j int) bool { return ts(msgs[i].at).Before(ts(msgs[j].at)) })
		prev := ""
		for i, m := range msgs {
			if m.author == "note" {
				continue
			}
			if m.author == "debtor" && prev != "debtor" && inPeriod(ts(m.at)) {
				out.Response.Asked++
				for _, a := range msgs[i+1:] {
					if a.author == "agent" {
						secs := ts(a.at).Sub(ts(m.at)).Seconds()
						out.Response.Answered++
						respTotal += secs
						b := "more"
						switch {
						case secs <= 60:
							b = "1m"
						case secs <= 300:
							b = "5m"
						case secs <= 3600:
							b = "1h"
						case secs <= 86400:
							b = "1d"
						}
						out.Response.ByTime[b]++
						break
					}
				}
			}
			prev = m.author
		}
	}
	out.Response.ByTime["unanswered"] = out.Response.Asked - out.Response.Answered
	if out.Response.Answered > 0 {
		out.Response.AvgSeconds = int64(respTotal/float64(out.Response.Answered) + 0.5)
	}
	for _, a := range ageing {
		out.Ageing = append(out.Ageing, *a)
	}
	sort.Slice(out.Ageing, func(i, j int) bool {
		return out.Ageing[i].Currency+portal.Currency(out.Ageing[i].Bucket) < out.Ageing[j].Currency+portal.Currency(out.Ageing[j].Bucket)
	})
	for _, s := range stages {
		out.ByStage = append(out.ByStage, *s)
	}
	sort.Slice(out.ByStage, func(i, j int) bool {
		return string(out.ByStage[i].Stage)+string(out.ByStage[i].Currency) < string(out.ByStage[j].Stage)+string(out.ByStage[j].Currency)
	})
	for _, c := range channels {
		out.ByChannel = append(out.ByChannel, *c)
	}
	sort.Slice(out.ByChannel, func(i, j int) bool {
		return string(out.ByChannel[i].Currency)+out.ByChannel[i].Source < string(out.ByChannel[j].Currency)+out.ByChannel[j].Source
	})
	for _, p := range plans {
		out.Plans = append(out.Plans, *p)
	}
	sort.Slice(out.Plans, func(i, j int) bool {
		return string(out.Plans[i].Currency)+out.Plans[i].State < string(out.Plans[j].Currency)+out.Plans[j].State
	})
	for s, n := range promises {
		out.Promises = append(out.Promises, portal.PromiseFigure{Status: s, Count: n})
	}
	return out
}

func TestDashboard(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: ts("2023-12-01T09:00:00Z")}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
			if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: a.ID, LegalName: "Alpha Two SARL", Country: "FR"}); err != nil {
				t.Fatal(err)
			}
			credA, err := db.FindCreditors(ctx, a.ID)
			if err != nil || len(credA) != 2 {
				t.Fatal(err, len(credA))
			}
			sort.Slice(credA, func(i, j int) bool { return credA[i].LegalName == "Alpha SAS" }) // seedTenant's first
			credB, _ := db.FindCreditors(ctx, b.ID)
			seedDashboard(t, db, clock, b, credB, dashOther)
			seedDashboard(t, db, clock, a, credA, dashSeed)
			// The broken plan: its instalments are weeks late on 2024-06-30.
			clock.T = ts("2024-06-30T09:00:00Z")
			if _, _, err := db.SweepPlans(ctx, portal.MustDate("2024-06-30"), portal.PlanPolicy{}); err != nil {
				t.Fatal(err)
			}
			clock.T = ts("2024-06-30T12:00:00Z")

			half := portal.DashboardFilter{From: portal.MustDate("2024-01-01"), To: portal.MustDate("2024-06-30"), Today: portal.MustDate("2024-06-30"), Now: clock.T}
			spring := half
			spring.From, spring.To = portal.MustDate("2024-03-01"), portal.MustDate("2024-04-30")
			cases := []struct {
				name     string
				creditor int
				f        portal.DashboardFilter
			}{{"All", -1, half}, {"Creditor", 1, half}, {"Period", -1, spring}, {"CreditorPeriod", 0, spring}}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					f := tc.f
					if tc.creditor >= 0 {
						f.CreditorID = credA[tc.creditor].ID
					}
					got, err := db.Dashboard(ctx, a.ID, f)
					if err != nil {
						t.Fatal(err)
					}
					want := dashModel(dashSeed, tc.creditor, f)
					checkDashboard(t, got, want)
					// What migration 00130 records is what the live queries
					// compute from the payments, contacts and messages.
					live, err := db.DashboardLive(ctx, a.ID, f)
					if err != nil {
						t.Fatal(err)
					}
					checkDashboard(t, live, want)
					if tc.name == "All" {
						// The seed reaches every branch: each source, state and bucket.
						sources, states, buckets := map[string]bool{}, map[string]bool{}, map[string]bool{}
						for _, c := range want.ByChannel {
							sources[c.Source] = true
						}
						for _, p := range want.Plans {
							states[p.State] = true
						}
						for _, a := range want.Ageing {
							buckets[a.Bucket] = true
						}
						if len(sources) != 7 || len(states) != 3 || len(buckets) != 5 || len(want.Currencies) != 0 || len(got.Currencies) != 2 ||
							want.Disputes.Open != 2 || want.Disputes.Resolved != 2 || want.Response.Answered != 3 || len(want.Promises) != 1 {
							t.Fatalf("the seed misses a case: sources %v states %v buckets %v currencies %v %+v %+v", sources, states, buckets, got.Currencies, want.Disputes, want.Response)
						}
					}
				})
			}
			t.Run("Backfill", func(t *testing.T) {
				// Migration 00130 run again on the data already there
				// records the same as its triggers did.
				if err := db.RedoMigration(ctx, 130); err != nil {
					t.Fatal(err)
				}
				for _, tc := range cases {
					f := tc.f
					if tc.creditor >= 0 {
						f.CreditorID = credA[tc.creditor].ID
					}
					got, err := db.Dashboard(ctx, a.ID, f)
					if err != nil {
						t.Fatal(err)
					}
					checkDashboard(t, got, dashModel(dashSeed, tc.creditor, f))
				}
				var turns, channels int
				if err := db.SQL().QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM message_turns), (SELECT COUNT(*) FROM payment_channels)").Scan(&turns, &channels); err != nil || turns == 0 || channels == 0 {
					t.Fatalf("nothing backfilled: %v, %d turns, %d payments", err, turns, channels)
				}
			})
			t.Run("TenantIsolation", func(t *testing.T) {
				got, err := db.Dashboard(ctx, b.ID, half)
				if err != nil {
					t.Fatal(err)
				}
				want := dashModel(dashOther, -1, half)
				checkDashboard(t, got, want)
				if len(got.ByChannel) != 1 || got.ByChannel[0].Amount != 111100 || got.Disputes.Open != 1 || len(got.Plans) != 0 {
					t.Fatalf("tenant B sees more than its own claim: %+v", got)
				}
				// A's figures hold none of B's money.
				gotA, _ := db.Dashboard(ctx, a.ID, half)
				for _, m := range gotA.Monthly {
					if m.Collected >= 111100 {
						t.Fatalf("B's payment counted in A: %+v", m)
					}
				}
				// A creditor of B named in A's filter counts nothing.
				f := half
				f.CreditorID = credB[0].ID
				got, err = db.Dashboard(ctx, a.ID, f)
				if err != nil || len(got.Monthly) != 0 || len(got.Ageing) != 0 || got.Disputes.Filed != 0 || got.Response.Asked != 0 {
					t.Fatalf("A with B's creditor: %v %+v", err, got)
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				f := half
				f.From, f.To = f.To, f.From
				if _, err := db.Dashboard(ctx, a.ID, f); portal.ErrorCode(err) != portal.EINVALID {
					t.Fatalf("reversed period: %v", err)
				}
				f.From, f.To = portal.MustDate("2010-01-01"), portal.MustDate("2024-12-31")
				if _, err := db.Dashboard(ctx, a.ID, f); portal.ErrorCode(err) != portal.EINVALID {
					t.Fatalf("15 years: %v", err)
				}
			})
		})
	}
}

func checkDashboard(t *testing.T, got, want *portal.Dashboard) {
	t.Helper()
	eq := func(name string, g, w any) {
		t.Helper()
		if gs, ws := fmt.Sprintf("%+v", g), fmt.Sprintf("%+v", w); gs != ws {
			t.Errorf("%s:\n got %s\nwant %s", name, gs, ws)
		}
	}
	eq("monthly", got.Monthly, want.Monthly)
	eq("ageing", got.Ageing, want.Ageing)
	eq("by stage", got.ByStage, want.ByStage)
	eq("by channel", got.ByChannel, want.ByChannel)
	eq("plans", got.Plans, want.Plans)
	eq("promises", got.Promises, want.Promises)
	eq("disputes", got.Disputes, want.Disputes)
	eq("response", got.Response, want.Response)
}
