package portal

import (
	"context"
	"time"
)

// Mandate is a SEPA Direct Debit mandate a debtor gave through the payment
// provider, as the provider recorded it: the evidence that a debit was
// authorised (reference, date of acceptance, how it was accepted, the last
// four digits of the IBAN debited).
type Mandate struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	DebtorID string `json:"-"`
	ClaimID  string `json:"claim_id"`
	// ProviderID is Stripe's mandate id (mandate_...).
	ProviderID string `json:"provider_id"`
	// PaymentMethodID is the sepa_debit payment method debited (for a
	// Bancontact set-up, the one Bancontact generated).
	PaymentMethodID string `json:"payment_method"`
	CustomerID      string `json:"customer_id,omitempty"`
	// Via is how the mandate was given: sepa_debit (IBAN typed on the
	// provider's page) or bancontact (a Bancontact payment that generated it).
	Via string `json:"via"`
	// Reference is the mandate reference the bank shows on each debit.
	Reference string `json:"reference"`
	// URL is the provider's page of the mandate, when it gives one.
	URL        string    `json:"url,omitempty"`
	Status     string    `json:"status"` // active, pending, inactive
	IBANLast4  string    `json:"iban_last4"`
	BankCode   string    `json:"bank_code,omitempty"`
	Country    string    `json:"country,omitempty"`
	AcceptedAt time.Time `json:"accepted_at"`
	// Acceptance is the customer_acceptance object the provider returned
	// (type, and for an online mandate the IP address and user agent), as
	// JSON.
	Acceptance string    `json:"acceptance"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// AnnexMandate is the mandate a claim's mandate annex states, from its
// mandates newest first (MandateStore.ClaimMandates): the active one, else
// the newest; nil for none.
func AnnexMandate(ms []*Mandate) *Mandate {
	var m *Mandate
	for _, x := range ms {
		if m == nil || x.Status == MandateActive && m.Status != MandateActive {
			m = x
		}
	}
	return m
}

// Mandate statuses, as Stripe names them.
const (
	MandateActive   = "active"
	MandatePending  = "pending"
	MandateInactive = "inactive"
)

// Ways a mandate is given.
const (
	MandateViaSEPADebit  = "sepa_debit"
	MandateViaBancontact = "bancontact"
)

// DefaultDebitNoticeDays is the pre-notification period of a SEPA debit
// when the agreement states no shorter one (SEPA Core rulebook: 14
// calendar days unless agreed otherwise).
const DefaultDebitNoticeDays = 14

// DebitNotice is the pre-notification of one debit attempt of an
// instalment: the debtor is told the amount and the date before it is
// taken.
type DebitNotice struct {
	InstalmentID string    `json:"instalment_id"`
	Attempt      int       `json:"attempt"`
	TenantID     string    `json:"-"`
	ClaimID      string    `json:"claim_id"`
	Amount       int64     `json:"amount"`
	Currency     Currency  `json:"currency"`
	DebitOn      Date      `json:"debit_on"`
	Channel      string    `json:"channel"`
	SentAt       time.Time `json:"sent_at"`
}

// DebitToNotify is a SEPA instalment whose next debit attempt has no
// pre-notification yet, with what the notice says and where it goes.
type DebitToNotify struct {
	Instalment *Instalment
	// Attempt is the debit attempt the notice announces.
	Attempt int
	// NoticeDays is the agreement's pre-notification period.
	NoticeDays int
	Mandate    *Mandate
	Claim      *Claim // with debtor and creditor
}

// MandateStore keeps mandates and the pre-notifications of debits.
type MandateStore interface {
	// ClaimMandates lists the mandates given for a claim, newest first.
	// ENOTFOUND for another tenant's claim.
	ClaimMandates(ctx context.Context, tenantID, claimID string) ([]*Mandate, error)
	// SEPAAgreements lists the claim's signed agreements whose instalments
	// are (or were) debited by SEPA: those a mandate annex goes with.
	SEPAAgreements(ctx context.Context, tenantID, claimID string) ([]string, error)
	// DebitsToNotify lists SEPA instalments of plans in force whose next
	// debit falls within their notice period from today (or is already due)
	// and that have no pre-notification for that attempt.
	DebitsToNotify(ctx context.Context, today Date, limit int) ([]*DebitToNotify, error)
	// RecordDebitNotice stores a sent pre-notification with its evidence
	// event (debit.prenotified). A second one for the same attempt changes
	// nothing.
	RecordDebitNotice(ctx context.Context, n *DebitNotice) error
	// Leases: the pre-notifications are sent under one, so that two
	// instances never send the same notice.
	Leases
}
