package negotiation

import (
	"testing"
	"time"
)

// TestAddWorking: a response target counts only business hours, across
// the evening and the weekend; without hours every minute counts.
func TestAddWorking(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	h := BusinessHours{Days: []int{1, 2, 3, 4, 5}, Open: 9 * 60, Close: 17 * 60}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		since string
		mins  int
		want  string
	}{
		{"2026-03-02 10:00", 30, "2026-03-02 10:30"},  // Monday, inside
		{"2026-03-02 16:45", 30, "2026-03-03 09:15"},  // over the evening
		{"2026-03-06 16:00", 120, "2026-03-09 10:00"}, // Friday to Monday
		{"2026-03-07 11:00", 60, "2026-03-09 10:00"},  // written on Saturday
		{"2026-03-02 07:00", 0, "2026-03-02 09:00"},   // before opening: due at opening
	} {
		if got := h.AddWorking(at(c.since), c.mins); !got.Equal(at(c.want)) {
			t.Errorf("%s + %d min: %s, want %s", c.since, c.mins, got.Format("2006-01-02 15:04"), c.want)
		}
	}
	if got := (BusinessHours{}).AddWorking(at("2026-03-07 11:00"), 60); !got.Equal(at("2026-03-07 12:00")) {
		t.Errorf("always open: %s", got)
	}
	p := DefaultPolicy()
	p.Response = ResponseTargets{FirstMinutes: -1}
	if err := p.Validate(); err == nil {
		t.Error("a negative target is valid")
	}
}

// TestResponseDue: the first-response target until an agent has answered,
// the next-response one after, in business hours of the zone given (the
// same instant is due at another time in another zone), in UTC; no
// target or no open minute: zero.
func TestResponseDue(t *testing.T) {
	brussels, _ := time.LoadLocation("Europe/Brussels")
	p := DefaultPolicy()
	p.Hours = BusinessHours{Days: []int{1, 2, 3, 4, 5}, Open: 9 * 60, Close: 17 * 60}
	p.Response = ResponseTargets{FirstMinutes: 60, NextMinutes: 30}
	since := time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC) // Monday, 8:30 in Brussels
	for _, c := range []struct {
		loc      *time.Location
		answered bool
		want     time.Time
		kind     string
		minutes  int
	}{
		{brussels, false, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), BreachFirst, 60},
		{brussels, true, time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC), BreachNext, 30},
		{time.UTC, false, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), BreachFirst, 60},
		{nil, true, time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), BreachNext, 30}, // nil: UTC
	} {
		due, kind, minutes := p.ResponseDue(since, c.loc, c.answered)
		if !due.Equal(c.want) || due.Location() != time.UTC || kind != c.kind || minutes != c.minutes {
			t.Errorf("%v answered=%v: %s %s %d, want %s %s %d", c.loc, c.answered, due, kind, minutes, c.want, c.kind, c.minutes)
		}
	}
	p.Response.NextMinutes = 0
	if due, kind, _ := p.ResponseDue(since, brussels, true); !due.IsZero() || kind != BreachNext {
		t.Errorf("no next target: %s %s", due, kind)
	}
	p.Hours.Close = p.Hours.Open
	if due, _, _ := p.ResponseDue(since, brussels, false); !due.IsZero() {
		t.Errorf("no open minute: %s", due)
	}
}
