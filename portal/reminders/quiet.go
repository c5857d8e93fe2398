package reminders

import (
	"time"
	_ "time/tzdata" // zones for tenants on hosts without zoneinfo

	"github.com/relais/relais/portal"
)

// QuietHours are the hours and days a channel must not be used, in the
// tenant's time zone: from From o'clock until To o'clock the next morning,
// and all Sunday when NoSunday.
type QuietHours struct {
	From, To int // hours 0–23; From > To spans midnight
	NoSunday bool
}

// SMSQuiet is the default for SMS: none between 20:00 and 08:00, none on
// Sunday.
var SMSQuiet = QuietHours{From: 20, To: 8, NoSunday: true}

// QuietFor returns the quiet hours of a channel, or nil when it has none
// (an e-mail waits in a mailbox; a letter is posted by a person).
func QuietFor(ch portal.Channel) *QuietHours {
	if ch == portal.ChannelSMS {
		q := SMSQuiet
		return &q
	}
	return nil
}

// Quiet reports whether t (read in loc) falls in the quiet hours.
func (q QuietHours) Quiet(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	if q.NoSunday && t.Weekday() == time.Sunday {
		return true
	}
	h := t.Hour()
	if q.From > q.To {
		return h >= q.From || h < q.To
	}
	return h >= q.From && h < q.To
}

// Next returns t if it is not quiet, else the first moment after it that
// is (a whole hour, in loc).
func (q QuietHours) Next(t time.Time, loc *time.Location) time.Time {
	if !q.Quiet(t, loc) {
		return t
	}
	l := t.In(loc)
	c := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
	for i := 0; i < 24*8; i++ {
		c = c.Add(time.Hour)
		if !q.Quiet(c, loc) {
			return c
		}
	}
	return t // every hour is quiet: a misconfiguration, let it through
}

// Location loads an IANA zone name, falling back to Europe/Paris (both
// supported jurisdictions share its offsets) for an empty or unknown name.
func Location(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
}
