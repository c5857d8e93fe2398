package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/csvimport"
	"github.com/relais/relais/portal/einvoice"
)

// maxImportParts bounds the files of one multipart import.
const maxImportParts = 100

// handleClaimImport is POST /api/v1/claims/import: claims from a CSV file
// (text/csv) or from e-invoices — a UBL or CII XML (application/xml), a
// Factur-X PDF (application/pdf) or a zip of them (application/zip) — sent
// as the body, or files of a multipart/form-data upload told apart by
// extension. Every bad row or file is listed and nothing is imported.
func (s *Server) handleClaimImport(c *fiber.Ctx) error {
	ctx, cancel := s.importContext(c)
	defer cancel()
	return s.importClaims(c, ctx, tenantOf(c))
}

// importTimeout bounds an import's database work: a file of MaxRows lines
// is one transaction of tens of thousands of rows, which a loaded server
// takes longer than an ordinary request's RequestTimeout to write.
const importTimeout = 5 * time.Minute

// importContext is userContext with the import's bound (RequestTimeout
// when that is longer).
func (s *Server) importContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return s.actorContext(c, max(importTimeout, s.cfg.RequestTimeout))
}

// importClaims runs an import for the API and the console alike.
func (s *Server) importClaims(c *fiber.Ctx, ctx context.Context, tenantID string) error {
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	var uploads []einvoice.Upload
	switch mt {
	case "text/csv":
		return s.importCSV(c, ctx, tenantID, c.Body())
	case "application/xml", "text/xml", "application/pdf", "application/zip", "application/x-zip-compressed":
		// The body is copied: fasthttp reuses it once the handler returns.
		uploads = []einvoice.Upload{{Name: uploadName(c.Query("filename"), mt), Data: bytes.Clone(c.Body())}}
	case "multipart/form-data":
		form, err := c.MultipartForm()
		if err != nil {
			return portal.Errorf(portal.EINVALID, "The multipart form cannot be read.")
		}
		var csvBody []byte
		for _, headers := range form.File {
			for _, fh := range headers {
				if fh.Filename == "" && fh.Size == 0 {
					continue
				}
				if len(uploads) >= maxImportParts {
					return portal.Errorf(portal.EINVALID, "Send at most %d files at once, or put them in a zip.", maxImportParts)
				}
				b, err := readImportPart(fh)
				if err != nil {
					return portal.Errorf(portal.EINVALID, "The file %q cannot be read.", shortName(fh.Filename))
				}
				if strings.EqualFold(path.Ext(fh.Filename), ".csv") {
					if csvBody != nil || len(uploads) > 0 {
						return portal.Errorf(portal.EINVALID, "Send one CSV file on its own, not with other files.")
					}
					csvBody = b
					continue
				}
				if csvBody != nil {
					return portal.Errorf(portal.EINVALID, "Send one CSV file on its own, not with other files.")
				}
				uploads = append(uploads, einvoice.Upload{Name: fh.Filename, Data: b})
			}
		}
		if csvBody != nil {
			return s.importCSV(c, ctx, tenantID, csvBody)
		}
		if len(uploads) == 0 {
			return portal.Errorf(portal.EINVALID, "The form holds no file.")
		}
	default:
		return portal.Errorf(portal.EINVALID, "Send a CSV file (Content-Type: text/csv), an e-invoice (application/xml or application/pdf), a zip of e-invoices (application/zip), or files as multipart/form-data.")
	}
	n, err := einvoice.Import(ctx, s.deps.Claims, s.deps.Tenants, tenantID, uploads)
	if files := einvoice.FileErrors(err); files != nil {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{
			"error":  apiErrorBody{Code: portal.EINVALID, Message: "Nothing was imported: fix the files below and send them again."},
			"errors": files,
		})
	} else if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"imported": n})
}

func (s *Server) importCSV(c *fiber.Ctx, ctx context.Context, tenantID string, body []byte) error {
	n, err := csvimport.Import(ctx, s.deps.Claims, tenantID, bytes.NewReader(body))
	if lines := csvimport.LineErrors(err); lines != nil {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{
			"error":  apiErrorBody{Code: portal.EINVALID, Message: "The file was not imported: fix the lines below and send it again."},
			"errors": lines,
		})
	} else if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"imported": n})
}

// uploadName names a file sent as the body: the filename query parameter,
// else one from its type.
func uploadName(name, mediaType string) string {
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	switch mediaType {
	case "application/pdf":
		return "invoice.pdf"
	case "application/zip", "application/x-zip-compressed":
		return "invoices.zip"
	}
	return "invoice.xml"
}

func shortName(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// readImportPart reads one file of a multipart import (the body limit of
// the route bounds them all).
func readImportPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, claimsCSVBodyLimit+1))
	if err != nil {
		return nil, err
	}
	if len(b) > claimsCSVBodyLimit {
		return nil, errors.New("file too large")
	}
	return b, nil
}
