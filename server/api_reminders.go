package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// sequenceInput is the body of POST /api/v1/sequences.
type sequenceInput struct {
	Name       string      `json:"name"`
	CreditorID string      `json:"creditor_id"`
	Steps      []stepInput `json:"steps"`
}

type stepInput struct {
	DayOffset int    `json:"day_offset"`
	Channel   string `json:"channel"`
	Template  string `json:"template"`
}

func (s *Server) reminders() (portal.ReminderService, error) {
	if s.deps.Reminders == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Reminders are not available on this server.")
	}
	return s.deps.Reminders, nil
}

func (s *Server) handleSequenceList(c *fiber.Ctx) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	seqs, err := svc.FindSequences(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sequences": seqs})
}

func (s *Server) handleSequenceCreate(c *fiber.Ctx) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	var in sequenceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	seq := &portal.ReminderSequence{Name: in.Name, CreditorID: in.CreditorID}
	for _, st := range in.Steps {
		seq.Steps = append(seq.Steps, &portal.ReminderStep{DayOffset: st.DayOffset, Channel: portal.Channel(st.Channel), TemplateKey: st.Template})
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := svc.CreateSequence(ctx, tenantOf(c), seq); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(seq)
}

type claimSequenceInput struct {
	SequenceID string `json:"sequence_id"`
}

func (s *Server) handleClaimSequenceSet(c *fiber.Ctx) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	var in claimSequenceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.SequenceID == "" {
		return portal.FieldError("sequence_id", "sequence_id is required")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim := claimOf(c)
	if err := svc.SetClaimSequence(ctx, tenantOf(c), claim.ID, in.SequenceID); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"claim_id": claim.ID, "sequence_id": in.SequenceID})
}

func (s *Server) handleClaimReminders(c *fiber.Ctx) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	sends, err := svc.FindReminders(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reminders": sends})
}

// handleReminderBounce records that a sent reminder came back undelivered
// (a bounce from the mail system, a failure report from the SMS provider).
func (s *Server) handleReminderBounce(c *fiber.Ctx) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" || len(in.Reason) > 1000 {
		return portal.FieldError("reason", "reason is required (at most 1000 characters): what the mail system or provider reported")
	}
	sendID := c.Params("send_id")
	if !portal.ValidID(sendID) {
		return portal.Errorf(portal.ENOTFOUND, "Reminder not found.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	send, err := svc.RecordBounce(ctx, tenantOf(c), claimOf(c).ID, sendID, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(send)
}

func (s *Server) handleLettersToPrint(c *fiber.Ctx) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	letters, err := svc.FindLettersToPrint(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"letters": letters})
}
