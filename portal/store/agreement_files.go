package store

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/relais/relais/portal"
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
