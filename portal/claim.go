package portal

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Jurisdiction is the legal system whose recovery rules apply to a claim.
type Jurisdiction string

const (
	JurisdictionFR Jurisdiction = "FR"
	JurisdictionBE Jurisdiction = "BE"
)

// DebtorKind decides which rule set applies: business-to-business late
// payment law, or consumer protection law.
type DebtorKind string

const (
	DebtorBusiness DebtorKind = "business"
	DebtorConsumer DebtorKind = "consumer"
)

// Languages debtors can be addressed in.
var Languages = []string{"fr", "nl", "en", "de"}

// ValidLanguage reports whether lang is one of Languages.
func ValidLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Stage is where a claim stands in the recovery procedure. The allowed
// transitions between stages belong to the escalation rules.
type Stage string

const (
	StageAmicable      Stage = "amicable"
	StageFormalNotice  Stage = "formal_notice"
	StagePreLitigation Stage = "pre_litigation"
	StageLitigation    Stage = "litigation"
	StageJudgment      Stage = "judgment"
	StageEnforcement   Stage = "enforcement"
)

// Status runs beside the stage: disputed and in_plan pause escalation.
type Status string

const (
	StatusOpen       Status = "open"
	StatusDisputed   Status = "disputed"
	StatusInPlan     Status = "in_plan"
	StatusSettled    Status = "settled"
	StatusWrittenOff Status = "written_off"
	StatusClosed     Status = "closed"
)

// IdentityCheck names the fact a debtor must give before seeing a claim.
type IdentityCheck string

const (
	CheckPostcode       IdentityCheck = "postcode"
	CheckBirthDate      IdentityCheck = "birth_date"
	CheckCustomerNumber IdentityCheck = "customer_number"
	CheckInvoiceNumber  IdentityCheck = "invoice_number"
)

// Tenant is the unit of isolation: a creditor company, or an agency or law
// firm acting for several creditors. Every other row carries a TenantID.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Timezone  string    `json:"timezone"` // IANA name, for business hours and quiet hours
	CreatedAt time.Time `json:"created_at"`
	// Retention is how long the personal data of its closed claims is kept
	// (package privacy applies it).
	Retention RetentionPolicy `json:"retention" gorm:"embedded;embeddedPrefix:retention_"`
}

// Role is what a user may do in the console.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAgent  Role = "agent"
	RoleViewer Role = "viewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAgent || r == RoleViewer }

// roleRank orders the roles: viewer < agent < owner.
var roleRank = map[Role]int{RoleViewer: 1, RoleAgent: 2, RoleOwner: 3}

// AtLeast reports whether r may do what min may (an unknown role nothing).
func (r Role) AtLeast(min Role) bool { return roleRank[r] > 0 && roleRank[r] >= roleRank[min] }

// User is a person who signs in to the console.
type User struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	// Language is the console language the user chose ("" until chosen).
	Language string `json:"language"`
	// Away: the user marked themselves away (issue 21); debtors are not
	// told an agent is online.
	Away         bool      `json:"away"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// APIKey authenticates the creditor API. Only a hash of the secret is kept;
// Prefix is the visible start of the key so a person can tell keys apart.
type APIKey struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"tenant_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Creditor is the party owed the money. An agency tenant has several.
type Creditor struct {
	ID            string `json:"id"`
	TenantID      string `json:"-"`
	LegalName     string `json:"legal_name"`
	CompanyNumber string `json:"company_number"` // SIREN/SIRET in France, KBO/BCE number in Belgium
	// VATNumber is the creditor's VAT identifier (FR12345678901,
	// BE0123456749): an e-invoice's seller is matched by it or by
	// CompanyNumber.
	VATNumber string    `json:"vat_number"`
	Address   string    `json:"address"`
	Country   string    `json:"country"`
	IBAN      string    `json:"iban"`
	BIC       string    `json:"bic"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
}

// Debtor is the person or business that owes the money.
type Debtor struct {
	ID             string     `json:"id"`
	TenantID       string     `json:"-"`
	Kind           DebtorKind `json:"kind"`
	Name           string     `json:"name"`
	Language       string     `json:"language"`
	Address        string     `json:"address"`
	Postcode       string     `json:"postcode"`
	Country        string     `json:"country"`
	Email          string     `json:"email"`
	Phone          string     `json:"phone"`
	BirthDate      Date       `json:"birth_date"`
	CustomerNumber string     `json:"customer_number"`
	CreatedAt      time.Time  `json:"created_at"`
}

// Claim is one debt of one debtor to one creditor, made of invoices.
type Claim struct {
	ID           string       `json:"id"`
	TenantID     string       `json:"-"`
	CreditorID   string       `json:"creditor_id"`
	DebtorID     string       `json:"debtor_id"`
	Reference    string       `json:"reference"`
	Currency     Currency     `json:"currency"`
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	// ContractRateBP is the contractual late-payment rate in basis points
	// (1450 = 14.50 % a year); nil means the statutory rate applies.
	ContractRateBP *int64 `json:"contract_rate_bp"`
	// DamagesClause says whether the contract provides flat damages for
	// late payment: Belgian consumer damages (Book XIX) are a contractual
	// maximum, charged only with such a clause. For a Belgian consumer,
	// ContractRateBP is the interest clause: without it interest runs at
	// the civil legal rate.
	DamagesClause bool `json:"damages_clause"`
	// IdentityCheck is what the debtor is asked before the claim is shown.
	IdentityCheck IdentityCheck `json:"identity_check"`
	Stage         Stage         `json:"stage"`
	Status        Status        `json:"status"`
	// FormalNoticeOn is the date the mise en demeure was sent: French
	// consumer interest runs from it.
	FormalNoticeOn Date `json:"formal_notice_on"`
	// FirstReminderOn is the date of the first (free) reminder: the Belgian
	// consumer 14-day period runs from it.
	FirstReminderOn Date `json:"first_reminder_on"`
	// FirstReminderChannel is how the first reminder went out: "letter" or
	// "email" (the Belgian consumer period starts later for a letter).
	FirstReminderChannel string `json:"first_reminder_channel,omitempty"`
	// NoticePeriodDays is the payment period the formal notice gives; 0
	// means the default of the jurisdiction (package escalation).
	NoticePeriodDays int `json:"notice_period_days,omitempty"`
	// Procedure is the court procedure (an escalation.Procedure value) from
	// the litigation stage on; "" before.
	Procedure string `json:"procedure,omitempty" gorm:"column:court_procedure"`
	// OrderOn is the date of an order for payment (injonction de payer,
	// European order); ServedOn the date the order or summons was served;
	// JudgmentOn the date of the judgment.
	OrderOn    Date `json:"order_on"`
	ServedOn   Date `json:"served_on"`
	JudgmentOn Date `json:"judgment_on"`
	// EnforceableOn is the day the judgment or the order for payment became
	// enforceable: two months later the French legal rate is increased by
	// 5 points (CMF L313-3), and the title runs for 10 years (CPCE L111-4).
	EnforceableOn Date `json:"enforceable_on"`
	// Prescription names the Belgian prescription that applies (a
	// Prescription* value); "" takes the default of the debtor kind.
	Prescription string `json:"prescription,omitempty"`
	// LastAcknowledgementOn is the last time the debtor acknowledged the
	// debt (Code civil 2240): it restarts French prescription.
	LastAcknowledgementOn Date `json:"last_acknowledgement_on"`
	// ProceedingsEndedOn is the day the court proceedings and enforcement
	// ended (judgment executed, enforcement closed or abandoned); zero
	// while they run. Until then a claim in a court stage keeps its
	// personal data.
	ProceedingsEndedOn Date      `json:"proceedings_ended_on"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	// PersonalDataErasedAt is when the debtor's personal data on this claim
	// was erased at the end of its retention; nil while it is held. An
	// erased claim keeps its amounts, dates and evidence chain, and no
	// longer changes.
	PersonalDataErasedAt *time.Time `json:"personal_data_erased_at,omitempty"`

	Creditor    *Creditor     `json:"creditor,omitempty" gorm:"-"`
	Debtor      *Debtor       `json:"debtor,omitempty" gorm:"-"`
	Invoices    []*Invoice    `json:"invoices" gorm:"-"`
	Payments    []*Payment    `json:"payments" gorm:"-"`
	CreditNotes []*CreditNote `json:"credit_notes" gorm:"-"`
	// Files are the documents a new claim comes with as evidence (the
	// e-invoices it was imported from): stored with it, each with a
	// file.uploaded event naming its SHA-256, and put in its evidence
	// bundle. Only read when a claim is created.
	Files []*ClaimFile `json:"-" gorm:"-"`
	// PageVersion is set on a claim read for its debtor's page: the
	// version of the page's rows the session was read with. The claim's
	// disputes, payment reference and instalments may then be read from
	// the store's cache for that same version. Zero elsewhere.
	PageVersion PageVersion `json:"-" gorm:"-"`
}

// ClaimFile is a document kept as a claim's evidence: the original
// e-invoice a claim was imported from, or a court document made for it.
type ClaimFile struct {
	ID       string `json:"id"`
	TenantID string `json:"-"`
	ClaimID  string `json:"claim_id"`
	// Kind is FileImport or one of the court documents' (FileCourt...).
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Content     []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// The kinds of a claim's files: the e-invoice it was imported from, and
// the court documents made for it (issue 23), whose bundle folder is
// court/ (IsCourtFile).
const (
	FileImport          = "import"
	FileCourtInjonction = "court.injonction"
	FileCourtBordereau  = "court.bordereau"
	FileCourtFormA      = "court.eu_form_a"
	FileCourtBEFile     = "court.be_file"
)

// IsCourtFile reports whether a claim file's kind is a court document's.
func IsCourtFile(kind string) bool { return strings.HasPrefix(kind, "court.") }

// Invoice is one unpaid invoice of a claim; Amount is in the claim's
// currency minor units.
type Invoice struct {
	ID        string `json:"id"`
	TenantID  string `json:"-"`
	ClaimID   string `json:"-"`
	Number    string `json:"number"`
	IssueDate Date   `json:"issue_date"`
	DueDate   Date   `json:"due_date"`
	Amount    int64  `json:"amount"`
	// PaymentReference is the remittance information the invoice asks the
	// debtor to quote (an e-invoice's BT-83); "" when none was given.
	PaymentReference string `json:"payment_reference,omitempty"`
	// FirstReminderOn and FirstReminderChannel are the first (free)
	// reminder that covered this invoice, sent after it fell due: a
	// Belgian consumer owes no cost on a debt before its own.
	FirstReminderOn      Date      `json:"first_reminder_on"`
	FirstReminderChannel string    `json:"first_reminder_channel,omitempty"`
	CreatedAt            time.Time `json:"created_at"`
}

// PaymentMethod says how money reached the creditor.
type PaymentMethod string

const (
	PaymentCard     PaymentMethod = "card"
	PaymentTransfer PaymentMethod = "transfer"
	PaymentOther    PaymentMethod = "other"
	// PaymentSEPADebit is a SEPA Direct Debit from the debtor's mandate.
	PaymentSEPADebit PaymentMethod = "sepa_debit"
)

// Payment is money received against a claim. Negative amounts are refunds
// or chargebacks.
type Payment struct {
	ID         string        `json:"id"`
	TenantID   string        `json:"-"`
	ClaimID    string        `json:"claim_id"`
	Amount     int64         `json:"amount"`
	Currency   Currency      `json:"currency"`
	ReceivedOn Date          `json:"received_on"`
	Method     PaymentMethod `json:"method"`
	// Reference is the payer's reference or the provider's id.
	Reference string `json:"reference"`
	// InvoiceID is the invoice the debtor chose to pay (Code civil
	// 1342-10); empty, the payment goes in the default order.
	InvoiceID string `json:"invoice_id,omitempty"`
	// Reverses is set on the negative payment that reverses one recorded
	// by mistake (ReversePayment): the ID of that payment.
	Reverses  string    `json:"reverses,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CreditNote reduces what is owed on a claim (or one of its invoices).
type CreditNote struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	ClaimID   string    `json:"claim_id"`
	InvoiceID string    `json:"invoice_id,omitempty"`
	Number    string    `json:"number"`
	IssueDate Date      `json:"issue_date"`
	Amount    int64     `json:"amount"`
	CreatedAt time.Time `json:"created_at"`
	// Invoice is the invoice of a new claim this credit note reduces, when
	// both come in one import (its ID is given when the claim is stored).
	Invoice *Invoice `json:"-" gorm:"-"`
}

// Limits on free-text fields, so that bad input is rejected rather than
// stored and shown half-cut.
const (
	MaxReferenceLen = 64
	MaxNameLen      = 200
	MaxTextLen      = 500
	// MaxAmount bounds any single amount (10^13 minor units) so that sums
	// of many amounts cannot overflow int64.
	MaxAmount = 10_000_000_000_000
)

func checkText(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return FieldError(field, "%s is required", field)
	}
	if utf8.RuneCountInString(v) > max {
		return FieldError(field, "%s is longer than %d characters", field, max)
	}
	if !ValidText(v) {
		return FieldError(field, "%s is not valid text (invalid UTF-8 or a NUL character)", field)
	}
	return nil
}

// ValidText reports whether s can be stored as text on both databases:
// valid UTF-8 without NUL characters (PostgreSQL refuses them).
func ValidText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// Validate checks a debtor's fields.
func (d *Debtor) Validate() error {
	if d.Kind != DebtorBusiness && d.Kind != DebtorConsumer {
		return FieldError("debtor.kind", "debtor.kind must be \"business\" or \"consumer\"")
	}
	if err := checkText("debtor.name", d.Name, MaxNameLen, true); err != nil {
		return err
	}
	if !ValidLanguage(d.Language) {
		return FieldError("debtor.language", "debtor.language must be one of fr, nl, en, de")
	}
	if err := checkText("debtor.address", d.Address, MaxTextLen, false); err != nil {
		return err
	}
	if d.Country != "" && !isCountry(d.Country) {
		return FieldError("debtor.country", "debtor.country must be a two-letter ISO country code such as FR or BE")
	}
	if d.Email != "" && (!strings.Contains(d.Email, "@") || len(d.Email) > 254 || strings.ContainsAny(d.Email, " \r\n<>")) {
		return FieldError("debtor.email", "debtor.email is not a valid e-mail address")
	}
	if d.Phone != "" && !isPhone(d.Phone) {
		return FieldError("debtor.phone", "debtor.phone must be an international number such as +32470123456")
	}
	for _, f := range []struct{ name, v string }{{"debtor.postcode", d.Postcode}, {"debtor.customer_number", d.CustomerNumber}} {
		if err := checkText(f.name, f.v, MaxReferenceLen, false); err != nil {
			return err
		}
	}
	return nil
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func isPhone(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Validate checks an invoice; i is the invoice's index for messages.
func (inv *Invoice) Validate(i int) error {
	p := func(f string) string { return "invoices[" + itoa(i) + "]." + f }
	if err := checkText(p("number"), inv.Number, MaxReferenceLen, true); err != nil {
		return err
	}
	if inv.IssueDate.IsZero() {
		return FieldError(p("issue_date"), "%s is required (YYYY-MM-DD)", p("issue_date"))
	}
	if inv.DueDate.IsZero() {
		return FieldError(p("due_date"), "%s is required (YYYY-MM-DD)", p("due_date"))
	}
	if inv.DueDate.Before(inv.IssueDate) {
		return FieldError(p("due_date"), "%s %s is before the issue date %s", p("due_date"), inv.DueDate, inv.IssueDate)
	}
	if inv.Amount <= 0 {
		return FieldError(p("amount"), "%s must be a positive amount in minor units (cents)", p("amount"))
	}
	if inv.Amount > MaxAmount {
		return FieldError(p("amount"), "%s is too large", p("amount"))
	}
	return nil
}

// Validate checks a claim with its debtor and invoices: the one validation
// shared by the API and the CSV import.
func (c *Claim) Validate() error {
	if err := checkText("reference", c.Reference, MaxReferenceLen, true); err != nil {
		return err
	}
	if strings.TrimSpace(c.Reference) != c.Reference {
		return FieldError("reference", "reference must not start or end with spaces")
	}
	if err := c.Currency.Validate(); err != nil {
		return FieldError("currency", "%s", ErrorMessage(err))
	}
	if c.Jurisdiction != JurisdictionFR && c.Jurisdiction != JurisdictionBE {
		return FieldError("jurisdiction", "jurisdiction must be \"FR\" or \"BE\", not %q", string(c.Jurisdiction))
	}
	if c.ContractRateBP != nil && (*c.ContractRateBP < 0 || *c.ContractRateBP > 10000) {
		return FieldError("contract_rate_bp", "contract_rate_bp must be between 0 and 10000 basis points")
	}
	switch c.Prescription {
	case "", PrescriptionPersonal, PrescriptionGoodsToConsumer, PrescriptionPeriodic:
	default:
		return FieldError("prescription", "prescription must be personal, goods_to_consumer or periodic (Belgian claims), not %q", c.Prescription)
	}
	if c.Prescription != "" && c.Jurisdiction != JurisdictionBE {
		return FieldError("prescription", "prescription is chosen for Belgian claims only; French prescription follows the debtor kind")
	}
	switch c.IdentityCheck {
	case "", CheckPostcode, CheckBirthDate, CheckCustomerNumber, CheckInvoiceNumber:
	default:
		return FieldError("identity_check", "identity_check must be postcode, birth_date, customer_number or invoice_number")
	}
	if c.Debtor == nil {
		return FieldError("debtor", "debtor is required")
	}
	if err := c.Debtor.Validate(); err != nil {
		return err
	}
	if len(c.Invoices) == 0 {
		return FieldError("invoices", "invoices must list at least one invoice")
	}
	if len(c.Invoices) > 500 {
		return FieldError("invoices", "a claim holds at most 500 invoices")
	}
	seen := map[string]bool{}
	for i, inv := range c.Invoices {
		if err := inv.Validate(i); err != nil {
			return err
		}
		if seen[inv.Number] {
			return FieldError("invoices", "invoice number %q appears twice", inv.Number)
		}
		seen[inv.Number] = true
	}
	return nil
}

// Principal is the sum of the claim's invoice amounts.
func (c *Claim) Principal() int64 {
	var sum int64
	for _, inv := range c.Invoices {
		sum += inv.Amount
	}
	return sum
}

// Validate checks a payment recorded by a creditor.
func (p *Payment) Validate() error {
	if p.Amount == 0 || p.Amount > MaxAmount || p.Amount < -MaxAmount {
		return FieldError("amount", "amount must be a non-zero amount in minor units (cents)")
	}
	if p.ReceivedOn.IsZero() {
		return FieldError("received_on", "received_on is required (YYYY-MM-DD)")
	}
	switch p.Method {
	case PaymentCard, PaymentTransfer, PaymentOther, PaymentSEPADebit:
	default:
		return FieldError("method", "method must be card, transfer, sepa_debit or other")
	}
	return checkText("reference", p.Reference, MaxTextLen, false)
}

// ValidateNew checks a payment the creditor records by hand or through the
// API on today (the tenant's day): Validate, and a received_on date not
// after today (money not received yet is not a payment).
func (p *Payment) ValidateNew(today Date) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.ReceivedOn.After(today) {
		return FieldError("received_on", "received_on %s is in the future: record a payment once the money is received (today is %s)", p.ReceivedOn, today)
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

// Belgian prescriptions (old Civil Code, still applied).
const (
	// PrescriptionPersonal: personal actions, 10 years (art. 2262bis §1).
	PrescriptionPersonal = "personal"
	// PrescriptionGoodsToConsumer: a seller of goods against a consumer,
	// 1 year (art. 2272).
	PrescriptionGoodsToConsumer = "goods_to_consumer"
	// PrescriptionPeriodic: sums payable periodically, 5 years (art. 2277).
	PrescriptionPeriodic = "periodic"
)

// Prescriptions lists the values of Claim.Prescription.
var Prescriptions = []string{PrescriptionPersonal, PrescriptionGoodsToConsumer, PrescriptionPeriodic}
