package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/relais/relais/negotiation/pdf"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
)

// AgreementFiles is the evidence bundle's source of signed payment
// agreements: each signed agreement's PDF, exactly as the debtor got it, is
// attachments/agreements/<signing date>-agreement-<id>.pdf, with the
// SHA-256 its agreement.signed event records. An agreement whose PDF was
// erased with its claim's personal data is left out (the event keeps its
// hash). Only names and hashes are listed; each PDF is read when the bundle
// writes it.
type AgreementFiles struct{ DB *DB }

var _ portal.AttachmentSource = AgreementFiles{}

// Attachments implements portal.AttachmentSource.
func (a AgreementFiles) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	var rows []struct {
		ID        string
		SignedAt  *time.Time
		PDFSHA256 string `gorm:"column:pdf_sha256"`
	}
	err := a.DB.conn(ctx).Raw(`SELECT id, signed_at, pdf_sha256 FROM agreements
		WHERE tenant_id = ? AND claim_id = ? AND status = 'signed' AND pdf IS NOT NULL AND length(pdf) > 0 ORDER BY id`,
		tenantID, claimID).Scan(&rows).Error
	if err != nil {
		return nil, translate("list agreements", err)
	}
	out := make([]portal.Attachment, 0, len(rows))
	for _, r := range rows {
		id, day := r.ID, "undated"
		if r.SignedAt != nil {
			day = r.SignedAt.UTC().Format("2006-01-02")
		}
		out = append(out, portal.Attachment{
			Name:   fmt.Sprintf("agreements/%s-agreement-%s.pdf", day, strings.ToLower(id)),
			SHA256: r.PDFSHA256,
			Open: func() (io.ReadCloser, error) {
				return a.DB.blob(ctx, "SELECT pdf FROM agreements WHERE id = ? AND tenant_id = ?", id, tenantID)
			},
		})
	}
	return out, nil
}

// MandateAnnexes is the evidence bundle's source of mandate annexes: for
// each signed agreement whose instalments are (or were) debited by SEPA
// Direct Debit, on a claim with a mandate, the annex that states the
// mandate (negotiation/pdf.RenderMandate: its reference, the date it was
// given, the last four digits of the IBAN, how it was accepted, never the
// IP address), beside the agreement as
// attachments/agreements/<signing date>-agreement-<id>-mandate.pdf. The
// annex is rendered from the mandate as recorded, in the court's language
// (evidence.CourtLanguage) and time zone, so the same claim state gives the
// same bytes; its SHA-256 is that of the rendering, listed in the
// manifest like every file's.
type MandateAnnexes struct{ DB *DB }

var _ portal.AttachmentSource = MandateAnnexes{}

// Attachments implements portal.AttachmentSource.
func (a MandateAnnexes) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	ids, err := a.DB.SEPAAgreements(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ms, err := a.DB.ClaimMandates(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	m := portal.AnnexMandate(ms)
	if m == nil {
		return nil, nil
	}
	c, err := a.DB.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	out := make([]portal.Attachment, 0, len(ids))
	for _, id := range ids {
		ag, err := a.DB.FindAgreement(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		doc, err := pdf.RenderMandate(pdf.MandateInput{Agreement: ag, Claim: c, Mandate: m,
			Language: evidence.CourtLanguage(c), Zone: evidence.CourtZone(c)})
		if err != nil {
			return nil, fmt.Errorf("mandate annex of agreement %s: %w", id, err)
		}
		day := "undated"
		if ag.SignedAt != nil {
			day = ag.SignedAt.UTC().Format("2006-01-02")
		}
		out = append(out, portal.Attachment{
			Name:   fmt.Sprintf("agreements/%s-agreement-%s-mandate.pdf", day, strings.ToLower(id)),
			SHA256: portal.SHA256Hex(doc),
			Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(doc)), nil },
		})
	}
	return out, nil
}

// SEPAAgreements implements portal.MandateStore: the claim's signed
// agreements whose instalments are (or were) debited by SEPA Direct Debit,
// the ones a mandate annex goes with.
func (db *DB) SEPAAgreements(ctx context.Context, tenantID, claimID string) ([]string, error) {
	var ids []string
	err := db.conn(ctx).Raw(`SELECT a.id FROM agreements a
		WHERE a.tenant_id = ? AND a.claim_id = ? AND a.status = 'signed' AND a.pdf IS NOT NULL AND length(a.pdf) > 0
		AND EXISTS (SELECT 1 FROM instalments i WHERE i.agreement_id = a.id AND i.method = ?) ORDER BY a.id`,
		tenantID, claimID, portal.MethodSEPADebit).Scan(&ids).Error
	if err != nil {
		return nil, translate("list agreements debited by SEPA", err)
	}
	return ids, nil
}
