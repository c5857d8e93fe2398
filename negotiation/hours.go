package negotiation

import "time"

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
