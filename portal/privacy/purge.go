package privacy

import (
	"context"
	"fmt"

	"github.com/relais/relais/portal"
)

// Counts says how many things an erasure emptied, part by part. It is the
// payload of the claim.personal_data_erased event: counts only, never the
// data.
type Counts struct {
	// DebtorFields counts the debtor's identity and contact fields that
	// held something (name, address, postcode, country, e-mail, phone,
	// birth date, customer number).
	DebtorFields int `json:"debtor_fields"`
	// Messages: chat messages whose text, call-back phone or note went.
	Messages int `json:"messages"`
	// Offers: offers whose phone, note, refusal reason or debtor name went.
	Offers int `json:"offers"`
	// Disputes: dispute texts and resolutions; DisputeFiles: uploaded
	// documents (content and name; size and SHA-256 stay).
	Disputes     int `json:"disputes"`
	DisputeFiles int `json:"dispute_files"`
	// ClaimFiles: the original e-invoices a claim was imported from
	// (content and name; size and SHA-256 stay).
	ClaimFiles int `json:"claim_files"`
	// Letters and Agreements: PDFs (their SHA-256 stays).
	Letters    int `json:"letters"`
	Agreements int `json:"agreements"`
	// ReminderSends: recipient, subject, bodies and error of each send
	// (its content SHA-256 stays).
	ReminderSends int `json:"reminder_sends"`
	// PaymentReferences: the free-text reference of payments (amounts,
	// dates and the provider and bank links stay).
	PaymentReferences int `json:"payment_references"`
	// StatementLines: payer name, IBAN and remittance text of the bank
	// statement lines matched to the claim.
	StatementLines int `json:"statement_lines"`
	// EventPayloads: evidence payloads set to NULL (their hash stays in the
	// chain).
	EventPayloads int `json:"event_payloads"`
	// LinksRevoked, UnsubscribeLinks, CardCustomers: portal links revoked
	// (their sessions end), opt-out links deleted, and the reference to
	// the debtor's saved card customer at the payment provider deleted.
	LinksRevoked     int `json:"links_revoked"`
	UnsubscribeLinks int `json:"unsubscribe_links"`
	CardCustomers    int `json:"card_customers"`
	// Mandates: the IBAN digits, bank and acceptance data (IP address,
	// user agent) of the SEPA mandates given for the claim; their provider
	// id, reference and dates stay.
	Mandates int `json:"mandates"`
}

// Erasure is what one claim's erasure did (or, in a dry run, would do).
type Erasure struct {
	TenantID string
	ClaimID  string
	Decision Decision
	Counts   Counts
}

// ErasurePayload is the payload of claim.personal_data_erased.
func ErasurePayload(d Decision, p portal.RetentionPolicy, c Counts) map[string]any {
	return map[string]any{
		"keep_until": d.KeepUntil.String(), "basis": d.Basis, "prescription": dateOrEmpty(d.Prescription),
		"policy": p, "erased": c,
		"kept": "amounts, dates, invoice numbers, references of the claim, file hashes and the evidence chain",
	}
}

func dateOrEmpty(d portal.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// PurgeOptions choose what a purge covers.
type PurgeOptions struct {
	// TenantID limits the purge to one tenant; "" means every tenant.
	TenantID string
	// DryRun reports what would be erased and changes nothing.
	DryRun bool
}

// PurgeReport sums up a purge.
type PurgeReport struct {
	DryRun  bool
	Tenants int
	// Checked counts the closed claims whose personal data was still held.
	Checked int
	// Erased lists the claims erased (or that would be, in a dry run).
	Erased []*Erasure
	// Kept counts claims still inside their retention; Held counts claims
	// kept whatever the dates, by reason.
	Kept int
	Held map[Hold]int
	// Skipped counts claims that changed between the check and the
	// erasure (a new event, a reopened status): the next run decides again.
	Skipped int
}

// pageSize is how many candidate claims are read at a time.
const pageSize = 200

// Purge erases the personal data of every claim past its retention on the
// store clock's today, tenant by tenant. It is idempotent: an erased claim
// is never a candidate again. It logs counts and claim IDs, never personal
// data.
func (s *Service) Purge(ctx context.Context, opt PurgeOptions) (*PurgeReport, error) {
	rep := &PurgeReport{DryRun: opt.DryRun, Held: map[Hold]int{}}
	tenants := []string{opt.TenantID}
	if opt.TenantID == "" {
		var err error
		if tenants, err = s.Store.TenantIDs(ctx); err != nil {
			return nil, err
		}
	}
	for _, tid := range tenants {
		t, err := s.Store.FindTenant(ctx, tid)
		if err != nil {
			return rep, fmt.Errorf("tenant %s: %w", tid, err)
		}
		if err := s.purgeTenant(ctx, t, opt.DryRun, rep); err != nil {
			return rep, fmt.Errorf("tenant %s: %w", tid, err)
		}
		rep.Tenants++
	}
	return rep, nil
}

func (s *Service) purgeTenant(ctx context.Context, t *portal.Tenant, dryRun bool, rep *PurgeReport) error {
	today := s.Store.Today(ctx, t.ID)
	var checked, erased, kept, held, skipped int
	after := ""
	for {
		page, err := s.Store.RetentionCandidates(ctx, t.ID, after, pageSize)
		if err != nil {
			return err
		}
		for _, f := range page {
			after = f.Claim.ID
			checked++
			d := Decide(t.Retention, *f, today)
			switch {
			case d.Hold != "":
				held++
				rep.Held[d.Hold]++
				continue
			case !d.Erase:
				kept++
				continue
			}
			e, err := s.Store.ErasePersonalData(ctx, t.ID, f.Claim.ID, dryRun)
			if portal.ErrorCode(err) == portal.ECONFLICT {
				// Changed since it was read: the next run decides again.
				skipped++
				s.log().InfoContext(ctx, "purge skipped a claim that changed meanwhile", "tenant", t.ID, "claim", f.Claim.ID)
				continue
			} else if err != nil {
				return fmt.Errorf("claim %s: %w", f.Claim.ID, err)
			}
			erased++
			rep.Erased = append(rep.Erased, e)
		}
		if len(page) < pageSize {
			break
		}
	}
	rep.Checked += checked
	rep.Kept += kept
	rep.Skipped += skipped
	s.log().InfoContext(ctx, "purge", "tenant", t.ID, "today", today.String(), "dry_run", dryRun,
		"checked", checked, "erased", erased, "kept", kept, "held", held, "skipped", skipped)
	return nil
}
