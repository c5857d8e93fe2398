// Package ecb reads the ECB main refinancing operations rate from the ECB
// Data Portal's SDMX REST API (no key needed): series
// FM.D.U2.EUR.4F.KR.MRR_FR.LEV, in SDMX-CSV (format=csvdata, the default)
// or SDMX-JSON (format=jsondata). Relais derives the French L441-10 and
// Belgian law-of-2002 rates from it (rules.DeriveFromECB).
package ecb

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// DefaultBaseURL is the ECB Data Portal's web service entry point.
const DefaultBaseURL = "https://data-api.ecb.europa.eu/service"

// SeriesPath is the dataflow and key of the main refinancing rate.
const SeriesPath = "/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV"

// Formats the client can read.
const (
	FormatCSV  = "csvdata"
	FormatJSON = "jsondata"
)

// maxBody bounds an answer: the whole series since 1999 is under 1 MB.
const maxBody = 8 << 20

// Client fetches the series. The zero value uses DefaultBaseURL, CSV and a
// 30-second timeout.
type Client struct {
	BaseURL string       // DefaultBaseURL when empty (tests: a local server)
	Format  string       // FormatCSV when empty
	HTTP    *http.Client // one with a 30 s timeout and no redirects when nil
}

// URL is the address Fetch asks for observations from since on.
func (c *Client) URL(since portal.Date) string {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	format := c.Format
	if format == "" {
		format = FormatCSV
	}
	q := url.Values{"startPeriod": {since.String()}, "format": {format}}
	return strings.TrimRight(base, "/") + SeriesPath + "?" + q.Encode()
}

// Fetch returns the observations from since on, oldest first, and the URL
// they came from. Any failure (network, timeout, status other than 200, an
// empty or malformed answer) is an error and returns no observation: the
// caller changes nothing.
func (c *Client) Fetch(ctx context.Context, since portal.Date) ([]rules.ECBObservation, string, error) {
	u := c.URL(since)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, u, fmt.Errorf("ecb: %w", err)
	}
	format := c.Format
	if format == "" {
		format = FormatCSV
	}
	if format == FormatJSON {
		req.Header.Set("Accept", "application/json")
	} else {
		req.Header.Set("Accept", "text/csv")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, u, fmt.Errorf("ecb: fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, u, fmt.Errorf("ecb: read %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, u, fmt.Errorf("ecb: %s answered %s", u, resp.Status)
	}
	if len(body) > maxBody {
		return nil, u, fmt.Errorf("ecb: answer of %s is larger than %d bytes", u, maxBody)
	}
	var obs []rules.ECBObservation
	if format == FormatJSON {
		obs, err = ParseJSON(body)
	} else {
		obs, err = ParseCSV(body)
	}
	if err != nil {
		return nil, u, fmt.Errorf("ecb: %s: %w", u, err)
	}
	return obs, u, nil
}

// ErrNoData is returned for an answer without a single observation.
var ErrNoData = errors.New("no observation in the answer")

// ParseCSV reads SDMX-CSV: a header naming TIME_PERIOD and OBS_VALUE
// columns (the others are dimensions and attributes), one row per day.
func ParseCSV(body []byte) ([]rules.ECBObservation, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrNoData
	}
	if err != nil {
		return nil, fmt.Errorf("not SDMX-CSV: %w", err)
	}
	day, val := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(h) {
		case "TIME_PERIOD":
			day = i
		case "OBS_VALUE":
			val = i
		}
	}
	if day < 0 || val < 0 {
		return nil, errors.New("not SDMX-CSV: no TIME_PERIOD and OBS_VALUE columns")
	}
	var out []rules.ECBObservation
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) <= day || len(rec) <= val {
			return nil, fmt.Errorf("line %d: %d columns, the header has %d", line, len(rec), len(head))
		}
		o, err := observation(rec[day], rec[val])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, o)
	}
	return sorted(out)
}

// ParseJSON reads SDMX-JSON: the observation dimension TIME_PERIOD lists
// the days, and the one series of the one data set maps their indexes to
// [value, attributes...].
func ParseJSON(body []byte) ([]rules.ECBObservation, error) {
	var doc struct {
		DataSets []struct {
			Series map[string]struct {
				Observations map[string][]json.RawMessage `json:"observations"`
			} `json:"series"`
		} `json:"dataSets"`
		Structure struct {
			Dimensions struct {
				Observation []struct {
					ID     string `json:"id"`
					Values []struct {
						ID string `json:"id"`
					} `json:"values"`
				} `json:"observation"`
			} `json:"dimensions"`
		} `json:"structure"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not SDMX-JSON: %w", err)
	}
	var days []string
	for _, d := range doc.Structure.Dimensions.Observation {
		if d.ID == "TIME_PERIOD" {
			for _, v := range d.Values {
				days = append(days, v.ID)
			}
		}
	}
	if len(doc.DataSets) == 0 {
		return nil, ErrNoData
	}
	if len(doc.DataSets) != 1 || len(doc.DataSets[0].Series) > 1 {
		return nil, errors.New("SDMX-JSON: expected one data set with one series")
	}
	var out []rules.ECBObservation
	for _, s := range doc.DataSets[0].Series {
		for idx, vals := range s.Observations {
			var i int
			if _, err := fmt.Sscan(idx, &i); err != nil || i < 0 || i >= len(days) {
				return nil, fmt.Errorf("SDMX-JSON: observation index %q has no TIME_PERIOD", idx)
			}
			if len(vals) == 0 {
				return nil, fmt.Errorf("SDMX-JSON: observation %s has no value", days[i])
			}
			var num json.Number
			dec := json.NewDecoder(bytes.NewReader(vals[0]))
			dec.UseNumber()
			if err := dec.Decode(&num); err != nil {
				return nil, fmt.Errorf("SDMX-JSON: observation %s: value %s is not a number", days[i], vals[0])
			}
			o, err := observation(days[i], num.String())
			if err != nil {
				return nil, fmt.Errorf("SDMX-JSON: %w", err)
			}
			out = append(out, o)
		}
	}
	return sorted(out)
}

func observation(day, value string) (rules.ECBObservation, error) {
	d, err := portal.ParseDate(strings.TrimSpace(day))
	if err != nil {
		return rules.ECBObservation{}, fmt.Errorf("TIME_PERIOD %q is not a day (YYYY-MM-DD)", day)
	}
	value = strings.TrimSpace(value)
	if whole, frac, ok := strings.Cut(value, "."); ok && len(frac) > 2 { // "4.500": the ECB may pad decimals
		value = whole + "." + strings.TrimRight(frac, "0")
		value = strings.TrimSuffix(value, ".")
	}
	bp, err := rules.ParseRate(value)
	if err != nil || value == "" {
		return rules.ECBObservation{}, fmt.Errorf("%s: OBS_VALUE %q is not a rate with at most two decimals", d, value)
	}
	return rules.ECBObservation{Day: d, RateBP: bp}, nil
}

func sorted(obs []rules.ECBObservation) ([]rules.ECBObservation, error) {
	if len(obs) == 0 {
		return nil, ErrNoData
	}
	sort.Slice(obs, func(i, j int) bool { return obs[i].Day.Before(obs[j].Day) })
	for i := 1; i < len(obs); i++ {
		if obs[i].Day == obs[i-1].Day && obs[i].RateBP != obs[i-1].RateBP {
			return nil, fmt.Errorf("two values for %s", obs[i].Day)
		}
	}
	return obs, nil
}
