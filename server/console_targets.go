package server

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

// Service levels in the queue (issue 21): each waiting conversation's
// answer is due a creditor's target after the debtor wrote, counted in
// business hours (the first-response target until an agent has answered the
// debtor, the next-response target after); the queue lists the
// closest to its due time first and says in words how long is left or
// how late it is, not by colour alone.

// queueTarget is when a waiting conversation's answer is due.
type queueTarget struct {
	Due time.Time
	// First: the first-response target applies (no agent has answered yet).
	First bool
	// Minutes is the target; Late is set once Due is past.
	Minutes int
	Late    bool
	// Text says it in words: "due in 25 min (first answer within 30 min)".
	Text string
	// Breach is set once the late answer's breach is recorded (Late).
	Breach bool
}

// responseTargets computes the due time of each waiting conversation that
// has a target and sorts items by it (those without one keep their order
// after them), in t's words.
func (s *Server) responseTargets(ctx context.Context, t *i18n.T, tenantID string, items []*negotiation.QueueItem) map[string]*queueTarget {
	out := map[string]*queueTarget{}
	if s.deps.Conversations == nil || len(items) == 0 {
		return out
	}
	loc := s.tenantLocation(ctx, tenantID)
	now := s.deps.Clock.Now()
	policies := map[string]*negotiation.Policy{}
	for _, it := range items {
		if it.WaitingSince == nil {
			continue
		}
		p := policies[it.ClaimID]
		if p == nil {
			pol, err := s.deps.Conversations.Policy(ctx, tenantID, it.ClaimID)
			if err != nil {
				s.log.Warn("queue policy", "err", err, "claim_id", it.ClaimID)
				continue
			}
			p = &pol
			policies[it.ClaimID] = p
		}
		due, kind, minutes := p.ResponseDue(*it.WaitingSince, loc, it.Answered)
		if due.IsZero() {
			continue
		}
		first := kind == negotiation.BreachFirst
		qt := &queueTarget{Due: due, First: first, Minutes: minutes, Late: now.After(due)}
		target := t.Text("console.sla.next", "Target", minutesText(t, minutes))
		if first {
			target = t.Text("console.sla.first", "Target", minutesText(t, minutes))
		}
		if qt.Late {
			qt.Text = t.Text("console.sla.late", "Late", minutesText(t, int(now.Sub(due).Minutes())), "Target", target)
			qt.Breach = s.recordBreach(ctx, it, qt)
		} else {
			qt.Text = t.Text("console.sla.left", "Left", minutesText(t, int(due.Sub(now).Minutes())), "Target", target)
		}
		out[it.ID] = qt
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := out[items[i].ID], out[items[j].ID]
		switch {
		case a != nil && b != nil:
			return a.Due.Before(b.Due)
		case a != nil:
			return true
		}
		return false
	})
	return out
}

// recordBreach records the breach of a late answer, once per wait
// whichever instance or page sees it first; true when it is recorded (now
// or before).
func (s *Server) recordBreach(ctx context.Context, it *negotiation.QueueItem, qt *queueTarget) bool {
	if s.deps.Breaches == nil {
		return false
	}
	kind := negotiation.BreachNext
	if qt.First {
		kind = negotiation.BreachFirst
	}
	_, err := s.deps.Breaches.RecordBreach(ctx, &negotiation.ResponseBreach{TenantID: it.TenantID, ClaimID: it.ClaimID, ConversationID: it.ID,
		Kind: kind, WaitingSince: *it.WaitingSince, DueAt: qt.Due})
	if err != nil {
		s.log.Warn("record response breach", "err", err, "conversation_id", it.ID)
		return false
	}
	return true
}

// recordBreaches records the breaches of the tenant's waiting
// conversations (the dashboard's figures count them).
func (s *Server) recordBreaches(ctx context.Context, c *fiber.Ctx, tenantID string) {
	if s.deps.Breaches == nil || s.deps.Conversations == nil {
		return
	}
	items, err := s.deps.Conversations.Queue(ctx, tenantID, 200)
	if err != nil {
		s.log.Warn("queue for breaches", "err", err, "tenant_id", tenantID)
		return
	}
	s.responseTargets(ctx, s.consoleT(c), tenantID, items)
}

// minutesText is a duration in words: "25 min", "2 h 05 min", "3 d 4 h".
func minutesText(t *i18n.T, m int) string {
	if m < 0 {
		m = 0
	}
	switch {
	case m < 60:
		return t.Text("console.sla.min", "M", m)
	case m < 24*60:
		return t.Text("console.sla.hmin", "H", m/60, "M", m%60)
	}
	return t.Text("console.sla.dh", "D", m/(24*60), "H", m%(24*60)/60)
}

// queueWorkspace adds to the queue page's data the service levels
// (Targets, items sorted by time left, breaches recorded) and the
// signed-in user's unread counts of the waiting and held conversations
// (Unread, and their sum in the title); HeldSections must be in data.
func (s *Server) queueWorkspace(ctx context.Context, c *fiber.Ctx, items []*negotiation.QueueItem, data map[string]any) {
	u, t := consoleUserOf(c), s.consoleT(c)
	data["Targets"] = s.responseTargets(ctx, t, u.TenantID, items)
	unread := map[string]int{}
	// The waiting conversations and those the user sees held (a
	// conversation handed over brings its unread messages along).
	var ids []string
	seen := map[string]bool{}
	add := func(its []*negotiation.QueueItem) {
		for _, it := range its {
			if !seen[it.ID] {
				seen[it.ID] = true
				ids = append(ids, it.ID)
			}
		}
	}
	add(items)
	if held, ok := data["HeldSections"].([]heldSection); ok {
		for _, h := range held {
			add(h.Items)
		}
	}
	if s.deps.Reads != nil && len(ids) > 0 {
		if m, err := s.deps.Reads.UnreadCounts(ctx, u.TenantID, u.ID, ids); err == nil {
			unread = m
		} else {
			s.log.Warn("unread counts", "err", err, "tenant_id", u.TenantID)
		}
	}
	total := 0
	for _, n := range unread {
		total += n
	}
	data["Unread"] = unread
	if total > 0 {
		data["Title"] = "(" + strconv.Itoa(total) + ") " + t.Text("console.nav.queue")
	}
}

// markRead records that the signed-in user has seen a conversation up to
// seq; a failure only costs an unread count.
func (s *Server) markRead(c *fiber.Ctx, conversationID string, seq int64) {
	if s.deps.Reads == nil {
		return
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Reads.MarkRead(ctx, u.TenantID, u.ID, conversationID, seq); err != nil && portal.ErrorCode(err) != portal.ENOTFOUND {
		s.log.Warn("mark read", "err", err, "conversation_id", conversationID)
	}
}

// handleConsoleRead is POST /console/conversations/:id/read (seq): the
// conversation page, in view, has shown the user up to seq.
func (s *Server) handleConsoleRead(c *fiber.Ctx) error {
	if s.deps.Reads == nil || s.deps.Conversations == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Unread counts are not available.")
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	// Another tenant's conversation is 404 whatever the form says.
	if _, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id")); err != nil {
		return err
	}
	seq, err := strconv.ParseInt(c.FormValue("seq"), 10, 64)
	if err != nil || seq < 0 {
		return portal.FieldError("seq", "seq is the last message seq seen (a whole number)")
	}
	if err := s.deps.Reads.MarkRead(ctx, u.TenantID, u.ID, c.Params("id"), seq); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
