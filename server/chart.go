package server

import (
	"fmt"
	"html/template"
	"strings"
)

// Server-rendered bar charts for the dashboard: inline SVG, no script,
// no style attribute (the CSP forbids inline style; colours come from
// classes in relais.css). Each series has its own fill pattern (solid,
// hatched, dotted) and every bar carries its value as text, so that a
// chart reads without colour; the page puts the same numbers in a table
// beside it.

// chartBar is one bar: Label names its row (shown once per group), Text
// is the value as printed, Value its length (≤ 0: no bar).
type chartBar struct {
	Label  string
	Text   string
	Value  int64
	Series int
}

// barChart is a horizontal bar chart; bars of one Label are a group.
type barChart struct {
	ID     string // unique on the page: prefixes the pattern ids
	Title  string
	Legend []string // one name per series; no legend with one series
	Bars   []chartBar
}

// Geometry, in SVG user units.
const (
	chartWidth   = 640
	chartLabelW  = 170
	chartBarMaxW = 300
	chartBarH    = 14
	chartRowGap  = 4
	chartGroupGp = 8
	chartLegendH = 22
)

// chartPatterns are the fills of series 0, 1, 2 (then they repeat).
const chartPatterns = 3

func esc(s string) string { return template.HTMLEscapeString(s) }

// svg renders the chart. Lengths are scaled to the largest value.
func (ch barChart) svg() template.HTML {
	var max int64
	for _, b := range ch.Bars {
		if b.Value > max {
			max = b.Value
		}
	}
	var body strings.Builder
	y := 0
	if len(ch.Legend) > 1 {
		x := chartLabelW
		for i, name := range ch.Legend {
			fmt.Fprintf(&body, `<rect x="%d" y="4" width="14" height="14" %s/><text x="%d" y="16" class="chart-legend">%s</text>`,
				x, ch.fill(i), x+18, esc(name))
			x += 18 + 8*len([]rune(name)) + 16
		}
		y = chartLegendH
	}
	prev := "\x00"
	for _, b := range ch.Bars {
		if b.Label != prev {
			if prev != "\x00" {
				y += chartGroupGp
			}
			fmt.Fprintf(&body, `<text x="%d" y="%d" class="chart-label" text-anchor="end">%s</text>`, chartLabelW-8, y+chartBarH-2, esc(b.Label))
			prev = b.Label
		}
		w := 0
		if b.Value > 0 && max > 0 {
			w = int(b.Value * chartBarMaxW / max)
			if w < 1 {
				w = 1
			}
		}
		fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" %s/>`, chartLabelW, y, w, chartBarH, ch.fill(b.Series))
		fmt.Fprintf(&body, `<text x="%d" y="%d" class="chart-value">%s</text>`, chartLabelW+w+6, y+chartBarH-2, esc(b.Text))
		y += chartBarH + chartRowGap
	}
	height := y + 4
	if len(ch.Bars) == 0 {
		height = chartLegendH
	}
	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%s-title" viewBox="0 0 %d %d" width="%d" height="%d">`,
		esc(ch.ID), chartWidth, height, chartWidth, height)
	fmt.Fprintf(&out, `<title id="%s-title">%s</title>`, esc(ch.ID), esc(ch.Title))
	// Series 1 hatched, series 2 dotted; series 0 is solid (class s0).
	fmt.Fprintf(&out, `<defs><pattern id="%s-p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`+
		`<rect width="6" height="6" class="chart-hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="chart-hatch"/></pattern>`+
		`<pattern id="%s-p2" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" class="chart-hatch-bg"/>`+
		`<circle cx="2.5" cy="2.5" r="1.3" class="chart-dot"/></pattern></defs>`, esc(ch.ID), esc(ch.ID))
	out.WriteString(body.String())
	out.WriteString(`</svg>`)
	return template.HTML(out.String())
}

// fill is the fill of a series: a class for the solid one, a pattern for
// the others (a presentation attribute, which the CSP allows).
func (ch barChart) fill(series int) string {
	switch series % chartPatterns {
	case 1:
		return fmt.Sprintf(`class="chart-bar s1" fill="url(#%s-p1)"`, esc(ch.ID))
	case 2:
		return fmt.Sprintf(`class="chart-bar s2" fill="url(#%s-p2)"`, esc(ch.ID))
	}
	return `class="chart-bar s0"`
}
