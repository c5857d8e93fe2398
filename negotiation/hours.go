package negotiation

import (
	"context"
	"time"
)

// IsOpen reports whether now (in the tenant's time zone) is inside business
// hours. No days listed means agents are always there.
func (h BusinessHours) IsOpen(now time.Time) bool {
	if len(h.Days) == 0 {
		return true
	}
	mins := now.Hour()*60 + now.Minute()
	return h.hasDay(now.Weekday()) && mins >= h.Open && mins < h.Close
}

func (h BusinessHours) hasDay(d time.Weekday) bool {
	for _, x := range h.Days {
		if x == int(d) {
			return true
		}
	}
	return false
}

// NextOpening is when a debtor writing at now may expect an answer: now
// during business hours, else the next opening time (in now's location).
// Zero when no day is open.
func NextOpening(h BusinessHours, now time.Time) time.Time {
	if h.IsOpen(now) {
		return now
	}
	y, m, d := now.Date()
	for i := 0; i <= 7; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, now.Location())
		if !h.hasDay(day.Weekday()) {
			continue
		}
		open := day.Add(time.Duration(h.Open) * time.Minute)
		if open.After(now) {
			return open
		}
	}
	return time.Time{}
}

// ResponseTargets are how long agents may take to answer a debtor, in
// minutes of business hours: the first answer of a conversation nobody
// has taken yet, and each next answer. 0: no target.
type ResponseTargets struct {
	FirstMinutes int `json:"first_minutes"`
	NextMinutes  int `json:"next_minutes"`
}

// MaxTargetMinutes bounds a response target: five working days of 24 hours.
const MaxTargetMinutes = 5 * 24 * 60

// AddWorking is minutes of business hours after since (in since's
// location): the time an answer is due. With no day listed every minute
// counts; with no open minute at all it is zero.
func (h BusinessHours) AddWorking(since time.Time, minutes int) time.Time {
	if len(h.Days) == 0 {
		return since.Add(time.Duration(minutes) * time.Minute)
	}
	if h.Close <= h.Open {
		return time.Time{}
	}
	left := time.Duration(minutes) * time.Minute
	t := NextOpening(h, since)
	for i := 0; i < 400 && !t.IsZero(); i++ { // a target of five days fits well within 400 openings
		y, m, d := t.Date()
		closes := time.Date(y, m, d, 0, 0, 0, 0, t.Location()).Add(time.Duration(h.Close) * time.Minute)
		avail := closes.Sub(t)
		if left <= avail {
			return t.Add(left)
		}
		left -= avail
		t = NextOpening(h, closes)
	}
	return time.Time{}
}

// ResponseDue is when an agent's answer to a wait that started at since
// is due under p, counted in p's business hours in loc (the tenant's
// zone): the first-response target while no agent has answered the
// debtor in the conversation, the next-response target once one has.
// kind is the breach it would be once late (BreachFirst or BreachNext);
// due is zero when that target is 0 or no business minute is open. The
// console's queue, the answer that ends a wait and the breach sweep all
// take the due time from here.
func (p Policy) ResponseDue(since time.Time, loc *time.Location, answered bool) (due time.Time, kind string, minutes int) {
	kind, minutes = BreachFirst, p.Response.FirstMinutes
	if answered {
		kind, minutes = BreachNext, p.Response.NextMinutes
	}
	if minutes <= 0 {
		return time.Time{}, kind, minutes
	}
	if loc == nil {
		loc = time.UTC
	}
	due = p.Hours.AddWorking(since.In(loc), minutes)
	if due.IsZero() {
		return due, kind, minutes
	}
	return due.UTC(), kind, minutes
}

// Kinds of response breach: which target passed.
const (
	BreachFirst = "first"
	BreachNext  = "next"
)

// ResponseBreach is a response target that passed while the debtor waited
// for an agent's answer: one per wait (WaitingSince, the debtor message
// that started it).
type ResponseBreach struct {
	ID, TenantID, ClaimID, ConversationID string
	// Kind is BreachFirst or BreachNext.
	Kind         string
	WaitingSince time.Time
	// DueAt is when the answer was due; BreachedAt when the breach was
	// recorded (at or after DueAt).
	DueAt, BreachedAt time.Time
	// AnsweredAt is the agent's next public message, nil while unanswered.
	AnsweredAt *time.Time
}

// ResponseBreaches records the breaches of response targets.
type ResponseBreaches interface {
	// RecordBreach stores b (ID and BreachedAt set from the store's clock)
	// unless its conversation's wait has one already, whichever instance
	// recorded it: true when this call stored it. An agent's public
	// message answers the conversation's open breaches.
	RecordBreach(ctx context.Context, b *ResponseBreach) (bool, error)
}
