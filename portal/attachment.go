package portal

import (
	"context"
	"io"
)

// Attachment is a file that belongs in a claim's evidence bundle: an
// uploaded document, a generated letter, a signed agreement.
type Attachment struct {
	// Name is the file's path inside the bundle's attachments/ folder, with
	// forward slashes ("letters/2024-06-30-formal-notice.pdf"). It must be
	// unique within a claim and contain no "..", backslash or leading "/".
	Name string
	// SHA256 is the lower-case hex SHA-256 recorded when the file entered
	// Relais (the one in its evidence event). The bundle refuses a file
	// whose content no longer matches it.
	SHA256 string
	// Open returns the file's content; the caller closes it.
	Open func() (io.ReadCloser, error)
}

// AttachmentSource is implemented by every feature that keeps files about a
// claim (uploads, letters, agreements), so that the evidence bundle can
// include them without knowing where they are stored.
type AttachmentSource interface {
	// Attachments lists a claim's files. ENOTFOUND is never returned for a
	// claim without files: an empty list is.
	Attachments(ctx context.Context, tenantID, claimID string) ([]Attachment, error)
}
