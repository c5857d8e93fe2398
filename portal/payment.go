package portal

import (
	"context"
	"time"
)

// CheckoutRequest asks the card provider for a hosted payment page for an
// amount the server computed. Nothing in it comes from the browser.
type CheckoutRequest struct {
	TenantID string
	ClaimID  string
	// InstalmentID is set when the payment settles one instalment early.
	InstalmentID string
	// InvoiceID is set when the debtor chose the invoice the payment
	// settles (Code civil 1342-10); exclusive with InstalmentID.
	InvoiceID string
	Amount    int64
	Currency  Currency
	// Description is shown on the hosted page (claim reference, creditor).
	Description string
	// Language is the debtor's language (fr, nl, en, de).
	Language string
	// Bancontact offers Bancontact beside the card (Belgian claims in euro).
	Bancontact bool
	// SuccessURL may contain {CHECKOUT_SESSION_ID}; CancelURL returns to the claim.
	SuccessURL string
	CancelURL  string
	// IdempotencyKey is derived from what the call does (claim, amount,
	// balance date and version), so that a double click creates one session.
	IdempotencyKey string
}

// SetupRequest asks for a hosted page where the debtor saves a card for the
// off-session charges of an instalment plan, or gives a SEPA Direct Debit
// mandate for its debits.
type SetupRequest struct {
	TenantID   string
	ClaimID    string
	CustomerID string
	// Via is "" (a card), sepa_debit (a mandate on the debtor's IBAN) or
	// bancontact (a Bancontact payment that sets up a SEPA mandate).
	Via            string
	Currency       Currency
	Language       string
	SuccessURL     string
	CancelURL      string
	IdempotencyKey string
}

// CustomerRequest creates the provider's customer of a debtor.
type CustomerRequest struct {
	TenantID       string
	DebtorID       string
	Name           string
	Email          string
	IdempotencyKey string
}

// OffSessionCharge charges a saved card, or debits a SEPA mandate, without
// the debtor present.
type OffSessionCharge struct {
	TenantID        string
	ClaimID         string
	InstalmentID    string
	CustomerID      string
	PaymentMethodID string
	// MandateID is set for a SEPA debit: the mandate that authorises it.
	MandateID string
	Amount    int64
	Currency  Currency
	// Attempt numbers the charge of this instalment; it is recorded with the
	// charge so that FindOffSessionCharge can find it.
	Attempt int
	// IdempotencyKey is per instalment and attempt.
	IdempotencyKey string
}

// Outcomes of an off-session charge.
const (
	ChargeSucceeded    = "succeeded"
	ChargeProcessing   = "processing"
	ChargeAuthRequired = "authentication_required"
	ChargeDeclined     = "declined"
)

// ChargeResult is the synchronous answer to an off-session charge. A
// decline is a result, not an error: err is kept for the provider being
// unreachable or refusing the request itself.
type ChargeResult struct {
	PaymentIntentID string
	Status          string // one of the Charge* outcomes
	Code            string // provider's error or decline code
	Message         string
}

// CardPayments is the card payment provider (Stripe). Errors are
// EUNAVAILABLE when the provider cannot be reached, EINVALID when it refuses
// the request.
type CardPayments interface {
	// CreateCheckout creates a hosted Checkout page in payment mode and
	// returns its URL and session id.
	CreateCheckout(ctx context.Context, r CheckoutRequest) (url, sessionID string, err error)
	// CreateSetup creates a hosted Checkout page in setup mode.
	CreateSetup(ctx context.Context, r SetupRequest) (url, sessionID string, err error)
	// CreateCustomer creates the provider customer of a debtor.
	CreateCustomer(ctx context.Context, r CustomerRequest) (customerID string, err error)
	// ChargeOffSession confirms a PaymentIntent off-session on a saved card.
	ChargeOffSession(ctx context.Context, r OffSessionCharge) (*ChargeResult, error)
	// SetupMandate returns the SEPA mandate a completed set-up gave (its
	// reference, acceptance, the IBAN's last four digits), nil when the
	// set-up saved a card.
	SetupMandate(ctx context.Context, setupIntentID string) (*Mandate, error)
	// FindOffSessionCharge returns the outcome of a charge made for this
	// instalment and attempt, nil when the provider has none: how a charge
	// in doubt is settled once its idempotency key may have expired.
	FindOffSessionCharge(ctx context.Context, instalmentID string, attempt int) (*ChargeResult, error)
	// ParseEvent verifies a webhook signature and decodes the event.
	// EUNAUTHORIZED for a bad or stale signature, EINVALID for a body that is
	// not an event of the expected API version.
	ParseEvent(payload []byte, signatureHeader string) (*CardEvent, error)
}

// CardEventType is the provider-neutral kind of a card webhook event.
type CardEventType string

const (
	CardCheckoutCompleted CardEventType = "checkout.session.completed"
	CardCheckoutAsyncPaid CardEventType = "checkout.session.async_payment_succeeded"
	CardPaymentSucceeded  CardEventType = "payment_intent.succeeded"
	CardPaymentFailed     CardEventType = "payment_intent.payment_failed"
	CardChargeRefunded    CardEventType = "charge.refunded"
	CardDisputeCreated    CardEventType = "charge.dispute.created"
	CardSetupSucceeded    CardEventType = "setup_intent.succeeded"
	// CardPaymentProcessing: a SEPA debit was submitted and is settling.
	CardPaymentProcessing CardEventType = "payment_intent.processing"
	// CardMandateUpdated: a mandate's status changed (revoked, inactive).
	CardMandateUpdated CardEventType = "mandate.updated"
)

// CardEvent is a verified provider event reduced to what Relais uses.
// Type is "" for events Relais does not handle (acknowledged and ignored).
type CardEvent struct {
	ID      string
	Type    CardEventType
	RawType string
	Created time.Time
	// From the object's metadata, as Relais set it.
	TenantID     string
	ClaimID      string
	InstalmentID string
	// InvoiceID is the invoice the debtor chose to pay, "" for none.
	InvoiceID string

	Mode            string // checkout mode: payment or setup
	Paid            bool   // checkout payment_status is paid
	SessionID       string
	PaymentIntentID string
	ChargeID        string
	DisputeID       string
	SetupIntentID   string
	CustomerID      string
	PaymentMethodID string
	// Amount is the amount paid (session total, intent amount received,
	// charge amount) or disputed.
	Amount int64
	// AmountRefunded is the cumulative refunded amount of a charge.
	AmountRefunded int64
	Currency       Currency
	FailureCode    string
	FailureMessage string
	// MandateID is the mandate of a SEPA set-up or debit, or the one a
	// mandate.updated event is about; MandateStatus its new status there.
	MandateID     string
	MandateStatus string
	// Mandate is what the provider holds of the mandate a set-up gave,
	// fetched after the signature was verified (Service.HandleWebhook).
	Mandate *Mandate
}

// CardEventResult says what applying an event did.
type CardEventResult struct {
	// Duplicate is true when the event id had been applied before.
	Duplicate bool
	// Ignored is true for events of no concern (unknown type, other claims).
	Ignored bool
	// Payments lists the payment records the event created.
	Payments []*Payment
	// MandateEnded is set when a mandate stopped and the debtor's SEPA
	// instalments fell back to bank transfer: the debtor is to be told.
	MandateEnded bool
}

// CheckoutSession is a hosted payment page Relais created for a claim.
type CheckoutSession struct {
	ID           string `json:"id"`
	TenantID     string `json:"-"`
	ClaimID      string `json:"claim_id"`
	InstalmentID string `json:"instalment_id,omitempty"`
	// InvoiceID is the invoice the debtor chose to pay, "" for none.
	InvoiceID   string    `json:"invoice_id,omitempty"`
	ProviderID  string    `json:"provider_id"`
	Mode        string    `json:"mode"` // payment or setup
	Amount      int64     `json:"amount"`
	Currency    Currency  `json:"currency"`
	BalanceAsOf Date      `json:"balance_as_of"`
	Status      string    `json:"status"` // open, completed
	CreatedAt   time.Time `json:"created_at"`
}

// Checkout session statuses.
const (
	CheckoutOpen      = "open"
	CheckoutCompleted = "completed"
)

// CardPaymentStore keeps what the card payment flow needs between the
// provider's calls: sessions, customers and applied webhook events.
type CardPaymentStore interface {
	// RecordCheckout stores a created checkout session and records
	// payment.started. ENOTFOUND for another tenant's claim.
	RecordCheckout(ctx context.Context, s *CheckoutSession) error
	// FindCheckout returns the session of a claim by provider id. ENOTFOUND.
	FindCheckout(ctx context.Context, tenantID, claimID, providerID string) (*CheckoutSession, error)
	// ApplyCardEvent applies a verified provider event once: the event id is
	// stored in the transaction of its effect, so a replay changes nothing.
	// EUNAVAILABLE when the event cannot be placed yet (a chargeback whose
	// payment is not known yet): the provider retries later.
	ApplyCardEvent(ctx context.Context, ev *CardEvent) (*CardEventResult, error)
	// StripeCustomer returns the provider customer and saved payment method
	// of a debtor ("" when none).
	StripeCustomer(ctx context.Context, tenantID, debtorID string) (customerID, paymentMethodID string, err error)
	// SaveStripeCustomer stores the provider customer of a debtor.
	SaveStripeCustomer(ctx context.Context, tenantID, debtorID, customerID string) error
}

// CheckoutStart is what the portal asks when the debtor presses "Pay by
// card": which claim (and instalment, or invoice), and where Stripe sends
// them back. The amount is never part of it: the service computes it.
type CheckoutStart struct {
	TenantID     string
	ClaimID      string
	InstalmentID string
	// InvoiceID pays what is due today on one invoice of the claim, which
	// the payment then settles first (Code civil 1342-10). An instalment
	// and an invoice cannot both be named.
	InvoiceID string
	// Rest, for StartCheckout, pays the rest of the plan in force at once:
	// every instalment still to pay, which the payment then pays in order
	// (the plan is completed, its announced debits are not taken).
	Rest bool
	// Via, for StartSetup: "" saves a card, sepa_debit or bancontact sets
	// up a SEPA Direct Debit mandate.
	Via string
	// SuccessURL may contain {CHECKOUT_SESSION_ID}.
	SuccessURL string
	CancelURL  string
}

// PaymentService runs the payment flows the portal and the webhook use.
type PaymentService interface {
	// CardEnabled reports whether card payment is configured.
	CardEnabled() bool
	// StartCheckout prices the claim (or instalment, or invoice) now and
	// returns the hosted payment page URL. EUNAVAILABLE when card payment is
	// off or the provider is down; EINVALID when nothing is left to pay (on
	// the invoice named) or both an instalment and an invoice are named;
	// ENOTFOUND for an instalment or invoice not of the claim.
	StartCheckout(ctx context.Context, r CheckoutStart) (url string, err error)
	// StartSetup returns a hosted page where the debtor saves a card for
	// the off-session charges of their plan (one provider customer per
	// debtor).
	StartSetup(ctx context.Context, r CheckoutStart) (url string, err error)
	// CheckoutState returns a session of the claim, to tell the debtor
	// whether the payment is confirmed. ENOTFOUND.
	CheckoutState(ctx context.Context, tenantID, claimID, sessionID string) (*CheckoutSession, error)
	// HandleWebhook verifies and applies a provider event. EUNAUTHORIZED
	// for a bad signature, EINVALID for an unreadable event, EUNAVAILABLE
	// when it must be retried later.
	HandleWebhook(ctx context.Context, payload []byte, signatureHeader string) (*CardEventResult, error)
}

// TransferDetails is what a debtor needs to pay by bank transfer.
type TransferDetails struct {
	Beneficiary string   `json:"beneficiary"`
	IBAN        string   `json:"iban"` // printed, in groups of four
	BIC         string   `json:"bic,omitempty"`
	Amount      int64    `json:"amount"`
	Currency    Currency `json:"currency"`
	// Reference is the printed payment reference (+++123/4567/89012+++ or
	// RF18 5390 0754 7034); ReferenceScheme is be_structured or rf.
	Reference           string `json:"reference"`
	ReferenceElectronic string `json:"reference_electronic"`
	ReferenceScheme     string `json:"reference_scheme"`
	// QR is true when an EPC QR code can be offered (SEPA, euro, amount due).
	QR bool `json:"qr"`
}

// TransferService gives bank transfer details with a stable reference. It
// takes the claim as ClaimService.FindClaim loads it (creditor, invoices,
// payments, credit notes), found by the caller within its tenant, so that
// a page that shows the claim loads it once.
type TransferService interface {
	// TransferDetails returns the creditor's validated account, the amount
	// due today and the claim's payment reference (created on first use,
	// then stable). EUNAVAILABLE when the creditor has no valid IBAN;
	// ENOTFOUND when the claim is not in the tenant it names.
	TransferDetails(ctx context.Context, c *Claim) (*TransferDetails, error)
	// TransferDetailsDue is TransferDetails for an amount due today that
	// the caller computed already (the claim page computes the balance
	// once per view and shows this same total).
	TransferDetailsDue(ctx context.Context, c *Claim, due int64) (*TransferDetails, error)
	// TransferQR returns the EPC069-12 QR code of the transfer as a PNG.
	// EUNAVAILABLE when no QR can be made (not euro, nothing due).
	TransferQR(ctx context.Context, c *Claim, size int) ([]byte, error)
}
