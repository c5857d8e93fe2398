package rules

import (
	"encoding/json"
	"time"

	"github.com/relais/relais/portal"
)

// CarryOver returns a rates file (FileFormat) that carries the last known
// rate of every series without a rate on today over to the end of today's
// half-year, each period labelled with source; nil when nothing is
// missing. It is for demos and tests that must show totals before the
// current rates are published. `relais serve` never invents a rate: there a
// missing rate is a plain message on the claim page.
func (r *Rates) CarryOver(today portal.Date, source string) (file []byte, filled []string, err error) {
	type period struct {
		From   string `json:"from"`
		To     string `json:"to"`
		RateBP int64  `json:"rate_bp"`
		Status string `json:"status"`
		Source string `json:"source"`
	}
	type series struct {
		Name    string   `json:"name"`
		Periods []period `json:"periods"`
	}
	halfEnd := portal.Date{Year: today.Year, Month: time.July, Day: 1}
	if today.Month >= time.July {
		halfEnd = portal.Date{Year: today.Year + 1, Month: time.January, Day: 1}
	}
	var out []series
	for _, c := range r.Coverage(today) {
		if c.Current != nil || len(c.Periods) == 0 {
			continue
		}
		last := c.Periods[len(c.Periods)-1]
		out = append(out, series{Name: c.Series, Periods: []period{{
			From: last.To.String(), To: halfEnd.String(), RateBP: last.RateBP, Status: string(StatusLikely), Source: source,
		}}})
		filled = append(filled, c.Series)
	}
	if len(out) == 0 {
		return nil, nil, nil
	}
	file, err = json.MarshalIndent(map[string]any{"format": FileFormat, "series": out}, "", "  ")
	return file, filled, err
}
