package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
)

// The tenant's own template texts (issue 18), as the console's template
// page edits them: GET lists them, PUT sets one (checked by
// reminders.ValidateText, the legal mentions appended when rendered),
// DELETE goes back to the shipped text. Every change is in the account log.

type templateTextInput struct {
	CreditorID string `json:"creditor_id"`
	Subject    string `json:"subject"`
	Body       string `json:"body"`
}

func (s *Server) templateTexts() (portal.TemplateTextService, error) {
	if s.deps.TemplateTexts == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Template texts are not available on this server.")
	}
	return s.deps.TemplateTexts, nil
}

// templateTextParams reads :template and :language, ENOTFOUND when either
// is unknown.
func templateTextParams(c *fiber.Ctx) (key, lang string, err error) {
	key, lang = strings.Clone(c.Params("template")), strings.Clone(c.Params("language"))
	if _, ok := reminders.TemplateChannel(key); !ok {
		return "", "", portal.Errorf(portal.ENOTFOUND, "No such reminder template.")
	}
	if !portal.ValidLanguage(lang) {
		return "", "", portal.Errorf(portal.ENOTFOUND, "No such language: use fr, nl, en or de.")
	}
	return key, lang, nil
}

func (s *Server) handleTemplateTextList(c *fiber.Ctx) error {
	svc, err := s.templateTexts()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	txts, err := svc.FindTemplateTexts(ctx, tenantOf(c), strings.Clone(c.Query("template")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"template_texts": txts})
}

func (s *Server) handleTemplateTextSet(c *fiber.Ctx) error {
	svc, err := s.templateTexts()
	if err != nil {
		return err
	}
	key, lang, err := templateTextParams(c)
	if err != nil {
		return err
	}
	var in templateTextInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t := &portal.TemplateText{CreditorID: in.CreditorID, Key: key, Language: lang, Subject: in.Subject, Body: in.Body}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := svc.SetTemplateText(ctx, tenantOf(c), t); err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) handleTemplateTextReset(c *fiber.Ctx) error {
	svc, err := s.templateTexts()
	if err != nil {
		return err
	}
	key, lang, err := templateTextParams(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := svc.ResetTemplateText(ctx, tenantOf(c), strings.Clone(c.Query("creditor_id")), key, lang); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
