// Package privacytest plants, through the real store, a claim holding every
// kind of personal data Relais keeps about a debtor, each piece marked with
// a tag that a test can look for anywhere in the database before and after
// an erasure.
package privacytest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
)

// Options shape the planted claim.
type Options struct {
	// Reference of the claim (kept after erasure: never put Tag in it).
	Reference    string
	Jurisdiction portal.Jurisdiction
	Kind         portal.DebtorKind
	// Tag marks every free-text piece of personal data; it must be unique
	// in the database (e.g. "zq7tag1").
	Tag string
	// Email of the debtor; default "<tag>@example.test".
	Email string
	// CustomerNumber of the debtor; default "CUST-<tag>".
	CustomerNumber string
	// Status the claim ends in: settled (default), written_off, closed, or
	// in_plan (the plan signed last stays running).
	Final portal.Status
}

// Seeded is a planted claim and the values to look for.
type Seeded struct {
	TenantID string
	Claim    *portal.Claim
	Tag      string
	// Phone and IBAN are personal values that cannot carry the tag.
	Phone, CallbackPhone, IBAN string
	// IP and UserAgent are what the debtor's events recorded: they are in
	// the chain hash and stay after erasure.
	IP, UserAgent string
	// DisputeFile is the uploaded document's content.
	DisputeFile []byte
	// AgreementPDF is the signed agreement's PDF.
	AgreementPDF []byte
}

// Seed plants the claim in tenantID (which needs one creditor) on db,
// whose clock is the test's. Every step goes through the store as the
// portal, the console and the API would.
func Seed(tb testing.TB, db *store.DB, tenantID string, o Options) *Seeded {
	tb.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("seed %s: %s: %v", o.Tag, what, err)
		}
	}
	if o.Jurisdiction == "" {
		o.Jurisdiction = portal.JurisdictionFR
	}
	if o.Kind == "" {
		o.Kind = portal.DebtorBusiness
	}
	if o.Email == "" {
		o.Email = o.Tag + "@example.test"
	}
	if o.CustomerNumber == "" {
		o.CustomerNumber = "CUST-" + o.Tag
	}
	if o.Final == "" {
		o.Final = portal.StatusSettled
	}
	s := &Seeded{TenantID: tenantID, Tag: o.Tag, Phone: "+33612345678", CallbackPhone: "+33698765432",
		IBAN: "FR7630006000011234567890189", IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (privacytest)",
		DisputeFile: []byte("%PDF-1.4 proof of payment by " + o.Tag), AgreementPDF: []byte("%PDF-1.4 agreement signed by " + o.Tag)}
	c := &portal.Claim{Reference: o.Reference, Currency: "EUR", Jurisdiction: o.Jurisdiction,
		Debtor: &portal.Debtor{Kind: o.Kind, Name: "Zoé " + o.Tag, Language: "fr", Address: "1 rue " + o.Tag + ", 75011 Paris",
			Postcode: "75011", Country: string(o.Jurisdiction), Email: o.Email, Phone: s.Phone,
			BirthDate: portal.MustDate("1980-05-17"), CustomerNumber: o.CustomerNumber},
		Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 150000}}}
	must("claim", db.CreateClaim(ctx, tenantID, c))
	s.Claim = c

	// The debtor opens a link, passes the identity check, looks, disputes.
	// Identifiers that stay after erasure (actor IDs, bank references) must
	// not carry the tag.
	other := reverse(o.Tag)
	debtor := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorDebtor, ID: "sess-" + other, IP: s.IP, UserAgent: s.UserAgent})
	_, token, err := db.IssueLink(ctx, tenantID, c.ID, portal.ChannelEmail, 90*24*time.Hour)
	must("link", err)
	opening, err := db.OpenLink(debtor, token)
	must("open link", err)
	secret, err := db.CheckIdentity(debtor, opening.Session.ID, "75011")
	must("identity", err)
	sess, err := db.FindSession(debtor, secret)
	must("session", err)
	must("view", db.RecordPortalEvent(debtor, sess, portal.EventClaimViewed, nil))
	d := &portal.Dispute{Reason: portal.ReasonAlreadyPaid, Text: "I paid in cash, ask " + o.Tag,
		Files: []*portal.DisputeFile{{Name: o.Tag + "-receipt.pdf", Content: s.DisputeFile}}}
	must("dispute", db.FileDispute(debtor, sess, d))
	_, err = db.ResolveDispute(ctx, tenantID, c.ID, d.ID, portal.Resolution{Outcome: portal.DisputeUpheld, Reason: "No receipt from " + o.Tag})
	must("resolve", err)

	// A letter, a reminder e-mail, opt-out links, a saved card customer.
	rates, err := rules.Default()
	must("rates", err)
	_, err = (&store.LetterStore{DB: db, Rates: rates}).CreateLetter(ctx, tenantID, c.ID,
		portal.LetterRequest{Kind: portal.LetterReminder, PortalURL: "https://pay.example.test/p/letterlink"})
	must("letter", err)
	seqs, err := db.FindSequences(ctx, tenantID)
	must("sequences", err)
	var step *portal.ReminderStep
	for _, q := range seqs {
		if q.Builtin != "" && len(q.Steps) > 0 && step == nil {
			step = q.Steps[0]
		}
	}
	send, err := db.BeginSend(ctx, tenantID, c.ID, step, db.Today(ctx, tenantID), "")
	must("begin send", err)
	send.Status, send.Recipient, send.Language = portal.SendSent, o.Email, "fr"
	send.Subject, send.BodyText, send.BodyHTML = "Relance "+o.Tag, "Bonjour Zoé "+o.Tag, "<p>Bonjour Zoé "+o.Tag+"</p>"
	send.ContentSHA256 = portal.SHA256Hex(reminders.ContentJSON(send.Subject, send.BodyText, send.BodyHTML))
	must("finish send", db.FinishSend(ctx, send))
	_, err = db.IssueUnsubscribe(ctx, tenantID, c.ID, c.DebtorID, portal.ChannelSMS)
	must("unsubscribe", err)
	must("card customer", db.SaveStripeCustomer(ctx, tenantID, c.DebtorID, "cus_"+o.Tag))

	// A payment with the creditor's note, and one from a bank statement.
	must("payment", db.AddPayment(ctx, tenantID, &portal.Payment{ClaimID: c.ID, Amount: 10000, ReceivedOn: portal.MustDate("2024-03-01"),
		Method: portal.PaymentOther, Reference: "cheque from " + o.Tag}))
	_, err = db.RecordStatement(ctx, tenantID, "csv", []*portal.StatementLine{{BankRef: "BANK-" + other, BookedOn: portal.MustDate("2024-03-05"),
		Amount: 5000, Currency: "EUR", Credit: true, Reference: "virement " + o.Tag, Name: "ZOE " + o.Tag, IBAN: s.IBAN,
		Status: portal.LineMatched, ClaimID: c.ID}})
	must("statement", err)

	// The chat: a message, a call-back request refused, a plan signed.
	conv, err := db.OpenConversation(ctx, tenantID, c.ID)
	must("conversation", err)
	author := negotiation.Author{Kind: portal.ActorDebtor, ID: "sess-" + other, Name: "Zoé " + o.Tag}
	agent := negotiation.Author{Kind: portal.ActorUser, ID: "agent-1", Name: "Agent Smith"}
	_, _, err = db.PostMessage(debtor, &negotiation.Message{TenantID: tenantID, ConversationID: conv.ID, ClientID: "m-1",
		Kind: negotiation.MsgText, Author: author, Text: "Call me, I am " + o.Tag})
	must("message", err)
	cb := negotiation.Offer{Kind: negotiation.KindCallback, Phone: s.CallbackPhone, Note: "evenings, ask for " + o.Tag}
	msgs, _, err := db.MakeOffer(debtor, &negotiation.Message{TenantID: tenantID, ConversationID: conv.ID, ClientID: "o-1",
		Kind: negotiation.MsgOffer, Author: author, Offer: &cb, Verdict: &negotiation.Verdict{Balance: 135000}}, nil)
	must("callback offer", err)
	_, _, err = db.DecideOffer(ctx, &negotiation.Message{TenantID: tenantID, ConversationID: conv.ID, ClientID: "r-1", Author: agent},
		negotiation.Decision{OfferID: msgs[0].OfferID, Reason: "we do not call " + o.Tag})
	must("refuse", err)
	// The agent's counter-offer outside the policy, with a reason that
	// names the debtor's situation (erased with the rest).
	discount := negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 100000}
	breaches := []negotiation.Breach{{Bound: negotiation.BoundMaxDiscount, Limit: 135000, Got: 100000}}
	_, _, err = db.MakeOffer(ctx, &negotiation.Message{TenantID: tenantID, ConversationID: conv.ID, ClientID: "c-1", Kind: negotiation.MsgCounterOffer,
		Author: agent, Offer: &discount, Verdict: &negotiation.Verdict{Balance: 135000, Breaches: breaches},
		Override: &negotiation.PolicyOverride{Reason: "unemployed since March, " + o.Tag, Breaches: breaches, Balance: 135000, By: agent}}, nil)
	must("counter-offer", err)
	// A promise to pay taken by phone, its note free text (issue 20).
	_, err = db.RecordPromise(portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, ID: agent.ID, TenantID: tenantID}), tenantID, c.ID, portal.PromiseInput{Amount: 1000,
		DueOn: db.Today(ctx, tenantID).AddDays(5), Note: "will pay after the holidays, " + o.Tag, Source: portal.PromiseFromAgent})
	must("promise", err)
	plan := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 45000, FirstDate: db.Today(ctx, tenantID).AddDays(10),
		Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer, Note: "salary on the 5th, " + o.Tag}
	sch := negotiation.ScheduleFor(plan, 135000)
	sch.Currency = "EUR"
	msgs, _, err = db.MakeOffer(debtor, &negotiation.Message{TenantID: tenantID, ConversationID: conv.ID, ClientID: "o-2",
		Kind: negotiation.MsgOffer, Author: author, Offer: &plan, Verdict: &negotiation.Verdict{Accepted: true, Balance: 135000}},
		&negotiation.Decision{Accept: true, Agreement: &negotiation.Agreement{ClaimID: c.ID, Balance: 135000, Schedule: sch}})
	must("plan offer", err)
	if len(msgs) != 2 || msgs[1].AgreementID == "" {
		tb.Fatalf("seed %s: the plan was not accepted: %+v", o.Tag, msgs)
	}
	_, err = db.SignAgreement(debtor, tenantID, msgs[1].AgreementID, true, "fr", s.AgreementPDF, negotiation.PayChoice{})
	must("sign", err)

	if o.Final != portal.StatusInPlan {
		_, err = db.ChangeStatus(ctx, tenantID, c.ID, portal.StatusChange{To: o.Final, Reason: "end of the recovery"})
		must(fmt.Sprintf("status %s", o.Final), err)
	}
	got, err := db.FindClaim(ctx, tenantID, c.ID)
	must("reload", err)
	s.Claim = got
	return s
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
