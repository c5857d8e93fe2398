package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// Promises to pay (issue 20): listed and recorded through the API; the
// console and the portal record them through the same PromiseService.

// promiseInput is the body of POST /api/v1/claims/{id}/promises, and the
// console's and the portal's form.
type promiseInput struct {
	Amount   int64  `json:"amount" form:"amount"`
	Currency string `json:"currency" form:"-"`
	DueOn    string `json:"due_on" form:"due_on"`
	Note     string `json:"note" form:"note"`
}

func (in *promiseInput) toInput(src portal.PromiseSource) (portal.PromiseInput, error) {
	due, err := parseDateField("due_on", in.DueOn)
	if err != nil {
		return portal.PromiseInput{}, err
	}
	return portal.PromiseInput{Amount: in.Amount, Currency: portal.Currency(in.Currency), DueOn: due, Note: in.Note, Source: src}, nil
}

func (s *Server) promises() (portal.PromiseService, error) {
	if s.deps.Promises == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Promises to pay are not available on this instance.")
	}
	return s.deps.Promises, nil
}

// handlePromiseList is GET /api/v1/claims/{id}/promises, newest first.
func (s *Server) handlePromiseList(c *fiber.Ctx) error {
	ps, err := s.promises()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	list, err := ps.ClaimPromises(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*portal.Promise{}
	}
	return c.JSON(fiber.Map{"promises": list})
}

// handlePromiseCreate is POST /api/v1/claims/{id}/promises: a promise the
// debtor made to the creditor (by phone, by letter), source agent.
func (s *Server) handlePromiseCreate(c *fiber.Ctx) error {
	ps, err := s.promises()
	if err != nil {
		return err
	}
	var body promiseInput
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in, err := body.toInput(portal.PromiseFromAgent)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	p, err := ps.RecordPromise(ctx, tenantOf(c), claimOf(c).ID, in)
	if err != nil {
		return err
	}
	s.announceSystemMessage(c, tenantOf(c), claimOf(c).ID)
	return c.Status(fiber.StatusCreated).JSON(p)
}
