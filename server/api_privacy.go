package server

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// retentionInput is the body of PUT /api/v1/retention: both fields, so that
// a typo cannot silently reset one to zero.
type retentionInput struct {
	NoPrescriptionMonths *int `json:"no_prescription_months"`
	GraceMonths          *int `json:"grace_months"`
}

func (s *Server) privacyReady() error {
	if s.deps.Privacy == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Personal data management is not configured on this instance.")
	}
	return nil
}

// handleRetentionShow returns the tenant's retention policy.
func (s *Server) handleRetentionShow(c *fiber.Ctx) error {
	if err := s.privacyReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	p, err := s.deps.Privacy.Retention(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// handleRetentionUpdate replaces the tenant's retention policy. API keys
// act for the whole tenant, as its owner does in the console.
func (s *Server) handleRetentionUpdate(c *fiber.Ctx) error {
	if err := s.privacyReady(); err != nil {
		return err
	}
	var in retentionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.NoPrescriptionMonths == nil {
		return portal.FieldError("no_prescription_months", "no_prescription_months is required")
	}
	if in.GraceMonths == nil {
		return portal.FieldError("grace_months", "grace_months is required")
	}
	p := portal.RetentionPolicy{NoPrescriptionMonths: *in.NoPrescriptionMonths, GraceMonths: *in.GraceMonths}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Privacy.SetRetention(ctx, tenantOf(c), p); err != nil {
		return err
	}
	return c.JSON(p)
}

// handleDebtorExport answers a debtor's access request: the body names the
// debtor (a POST, so that an e-mail address never sits in a URL or an
// access log); the answer is the export zip.
func (s *Server) handleDebtorExport(c *fiber.Ctx) error {
	var q portal.DebtorQuery
	if err := decodeJSON(c, &q); err != nil {
		return err
	}
	return s.sendDebtorExport(c, q)
}

// handleConsoleDebtorExport gives an owner the export of a claim's debtor
// (every claim of theirs in the tenant); agents and viewers may not.
func (s *Server) handleConsoleDebtorExport(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	return s.sendDebtorExport(c, portal.DebtorQuery{ClaimID: c.Params("id")})
}

// exportTimeout bounds making one export (documents of many claims).
const exportTimeout = 2 * time.Minute

// sendDebtorExport streams the access export of the debtor q names.
func (s *Server) sendDebtorExport(c *fiber.Ctx, q portal.DebtorQuery) error {
	if err := s.privacyReady(); err != nil {
		return err
	}
	name := "debtor-export.zip"
	if q.ClaimID != "" && portal.ValidID(strings.TrimSpace(q.ClaimID)) {
		name = "debtor-export-" + strings.TrimSpace(q.ClaimID) + ".zip"
	}
	return s.sendZip(c, name, exportTimeout, func(ctx context.Context, w io.Writer) error {
		return s.deps.Privacy.WriteDebtorExport(ctx, tenantOf(c), q, w)
	})
}
