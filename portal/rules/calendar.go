package rules

import (
	"time"

	"github.com/relais/relais/portal"
)

// beWorkingDay reports whether d is a working day in Belgium for counting
// the consumer reminder period: Monday to Friday, except the ten Belgian
// public holidays. Saturdays are left out on purpose: counting fewer
// working days only delays the start of the period, in the consumer's
// favour.
func beWorkingDay(d portal.Date) bool {
	switch d.Time().Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !beHoliday(d)
}

func beHoliday(d portal.Date) bool {
	switch {
	case d.Month == 1 && d.Day == 1, // New Year
		d.Month == 5 && d.Day == 1,   // Labour Day
		d.Month == 7 && d.Day == 21,  // National Day
		d.Month == 8 && d.Day == 15,  // Assumption
		d.Month == 11 && d.Day == 1,  // All Saints
		d.Month == 11 && d.Day == 11, // Armistice
		d.Month == 12 && d.Day == 25: // Christmas
		return true
	}
	e := easter(d.Year)
	return d == e.AddDays(1) || d == e.AddDays(39) || d == e.AddDays(50) // Easter Monday, Ascension, Whit Monday
}

// easter returns Easter Sunday of year y (Gregorian calendar, anonymous
// algorithm).
func easter(y int) portal.Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return portal.Date{Year: y, Month: time.Month(month), Day: day}
}

// nthWorkingDayAfter returns the n-th Belgian working day after d.
func nthWorkingDayAfter(d portal.Date, n int) portal.Date {
	for n > 0 {
		d = d.AddDays(1)
		if beWorkingDay(d) {
			n--
		}
	}
	return d
}
