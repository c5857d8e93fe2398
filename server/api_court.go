package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
)

// CourtFiler makes the documents a creditor files in court
// (portal/court.Service).
type CourtFiler interface {
	// Draft makes a document (court.Documents' names) as Record would,
	// without recording it, every page marked as a draft not to file.
	// ENOTFOUND; EINVALID or ECONFLICT with the reason when the claim
	// cannot go to this procedure now; EINVALID for an unknown document.
	Draft(ctx context.Context, tenantID, claimID, document string, opt court.FROptions) (*court.Document, error)
	// FormAData fills Form A of the European order for payment (the data
	// to enter on the form). Same errors, for a debtor in another member
	// state.
	FormAData(ctx context.Context, tenantID, claimID string) (*court.FormA, error)
	// Offers says which documents the claim can have today, and why not.
	Offers(ctx context.Context, tenantID, claimID string) ([]court.Offer, error)
	// Record makes a document (court.Documents' names), stores it as the
	// claim's file and appends court.document_made. The documents'
	// errors; EINVALID for an unknown document.
	Record(ctx context.Context, tenantID, claimID, document string, opt court.FROptions) (*court.Recorded, error)
	// RecordedDocuments lists the claim's recorded court documents.
	RecordedDocuments(ctx context.Context, tenantID, claimID string) ([]*portal.ClaimFile, error)
	// RecordedDocument returns one with its content. ENOTFOUND, EGONE.
	RecordedDocument(ctx context.Context, tenantID, claimID, fileID string) (*portal.ClaimFile, error)
}

// courtReady is the start of every court route: EUNAVAILABLE when the
// instance has no court documents.
func (s *Server) courtReady() error {
	if s.deps.Court == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Court documents are not configured on this instance.")
	}
	return nil
}

// consumerCredit reads ?consumer_credit=true|false: a consumer credit
// claim goes to the juge des contentieux de la protection.
func consumerCredit(v string) (court.FROptions, error) {
	var opt court.FROptions
	switch v {
	case "", "false", "0":
	case "true", "1":
		opt.ConsumerCredit = true
	default:
		return opt, portal.FieldError("consumer_credit", "consumer_credit must be true or false, not %q", v)
	}
	return opt, nil
}

// handleCourtRecord is POST /api/v1/claims/{id}/court/{document}: the
// document made now, stored as the claim's evidence with its
// court.document_made event (201, the file and the event).
func (s *Server) handleCourtRecord(c *fiber.Ctx) error {
	if err := s.courtReady(); err != nil {
		return err
	}
	opt, err := consumerCredit(c.Query("consumer_credit"))
	if err != nil {
		return err
	}
	ctx, cancel := s.actorContext(c, bundleTimeout) // the caller records the document
	defer cancel()
	claimID := c.Params("id")
	rec, err := s.deps.Court.Record(ctx, tenantOf(c), claimID, c.Params("document"), opt)
	if err != nil {
		return err
	}
	c.Location("/api/v1/claims/" + claimID + "/court/documents/" + rec.File.ID)
	return c.Status(fiber.StatusCreated).JSON(rec)
}

// handleCourtDocuments is GET /api/v1/claims/{id}/court/documents: the
// court documents recorded for the claim, oldest first.
func (s *Server) handleCourtDocuments(c *fiber.Ctx) error {
	if err := s.courtReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	list, err := s.deps.Court.RecordedDocuments(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"documents": list})
}

// handleCourtDocument is GET /api/v1/claims/{id}/court/documents/{file_id}:
// a recorded court document, byte for byte as recorded.
func (s *Server) handleCourtDocument(c *fiber.Ctx) error {
	return s.sendRecordedDocument(c, tenantOf(c))
}

// handleConsoleCourtDocument serves a recorded document to agents and
// owners.
func (s *Server) handleConsoleCourtDocument(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	return s.sendRecordedDocument(c, consoleUserOf(c).TenantID)
}

func (s *Server) sendRecordedDocument(c *fiber.Ctx, tenantID string) error {
	if err := s.courtReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	f, err := s.deps.Court.RecordedDocument(ctx, tenantID, c.Params("id"), c.Params("file_id"))
	if err != nil {
		return err
	}
	attachment(c, f.ContentType, f.Name)
	c.Set("X-Content-SHA256", f.SHA256)
	return c.Send(f.Content)
}

// handleCourtOffers is GET /api/v1/claims/{id}/court: each court document,
// whether it applies to the claim, whether it can be made today and why not.
func (s *Server) handleCourtOffers(c *fiber.Ctx) error {
	if s.deps.Court == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Court documents are not configured on this instance.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	offers, err := s.deps.Court.Offers(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"documents": offers})
}

// The GET routes of the documents make drafts: the document as the POST
// would record it, every page marked "PROJET — non enregistré" (or its
// translation) and its name prefixed, recorded nowhere. The copy to file
// is the one recorded (handleCourtRecord).

// handleCourtFRInjonction is GET /api/v1/claims/{id}/court/fr-injonction.pdf:
// the draft of the request with its bordereau.
func (s *Server) handleCourtFRInjonction(c *fiber.Ctx) error {
	return s.sendCourtDraft(c, tenantOf(c), "fr-injonction")
}

// handleCourtFRBordereau is GET /api/v1/claims/{id}/court/bordereau.pdf.
func (s *Server) handleCourtFRBordereau(c *fiber.Ctx) error {
	return s.sendCourtDraft(c, tenantOf(c), "bordereau")
}

// handleCourtFormAPDF is GET /api/v1/claims/{id}/court/eu-form-a.pdf.
func (s *Server) handleCourtFormAPDF(c *fiber.Ctx) error {
	return s.sendCourtDraft(c, tenantOf(c), "eu-form-a")
}

// handleCourtBEFile is GET /api/v1/claims/{id}/court/be-file.pdf.
func (s *Server) handleCourtBEFile(c *fiber.Ctx) error {
	return s.sendCourtDraft(c, tenantOf(c), "be-file")
}

// handleConsoleCourtDraft serves the draft of document to agents and
// owners (GET /console/claims/:id/court/<document>.pdf).
func (s *Server) handleConsoleCourtDraft(document string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := requireRole(c, portal.RoleAgent); err != nil {
			return err
		}
		return s.sendCourtDraft(c, consoleUserOf(c).TenantID, document)
	}
}

// sendCourtDraft renders the draft of the tenant's claim's document; the
// query's consumer_credit=true sends a French consumer credit claim to the
// juge des contentieux de la protection. The exhibits' hashes come from
// the bundle's manifest, read in full: it takes as long as a bundle.
func (s *Server) sendCourtDraft(c *fiber.Ctx, tenantID, document string) error {
	if err := s.courtReady(); err != nil {
		return err
	}
	opt, err := consumerCredit(c.Query("consumer_credit"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), bundleTimeout)
	defer cancel()
	doc, err := s.deps.Court.Draft(ctx, tenantID, c.Params("id"), document, opt)
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", doc.Name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-SHA256", portal.SHA256Hex(doc.PDF))
	c.Set("X-Relais-Chain-Head", doc.Head.Hash)
	c.Set("X-Relais-Draft", "true")
	return c.Send(doc.PDF)
}

// handleCourtFormAJSON is GET /api/v1/claims/{id}/court/eu-form-a.json:
// Form A's fields, for the e-Justice portal's form.
func (s *Server) handleCourtFormAJSON(c *fiber.Ctx) error {
	if err := s.courtReady(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), bundleTimeout)
	defer cancel()
	f, err := s.deps.Court.FormAData(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(f)
}
