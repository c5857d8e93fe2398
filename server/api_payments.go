package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

// handleInstalmentList lists a claim's instalments with their statuses
// (due, paid, failed, missed, waived) and charging state.
func (s *Server) handleInstalmentList(c *fiber.Ctx) error {
	if s.deps.Instalments == nil {
		return c.JSON(fiber.Map{"instalments": []*portal.Instalment{}})
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ins, err := s.deps.Instalments.ListInstalments(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	if ins == nil {
		ins = []*portal.Instalment{}
	}
	return c.JSON(fiber.Map{"instalments": ins})
}

// statementFormat picks the statement format from ?format= or the
// Content-Type: XML is camt.053, CSV the simple format.
func statementFormat(c *fiber.Ctx) (string, error) {
	switch f := c.Query("format"); f {
	case "camt053", "csv":
		return f, nil
	case "":
	default:
		return "", portal.FieldError("format", "format must be camt053 or csv")
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, "application/xml"), strings.HasPrefix(ct, "text/xml"):
		return "camt053", nil
	case strings.HasPrefix(ct, "text/csv"):
		return "csv", nil
	}
	return "", portal.Errorf(portal.EINVALID, "Send the statement as the body with Content-Type: application/xml (camt.053) or text/csv.")
}

// handleStatementImport imports a bank statement and reconciles it.
func (s *Server) handleStatementImport(c *fiber.Ctx) error {
	if s.deps.Statements == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Statement import is not configured.")
	}
	format, err := statementFormat(c)
	if err != nil {
		return err
	}
	if len(c.Body()) > banking.MaxStatementSize {
		return portal.Errorf(portal.ETOOLARGE, "The statement is larger than %d MB.", banking.MaxStatementSize>>20)
	}
	body := append([]byte(nil), c.Body()...)
	ctx, cancel := s.userContext(c)
	defer cancel()
	st, err := s.deps.Statements.ImportStatement(ctx, tenantOf(c), format, body)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if st.ID == "" {
		status = fiber.StatusOK // every line was imported before: nothing new
	}
	return c.Status(status).JSON(st)
}

// handleStatementShow lists a statement's matched, suggested and
// unmatched lines.
func (s *Server) handleStatementShow(c *fiber.Ctx) error {
	if s.deps.Statements == nil {
		return portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	id := strings.Clone(c.Params("id"))
	if !portal.ValidID(id) {
		return portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	st, err := s.deps.Statements.FindStatement(ctx, tenantOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// handleStatementAccept records a suggested line as a payment on a claim
// chosen by a person.
func (s *Server) handleStatementAccept(c *fiber.Ctx) error {
	if s.deps.Statements == nil {
		return portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	id, lineID := strings.Clone(c.Params("id")), strings.Clone(c.Params("line_id"))
	if !portal.ValidID(id) || !portal.ValidID(lineID) {
		return portal.Errorf(portal.ENOTFOUND, "Statement line not found.")
	}
	var in struct {
		ClaimID string `json:"claim_id"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.Statements.AcceptLine(ctx, tenantOf(c), id, lineID, in.ClaimID)
	if err != nil {
		return err
	}
	return c.JSON(l)
}
