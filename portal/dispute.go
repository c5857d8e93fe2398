package portal

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// DisputeReason is why a debtor contests a claim.
type DisputeReason string

const (
	ReasonAlreadyPaid DisputeReason = "already_paid"
	ReasonNotReceived DisputeReason = "not_received_or_faulty"
	ReasonWrongAmount DisputeReason = "wrong_amount"
	ReasonNotMe       DisputeReason = "not_me"
	ReasonOther       DisputeReason = "other"
)

// DisputeReasons lists the reasons in display order.
var DisputeReasons = []DisputeReason{ReasonAlreadyPaid, ReasonNotReceived, ReasonWrongAmount, ReasonNotMe, ReasonOther}

// Valid reports whether r is a known reason.
func (r DisputeReason) Valid() bool {
	for _, x := range DisputeReasons {
		if x == r {
			return true
		}
	}
	return false
}

// DisputeStatus is where a dispute stands: open until a creditor user
// resolves it with one of the outcomes.
type DisputeStatus string

const (
	DisputeOpen           DisputeStatus = "open"
	DisputeUpheld         DisputeStatus = "upheld"          // the claim stands: it resumes
	DisputePartlyAccepted DisputeStatus = "partly_accepted" // a credit note adjusts the claim, which resumes
	DisputeAccepted       DisputeStatus = "accepted"        // the debtor is right: the claim is closed
)

// Limits of a dispute.
const (
	MaxDisputeText  = 2000
	MaxDisputeFiles = 5
	MaxFileSize     = 10 << 20
)

// Dispute is a debtor contesting a claim, or one invoice of it.
type Dispute struct {
	ID        string        `json:"id"`
	TenantID  string        `json:"-"`
	ClaimID   string        `json:"claim_id"`
	InvoiceID string        `json:"invoice_id,omitempty"`
	Reason    DisputeReason `json:"reason"`
	Text      string        `json:"text"`
	Status    DisputeStatus `json:"status"`
	// Resolution is the creditor's reason for the outcome.
	Resolution string `json:"resolution,omitempty"`
	// AdjustedAmount is the credit note granted when partly accepted.
	AdjustedAmount int64          `json:"adjusted_amount,omitempty"`
	CreditNoteID   string         `json:"credit_note_id,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	ResolvedAt     *time.Time     `json:"resolved_at"`
	Files          []*DisputeFile `json:"files" gorm:"-"`
}

// Validate checks what the debtor typed.
func (d *Dispute) Validate() error {
	if !d.Reason.Valid() {
		return FieldError("reason", "choose a reason")
	}
	if utf8.RuneCountInString(d.Text) > MaxDisputeText {
		return FieldError("text", "the text is longer than %d characters", MaxDisputeText)
	}
	if !ValidText(d.Text) {
		return FieldError("text", "the text is not valid text (invalid UTF-8 or a NUL character)")
	}
	if len(d.Files) > MaxDisputeFiles {
		return FieldError("files", "at most %d files", MaxDisputeFiles)
	}
	for _, f := range d.Files {
		if len(f.Content) == 0 {
			return FieldError("files", "file %q is empty", f.Name)
		}
		if len(f.Content) > MaxFileSize {
			return &Error{Code: ETOOLARGE, Field: "files", Message: "a file is larger than 10 MB"}
		}
		if !AcceptedDocument(f.Name, f.Content) {
			return FieldError("files", "file %q is not a PDF, JPEG or PNG", f.Name)
		}
	}
	return nil
}

// DisputeFile is a document attached to a dispute. Its type is read from
// its content, never from its name.
type DisputeFile struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"-"`
	DisputeID   string    `json:"-"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Content     []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// SniffDocument returns the MIME type of a PDF, JPEG or PNG from its first
// bytes (magic numbers), or "" for anything else.
func SniffDocument(b []byte) string {
	switch {
	case len(b) >= 5 && string(b[:5]) == "%PDF-":
		return "application/pdf"
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	}
	return ""
}

// extensionTypes are the names a document may carry; a name that claims
// another type than the content (a PNG called .pdf, a program called
// .jpg) is refused as disguised.
var extensionTypes = map[string]string{
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".png": "image/png",
}

// AcceptedDocument reports whether content is a PDF, JPEG or PNG and the
// name, if it has one of their extensions, says the same type.
func AcceptedDocument(name string, content []byte) bool {
	typ := SniffDocument(content)
	if typ == "" {
		return false
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = strings.ToLower(name[i:])
	}
	if want, ok := extensionTypes[ext]; ok && want != typ {
		return false
	}
	return true
}

// Resolution is a creditor's decision on a dispute.
type Resolution struct {
	Outcome DisputeStatus `json:"outcome"`
	Reason  string        `json:"reason"`
	// AdjustedAmount is the credit (minor units) granted when the outcome
	// is partly_accepted.
	AdjustedAmount int64 `json:"adjusted_amount"`
}

// Validate checks a resolution.
func (r *Resolution) Validate() error {
	switch r.Outcome {
	case DisputeUpheld, DisputeAccepted:
		if r.AdjustedAmount != 0 {
			return FieldError("adjusted_amount", "adjusted_amount is only for partly_accepted")
		}
	case DisputePartlyAccepted:
		if r.AdjustedAmount <= 0 || r.AdjustedAmount > MaxAmount {
			return FieldError("adjusted_amount", "adjusted_amount must be a positive amount in minor units (the credit granted)")
		}
	default:
		return FieldError("outcome", "outcome must be upheld, partly_accepted or accepted")
	}
	return checkText("reason", r.Reason, MaxDisputeText, true)
}

// DisputeService files and resolves disputes.
type DisputeService interface {
	// FileDispute stores a debtor's dispute with its files, sets the claim
	// disputed and records dispute.filed, file.uploaded and status.changed,
	// all or nothing. EINVALID, ETOOLARGE, ECONFLICT (already disputed, or
	// a status that cannot be disputed).
	FileDispute(ctx context.Context, s *PortalSession, d *Dispute) error
	// FindDisputes lists a claim's disputes with their files (without
	// content), newest first. ENOTFOUND.
	FindDisputes(ctx context.Context, tenantID, claimID string) ([]*Dispute, error)
	// FindClaimDisputes is FindDisputes for a claim the caller loaded with
	// FindClaim (the claim page): its tenant is not checked a second time.
	FindClaimDisputes(ctx context.Context, c *Claim) ([]*Dispute, error)
	// ResolveDispute applies a creditor's decision. ENOTFOUND, EINVALID,
	// ECONFLICT when already resolved.
	ResolveDispute(ctx context.Context, tenantID, claimID, disputeID string, r Resolution) (*Dispute, error)
	// FindDisputeFile returns one file of a dispute with its content.
	// ENOTFOUND.
	FindDisputeFile(ctx context.Context, tenantID, claimID, disputeID, fileID string) (*DisputeFile, error)
}
