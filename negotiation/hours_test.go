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
