package portal

import (
	"context"
	"io"
	"strings"
)

// ErasedMarker replaces free text that held personal data once a claim's
// retention has ended (a debtor's name, a chat message, a dispute's text),
// so that a reader sees the text was erased rather than never given.
// Structured fields a marker would not fit (e-mail, phone, postcode,
// birth date) are emptied instead.
const ErasedMarker = "[erased]"

// RetentionPolicy is a tenant's choice of how long the personal data of a
// closed claim is kept. The rule that applies it, with its reasons, is
// privacy.Decide; docs/security.md explains it.
type RetentionPolicy struct {
	// NoPrescriptionMonths is how long data is kept after a claim's last
	// activity when Relais computes no prescription date (a Belgian claim
	// in court or under a title, see package escalation).
	NoPrescriptionMonths int `json:"no_prescription_months"`
	// GraceMonths is how long data is kept at least after a closed claim's
	// last activity, whatever its prescription: late refunds, chargebacks,
	// a debtor's questions.
	GraceMonths int `json:"grace_months"`
}

// Default retention: five years where no prescription date is computed
// (the usual limitation of an action for a payment), one year of grace
// (card chargebacks come within 120 days to 13 months).
const (
	DefaultNoPrescriptionMonths = 60
	DefaultGraceMonths          = 12
)

// Bounds of a retention policy.
const (
	MinNoPrescriptionMonths = 12
	MaxNoPrescriptionMonths = 360
	MaxGraceMonths          = 120
)

// DefaultRetention is the policy of a new tenant.
func DefaultRetention() RetentionPolicy {
	return RetentionPolicy{NoPrescriptionMonths: DefaultNoPrescriptionMonths, GraceMonths: DefaultGraceMonths}
}

// Validate checks a policy's bounds.
func (p RetentionPolicy) Validate() error {
	if p.NoPrescriptionMonths < MinNoPrescriptionMonths || p.NoPrescriptionMonths > MaxNoPrescriptionMonths {
		return FieldError("no_prescription_months", "no_prescription_months must be between %d and %d months",
			MinNoPrescriptionMonths, MaxNoPrescriptionMonths)
	}
	if p.GraceMonths < 0 || p.GraceMonths > MaxGraceMonths {
		return FieldError("grace_months", "grace_months must be between 0 and %d months", MaxGraceMonths)
	}
	return nil
}

// DebtorQuery names the debtor of an access request (GDPR article 15): a
// claim of theirs, their e-mail address, or the customer number a creditor
// gave them. Claims are matched within one tenant only.
type DebtorQuery struct {
	ClaimID        string `json:"claim_id"`
	Email          string `json:"email"`
	CustomerNumber string `json:"customer_number"`
}

// Normalize trims the query and lower-cases the e-mail.
func (q *DebtorQuery) Normalize() {
	q.ClaimID = strings.TrimSpace(q.ClaimID)
	q.Email = strings.ToLower(strings.TrimSpace(q.Email))
	q.CustomerNumber = strings.TrimSpace(q.CustomerNumber)
}

// Validate checks that the query names someone.
func (q *DebtorQuery) Validate() error {
	if q.ClaimID == "" && q.Email == "" && q.CustomerNumber == "" {
		return Errorf(EINVALID, "give claim_id, email or customer_number to find the debtor")
	}
	if q.Email != "" && (!strings.Contains(q.Email, "@") || len(q.Email) > 254) {
		return FieldError("email", "email is not a valid e-mail address")
	}
	if err := checkText("customer_number", q.CustomerNumber, MaxReferenceLen, false); err != nil {
		return err
	}
	return nil
}

// PrivacyService sets a tenant's retention policy and answers a debtor's
// access request.
type PrivacyService interface {
	// Retention returns the tenant's policy. ENOTFOUND.
	Retention(ctx context.Context, tenantID string) (RetentionPolicy, error)
	// SetRetention replaces the tenant's policy. EINVALID, ENOTFOUND.
	SetRetention(ctx context.Context, tenantID string, p RetentionPolicy) error
	// WriteDebtorExport writes a zip of everything held on the debtor the
	// query names, in the tenant's claims only. EINVALID; ENOTFOUND when
	// the query matches no claim of the tenant.
	WriteDebtorExport(ctx context.Context, tenantID string, q DebtorQuery, w io.Writer) error
}
