// Package payments runs the payment flows: it prices a card checkout from
// the claim's balance at that moment (never from the browser), asks the card
// provider for a hosted page, applies the provider's signed events through
// the store, and charges instalments on schedule (scheduler.go).
//
// It composes portal interfaces and the rules; it imports no HTTP, database
// or Stripe package.
package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// ClaimFinder loads a claim with its debtor, invoices, payments and credit
// notes (portal.ClaimService has it).
type ClaimFinder interface {
	FindClaim(ctx context.Context, tenantID, id string) (*portal.Claim, error)
}

// Service implements portal.PaymentService.
type Service struct {
	Claims ClaimFinder
	Store  portal.CardPaymentStore
	// References keeps transfer references (the store).
	References ReferenceStore
	// Statements keeps imported bank statements (the store).
	Statements StatementStore
	// Card is nil when no Stripe key is configured: card payment is off.
	Card portal.CardPayments
	// Notifier tells the debtor when their mandate ended and their
	// instalments fell back to bank transfer; nil tells no one.
	Notifier DebtorNotifier
	Rates    *rules.Rates
	Clock    portal.Clock
	Log      *slog.Logger
	// Zone is where "today" is taken for balances (default Europe/Brussels,
	// UTC when the zone database is missing).
	Zone *time.Location
}

var _ portal.PaymentService = (*Service)(nil)

// CardEnabled implements portal.PaymentService.
func (s *Service) CardEnabled() bool { return s.Card != nil }

// Today is the date balances are computed for.
func (s *Service) Today() portal.Date {
	z := s.Zone
	if z == nil {
		z = portal.Zone()
	}
	return portal.DateOf(s.Clock.Now().In(z))
}

// Balance returns the claim and what its debtor owes today.
func (s *Service) Balance(ctx context.Context, tenantID, claimID string) (*portal.Claim, *rules.Balance, error) {
	c, err := s.Claims.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.Rates.Compute(c, s.Today())
	if err != nil {
		return nil, nil, err
	}
	return c, b, nil
}

// checkoutKey derives the idempotency key of a checkout from what it does:
// the claim, the instalment or invoice it pays, the amount, the balance date
// and the balance's version (the payments and credit notes it counts). A
// double click, or a retry after a timeout, sends the same key and gets the
// same session; a payment recorded meanwhile changes the key.
func checkoutKey(c *portal.Claim, instalmentID, invoiceID string, amount int64, asOf portal.Date) string {
	h := sha256.New()
	fmt.Fprintf(h, "checkout|%s|%s|%s|%d|%s|%s", c.TenantID, c.ID, instalmentID, amount, c.Currency, asOf)
	if invoiceID != "" {
		// Only when set, so that the keys of sessions without one stay.
		fmt.Fprintf(h, "|inv:%s", invoiceID)
	}
	for _, p := range c.Payments {
		fmt.Fprintf(h, "|p:%s", p.ID)
	}
	for _, cn := range c.CreditNotes {
		fmt.Fprintf(h, "|cn:%s", cn.ID)
	}
	return "relais-checkout-" + hex.EncodeToString(h.Sum(nil))[:40]
}

// InstalmentAmount returns the amount still due on one instalment of a
// claim (the plan's store); nil disables paying an instalment early.
type InstalmentAmount interface {
	InstalmentDue(ctx context.Context, tenantID, claimID, instalmentID string) (int64, error)
}

// PlanRemainder returns what is left to pay on a claim's plan in force
// (the plan's store); nil disables settling the rest of a plan at once.
type PlanRemainder interface {
	PlanRest(ctx context.Context, tenantID, claimID string) (int64, error)
}

// StartCheckout implements portal.PaymentService.
func (s *Service) StartCheckout(ctx context.Context, r portal.CheckoutStart) (string, error) {
	if s.Card == nil {
		return "", portal.Errorf(portal.EUNAVAILABLE, "Card payment is not available; please pay by bank transfer.")
	}
	if r.InstalmentID != "" && r.InvoiceID != "" || r.Rest && (r.InstalmentID != "" || r.InvoiceID != "") {
		return "", portal.Errorf(portal.EINVALID, "Pay either an instalment or an invoice, not both at once.")
	}
	// A balance counted only up to the last day with a published rate is
	// still what the debtor owes today: it is paid, and the interest of the
	// days after is added once the rate is known.
	c, b, err := s.Balance(ctx, r.TenantID, r.ClaimID)
	if err != nil {
		return "", err
	}
	amount := b.Total
	if r.InstalmentID != "" {
		ia, ok := s.Store.(InstalmentAmount)
		if !ok {
			return "", portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
		}
		due, err := ia.InstalmentDue(ctx, r.TenantID, r.ClaimID, r.InstalmentID)
		if err != nil {
			return "", err
		}
		if due < amount {
			amount = due
		}
	}
	if r.Rest {
		// The rest of the plan, never more than the balance: the payment
		// goes to the instalments in order.
		pr, ok := s.Store.(PlanRemainder)
		if !ok {
			return "", portal.Errorf(portal.EINVALID, "No plan is in force on this claim.")
		}
		rest, err := pr.PlanRest(ctx, r.TenantID, r.ClaimID)
		if err != nil {
			return "", err
		}
		amount = min(amount, rest)
	}
	invoiceNumber := ""
	if r.InvoiceID != "" {
		// What is due today on the invoice the debtor chose (its principal,
		// interest and indemnity); the payment goes there first.
		line := invoiceLine(b, r.InvoiceID)
		if line == nil {
			return "", portal.Errorf(portal.ENOTFOUND, "Invoice not found.")
		}
		if line.Total <= 0 {
			return "", portal.Errorf(portal.EINVALID, "Nothing is left to pay on this invoice.")
		}
		amount = min(amount, line.Total)
		invoiceNumber = line.Number
	}
	if amount <= 0 {
		return "", portal.Errorf(portal.EINVALID, "Nothing is left to pay on this claim.")
	}
	desc := "Claim " + c.Reference
	if c.Creditor != nil && c.Creditor.LegalName != "" {
		desc = c.Creditor.LegalName + " – " + c.Reference
	}
	if invoiceNumber != "" {
		desc += " – " + invoiceNumber
	}
	lang := "en"
	if c.Debtor != nil {
		lang = c.Debtor.Language
	}
	keyed := r.InstalmentID
	if r.Rest {
		keyed = "rest"
	}
	key := checkoutKey(c, keyed, r.InvoiceID, amount, b.AsOf)
	url, id, err := s.Card.CreateCheckout(ctx, portal.CheckoutRequest{
		TenantID: c.TenantID, ClaimID: c.ID, InstalmentID: r.InstalmentID, InvoiceID: r.InvoiceID, Amount: amount, Currency: c.Currency,
		Description: desc, Language: lang, Bancontact: c.Jurisdiction == portal.JurisdictionBE,
		SuccessURL: r.SuccessURL, CancelURL: r.CancelURL, IdempotencyKey: key,
	})
	if err != nil {
		return "", err
	}
	err = s.Store.RecordCheckout(ctx, &portal.CheckoutSession{
		TenantID: c.TenantID, ClaimID: c.ID, InstalmentID: r.InstalmentID, InvoiceID: r.InvoiceID, ProviderID: id, Mode: "payment",
		Amount: amount, Currency: c.Currency, BalanceAsOf: b.AsOf,
	})
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return "", fmt.Errorf("checkout session %s has no URL", id)
	}
	return url, nil
}

// invoiceLine returns the balance's line of an invoice, nil when the
// claim has no such invoice.
func invoiceLine(b *rules.Balance, invoiceID string) *rules.InvoiceLine {
	for i := range b.Invoices {
		if b.Invoices[i].InvoiceID == invoiceID {
			return &b.Invoices[i]
		}
	}
	return nil
}

// CheckoutState implements portal.PaymentService.
func (s *Service) CheckoutState(ctx context.Context, tenantID, claimID, sessionID string) (*portal.CheckoutSession, error) {
	return s.Store.FindCheckout(ctx, tenantID, claimID, sessionID)
}

// HandleWebhook implements portal.PaymentService.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, sig string) (*portal.CardEventResult, error) {
	if s.Card == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Card payments are not configured.")
	}
	ev, err := s.Card.ParseEvent(payload, sig)
	if err != nil {
		return nil, err
	}
	if ev.Type == portal.CardSetupSucceeded && ev.Mode == "mandate" && ev.SetupIntentID != "" {
		// The event carries ids only: the mandate's reference, acceptance
		// and IBAN digits are read from Stripe. Stripe unreachable: the
		// event is refused with EUNAVAILABLE and Stripe sends it again.
		m, err := s.Card.SetupMandate(ctx, ev.SetupIntentID)
		if err != nil {
			return nil, err
		}
		ev.Mandate = m
	}
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "stripe"})
	res, err := s.Store.ApplyCardEvent(ctx, ev)
	if err != nil {
		return nil, err
	}
	if s.Log != nil {
		s.Log.InfoContext(ctx, "stripe event", "event", ev.ID, "type", ev.RawType, "duplicate", res.Duplicate, "payments", len(res.Payments))
	}
	if res.MandateEnded && !res.Duplicate {
		s.tellMandateEnded(ctx, ev)
	}
	return res, nil
}

// tellMandateEnded tells the debtor their mandate ended and their next
// instalments are to be paid by transfer. The fall-back is recorded
// already; a notice that fails is logged (the portal shows the change).
func (s *Service) tellMandateEnded(ctx context.Context, ev *portal.CardEvent) {
	if s.Notifier == nil {
		return
	}
	c, err := s.Claims.FindClaim(ctx, ev.TenantID, ev.ClaimID)
	if err == nil {
		_, err = s.Notifier.NotifyDebtor(ctx, c, DebtorMessage{Key: "debit.mandate_ended", Ref: "relais-mandate-ended-" + ev.ID})
	}
	if err != nil && s.Log != nil {
		s.Log.WarnContext(ctx, "mandate ended: the debtor could not be told", "err", err, "claim", ev.ClaimID, "event", ev.ID)
	}
}

// StartSetup returns a hosted Checkout page in setup mode where the debtor
// saves a card for the off-session charges of their instalment plan, or
// (r.Via sepa_debit or bancontact) gives the SEPA Direct Debit mandate its
// debits are taken from. The debtor gets one Stripe customer, created on
// first use.
func (s *Service) StartSetup(ctx context.Context, r portal.CheckoutStart) (string, error) {
	if s.Card == nil {
		return "", portal.Errorf(portal.EUNAVAILABLE, "Card payment is not available; please pay by bank transfer.")
	}
	c, err := s.Claims.FindClaim(ctx, r.TenantID, r.ClaimID)
	if err != nil {
		return "", err
	}
	switch r.Via {
	case "":
	case portal.MandateViaSEPADebit:
		if c.Currency != "EUR" {
			return "", portal.Errorf(portal.EINVALID, "SEPA Direct Debit is only for claims in euro.")
		}
	case portal.MandateViaBancontact:
		if c.Currency != "EUR" || c.Jurisdiction != portal.JurisdictionBE {
			return "", portal.Errorf(portal.EINVALID, "Bancontact is only for Belgian claims in euro.")
		}
	default:
		return "", portal.Errorf(portal.EINVALID, "Unknown way to pay the plan.")
	}
	customer, _, err := s.Store.StripeCustomer(ctx, c.TenantID, c.DebtorID)
	if err != nil {
		return "", err
	}
	if customer == "" {
		customer, err = s.Card.CreateCustomer(ctx, portal.CustomerRequest{TenantID: c.TenantID, DebtorID: c.DebtorID,
			Name: c.Debtor.Name, Email: c.Debtor.Email, IdempotencyKey: "relais-customer-" + c.DebtorID})
		if err != nil {
			return "", err
		}
		if err := s.Store.SaveStripeCustomer(ctx, c.TenantID, c.DebtorID, customer); err != nil {
			return "", err
		}
		// Two first calls at once keep the first stored customer.
		if customer, _, err = s.Store.StripeCustomer(ctx, c.TenantID, c.DebtorID); err != nil {
			return "", err
		}
	}
	key := "relais-setup-" + c.ID + "-" + customer + "-" + s.Today().String()
	if r.Via != "" {
		key += "-" + r.Via
	}
	url, id, err := s.Card.CreateSetup(ctx, portal.SetupRequest{TenantID: c.TenantID, ClaimID: c.ID, CustomerID: customer, Via: r.Via,
		Currency: c.Currency, Language: c.Debtor.Language, SuccessURL: r.SuccessURL, CancelURL: r.CancelURL, IdempotencyKey: key})
	if err != nil {
		return "", err
	}
	if err := s.Store.RecordCheckout(ctx, &portal.CheckoutSession{TenantID: c.TenantID, ClaimID: c.ID, ProviderID: id, Mode: "setup",
		Currency: c.Currency, BalanceAsOf: s.Today()}); err != nil {
		return "", err
	}
	return url, nil
}
