package server

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

// TimelineSource builds a claim's timeline (portal/store implements it).
type TimelineSource interface {
	// Timeline returns the claim's events (filtered by kinds when given),
	// stage bands and deadline markers. ENOTFOUND.
	Timeline(ctx context.Context, tenantID, claimID string, kinds []portal.EventKind) (*escalation.Timeline, error)
}

type stageInput struct {
	To             string `json:"to"`
	Procedure      string `json:"procedure"`
	Reason         string `json:"reason"`
	FormalNoticeOn string `json:"formal_notice_on"`
	OrderOn        string `json:"order_on"`
	ServedOn       string `json:"served_on"`
	JudgmentOn     string `json:"judgment_on"`
}

func (in *stageInput) toChange() (portal.StageChange, error) {
	ch := portal.StageChange{To: portal.Stage(in.To), Procedure: in.Procedure, Reason: strings.TrimSpace(in.Reason)}
	if in.To == "" {
		return ch, portal.FieldError("to", "to is required: the stage to move the claim to")
	}
	var err error
	for _, f := range []struct {
		name string
		v    string
		dst  *portal.Date
	}{
		{"formal_notice_on", in.FormalNoticeOn, &ch.FormalNoticeOn},
		{"order_on", in.OrderOn, &ch.OrderOn},
		{"served_on", in.ServedOn, &ch.ServedOn},
		{"judgment_on", in.JudgmentOn, &ch.JudgmentOn},
	} {
		if *f.dst, err = parseDateField(f.name, f.v); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

func (s *Server) handleClaimStage(c *fiber.Ctx) error {
	var in stageInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ch, err := in.toChange()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Escalation.ChangeStage(ctx, tenantOf(c), c.Params("id"), ch)
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

type statusInput struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

func (s *Server) handleClaimStatus(c *fiber.Ctx) error {
	var in statusInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.To == "" {
		return portal.FieldError("to", "to is required: the status to give the claim")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Escalation.ChangeStatus(ctx, tenantOf(c), c.Params("id"),
		portal.StatusChange{To: portal.Status(in.To), Reason: strings.TrimSpace(in.Reason)})
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

type datesInput struct {
	OrderOn               string `json:"order_on"`
	ServedOn              string `json:"served_on"`
	JudgmentOn            string `json:"judgment_on"`
	EnforceableOn         string `json:"enforceable_on"`
	LastAcknowledgementOn string `json:"last_acknowledgement_on"`
	ProceedingsEndedOn    string `json:"proceedings_ended_on"`
	FirstReminderOn       string `json:"first_reminder_on"`
	FirstReminderChannel  string `json:"first_reminder_channel"`
	Reason                string `json:"reason"`
}

// toChange reads the dates to record, the API's and the console's.
func (in *datesInput) toChange() (portal.DatesChange, error) {
	ch := portal.DatesChange{Reason: strings.TrimSpace(in.Reason), FirstReminderChannel: in.FirstReminderChannel}
	var err error
	for _, f := range []struct {
		name, v string
		dst     *portal.Date
	}{
		{"order_on", in.OrderOn, &ch.OrderOn}, {"served_on", in.ServedOn, &ch.ServedOn},
		{"judgment_on", in.JudgmentOn, &ch.JudgmentOn}, {"enforceable_on", in.EnforceableOn, &ch.EnforceableOn},
		{"last_acknowledgement_on", in.LastAcknowledgementOn, &ch.LastAcknowledgementOn},
		{"proceedings_ended_on", in.ProceedingsEndedOn, &ch.ProceedingsEndedOn}, {"first_reminder_on", in.FirstReminderOn, &ch.FirstReminderOn},
	} {
		if *f.dst, err = parseDateField(f.name, f.v); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

func (s *Server) handleClaimDates(c *fiber.Ctx) error {
	var in datesInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ch, err := in.toChange()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Escalation.RecordDates(ctx, tenantOf(c), c.Params("id"), ch)
	if err != nil {
		return err
	}
	return c.JSON(claim)
}

// parseKinds reads ?kind=a,b (or repeated kind=) into event kinds.
func parseKinds(c *fiber.Ctx) ([]portal.EventKind, error) {
	var kinds []portal.EventKind
	for _, raw := range c.Context().QueryArgs().PeekMulti("kind") {
		for _, k := range strings.Split(string(raw), ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if !portal.EventKind(k).Valid() {
				return nil, portal.FieldError("kind", "unknown event kind %q (for example stage.changed, letter.sent, payment.recorded)", k)
			}
			kinds = append(kinds, portal.EventKind(k))
		}
	}
	return kinds, nil
}

func (s *Server) handleClaimTimeline(c *fiber.Ctx) error {
	kinds, err := parseKinds(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	t, err := s.deps.Timelines.Timeline(ctx, tenantOf(c), c.Params("id"), kinds)
	if err != nil {
		return err
	}
	return c.JSON(t)
}
