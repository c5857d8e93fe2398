package rules

import (
	"fmt"

	"github.com/relais/relais/portal"
)

// ECBObservation is one value of the ECB main refinancing operations rate
// (series FM.D.U2.EUR.4F.KR.MRR_FR.LEV): the rate in force from Day.
type ECBObservation struct {
	Day    portal.Date
	RateBP int64
}

// Points the laws add to the ECB rate, in basis points.
const (
	frB2BMargin = 1000 // Code de commerce L441-10: + 10 points
	beB2BMargin = 800  // law of 2 August 2002 art. 5: + 8 points, rounded up to the next half point
	halfPoint   = 50
)

// DeriveFromECB computes, from the ECB main refinancing rate, the lines of
// fr_b2b and be_b2b for every half-year from the one containing since up
// to the one containing today, whose first day has come and for which the
// observations say what rate was in force:
//
//   - fr_b2b (L441-10): the rate in force on 1 January for the first
//     half-year, on 1 July for the second, + 10 points;
//   - be_b2b (law of 2 August 2002 art. 5): the rate of the most recent
//     operation before the first day of the half-year, + 8 points, rounded
//     up to the next half point.
//
// obs may come in any order; the rate in force on a day is the latest
// observation on or before it. Each line has status derived and a source
// naming the ECB series, the observation used and sourceURL.
func DeriveFromECB(obs []ECBObservation, since, today portal.Date, sourceURL string) []Period {
	inForce := func(d portal.Date) (ECBObservation, bool) {
		var best ECBObservation
		found := false
		for _, o := range obs {
			if !o.Day.After(d) && (!found || o.Day.After(best.Day)) {
				best, found = o, true
			}
		}
		return best, found
	}
	var out []Period
	for from, _ := HalfYear(since); !today.Before(from); {
		_, to := HalfYear(from)
		if o, ok := inForce(from); ok {
			out = append(out, Period{Series: SeriesFRB2B, From: from, To: to, RateBP: o.RateBP + frB2BMargin, Status: StatusDerived,
				Source: fmt.Sprintf("Code de commerce L441-10: ECB main refinancing rate %s %% in force on %s (ECB Data Portal series FM.D.U2.EUR.4F.KR.MRR_FR.LEV, observation of %s, %s) + 10 points",
					formatBP(o.RateBP), from, o.Day, sourceURL)})
		}
		if o, ok := inForce(from.AddDays(-1)); ok {
			rate := o.RateBP + beB2BMargin
			if r := rate % halfPoint; r != 0 {
				rate += halfPoint - r
			}
			out = append(out, Period{Series: SeriesBEB2B, From: from, To: to, RateBP: rate, Status: StatusDerived,
				Source: fmt.Sprintf("Law of 2 August 2002 art. 5: ECB main refinancing rate %s %% of the last operation before %s (ECB Data Portal series FM.D.U2.EUR.4F.KR.MRR_FR.LEV, observation of %s, %s) + 8 points, rounded up to the next half point; to confirm against the Moniteur belge notice",
					formatBP(o.RateBP), from, o.Day, sourceURL)})
		}
		from = to
	}
	return out
}

// Diff compares derived lines with what r holds and returns the lines to
// record: a half-year with no line, or whose line is itself derived with
// another rate (the ECB revised its data). A line entered or confirmed by
// a person (confirmed, likely) is never replaced by a derived one; when
// they disagree the difference is returned in conflicts for an operator.
func (r *Rates) Diff(derived []Period) (add []Period, conflicts []string) {
	for _, p := range derived {
		cur, err := r.Rate(p.Series, p.From)
		switch {
		case err != nil:
			add = append(add, p)
		case cur.RateBP == p.RateBP && cur.From == p.From && cur.To == p.To:
			// already known
		case cur.Status == StatusDerived:
			add = append(add, p)
		case cur.RateBP != p.RateBP:
			conflicts = append(conflicts, fmt.Sprintf("%s from %s: the ECB data gives %s %% but the %s line says %s %% (%s); kept",
				p.Series, p.From, formatBP(p.RateBP), cur.Status, formatBP(cur.RateBP), cur.Source))
		}
	}
	return add, conflicts
}
