package stripe

import (
	"encoding/json"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/relais/relais/portal"
)

// reduce keeps from a verified event what Relais acts on. Types Relais
// does not handle come back with Type "" (acknowledged, ignored).
func reduce(ev *stripego.Event) (*portal.CardEvent, error) {
	out := &portal.CardEvent{ID: ev.ID, RawType: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if ev.ID == "" {
		return nil, portal.Errorf(portal.EINVALID, "The event has no id.")
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
	case portal.CardPaymentSucceeded, portal.CardPaymentFailed:
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
