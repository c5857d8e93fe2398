package escalation

import (
	"time"

	"github.com/relais/relais/portal"
)

// Easter returns Easter Sunday of a Gregorian year (the anonymous Gregorian
// algorithm, also known as Meeus/Jones/Butcher).
func Easter(year int) portal.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return portal.Date{Year: year, Month: time.Month(month), Day: day}
}

// Holiday is a public holiday.
type Holiday struct {
	Date portal.Date
	Name string
}

type fixedHoliday struct {
	month time.Month
	day   int
	name  string
}

// Fixed-date public holidays.
//
// Belgium: the ten legal holidays (law of 4 January 1974 on public holidays).
// France: the jours fériés of Code du travail L3133-1. Alsace-Moselle adds
// Good Friday and 26 December (Code du travail L3134-13); they are not in
// this table, so a French period ending on them is not extended.
var fixedHolidays = map[portal.Jurisdiction][]fixedHoliday{
	portal.JurisdictionBE: {
		{time.January, 1, "New Year's Day"},
		{time.May, 1, "Labour Day"},
		{time.July, 21, "National Day"},
		{time.August, 15, "Assumption"},
		{time.November, 1, "All Saints' Day"},
		{time.November, 11, "Armistice Day"},
		{time.December, 25, "Christmas Day"},
	},
	portal.JurisdictionFR: {
		{time.January, 1, "New Year's Day"},
		{time.May, 1, "Labour Day"},
		{time.May, 8, "Victory in Europe Day"},
		{time.July, 14, "Bastille Day"},
		{time.August, 15, "Assumption"},
		{time.November, 1, "All Saints' Day"},
		{time.November, 11, "Armistice Day"},
		{time.December, 25, "Christmas Day"},
	},
}

// Moving holidays, as days after Easter Sunday; the same in both countries.
var easterHolidays = []struct {
	offset int
	name   string
}{
	{1, "Easter Monday"},
	{39, "Ascension Day"},
	{50, "Whit Monday"},
}

// Holidays returns the public holidays of jurisdiction j in year, sorted by
// date. It returns nil for an unknown jurisdiction.
func Holidays(j portal.Jurisdiction, year int) []Holiday {
	fixed, ok := fixedHolidays[j]
	if !ok {
		return nil
	}
	var out []Holiday
	for _, f := range fixed {
		out = append(out, Holiday{portal.Date{Year: year, Month: f.month, Day: f.day}, f.name})
	}
	easter := Easter(year)
	for _, e := range easterHolidays {
		out = append(out, Holiday{easter.AddDays(e.offset), e.name})
	}
	sortHolidays(out)
	return out
}

func sortHolidays(hs []Holiday) {
	for i := 1; i < len(hs); i++ {
		for k := i; k > 0 && hs[k].Date.Before(hs[k-1].Date); k-- {
			hs[k], hs[k-1] = hs[k-1], hs[k]
		}
	}
}

// IsHoliday reports whether d is a public holiday in j.
func IsHoliday(j portal.Jurisdiction, d portal.Date) bool {
	for _, h := range Holidays(j, d.Year) {
		if h.Date == d {
			return true
		}
	}
	return false
}

// WorkingDay reports whether d is a working day in j: Monday to Friday and
// not a public holiday. Saturday is not a working day here, although some
// Belgian texts count it as "jour ouvrable": leaving it out gives the later,
// safer date for a debtor's period.
func WorkingDay(j portal.Jurisdiction, d portal.Date) bool {
	switch d.Time().Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !IsHoliday(j, d)
}

// NextWorkingDay returns d if it is a working day in j, else the first
// working day after it. This is how a period ending on a weekend or holiday
// is extended (CPC 642 in France, Code judiciaire 53 in Belgium).
func NextWorkingDay(j portal.Jurisdiction, d portal.Date) portal.Date {
	for !WorkingDay(j, d) {
		d = d.AddDays(1)
	}
	return d
}

// AddWorkingDays returns the n-th working day in j after d (d itself not
// counted); n must be positive.
func AddWorkingDays(j portal.Jurisdiction, d portal.Date, n int) portal.Date {
	for n > 0 {
		d = d.AddDays(1)
		if WorkingDay(j, d) {
			n--
		}
	}
	return d
}
