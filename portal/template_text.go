package portal

import (
	"context"
	"time"
)

// TemplateText is a tenant's own wording of a shipped reminder template in
// one language: the e-mail subject (or letter title) and the body, written
// with the template's variables ({{.DebtorName}}, {{.Amount}}...). It
// replaces the shipped wording only: the mentions the law requires of a
// template (the Belgian consumer's free first reminder, a formal notice)
// are appended by Relais whatever the text says (portal/reminders).
type TemplateText struct {
	TenantID string `json:"-"`
	// CreditorID is the creditor whose claims use the text; "" for all the
	// tenant's creditors (a creditor's own text wins).
	CreditorID string `json:"creditor_id"`
	Key        string `json:"template"`
	Language   string `json:"language"`
	Subject    string `json:"subject"`
	Body       string `json:"body"`
	// SHA256 is the hash of the text (reminders.TextSHA256), which a sent
	// reminder's evidence event records.
	SHA256    string    `json:"sha256"`
	UpdatedAt time.Time `json:"updated_at"`
}

// The account log's kinds for template texts (subject: the template key).
const (
	AccountTemplateTextSet   = "template_text.set"
	AccountTemplateTextReset = "template_text.reset" // back to the shipped text
)

// TemplateTextService keeps a tenant's template texts. SetTemplateText
// checks the text (reminders.ValidateText: EINVALID with the field
// "subject" or "body"); every change is in the account log with its actor.
type TemplateTextService interface {
	// FindTemplateTexts lists the tenant's texts of a template key (all
	// keys when key is ""), for every creditor.
	FindTemplateTexts(ctx context.Context, tenantID, key string) ([]*TemplateText, error)
	// SetTemplateText creates or replaces the text of t.Key, t.Language and
	// t.CreditorID. ENOTFOUND for another tenant's creditor.
	SetTemplateText(ctx context.Context, tenantID string, t *TemplateText) error
	// ResetTemplateText removes it (a creditor's claims use the tenant's
	// text again, the tenant's the shipped one); no error (and no account
	// log entry) when there was none. ENOTFOUND for another tenant's
	// creditor.
	ResetTemplateText(ctx context.Context, tenantID, creditorID, key, lang string) error
	// TemplateTextFor is the text a claim of creditorID uses: the
	// creditor's own, else the tenant's; nil (no error) for the shipped one.
	TemplateTextFor(ctx context.Context, tenantID, creditorID, key, lang string) (*TemplateText, error)
}
