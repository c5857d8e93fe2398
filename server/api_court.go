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
	// FRInjonction renders the French requête en injonction de payer with
	// its bordereau de pièces (or the bordereau alone). ENOTFOUND;
	// EINVALID or ECONFLICT with the reason when the claim cannot go to
	// this procedure now.
	FRInjonction(ctx context.Context, tenantID, claimID string, opt court.FROptions, bordereauOnly bool) (*court.Document, error)
	// EuropeanOrder fills Form A of the European order for payment (its
	// data and a worksheet PDF). Same errors, for a debtor in another
	// member state.
	EuropeanOrder(ctx context.Context, tenantID, claimID string) (*court.FormA, *court.Document, error)
	// BelgianFile renders the Belgian file: uncontested B2B recovery or,
	// for a consumer, a summons with the Book XIX steps. Same errors.
	BelgianFile(ctx context.Context, tenantID, claimID string) (*court.Document, error)
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

// handleCourtFRInjonction is GET /api/v1/claims/{id}/court/fr-injonction.pdf.
func (s *Server) handleCourtFRInjonction(c *fiber.Ctx) error {
	return s.sendCourtFR(c, tenantOf(c), c.Params("id"), false)
}

// handleCourtFRBordereau is GET /api/v1/claims/{id}/court/bordereau.pdf.
func (s *Server) handleCourtFRBordereau(c *fiber.Ctx) error {
	return s.sendCourtFR(c, tenantOf(c), c.Params("id"), true)
}

// handleConsoleCourtFR serves the same documents to agents and owners.
func (s *Server) handleConsoleCourtFR(bordereauOnly bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := requireRole(c, portal.RoleAgent); err != nil {
			return err
		}
		return s.sendCourtFR(c, consoleUserOf(c).TenantID, c.Params("id"), bordereauOnly)
	}
}

// sendCourtFR renders the French court file of the tenant's claim; the
// query's consumer_credit=true sends a consumer credit claim to the juge
// des contentieux de la protection. The exhibits' hashes come from the
// bundle's manifest, read in full: it takes as long as a bundle.
func (s *Server) sendCourtFR(c *fiber.Ctx, tenantID, claimID string, bordereauOnly bool) error {
	if err := s.courtReady(); err != nil {
		return err
	}
	opt, err := consumerCredit(c.Query("consumer_credit"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), bundleTimeout)
	defer cancel()
	doc, err := s.deps.Court.FRInjonction(ctx, tenantID, claimID, opt, bordereauOnly)
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", doc.Name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-SHA256", portal.SHA256Hex(doc.PDF))
	c.Set("X-Relais-Chain-Head", doc.Head.Hash)
	return c.Send(doc.PDF)
}

// handleCourtFormAJSON is GET /api/v1/claims/{id}/court/eu-form-a.json:
// Form A's fields, for the e-Justice portal's form.
func (s *Server) handleCourtFormAJSON(c *fiber.Ctx) error {
	f, _, err := s.europeanOrder(c, tenantOf(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(f)
}

// handleCourtFormAPDF is GET /api/v1/claims/{id}/court/eu-form-a.pdf.
func (s *Server) handleCourtFormAPDF(c *fiber.Ctx) error {
	return s.sendFormAPDF(c, tenantOf(c))
}

// handleConsoleFormAPDF serves the Form A worksheet to agents and owners.
func (s *Server) handleConsoleFormAPDF(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	return s.sendFormAPDF(c, consoleUserOf(c).TenantID)
}

func (s *Server) sendFormAPDF(c *fiber.Ctx, tenantID string) error {
	_, doc, err := s.europeanOrder(c, tenantID)
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", doc.Name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-SHA256", portal.SHA256Hex(doc.PDF))
	c.Set("X-Relais-Chain-Head", doc.Head.Hash)
	return c.Send(doc.PDF)
}

func (s *Server) europeanOrder(c *fiber.Ctx, tenantID string) (*court.FormA, *court.Document, error) {
	if s.deps.Court == nil {
		return nil, nil, portal.Errorf(portal.EUNAVAILABLE, "Court documents are not configured on this instance.")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), bundleTimeout)
	defer cancel()
	return s.deps.Court.EuropeanOrder(ctx, tenantID, c.Params("id"))
}

// handleCourtBEFile is GET /api/v1/claims/{id}/court/be-file.pdf.
func (s *Server) handleCourtBEFile(c *fiber.Ctx) error {
	return s.sendBEFile(c, tenantOf(c))
}

// handleConsoleBEFile serves the Belgian file to agents and owners.
func (s *Server) handleConsoleBEFile(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	return s.sendBEFile(c, consoleUserOf(c).TenantID)
}

func (s *Server) sendBEFile(c *fiber.Ctx, tenantID string) error {
	if s.deps.Court == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Court documents are not configured on this instance.")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), bundleTimeout)
	defer cancel()
	doc, err := s.deps.Court.BelgianFile(ctx, tenantID, c.Params("id"))
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", doc.Name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-SHA256", portal.SHA256Hex(doc.PDF))
	c.Set("X-Relais-Chain-Head", doc.Head.Hash)
	return c.Send(doc.PDF)
}
