package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/relais/relais/portal"
)

// Attachments implements portal.AttachmentSource over the documents debtors
// attached to disputes ("disputes/<date>-<id>-<name>") and the original
// files a claim was imported from ("imports/<id>-<name>"). Letters come from
// LetterStore. Only names and hashes are listed; each file's content is
// read when the bundle writes it, so that a claim with many files does not
// load them all at once. A document erased with its claim's personal data
// is left out.
func (db *DB) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	var out []portal.Attachment
	var files []struct {
		ID, Name, SHA256, ContentType string
		CreatedAt                     timeUTC
	}
	err := db.conn(ctx).Raw(`SELECT f.id, f.name, f.sha256, f.content_type, f.created_at FROM dispute_files f
		JOIN disputes d ON d.id = f.dispute_id
		WHERE d.tenant_id = ? AND d.claim_id = ? AND length(f.content) > 0 ORDER BY f.id`, tenantID, claimID).Scan(&files).Error
	if err != nil {
		return nil, translate("list dispute files", err)
	}
	var imported []struct {
		ID, Name, SHA256, ContentType, Kind string
		CreatedAt                           timeUTC
	}
	err = db.conn(ctx).Raw(`SELECT id, name, sha256, content_type, kind, created_at FROM claim_files
		WHERE tenant_id = ? AND claim_id = ? AND length(content) > 0 ORDER BY id`, tenantID, claimID).Scan(&imported).Error
	if err != nil {
		return nil, translate("list claim files", err)
	}
	for _, f := range imported {
		id := f.ID
		out = append(out, portal.Attachment{
			Name:   claimFilePath(f.Kind, id, f.Name, f.ContentType, f.CreatedAt.Time()),
			SHA256: f.SHA256,
			Open: func() (io.ReadCloser, error) {
				return db.blob(ctx, "SELECT content FROM claim_files WHERE id = ? AND tenant_id = ?", id, tenantID)
			},
		})
	}
	for _, f := range files {
		id := f.ID
		out = append(out, portal.Attachment{
			Name:   fmt.Sprintf("disputes/%s-%s-%s", f.CreatedAt.Time().Format("2006-01-02"), strings.ToLower(id), storedFileName(f.Name, f.ContentType)),
			SHA256: f.SHA256,
			Open: func() (io.ReadCloser, error) {
				return db.blob(ctx, "SELECT content FROM dispute_files WHERE id = ? AND tenant_id = ?", id, tenantID)
			},
		})
	}
	return out, nil
}

// claimFilePath is a claim file's path in the bundle's attachments/ (and
// in an export): "imports/<id>-<name>" for an imported e-invoice,
// "court/<date>-<id>-<name>" for a court document made for the claim.
func claimFilePath(kind, id, name, contentType string, created time.Time) string {
	if portal.IsCourtFile(kind) {
		return fmt.Sprintf("court/%s-%s-%s", created.UTC().Format("2006-01-02"), strings.ToLower(id), storedFileName(name, contentType))
	}
	return fmt.Sprintf("imports/%s-%s", strings.ToLower(id), storedFileName(name, contentType))
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

// storedFileName is the name a debtor's file takes in a bundle or an
// export: a readable stem from the name the debtor gave, and the extension
// of the type read from its content (.pdf, .jpg, .png), never the one the
// debtor typed: "proof.pdf.bat" holding a PDF is "proof.pdf", a
// right-to-left override cannot turn "exe.pdf" around, and a Windows device
// name (CON, NUL, COM1...) is prefixed. The original name stays in the
// dispute's record as text.
func storedFileName(name, contentType string) string {
	ext := ".bin"
	switch contentType {
	case "application/pdf":
		ext = ".pdf"
	case "image/jpeg":
		ext = ".jpg"
	case "image/png":
		ext = ".png"
	case "application/xml":
		ext = ".xml"
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:] // the base name: no directory
	}
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i] // every extension the debtor typed goes
	}
	stem := strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Bidi_Control, r), unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			return r
		case r == ' ':
			return '-'
		}
		return '_'
	}, strings.TrimSpace(name))
	if len([]rune(stem)) > 60 {
		stem = string([]rune(stem)[:60])
	}
	if stem == "" {
		stem = "file"
	}
	if reservedDeviceName(stem) {
		stem = "_" + stem
	}
	return stem + ext
}

// reservedDeviceName reports a name Windows treats as a device, whatever
// its extension.
func reservedDeviceName(s string) bool {
	switch u := strings.ToUpper(s); u {
	case "CON", "PRN", "AUX", "NUL":
		return true
	default:
		return len(u) == 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) && u[3] >= '1' && u[3] <= '9'
	}
}

var _ portal.AttachmentSource = (*DB)(nil)
