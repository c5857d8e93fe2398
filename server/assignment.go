package server

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// Sharing the load (issue 21): the tenant's automatic assignment of
// waiting conversations, set by owners in the console (on the prepared
// replies page) and through PUT /api/v1/assignment, run after whatever may
// give a conversation need of an agent or an agent room for one.

func (s *Server) assignmentReady() error {
	if s.deps.Negotiation == nil || s.deps.Negotiation.Assignments == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Automatic assignment is not available.")
	}
	return nil
}

// publishAssigned sends each automatic assignment to the agents' open
// chats of its conversation, on every instance.
func (s *Server) publishAssigned(ctx context.Context, as []*negotiation.Assigned) {
	if s.hub == nil {
		return
	}
	for _, a := range as {
		s.hub.Published(ctx, a.Conversation, []*negotiation.Message{a.Message})
	}
}

// assignWaiting runs the tenant's automatic assignment after a change
// that may call for it, and publishes what it assigned. Its failure does
// not undo the change (committed already): it is logged, and the next
// run of the tenant catches up.
func (s *Server) assignWaiting(ctx context.Context, tenantID string) {
	if s.deps.Negotiation == nil {
		return
	}
	as, err := s.deps.Negotiation.AssignWaiting(ctx, tenantID)
	s.assigned(ctx, tenantID, as, err)
}

// assigned logs and publishes the outcome of an assignment run.
func (s *Server) assigned(ctx context.Context, tenantID string, as []*negotiation.Assigned, err error) {
	if err != nil {
		s.log.Warn("automatic assignment", "err", err, "tenant_id", tenantID)
	}
	for _, a := range as {
		s.log.Info("conversation assigned", "tenant_id", tenantID, "conversation_id", a.Conversation.ID, "user_id", a.Message.ToUserID)
	}
	s.publishAssigned(ctx, as)
}

// assignmentInput is the body of PUT /api/v1/assignment: both fields, so
// that a forgotten cap does not silently lift it.
type assignmentInput struct {
	Strategy *negotiation.AssignStrategy `json:"strategy"`
	Cap      *int                        `json:"cap"`
}

// handleAssignmentShow is GET /api/v1/assignment: the tenant's settings.
func (s *Server) handleAssignmentShow(c *fiber.Ctx) error {
	if err := s.assignmentReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	a, err := s.deps.Negotiation.Assignments.AssignmentSettings(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// handleAssignmentUpdate is PUT /api/v1/assignment: replaces the
// settings (in the account log), then assigns what waits.
func (s *Server) handleAssignmentUpdate(c *fiber.Ctx) error {
	if err := s.assignmentReady(); err != nil {
		return err
	}
	var in assignmentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Strategy == nil {
		return portal.FieldError("strategy", "strategy is required")
	}
	if in.Cap == nil {
		return portal.FieldError("cap", "cap is required (0: no cap)")
	}
	a := negotiation.AssignmentSettings{Strategy: *in.Strategy, Cap: *in.Cap}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Negotiation.Assignments.SetAssignmentSettings(ctx, tenantOf(c), a); err != nil {
		return err
	}
	s.assignWaiting(ctx, tenantOf(c))
	return c.JSON(a)
}

// assignForm is the console's assignment form: the settings as typed, and
// what is wrong with them.
type assignForm struct {
	Strategy, Cap string
	Errs          map[string]string
}

// assignChange is a change of the settings in the page's history.
type assignChange struct {
	policyChange
	negotiation.AssignmentSettings
}

// assignStrategies are the choices of the form, in its order.
var assignStrategies = []negotiation.AssignStrategy{negotiation.AssignOff, negotiation.AssignRoundRobin, negotiation.AssignFewestOpen}

// assignmentPage adds the assignment section's data to the prepared
// replies page: the form (the stored settings unless f was refused) and
// the last changes.
func (s *Server) assignmentPage(ctx context.Context, tenantID string, f *assignForm, data map[string]any) error {
	if s.assignmentReady() != nil {
		return nil
	}
	if f == nil {
		a, err := s.deps.Negotiation.Assignments.AssignmentSettings(ctx, tenantID)
		if err != nil {
			return err
		}
		f = &assignForm{Strategy: string(a.Strategy), Cap: strconv.Itoa(a.Cap)}
	}
	chs, err := s.accountChanges(ctx, tenantID, portal.AccountAssignmentSet)
	if err != nil {
		return err
	}
	changes := make([]assignChange, len(chs))
	for i, ch := range chs {
		var p struct {
			Assignment negotiation.AssignmentSettings
		}
		_ = json.Unmarshal(ch.Payload, &p) // written by the store: a bad one shows as empty
		changes[i] = assignChange{policyChange: ch, AssignmentSettings: p.Assignment}
	}
	data["Assign"], data["AssignStrategies"], data["AssignChanges"], data["AssignMax"] = f, assignStrategies, changes, negotiation.MaxAssignCap
	return nil
}

// handleConsoleAssignmentSet is POST /console/assignment (owners): the
// tenant's settings; a refused form comes back with what was typed.
func (s *Server) handleConsoleAssignmentSet(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.assignmentReady(); err != nil {
		return err
	}
	t, u := s.consoleT(c), consoleUserOf(c)
	f := &assignForm{Strategy: c.FormValue("strategy"), Cap: strings.TrimSpace(c.FormValue("cap")), Errs: map[string]string{}}
	a := negotiation.AssignmentSettings{Strategy: negotiation.AssignStrategy(f.Strategy)}
	var err error
	if f.Cap == "" {
		f.Cap = "0"
	}
	if a.Cap, err = strconv.Atoi(f.Cap); err != nil || a.Cap < 0 || a.Cap > negotiation.MaxAssignCap {
		f.Errs["cap"] = t.Text("console.assign.err.cap", "Max", negotiation.MaxAssignCap)
	}
	if !a.Strategy.Valid() {
		f.Errs["strategy"] = t.Text("console.assign.err.strategy")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if len(f.Errs) == 0 {
		if err := s.deps.Negotiation.Assignments.SetAssignmentSettings(ctx, u.TenantID, a); err != nil {
			return err // the form's values were checked: nothing the owner can mend
		}
		s.log.Info("assignment settings", "tenant_id", u.TenantID, "user_id", u.ID, "strategy", a.Strategy, "cap", a.Cap)
		s.assignWaiting(ctx, u.TenantID)
		return c.Redirect("/console/replies?assigned=1#assignment", fiber.StatusSeeOther)
	}
	return s.renderRepliesWith(c, fiber.StatusBadRequest, replyForm{Language: consoleLanguage(c)}, "", f)
}
