// Package stripe implements portal.CardPayments with stripe-go v76: hosted
// Checkout sessions (payment and setup mode), customers, off-session
// PaymentIntents, and webhook signature verification.
//
// It keeps no global state: every call goes through the client.API built by
// New, with its own backends (so tests point it at stripe-mock).
//
// stripe-go v76 pins the API version 2023-10-16: the webhook endpoint in the
// Stripe dashboard must be created with that version, or events are refused
// (ParseEvent returns EINVALID) instead of being misread.
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
)

// Tolerance is how old a webhook signature may be.
const Tolerance = 5 * time.Minute

// MaxWebhookBody bounds a webhook body; Stripe events are a few kB.
const MaxWebhookBody = 256 << 10

// Config configures the client.
type Config struct {
	SecretKey     string
	WebhookSecret string
	// APIBase overrides https://api.stripe.com (stripe-mock in tests).
	APIBase string
	// HTTPClient defaults to one with a 30 s timeout.
	HTTPClient *http.Client
}

// Client is the Stripe implementation of portal.CardPayments.
type Client struct {
	api           *client.API
	webhookSecret string
}

var _ portal.CardPayments = (*Client)(nil)

// New returns a client for the secret key. It makes no network call.
func New(cfg Config) (*Client, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: a secret key is required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	retries := int64(2)
	telemetry := false
	bc := &stripego.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: &retries,
		EnableTelemetry:   &telemetry,
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
	}
	if cfg.APIBase != "" {
		u := strings.TrimRight(cfg.APIBase, "/")
		bc.URL = &u
	}
	connect := *bc
	backends := &stripego.Backends{
		API:     stripego.GetBackendWithConfig(stripego.APIBackend, bc),
		Connect: stripego.GetBackendWithConfig(stripego.ConnectBackend, &connect),
		Uploads: stripego.GetBackendWithConfig(stripego.UploadsBackend, &connect),
	}
	return &Client{api: client.New(cfg.SecretKey, backends), webhookSecret: cfg.WebhookSecret}, nil
}

// stripeLocale maps a debtor language to a Checkout locale.
func stripeLocale(lang string) string {
	switch lang {
	case "fr", "nl", "de", "en":
		return lang
	}
	return "auto"
}

// metadata is what Relais writes on a provider object to recognise it in
// webhook events: the tenant, the claim, and the instalment or the invoice
// (the debtor's choice, Code civil 1342-10) the payment settles, if any.
func metadata(tenantID, claimID, instalmentID, invoiceID string) map[string]string {
	m := map[string]string{"tenant_id": tenantID, "claim_id": claimID}
	if instalmentID != "" {
		m["instalment_id"] = instalmentID
	}
	if invoiceID != "" {
		m["invoice_id"] = invoiceID
	}
	return m
}

func params(ctx context.Context, key string) stripego.Params {
	p := stripego.Params{Context: ctx}
	if key != "" {
		p.IdempotencyKey = stripego.String(key)
	}
	return p
}

// CreateCheckout implements portal.CardPayments.
func (c *Client) CreateCheckout(ctx context.Context, r portal.CheckoutRequest) (string, string, error) {
	if r.Amount <= 0 {
		return "", "", portal.Errorf(portal.EINVALID, "Nothing is left to pay.")
	}
	methods := []*string{stripego.String("card")}
	if r.Bancontact && r.Currency == "EUR" {
		methods = append(methods, stripego.String("bancontact"))
	}
	md := metadata(r.TenantID, r.ClaimID, r.InstalmentID, r.InvoiceID)
	p := &stripego.CheckoutSessionParams{
		Params:             params(ctx, r.IdempotencyKey),
		Mode:               stripego.String(string(stripego.CheckoutSessionModePayment)),
		PaymentMethodTypes: methods,
		ClientReferenceID:  stripego.String(r.ClaimID),
		Locale:             stripego.String(stripeLocale(r.Language)),
		SuccessURL:         stripego.String(r.SuccessURL),
		CancelURL:          stripego.String(r.CancelURL),
		Metadata:           md,
		PaymentIntentData:  &stripego.CheckoutSessionPaymentIntentDataParams{Metadata: md, Description: stripego.String(r.Description)},
		LineItems: []*stripego.CheckoutSessionLineItemParams{{
			Quantity: stripego.Int64(1),
			PriceData: &stripego.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripego.String(strings.ToLower(string(r.Currency))),
				UnitAmount:  stripego.Int64(r.Amount),
				ProductData: &stripego.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripego.String(r.Description)},
			},
		}},
	}
	s, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return "", "", providerError("create checkout session", err)
	}
	return s.URL, s.ID, nil
}

// setupMethods is the payment_method_types of a setup session: a card, or
// a SEPA Direct Debit mandate given on the IBAN (sepa_debit) or through a
// Bancontact payment (bancontact, whose set-up generates a sepa_debit
// payment method and its mandate).
func setupMethods(via string) ([]*string, error) {
	switch via {
	case "":
		return []*string{stripego.String("card")}, nil
	case portal.MandateViaSEPADebit, portal.MandateViaBancontact:
		return []*string{stripego.String(via)}, nil
	}
	return nil, portal.Errorf(portal.EINVALID, "unknown set-up method %q", via)
}

// CreateSetup implements portal.CardPayments.
func (c *Client) CreateSetup(ctx context.Context, r portal.SetupRequest) (string, string, error) {
	methods, err := setupMethods(r.Via)
	if err != nil {
		return "", "", err
	}
	if r.Via != "" && r.Currency != "EUR" {
		return "", "", portal.Errorf(portal.EINVALID, "SEPA Direct Debit is only for claims in euro.")
	}
	md := metadata(r.TenantID, r.ClaimID, "", "")
	if r.Via != "" {
		md["via"] = r.Via
	}
	p := &stripego.CheckoutSessionParams{
		Params:             params(ctx, r.IdempotencyKey),
		Mode:               stripego.String(string(stripego.CheckoutSessionModeSetup)),
		PaymentMethodTypes: methods,
		Currency:           stripego.String(strings.ToLower(string(r.Currency))),
		Customer:           stripego.String(r.CustomerID),
		ClientReferenceID:  stripego.String(r.ClaimID),
		Locale:             stripego.String(stripeLocale(r.Language)),
		SuccessURL:         stripego.String(r.SuccessURL),
		CancelURL:          stripego.String(r.CancelURL),
		Metadata:           md,
		SetupIntentData:    &stripego.CheckoutSessionSetupIntentDataParams{Metadata: md},
	}
	s, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return "", "", providerError("create setup session", err)
	}
	return s.URL, s.ID, nil
}

// CreateCustomer implements portal.CardPayments.
func (c *Client) CreateCustomer(ctx context.Context, r portal.CustomerRequest) (string, error) {
	p := &stripego.CustomerParams{
		Params:   params(ctx, r.IdempotencyKey),
		Name:     stripego.String(r.Name),
		Metadata: map[string]string{"tenant_id": r.TenantID, "debtor_id": r.DebtorID},
	}
	if r.Email != "" {
		p.Email = stripego.String(r.Email)
	}
	cu, err := c.api.Customers.New(p)
	if err != nil {
		return "", providerError("create customer", err)
	}
	return cu.ID, nil
}

// ChargeOffSession implements portal.CardPayments: a PaymentIntent
// confirmed at once, off-session, on the saved card, or on the mandate's
// sepa_debit payment method when r.MandateID is set (the debit then
// answers processing and settles days later).
func (c *Client) ChargeOffSession(ctx context.Context, r portal.OffSessionCharge) (*portal.ChargeResult, error) {
	p := &stripego.PaymentIntentParams{
		Params:        params(ctx, r.IdempotencyKey),
		Amount:        stripego.Int64(r.Amount),
		Currency:      stripego.String(strings.ToLower(string(r.Currency))),
		Customer:      stripego.String(r.CustomerID),
		PaymentMethod: stripego.String(r.PaymentMethodID),
		Confirm:       stripego.Bool(true),
		OffSession:    stripego.Bool(true),
		Metadata:      metadata(r.TenantID, r.ClaimID, r.InstalmentID, ""),
	}
	if r.Attempt > 0 {
		p.Metadata["attempt"] = strconv.Itoa(r.Attempt)
	}
	if r.MandateID != "" {
		p.PaymentMethodTypes = []*string{stripego.String("sepa_debit")}
		p.Mandate = stripego.String(r.MandateID)
		p.Metadata["mandate"] = r.MandateID
	}
	pi, err := c.api.PaymentIntents.New(p)
	if err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && se.Type == stripego.ErrorTypeCard {
			res := &portal.ChargeResult{Status: portal.ChargeDeclined, Code: string(se.Code), Message: se.Msg}
			if se.DeclineCode != "" {
				res.Code = string(se.DeclineCode)
			}
			if se.PaymentIntent != nil {
				res.PaymentIntentID = se.PaymentIntent.ID
			}
			if se.Code == stripego.ErrorCodeAuthenticationRequired {
				res.Status = portal.ChargeAuthRequired
			}
			return res, nil
		}
		return nil, providerError("charge off-session", err)
	}
	return chargeResult(pi), nil
}

// chargeResult reads the outcome of an off-session PaymentIntent.
func chargeResult(pi *stripego.PaymentIntent) *portal.ChargeResult {
	res := &portal.ChargeResult{PaymentIntentID: pi.ID}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded:
		res.Status = portal.ChargeSucceeded
	case stripego.PaymentIntentStatusProcessing:
		res.Status = portal.ChargeProcessing
	case stripego.PaymentIntentStatusRequiresAction:
		res.Status = portal.ChargeAuthRequired
		res.Code = string(stripego.ErrorCodeAuthenticationRequired)
	default:
		// requires_payment_method after a confirmation: the card was refused.
		res.Status = portal.ChargeDeclined
		if pi.LastPaymentError != nil {
			res.Code, res.Message = string(pi.LastPaymentError.Code), pi.LastPaymentError.Msg
		}
		if res.Code == "" {
			res.Code = string(pi.Status)
		}
	}
	return res
}

// FindOffSessionCharge implements portal.CardPayments with Stripe's search
// (metadata instalment_id and attempt, which ChargeOffSession records).
// Search results lag writes by up to a minute; the scheduler asks only
// about charges at least a day old.
func (c *Client) FindOffSessionCharge(ctx context.Context, instalmentID string, attempt int) (*portal.ChargeResult, error) {
	if !searchSafe(instalmentID) {
		return nil, portal.Errorf(portal.EINVALID, "not an instalment id: %q", instalmentID)
	}
	p := &stripego.PaymentIntentSearchParams{SearchParams: stripego.SearchParams{Context: ctx,
		Query: fmt.Sprintf("metadata['instalment_id']:'%s' AND metadata['attempt']:'%d'", instalmentID, attempt)}}
	it := c.api.PaymentIntents.Search(p)
	for it.Next() {
		pi := it.PaymentIntent()
		// Trust the metadata, not the query: an answer must be this charge.
		if pi.Metadata["instalment_id"] != instalmentID || pi.Metadata["attempt"] != strconv.Itoa(attempt) ||
			pi.Status == stripego.PaymentIntentStatusCanceled {
			continue
		}
		return chargeResult(pi), nil
	}
	if err := it.Err(); err != nil {
		return nil, providerError("search payment intents", err)
	}
	return nil, nil
}

// SetupMandate implements portal.CardPayments: it reads the SetupIntent
// with its mandate and payment method; for a Bancontact set-up, the
// sepa_debit payment method and mandate Bancontact generated.
func (c *Client) SetupMandate(ctx context.Context, setupIntentID string) (*portal.Mandate, error) {
	if !searchSafe(setupIntentID) {
		return nil, portal.Errorf(portal.EINVALID, "not a setup intent id: %q", setupIntentID)
	}
	p := &stripego.SetupIntentParams{Params: stripego.Params{Context: ctx}}
	p.AddExpand("mandate")
	p.AddExpand("payment_method")
	p.AddExpand("latest_attempt")
	si, err := c.api.SetupIntents.Get(setupIntentID, p)
	if err != nil {
		return nil, providerError("read setup intent", err)
	}
	m := &portal.Mandate{Via: portal.MandateViaSEPADebit}
	if si.Customer != nil {
		m.CustomerID = si.Customer.ID
	}
	var mandateID, pmID string
	if si.PaymentMethod != nil && si.PaymentMethod.Type == stripego.PaymentMethodTypeBancontact {
		m.Via = portal.MandateViaBancontact
		if a := si.LatestAttempt; a != nil && a.PaymentMethodDetails != nil && a.PaymentMethodDetails.Bancontact != nil {
			b := a.PaymentMethodDetails.Bancontact
			if b.GeneratedSEPADebit != nil {
				pmID = b.GeneratedSEPADebit.ID
			}
			if b.GeneratedSEPADebitMandate != nil {
				mandateID = b.GeneratedSEPADebitMandate.ID
			}
			m.IBANLast4, m.BankCode = b.IBANLast4, b.BankCode
		}
	} else {
		if si.Mandate != nil {
			mandateID = si.Mandate.ID
		}
		if si.PaymentMethod != nil {
			pmID = si.PaymentMethod.ID
			if sd := si.PaymentMethod.SEPADebit; sd != nil && si.PaymentMethod.Type == stripego.PaymentMethodTypeSEPADebit {
				m.IBANLast4, m.BankCode, m.Country = sd.Last4, sd.BankCode, sd.Country
			}
		}
	}
	if mandateID == "" || pmID == "" {
		return nil, nil // a card: no mandate
	}
	md, err := c.api.Mandates.Get(mandateID, &stripego.MandateParams{Params: stripego.Params{Context: ctx}})
	if err != nil {
		return nil, providerError("read mandate", err)
	}
	m.ProviderID, m.PaymentMethodID, m.Status = md.ID, pmID, string(md.Status)
	if d := md.PaymentMethodDetails; d != nil && d.SEPADebit != nil {
		m.Reference, m.URL = d.SEPADebit.Reference, d.SEPADebit.URL
	}
	if ca := md.CustomerAcceptance; ca != nil {
		if ca.AcceptedAt > 0 {
			m.AcceptedAt = time.Unix(ca.AcceptedAt, 0).UTC()
		}
		b, err := json.Marshal(ca)
		if err != nil {
			return nil, fmt.Errorf("encode mandate acceptance: %w", err)
		}
		m.Acceptance = string(b)
	}
	if m.IBANLast4 == "" && m.Via == portal.MandateViaBancontact {
		// The generated payment method holds the IBAN's last four.
		pm, err := c.api.PaymentMethods.Get(pmID, &stripego.PaymentMethodParams{Params: stripego.Params{Context: ctx}})
		if err != nil {
			return nil, providerError("read payment method", err)
		}
		if pm.SEPADebit != nil {
			m.IBANLast4, m.BankCode, m.Country = pm.SEPADebit.Last4, pm.SEPADebit.BankCode, pm.SEPADebit.Country
		}
	}
	return m, nil
}

// searchSafe accepts the characters of Relais IDs only, so that a value
// cannot change a search query.
func searchSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// providerError turns a stripe-go error into a domain error: Stripe's
// message is kept for the logs, never shown.
func providerError(op string, err error) error {
	var se *stripego.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != 429 {
		return &portal.Error{Code: portal.EINVALID, Message: "The card payment could not be started.", Err: fmt.Errorf("stripe %s: %w", op, err)}
	}
	return &portal.Error{Code: portal.EUNAVAILABLE, Message: "Card payment is unavailable at the moment; try again later or pay by bank transfer.", Err: fmt.Errorf("stripe %s: %w", op, err)}
}

// ParseEvent implements portal.CardPayments.
func (c *Client) ParseEvent(payload []byte, header string) (*portal.CardEvent, error) {
	return ParseEvent(payload, header, c.webhookSecret)
}

// ParseEvent verifies payload against the endpoint secret (5-minute
// tolerance, API version 2023-10-16) and reduces it to a portal.CardEvent.
func ParseEvent(payload []byte, header, secret string) (*portal.CardEvent, error) {
	if secret == "" {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Webhooks are not configured.")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{Tolerance: Tolerance})
	if err != nil {
		switch {
		case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
			errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
			return nil, &portal.Error{Code: portal.EUNAUTHORIZED, Message: "Invalid webhook signature.", Err: err}
		}
		return nil, &portal.Error{Code: portal.EINVALID, Message: "The webhook body is not an event this server can read.", Err: err}
	}
	// The tolerance above bounds the past only: a signature dated in the
	// future is refused too.
	if err := CheckSignatureTime(header, time.Now()); err != nil {
		return nil, err
	}
	return reduce(&ev)
}
