package ecb

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

func d(s string) portal.Date { return portal.MustDate(s) }

// serve answers the series path with the file (status 200), or with the
// given status, after delay.
func serve(t *testing.T, file string, status int, delay time.Duration) (*httptest.Server, *[]string) {
	t.Helper()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI())
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if r.URL.Path != SeriesPath {
			http.NotFound(w, r)
			return
		}
		if status != http.StatusOK {
			http.Error(w, "Internal Server Error", status)
			return
		}
		b, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Error(err)
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

func TestFetchAndDerive(t *testing.T) {
	for _, tt := range []struct{ file, format string }{{"mro.csv", FormatCSV}, {"mro.json", FormatJSON}} {
		t.Run(tt.format, func(t *testing.T) {
			srv, asked := serve(t, tt.file, http.StatusOK, 0)
			c := &Client{BaseURL: srv.URL, Format: tt.format}
			obs, src, err := c.Fetch(context.Background(), d("2022-01-01"))
			if err != nil {
				t.Fatal(err)
			}
			if len(*asked) != 1 || !strings.Contains((*asked)[0], "startPeriod=2022-01-01") || !strings.Contains((*asked)[0], "format="+tt.format) {
				t.Errorf("asked %v", *asked)
			}
			if len(obs) != 20 || obs[0] != (rules.ECBObservation{Day: d("2022-01-03"), RateBP: 0}) || obs[10] != (rules.ECBObservation{Day: d("2023-09-20"), RateBP: 450}) {
				t.Fatalf("%d observations: %+v", len(obs), obs)
			}
			lines := rules.DeriveFromECB(obs, d("2023-01-01"), d("2026-12-02"), src)
			want := map[string]int64{
				// L441-10: rate in force on 1 Jan / 1 Jul + 10 points.
				"fr_b2b 2023-01-01": 1250, // 2.50 from 2022-12-21
				"fr_b2b 2023-07-01": 1400, // 4.00 from 2023-06-21
				"fr_b2b 2024-01-01": 1450, // 4.50; the change of 2024-06-12 inside H1 does not count
				"fr_b2b 2024-07-01": 1425,
				"fr_b2b 2025-01-01": 1315,
				"fr_b2b 2025-07-01": 1215,
				"fr_b2b 2026-01-01": 1215,
				"fr_b2b 2026-07-01": 1215,
				// Law of 2002: + 8, rounded up to the next half point.
				"be_b2b 2023-01-01": 1050, // 2.50 + 8
				"be_b2b 2023-07-01": 1200, // 4.00 + 8
				"be_b2b 2024-01-01": 1250, // 4.50 + 8
				"be_b2b 2024-07-01": 1250, // 4.25 + 8 = 12.25 -> 12.50
				"be_b2b 2025-01-01": 1150, // 3.15 + 8 = 11.15 -> 11.50
				"be_b2b 2025-07-01": 1050, // 2.15 + 8 = 10.15 -> 10.50
				"be_b2b 2026-01-01": 1050,
				"be_b2b 2026-07-01": 1050,
			}
			if len(lines) != len(want) {
				t.Errorf("%d lines, want %d: %+v", len(lines), len(want), lines)
			}
			for _, l := range lines {
				key := l.Series + " " + l.From.String()
				if w, ok := want[key]; !ok || l.RateBP != w || l.Status != rules.StatusDerived {
					t.Errorf("%s: %d %s, want %d derived", key, l.RateBP, l.Status, w)
				}
				_, end := rules.HalfYear(l.From)
				if l.To != end || !strings.Contains(l.Source, src) || !strings.Contains(l.Source, "FM.D.U2.EUR.4F.KR.MRR_FR.LEV") || !strings.Contains(l.Source, "observation of 20") {
					t.Errorf("%s: to %s source %q", key, l.To, l.Source)
				}
			}

			// Against the embedded data only H2 2026 is new; the rest agrees.
			r, err := rules.Default()
			if err != nil {
				t.Fatal(err)
			}
			add, conflicts := r.Diff(lines)
			if len(conflicts) != 0 || len(add) != 2 || add[0].From != d("2026-07-01") || add[1].From != d("2026-07-01") {
				t.Errorf("add %+v conflicts %v", add, conflicts)
			}
		})
	}
}

// TestDiffKeepsPeopleLines: a derived line never replaces a line an
// operator entered or confirmed; a disagreement is reported.
func TestDiffKeepsPeopleLines(t *testing.T) {
	r, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	derived := []rules.Period{{Series: rules.SeriesFRB2B, From: d("2025-07-01"), To: d("2026-01-01"), RateBP: 1240, Status: rules.StatusDerived, Source: "x"}}
	add, conflicts := r.Diff(derived)
	if len(add) != 0 || len(conflicts) != 1 || !strings.Contains(conflicts[0], "12.40") || !strings.Contains(conflicts[0], "12.15") {
		t.Errorf("add %+v conflicts %v", add, conflicts)
	}
	// A derived line with another rate (the ECB revised its data) is replaced.
	if err := r.SetOverlay([]rules.Period{{Series: rules.SeriesFRB2B, From: d("2026-07-01"), To: d("2027-01-01"), RateBP: 1200, Status: rules.StatusDerived, Source: "old"}}); err != nil {
		t.Fatal(err)
	}
	add, _ = r.Diff([]rules.Period{{Series: rules.SeriesFRB2B, From: d("2026-07-01"), To: d("2027-01-01"), RateBP: 1215, Status: rules.StatusDerived, Source: "new"}})
	if len(add) != 1 || add[0].RateBP != 1215 {
		t.Errorf("add %+v", add)
	}
}

func TestFetchFailures(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		format string
		status int
		delay  time.Duration
		want   string
	}{
		{"Empty", "empty.csv", FormatCSV, 200, 0, "no observation"},
		{"ServerError", "mro.csv", FormatCSV, 500, 0, "500"},
		{"NotFound", "mro.csv", FormatCSV, 404, 0, "404"},
		{"MalformedCSV", "malformed.csv", FormatCSV, 200, 0, "not a rate"},
		{"NotJSON", "mro.csv", FormatJSON, 200, 0, "not SDMX-JSON"},
		{"NotCSV", "mro.json", FormatCSV, 200, 0, "TIME_PERIOD"},
		{"Timeout", "mro.csv", FormatCSV, 200, 2 * time.Second, "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.file, tt.status, tt.delay)
			c := &Client{BaseURL: srv.URL, Format: tt.format, HTTP: &http.Client{Timeout: 300 * time.Millisecond}}
			obs, _, err := c.Fetch(context.Background(), d("2022-01-01"))
			if err == nil || obs != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("obs %v err %v, want an error with %q", obs, err, tt.want)
			}
		})
	}
}

func TestParseEdges(t *testing.T) {
	// Padded decimals, a BOM, and the same day twice with one value.
	body := "\ufeffTIME_PERIOD,OBS_VALUE\n2024-06-12,4.250\n2024-06-12,4.25\n2023-09-20,4.5\n"
	obs, err := ParseCSV([]byte(body))
	if err != nil || len(obs) != 3 || obs[0].RateBP != 450 || obs[2].RateBP != 425 {
		t.Fatalf("%+v %v", obs, err)
	}
	for _, bad := range []string{
		"TIME_PERIOD,OBS_VALUE\n2024-06-12,4.25\n2024-06-12,4.50\n", // two values for a day
		"TIME_PERIOD,OBS_VALUE\n2024-13-12,4.25\n",                  // not a day
		"TIME_PERIOD,OBS_VALUE\n2024-06-12,\n",                      // no value
		"TIME_PERIOD,OBS_VALUE\n2024-06-12,-0.5\n",                  // negative
		"TIME_PERIOD\n2024-06-12\n",                                 // no value column
	} {
		if obs, err := ParseCSV([]byte(bad)); err == nil {
			t.Errorf("%q: %+v, want an error", bad, obs)
		}
	}
	if _, err := ParseJSON([]byte(`{"dataSets":[{"series":{"0":{"observations":{"5":[2.15]}}}}],"structure":{"dimensions":{"observation":[{"id":"TIME_PERIOD","values":[{"id":"2025-06-11"}]}]}}}`)); err == nil {
		t.Error("an index without a day was accepted")
	}
}
