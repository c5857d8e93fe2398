package rules

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/relais/relais/portal"
)

// Rate series known to the rules. A rates file may only name these.
const (
	SeriesFRB2B                = "fr_b2b"
	SeriesFRLegalOther         = "fr_legal_other"
	SeriesFRLegalNaturalPerson = "fr_legal_natural_person"
	SeriesBEB2B                = "be_b2b"
	SeriesBECivilLegal         = "be_civil_legal"
)

// seriesNames lists the series in display order.
var seriesNames = []string{SeriesFRB2B, SeriesFRLegalOther, SeriesFRLegalNaturalPerson, SeriesBEB2B, SeriesBECivilLegal}

func knownSeries(name string) bool {
	for _, s := range seriesNames {
		if s == name {
			return true
		}
	}
	return false
}

// Status says how sure a rate line is. Lines still "to confirm" are kept
// out of the data altogether, so that a date in their period is not
// counted (the balance stops the day before, see Balance.Complete).
type Status string

const (
	StatusConfirmed Status = "confirmed" // read in an official source or two agreeing ones
	StatusLikely    Status = "likely"    // one good source
	// StatusDerived marks a line computed by Relais from the ECB's own
	// series by the formula of the law (DeriveFromECB), not yet checked by
	// an operator against the published notice.
	StatusDerived Status = "derived"
)

func (s Status) valid() bool {
	return s == StatusConfirmed || s == StatusLikely || s == StatusDerived
}

// FileFormat is the value of the "format" field of a rates file.
const FileFormat = "relais-rates/1"

// ErrRateUnknown is wrapped (inside a *portal.Error with code EINVALID) by
// every error about a date for which a needed rate is not in the data.
var ErrRateUnknown = errors.New("rate unknown")

//go:embed rates.json
var embeddedRates []byte

// Period is one rate line: RateBP applies to every day d with
// From <= d < To (To is exclusive).
type Period struct {
	// Series is set on the lines of an overlay (SetOverlay); the lines of
	// a series' own list leave it empty.
	Series string      `json:"series,omitempty"`
	From   portal.Date `json:"from"`
	To     portal.Date `json:"to"`
	RateBP int64       `json:"rate_bp"`
	Status Status      `json:"status"`
	Source string      `json:"source"`
	// Origin is "embedded", the path of the file the line came from, or
	// "database" for a line recorded by an operator or the ECB update.
	Origin string `json:"origin"`
}

// Rates holds dated rate series. It is safe for concurrent use; Extend and
// SetOverlay may run while Compute does.
//
// The data is built in layers: the embedded file, then any rates file
// (Extend), then the overlay (SetOverlay: the lines recorded in the
// database, shared by every instance, in the order they were recorded).
// A later line replaces whatever the earlier layers held for its days.
type Rates struct {
	mu          sync.RWMutex
	base        map[string][]Period // embedded and files
	overlay     []Period            // database lines, oldest first
	series      map[string][]Period // base with overlay applied; per series, sorted by From, non-overlapping
	description map[string]string
}

// Default returns the rates embedded in the binary (rates.json).
func Default() (*Rates, error) {
	r := newRates()
	if err := r.extend(strings.NewReader(string(embeddedRates)), "embedded"); err != nil {
		return nil, fmt.Errorf("embedded rates: %w", err)
	}
	return r, nil
}

func newRates() *Rates {
	return &Rates{base: map[string][]Period{}, series: map[string][]Period{}, description: map[string]string{}}
}

// LoadRates reads a rates file (the same JSON format as the embedded
// rates.json) into a new Rates holding only what the file says.
func LoadRates(rd io.Reader) (*Rates, error) {
	r := newRates()
	if err := r.extend(rd, "reader"); err != nil {
		return nil, err
	}
	return r, nil
}

// Extend adds the rate lines of the file at path, in the format of
// rates.json. A line of the file replaces whatever the data already held
// for its days (later entries override); other days are kept. This lets an
// operator add a newly published rate without a release. The file is
// checked as a whole: on error nothing is changed.
func (r *Rates) Extend(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return portal.Errorf(portal.EINVALID, "rates file %s: cannot open: %v", path, err)
	}
	defer f.Close()
	return r.extend(f, path)
}

// ExtendFrom is Extend for an already opened file; origin names it in
// errors and in Period.Origin.
func (r *Rates) ExtendFrom(rd io.Reader, origin string) error { return r.extend(rd, origin) }

type rateFile struct {
	Format string           `json:"format"`
	Series []rateFileSeries `json:"series"`
}

type rateFileSeries struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Periods     []rateFilePeriod `json:"periods"`
}

type rateFilePeriod struct {
	// Period is a shorthand for From/To: "2026-H2" (1 Jul 2026 to 1 Jan
	// 2027) or "2026" (the calendar year).
	Period string      `json:"period"`
	From   portal.Date `json:"from"`
	To     portal.Date `json:"to"`
	RateBP *int64      `json:"rate_bp"`
	Status Status      `json:"status"`
	Source string      `json:"source"`
}

func (r *Rates) extend(rd io.Reader, origin string) error {
	bad := func(format string, args ...any) error {
		return portal.Errorf(portal.EINVALID, "rates file %s: %s", origin, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	var f rateFile
	if err := dec.Decode(&f); err != nil {
		return bad("not valid rates JSON: %v", err)
	}
	if f.Format != FileFormat {
		return bad("format must be %q, not %q", FileFormat, f.Format)
	}
	add := map[string][]Period{}
	desc := map[string]string{}
	for _, s := range f.Series {
		if !knownSeries(s.Name) {
			return bad("unknown series %q (known: %s)", s.Name, strings.Join(seriesNames, ", "))
		}
		if s.Description != "" {
			desc[s.Name] = s.Description
		}
		for i, fp := range s.Periods {
			p, err := fp.period()
			if err != nil {
				return bad("series %s, period %d: %s", s.Name, i+1, portal.ErrorMessage(err))
			}
			p.Origin = origin
			for _, q := range add[s.Name] {
				if p.From.Before(q.To) && q.From.Before(p.To) {
					return bad("series %s: periods %s–%s and %s–%s overlap", s.Name, q.From, q.To, p.From, p.To)
				}
			}
			add[s.Name] = append(add[s.Name], p)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, ps := range add {
		r.base[name] = layer(r.base[name], ps)
	}
	for name, d := range desc {
		r.description[name] = d
	}
	r.rebuildLocked()
	return nil
}

// layer puts ps over cur: each line replaces what cur held for its days.
func layer(cur []Period, ps []Period) []Period {
	cur = append([]Period(nil), cur...)
	for _, p := range ps {
		cur = cut(cur, p.From, p.To)
		cur = append(cur, p)
	}
	sort.Slice(cur, func(i, j int) bool { return cur[i].From.Before(cur[j].From) })
	return cur
}

func (r *Rates) rebuildLocked() {
	series := make(map[string][]Period, len(r.base))
	for name, ps := range r.base {
		series[name] = ps
	}
	for _, p := range r.overlay {
		q := p
		q.Series = ""
		series[p.Series] = layer(series[p.Series], []Period{q})
	}
	r.series = series
}

// SetOverlay replaces the overlay layer with lines (each naming its
// Series), applied in order over the embedded data and the rates files.
// The lines are checked as a whole: on error nothing changes.
func (r *Rates) SetOverlay(lines []Period) error {
	for i, p := range lines {
		if err := p.Check(); err != nil {
			return portal.Errorf(portal.EINVALID, "rate line %d: %s", i+1, portal.ErrorMessage(err))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.overlay = append([]Period(nil), lines...)
	r.rebuildLocked()
	return nil
}

// Check validates one line that names its series: the checks a rates file
// line passes, for lines entered by an operator or derived from the ECB.
func (p Period) Check() error {
	switch {
	case !knownSeries(p.Series):
		return portal.FieldError("series", "unknown series %q (known: %s)", p.Series, strings.Join(seriesNames, ", "))
	case p.From.IsZero() || p.To.IsZero():
		return portal.FieldError("from", "from and to (YYYY-MM-DD, to exclusive) are required")
	case !p.From.Before(p.To):
		return portal.FieldError("to", "from %s must be before to %s", p.From, p.To)
	case p.RateBP < 0 || p.RateBP > 10000:
		return portal.FieldError("rate", "rate %s %% is outside 0 to 100 %%", formatBP(p.RateBP))
	case !p.Status.valid():
		return portal.FieldError("status", "status must be %q, %q or %q, not %q", StatusConfirmed, StatusLikely, StatusDerived, p.Status)
	case strings.TrimSpace(p.Source) == "":
		return portal.FieldError("source", "source is required: name the publication (the arrêté, the Moniteur belge notice, the ECB series and date)")
	case len(p.Source) > 1000:
		return portal.FieldError("source", "source is longer than 1000 characters")
	}
	return nil
}

func (fp rateFilePeriod) period() (Period, error) {
	p := Period{From: fp.From, To: fp.To, Status: fp.Status, Source: strings.TrimSpace(fp.Source)}
	if fp.Period != "" {
		if !fp.From.IsZero() || !fp.To.IsZero() {
			return p, portal.Errorf(portal.EINVALID, "give either period or from/to, not both")
		}
		from, to, err := parsePeriod(fp.Period)
		if err != nil {
			return p, err
		}
		p.From, p.To = from, to
	}
	if p.From.IsZero() || p.To.IsZero() {
		return p, portal.Errorf(portal.EINVALID, "period (\"2026-H2\", \"2026\") or from and to (YYYY-MM-DD, to exclusive) are required")
	}
	if !p.From.Before(p.To) {
		return p, portal.Errorf(portal.EINVALID, "from %s must be before to %s", p.From, p.To)
	}
	if fp.RateBP == nil {
		return p, portal.Errorf(portal.EINVALID, "rate_bp is required (basis points, 1450 = 14.50 %%)")
	}
	if *fp.RateBP < 0 || *fp.RateBP > 10000 {
		return p, portal.Errorf(portal.EINVALID, "rate_bp %d is outside 0..10000", *fp.RateBP)
	}
	p.RateBP = *fp.RateBP
	if !p.Status.valid() {
		return p, portal.Errorf(portal.EINVALID, "status must be %q, %q or %q, not %q (leave rates still to confirm out of the file)", StatusConfirmed, StatusLikely, StatusDerived, p.Status)
	}
	if p.Source == "" {
		return p, portal.Errorf(portal.EINVALID, "source is required (URL or reference of the publication)")
	}
	return p, nil
}

// parsePeriod reads "2026-H1", "2026-H2" or "2026".
func parsePeriod(s string) (from, to portal.Date, err error) {
	y, half, _ := strings.Cut(s, "-")
	year, perr := strconv.Atoi(y)
	if perr != nil || len(y) != 4 {
		return from, to, portal.Errorf(portal.EINVALID, "period %q must look like 2026-H1, 2026-H2 or 2026", s)
	}
	switch half {
	case "":
		return portal.Date{Year: year, Month: 1, Day: 1}, portal.Date{Year: year + 1, Month: 1, Day: 1}, nil
	case "H1":
		return portal.Date{Year: year, Month: 1, Day: 1}, portal.Date{Year: year, Month: 7, Day: 1}, nil
	case "H2":
		return portal.Date{Year: year, Month: 7, Day: 1}, portal.Date{Year: year + 1, Month: 1, Day: 1}, nil
	}
	return from, to, portal.Errorf(portal.EINVALID, "period %q must look like 2026-H1, 2026-H2 or 2026", s)
}

// cut removes the days [from, to) from ps, trimming or splitting periods.
func cut(ps []Period, from, to portal.Date) []Period {
	var out []Period
	for _, p := range ps {
		if !p.From.Before(to) || !from.Before(p.To) { // no overlap
			out = append(out, p)
			continue
		}
		if p.From.Before(from) {
			q := p
			q.To = from
			out = append(out, q)
		}
		if to.Before(p.To) {
			q := p
			q.From = to
			out = append(out, q)
		}
	}
	return out
}

// Rate returns the line of series that covers day d, or an error wrapping
// ErrRateUnknown that names the series and the date.
func (r *Rates) Rate(series string, d portal.Date) (Period, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.rateLocked(series, d)
}

func (r *Rates) rateLocked(series string, d portal.Date) (Period, error) {
	ps := r.series[series]
	i := sort.Search(len(ps), func(i int) bool { return d.Before(ps[i].To) })
	if i < len(ps) && !d.Before(ps[i].From) {
		return ps[i], nil
	}
	msg := fmt.Sprintf("no %s rate is known for %s", series, d)
	if len(ps) > 0 {
		msg += fmt.Sprintf(" (known periods run from %s to %s)", ps[0].From, ps[len(ps)-1].To.AddDays(-1))
	}
	msg += "; add the published rate with `relais rates set` or `relais rates update` (see `relais rates`)"
	return Period{}, &portal.Error{Code: portal.EINVALID, Message: msg, Err: ErrRateUnknown}
}

// boundaries returns the dates in (after, upto] on which a line of series
// starts or ends, i.e. on which the rate may change.
func (r *Rates) boundaries(series string, after, upto portal.Date) []portal.Date {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []portal.Date
	for _, p := range r.series[series] {
		for _, d := range []portal.Date{p.From, p.To} {
			if after.Before(d) && !upto.Before(d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// DateRange is the days From <= d < To.
type DateRange struct {
	From portal.Date `json:"from"`
	To   portal.Date `json:"to"`
}

// SeriesCoverage says what is known of one series on a given day: for the
// `relais rates` command.
type SeriesCoverage struct {
	Series      string   `json:"series"`
	Description string   `json:"description"`
	Periods     []Period `json:"periods"`
	// Current is the line in force on the day asked about, nil if none.
	Current *Period `json:"current"`
	// Missing lists the days from the first known line up to and including
	// the day asked about that no line covers (To exclusive).
	Missing []DateRange `json:"missing"`
	// OK is true when the day is covered and nothing before it is missing.
	OK bool `json:"ok"`
}

// MissingOn names the series whose rate on day is not known (or with a gap
// before it): claims that need one show no total and cannot be paid by
// card until an operator adds the published rate (--rates-file).
func (r *Rates) MissingOn(day portal.Date) []string {
	var missing []string
	for _, c := range r.Coverage(day) {
		if !c.OK {
			missing = append(missing, c.Series)
		}
	}
	return missing
}

// Coverage lists, for every series, the known lines, the line in force on
// today, and the gaps up to today.
func (r *Rates) Coverage(today portal.Date) []SeriesCoverage {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []SeriesCoverage
	for _, name := range seriesNames {
		ps := append([]Period{}, r.series[name]...)
		c := SeriesCoverage{Series: name, Description: r.description[name], Periods: ps, Missing: []DateRange{}}
		if p, err := r.rateLocked(name, today); err == nil {
			c.Current = &p
		}
		end := today.AddDays(1)
		if len(ps) == 0 {
			c.Missing = []DateRange{{From: today, To: end}}
		} else {
			at := ps[0].From
			for _, p := range ps {
				if !at.Before(end) {
					break
				}
				if at.Before(p.From) {
					c.Missing = append(c.Missing, DateRange{From: at, To: minDate(p.From, end)})
				}
				at = p.To
			}
			if at.Before(end) {
				c.Missing = append(c.Missing, DateRange{From: at, To: end})
			}
		}
		c.OK = c.Current != nil && len(c.Missing) == 0
		out = append(out, c)
	}
	return out
}

func minDate(a, b portal.Date) portal.Date {
	if a.Before(b) {
		return a
	}
	return b
}

func maxDate(a, b portal.Date) portal.Date {
	if a.After(b) {
		return a
	}
	return b
}
