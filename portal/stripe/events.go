package stripe

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/relais/relais/portal"
)

// CheckSignatureTime refuses a Stripe-Signature header whose timestamp
// (t=) is more than Tolerance ahead of now, or that has none. stripe-go's
// ConstructEvent refuses a signature older than its tolerance only: one
// dated ahead would otherwise stay valid until that date. The error is
// EUNAUTHORIZED, like a bad signature (the webhook answers 400).
func CheckSignatureTime(header string, now time.Time) error {
	bad := func(err error) error {
		return &portal.Error{Code: portal.EUNAUTHORIZED, Message: "Invalid webhook signature.", Err: err}
	}
	for _, item := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || k != "t" {
			continue
		}
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bad(fmt.Errorf("signature timestamp %q: %w", v, err))
		}
		if at := time.Unix(sec, 0); at.After(now.Add(Tolerance)) {
			return bad(fmt.Errorf("signature timestamp %s is in the future (now %s, tolerance %s)", at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), Tolerance))
		}
		return nil
	}
	return bad(fmt.Errorf("signature header without a timestamp"))
}

// reduce keeps from a verified event what Relais acts on. Types Relais
// does not handle come back with Type "" (acknowledged, ignored). An event
// created more than Tolerance ahead of this server's clock, or a refund
// larger than its charge, is EINVALID: Stripe never sends one, and Relais
// records nothing of it.
func reduce(ev *stripego.Event) (*portal.CardEvent, error) {
	out := &portal.CardEvent{ID: ev.ID, RawType: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if ev.ID == "" {
		return nil, portal.Errorf(portal.EINVALID, "The event has no id.")
	}
	if now := time.Now(); out.Created.After(now.Add(Tolerance)) {
		return nil, &portal.Error{Code: portal.EINVALID, Message: "The event is dated in the future: nothing was recorded.",
			Err: fmt.Errorf("stripe event %s created in the future (%s, now %s)", ev.ID, out.Created.Format(time.RFC3339), now.UTC().Format(time.RFC3339))}
	}
	if ev.Data == nil {
		return out, nil
	}
	bad := func(err error) (*portal.CardEvent, error) {
		return nil, &portal.Error{Code: portal.EINVALID, Message: "The event's object cannot be read.", Err: err}
	}
	switch t := portal.CardEventType(ev.Type); t {
	case portal.CardCheckoutCompleted, portal.CardCheckoutAsyncPaid:
		var s stripego.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return bad(err)
		}
		out.Type, out.SessionID, out.Mode = t, s.ID, string(s.Mode)
		out.Paid = s.PaymentStatus == stripego.CheckoutSessionPaymentStatusPaid
		out.Amount, out.Currency = s.AmountTotal, currency(s.Currency)
		takeMetadata(out, s.Metadata)
		if s.PaymentIntent != nil {
			out.PaymentIntentID = s.PaymentIntent.ID
		}
		if s.SetupIntent != nil {
			out.SetupIntentID = s.SetupIntent.ID
		}
		if s.Customer != nil {
			out.CustomerID = s.Customer.ID
		}
	case portal.CardPaymentSucceeded, portal.CardPaymentFailed, portal.CardPaymentProcessing:
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return bad(err)
		}
		out.Type, out.PaymentIntentID = t, pi.ID
		out.Amount, out.Currency = pi.AmountReceived, currency(pi.Currency)
		if t == portal.CardPaymentFailed {
			out.Amount = pi.Amount
		}
		takeMetadata(out, pi.Metadata)
		if pi.LatestCharge != nil {
			out.ChargeID = pi.LatestCharge.ID
		}
		if pi.Customer != nil {
			out.CustomerID = pi.Customer.ID
		}
		if t == portal.CardPaymentProcessing {
			out.Amount = pi.Amount
		}
		out.MandateID = pi.Metadata["mandate"]
		if pi.LastPaymentError != nil {
			out.FailureCode, out.FailureMessage = string(pi.LastPaymentError.Code), pi.LastPaymentError.Msg
			if pi.LastPaymentError.DeclineCode != "" {
				out.FailureCode = string(pi.LastPaymentError.DeclineCode)
			}
		}
	case portal.CardChargeRefunded:
		var ch stripego.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return bad(err)
		}
		out.Type, out.ChargeID = t, ch.ID
		out.Amount, out.AmountRefunded, out.Currency = ch.Amount, ch.AmountRefunded, currency(ch.Currency)
		if ch.AmountCaptured > 0 {
			out.Amount = ch.AmountCaptured
		}
		if ch.AmountRefunded > out.Amount {
			return nil, &portal.Error{Code: portal.EINVALID, Message: "The refund is more than the charge: nothing was recorded.",
				Err: fmt.Errorf("stripe event %s: charge %s refunds %d, more than the charge (%d)", ev.ID, ch.ID, ch.AmountRefunded, out.Amount)}
		}
		takeMetadata(out, ch.Metadata)
		if ch.PaymentIntent != nil {
			out.PaymentIntentID = ch.PaymentIntent.ID
		}
	case portal.CardDisputeCreated:
		var d stripego.Dispute
		if err := json.Unmarshal(ev.Data.Raw, &d); err != nil {
			return bad(err)
		}
		out.Type, out.DisputeID = t, d.ID
		out.Amount, out.Currency = d.Amount, currency(d.Currency)
		takeMetadata(out, d.Metadata)
		if d.Charge != nil {
			out.ChargeID = d.Charge.ID
		}
		if d.PaymentIntent != nil {
			out.PaymentIntentID = d.PaymentIntent.ID
		}
	case portal.CardSetupSucceeded:
		var si stripego.SetupIntent
		if err := json.Unmarshal(ev.Data.Raw, &si); err != nil {
			return bad(err)
		}
		out.Type, out.SetupIntentID = t, si.ID
		takeMetadata(out, si.Metadata)
		if si.Customer != nil {
			out.CustomerID = si.Customer.ID
		}
		if si.PaymentMethod != nil {
			out.PaymentMethodID = si.PaymentMethod.ID
		}
		if si.Mandate != nil {
			out.MandateID = si.Mandate.ID
		}
		// A SEPA or Bancontact set-up: its mandate is read from Stripe once
		// the signature is verified (payments.Service.HandleWebhook).
		for _, pmt := range si.PaymentMethodTypes {
			if pmt == portal.MandateViaSEPADebit || pmt == portal.MandateViaBancontact {
				out.Mode = "mandate"
			}
		}
	case portal.CardMandateUpdated:
		var m stripego.Mandate
		if err := json.Unmarshal(ev.Data.Raw, &m); err != nil {
			return bad(err)
		}
		out.Type, out.MandateID, out.MandateStatus = t, m.ID, string(m.Status)
		if m.PaymentMethod != nil {
			out.PaymentMethodID = m.PaymentMethod.ID
		}
	}
	return out, nil
}

func takeMetadata(out *portal.CardEvent, md map[string]string) {
	out.TenantID, out.ClaimID, out.InstalmentID = md["tenant_id"], md["claim_id"], md["instalment_id"]
	out.InvoiceID = md["invoice_id"]
}

func currency(c stripego.Currency) portal.Currency {
	return portal.Currency(strings.ToUpper(string(c)))
}
