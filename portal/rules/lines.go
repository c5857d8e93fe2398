package rules

import (
	"strings"
	"time"

	"github.com/relais/relais/portal"
)

// SeriesNames lists the rate series Relais knows, in display order.
func SeriesNames() []string { return append([]string(nil), seriesNames...) }

// Derivable reports whether the series is derived from the ECB's main
// refinancing rate by `relais rates update` (fr_b2b, be_b2b). The others
// are fixed by an arrêté or a notice and entered by an operator.
func Derivable(series string) bool { return series == SeriesFRB2B || series == SeriesBEB2B }

// DefaultPeriodEnd is the usual end (exclusive) of a line of series
// starting on from: the end of its half-year, or of its calendar year for
// the yearly Belgian civil rate.
func DefaultPeriodEnd(series string, from portal.Date) portal.Date {
	if series == SeriesBECivilLegal {
		return portal.Date{Year: from.Year + 1, Month: time.January, Day: 1}
	}
	_, end := HalfYear(from)
	return end
}

// HalfYear returns the half-year containing d: its first day and the first
// day of the next.
func HalfYear(d portal.Date) (from, to portal.Date) {
	if d.Month < time.July {
		return portal.Date{Year: d.Year, Month: time.January, Day: 1}, portal.Date{Year: d.Year, Month: time.July, Day: 1}
	}
	return portal.Date{Year: d.Year, Month: time.July, Day: 1}, portal.Date{Year: d.Year + 1, Month: time.January, Day: 1}
}

// ParseRate reads a yearly percentage with at most two decimals ("2.62",
// "12", "10,50") as basis points, without floating point.
func ParseRate(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	bad := portal.FieldError("rate", "rate %q must be a percentage with at most two decimals, e.g. 2.62", s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 3 || len(frac) > 2 {
		return 0, bad
	}
	var bp int64
	for _, c := range whole + frac + strings.Repeat("0", 2-len(frac)) {
		if c < '0' || c > '9' {
			return 0, bad
		}
		bp = bp*10 + int64(c-'0')
	}
	if bp > basisPoints {
		return 0, portal.FieldError("rate", "rate %s %% is above 100 %%", s)
	}
	return bp, nil
}

// FormatRate renders basis points as a percentage, 1450 -> "14.50".
func FormatRate(bp int64) string { return formatBP(bp) }

// firstGap returns the first day in [from, to] that no line of series
// covers.
func (r *Rates) firstGap(series string, from, to portal.Date) (portal.Date, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	at := from
	for _, p := range r.series[series] {
		if to.Before(at) {
			return portal.Date{}, false
		}
		if !p.To.After(at) {
			continue
		}
		if at.Before(p.From) {
			return at, true
		}
		at = p.To
	}
	if to.Before(at) {
		return portal.Date{}, false
	}
	return at, true
}

// gaps lists the days of [from, to] (to inclusive) that no line of series
// covers, as ranges with To exclusive.
func (r *Rates) gaps(series string, from, to portal.Date) []DateRange {
	var out []DateRange
	end := to.AddDays(1)
	for at := from; at.Before(end); {
		g, ok := r.firstGap(series, at, to)
		if !ok {
			break
		}
		next := end
		r.mu.RLock()
		for _, p := range r.series[series] {
			if p.From.After(g) && p.From.Before(next) {
				next = p.From
			}
		}
		r.mu.RUnlock()
		out = append(out, DateRange{From: g, To: next})
		at = next
	}
	return out
}
