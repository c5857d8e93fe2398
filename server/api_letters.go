package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

type letterInput struct {
	Kind      string               `json:"kind"`
	PortalURL string               `json:"portal_url"`
	Agency    *portal.LetterAgency `json:"agency"`
}

func (s *Server) handleLetterCreate(c *fiber.Ctx) error {
	var in letterInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	req := portal.LetterRequest{Kind: portal.LetterKind(in.Kind), PortalURL: in.PortalURL, Agency: in.Agency}
	if err := req.Validate(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.Letters.CreateLetter(ctx, tenantOf(c), c.Params("id"), req)
	if err != nil {
		return err
	}
	c.Location("/api/v1/claims/" + l.ClaimID + "/letters/" + l.ID + ".pdf")
	return c.Status(fiber.StatusCreated).JSON(l)
}

func (s *Server) handleLetterList(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	ls, err := s.deps.Letters.FindLetters(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []*portal.Letter{}
	}
	return c.JSON(fiber.Map{"letters": ls})
}

// handleLetterPDF streams a stored letter as an attachment: the copy to
// print, with the debtor's working link, until the letter is recorded as
// sent, then the record copy. The file name is built from the letter's
// kind, date and ID only, never from user text.
func (s *Server) handleLetterPDF(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.Letters.FindLetter(ctx, tenantOf(c), c.Params("id"), c.Params("letter_id"))
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", l.Filename())
	c.Set("X-Content-SHA256", portal.SHA256Hex(l.PDF))
	return c.Send(l.PDF)
}

type sentInput struct {
	Channel          string `json:"channel"`
	RegisteredNumber string `json:"registered_number"`
	SentOn           string `json:"sent_on"`
}

func (s *Server) handleLetterSent(c *fiber.Ctx) error {
	var in sentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	on, err := parseDateField("sent_on", in.SentOn)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.Letters.MarkLetterSent(ctx, tenantOf(c), c.Params("id"), c.Params("letter_id"),
		portal.LetterSending{Channel: portal.SendChannel(in.Channel), RegisteredNumber: in.RegisteredNumber, SentOn: on})
	if err != nil {
		return err
	}
	return c.JSON(l)
}
