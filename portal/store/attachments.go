package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/relais/relais/portal"
)

// Attachments implements portal.AttachmentSource over the documents debtors
// attached to disputes ("disputes/<date>-<id>-<name>"). Letters come from
// LetterStore. Only names and hashes are listed; each file's content is
// read when the bundle writes it, so that a claim with many files does not
// load them all at once. A document erased with its claim's personal data
// is left out.
func (db *DB) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	var out []portal.Attachment
	var files []struct {
		ID, Name, SHA256 string
		CreatedAt        timeUTC
	}
	err := db.conn(ctx).Raw(`SELECT f.id, f.name, f.sha256, f.created_at FROM dispute_files f
		JOIN disputes d ON d.id = f.dispute_id
		WHERE d.tenant_id = ? AND d.claim_id = ? AND length(f.content) > 0 ORDER BY f.id`, tenantID, claimID).Scan(&files).Error
	if err != nil {
		return nil, translate("list dispute files", err)
	}
	for _, f := range files {
		id := f.ID
		out = append(out, portal.Attachment{
			Name:   fmt.Sprintf("disputes/%s-%s-%s", f.CreatedAt.Time().Format("2006-01-02"), strings.ToLower(id), safeFileName(f.Name)),
			SHA256: f.SHA256,
			Open: func() (io.ReadCloser, error) {
				return db.blob(ctx, "SELECT content FROM dispute_files WHERE id = ? AND tenant_id = ?", id, tenantID)
			},
		})
	}
	return out, nil
}

// erasedFile is the error for a file whose content was erased at the end
// of its claim's retention.
func erasedFile(what string) error {
	return portal.Errorf(portal.EGONE, "This %s was erased with the claim's personal data at the end of its retention; its SHA-256 stays on record.", what)
}

func (db *DB) blob(ctx context.Context, query string, args ...any) (io.ReadCloser, error) {
	var b []byte
	if err := db.conn(ctx).Raw(query, args...).Row().Scan(&b); err != nil {
		return nil, translate("read file", err)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// safeFileName keeps a file name readable inside a zip: no path
// separators, control characters or leading dots.
func safeFileName(name string) string {
	s := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, name)
	s = strings.TrimLeft(strings.TrimSpace(s), ".")
	if len([]rune(s)) > 100 {
		s = string([]rune(s)[:100])
	}
	if s == "" {
		s = "file"
	}
	return s
}

var _ portal.AttachmentSource = (*DB)(nil)
