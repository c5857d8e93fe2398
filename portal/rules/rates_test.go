package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
)

// TestDefaultRates checks the embedded data against the tables of LEGAL.md.
func TestDefaultRates(t *testing.T) {
	r := mustRates(t)
	tests := []struct {
		series string
		date   string
		bp     int64
		status Status
	}{
		{SeriesFRB2B, "2023-01-01", 1250, StatusConfirmed},
		{SeriesFRB2B, "2023-07-01", 1400, StatusConfirmed},
		{SeriesFRB2B, "2024-06-30", 1450, StatusConfirmed},
		{SeriesFRB2B, "2024-07-01", 1425, StatusConfirmed},
		{SeriesFRB2B, "2025-01-01", 1315, StatusConfirmed},
		{SeriesFRB2B, "2025-12-31", 1215, StatusConfirmed},
		{SeriesFRB2B, "2026-06-30", 1215, StatusConfirmed},
		{SeriesFRLegalOther, "2024-01-01", 507, StatusConfirmed},
		{SeriesFRLegalOther, "2024-07-01", 492, StatusConfirmed},
		{SeriesFRLegalOther, "2025-01-01", 371, StatusConfirmed},
		{SeriesFRLegalOther, "2025-07-01", 276, StatusConfirmed},
		{SeriesFRLegalOther, "2026-01-01", 262, StatusConfirmed},
		{SeriesFRLegalNaturalPerson, "2024-01-01", 801, StatusConfirmed},
		{SeriesFRLegalNaturalPerson, "2024-07-01", 816, StatusConfirmed},
		{SeriesFRLegalNaturalPerson, "2025-01-01", 721, StatusConfirmed},
		{SeriesFRLegalNaturalPerson, "2025-07-01", 665, StatusConfirmed},
		{SeriesFRLegalNaturalPerson, "2026-06-30", 667, StatusConfirmed},
		{SeriesBEB2B, "2023-01-01", 1050, StatusConfirmed},
		{SeriesBEB2B, "2023-07-01", 1200, StatusConfirmed},
		{SeriesBEB2B, "2024-01-01", 1250, StatusConfirmed},
		{SeriesBEB2B, "2024-12-31", 1250, StatusConfirmed},
		{SeriesBEB2B, "2025-01-01", 1150, StatusConfirmed},
		{SeriesBEB2B, "2025-07-01", 1050, StatusConfirmed},
		{SeriesBEB2B, "2026-01-01", 1050, StatusLikely},
		{SeriesBECivilLegal, "2023-06-01", 525, StatusConfirmed},
		{SeriesBECivilLegal, "2024-06-01", 575, StatusConfirmed},
		{SeriesBECivilLegal, "2025-06-01", 450, StatusConfirmed},
		{SeriesBECivilLegal, "2026-12-31", 450, StatusConfirmed},
		// 2022 and 2023 (claims still within prescription), LEGAL.md's
		// "likely" values; Belgian 2022 lines are by the art. 5 formula.
		{SeriesFRB2B, "2022-01-01", 1000, StatusLikely},
		{SeriesFRB2B, "2022-12-31", 1000, StatusLikely},
		{SeriesFRLegalOther, "2022-03-01", 76, StatusLikely},
		{SeriesFRLegalOther, "2022-09-01", 77, StatusLikely},
		{SeriesFRLegalOther, "2023-06-01", 206, StatusLikely},
		{SeriesFRLegalOther, "2023-07-01", 422, StatusLikely},
		{SeriesFRLegalNaturalPerson, "2022-03-01", 313, StatusLikely},
		{SeriesFRLegalNaturalPerson, "2022-09-01", 315, StatusLikely},
		{SeriesFRLegalNaturalPerson, "2023-06-01", 447, StatusLikely},
		{SeriesFRLegalNaturalPerson, "2023-12-31", 682, StatusLikely},
		{SeriesBEB2B, "2022-01-01", 800, StatusLikely},
		{SeriesBEB2B, "2022-12-31", 800, StatusLikely},
	}
	for _, tt := range tests {
		p, err := r.Rate(tt.series, d(tt.date))
		if err != nil {
			t.Errorf("%s on %s: %v", tt.series, tt.date, err)
			continue
		}
		// A source names the publication, never a file no user has.
		if p.RateBP != tt.bp || p.Status != tt.status || p.Source == "" || p.Origin != "embedded" || strings.Contains(p.Source, "LEGAL.md") {
			t.Errorf("%s on %s = %+v, want %d %s with a source", tt.series, tt.date, p, tt.bp, tt.status)
		}
	}

	// Periods still "to confirm" in LEGAL.md are not in the data.
	for _, tt := range []struct{ series, date string }{
		{SeriesFRB2B, "2026-07-01"},
		{SeriesFRB2B, "2021-12-31"},
		{SeriesFRLegalOther, "2026-07-01"},
		{SeriesFRLegalNaturalPerson, "2026-07-01"},
		{SeriesBEB2B, "2026-07-01"},
		{SeriesBECivilLegal, "2027-01-01"},
	} {
		_, err := r.Rate(tt.series, d(tt.date))
		if !errors.Is(err, ErrRateUnknown) || portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("%s on %s: error %v, want ErrRateUnknown", tt.series, tt.date, err)
		}
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rates.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExtend(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r := mustRates(t)
		c := claim(portal.JurisdictionFR, portal.DebtorBusiness, invs(inv("a", 100000, "2026-06-30")))
		if b, err := r.Compute(c, d("2026-07-15")); err != nil || b.Complete || b.ComputedTo != d("2026-06-30") {
			t.Fatalf("before Extend: %+v %v, want a partial balance counted to 2026-06-30", b, err)
		}
		path := writeFile(t, `{"format": "relais-rates/1", "series": [
			{"name": "fr_b2b", "periods": [
				{"period": "2026-H2", "rate_bp": 1200, "status": "likely", "source": "test: ECB MRO 2.00 % on 1 Jul 2026 + 10 points"}]}]}`)
		if err := r.Extend(path); err != nil {
			t.Fatalf("Extend: %v", err)
		}
		// 2026-07-01..07-15 = 15 days at 12.00 %: 100000 × 1200 × 15 = 1,800,000,000 / 3,650,000 = 493.15 → 493.
		// Total 100000 + 493 + 4000 = 104493.
		b, err := r.Compute(c, d("2026-07-15"))
		if err != nil {
			t.Fatalf("after Extend: %v", err)
		}
		if b.Interest != 493 || b.Total != 104493 || !b.Complete || b.ComputedTo != d("2026-07-15") {
			t.Errorf("interest %d total %d, want 493 104493", b.Interest, b.Total)
		}
		if p, _ := r.Rate(SeriesFRB2B, d("2026-12-31")); p.Origin != path || p.RateBP != 1200 {
			t.Errorf("rate %+v", p)
		}
		if p, _ := r.Rate(SeriesFRB2B, d("2026-06-30")); p.RateBP != 1215 || p.Origin != "embedded" {
			t.Errorf("earlier rate changed: %+v", p)
		}
	})

	t.Run("Override", func(t *testing.T) {
		// A later line replaces the days it covers and keeps the rest of the old line.
		r := mustRates(t)
		path := writeFile(t, `{"format": "relais-rates/1", "series": [
			{"name": "fr_b2b", "periods": [
				{"from": "2024-09-01", "to": "2024-10-01", "rate_bp": 1000, "status": "confirmed", "source": "test"}]}]}`)
		if err := r.Extend(path); err != nil {
			t.Fatal(err)
		}
		for date, want := range map[string]int64{"2024-07-01": 1425, "2024-08-31": 1425, "2024-09-01": 1000, "2024-09-30": 1000, "2024-10-01": 1425, "2024-12-31": 1425} {
			if p, err := r.Rate(SeriesFRB2B, d(date)); err != nil || p.RateBP != want {
				t.Errorf("%s: %+v %v, want %d", date, p, err, want)
			}
		}
		// Interest now splits on the new lines: due 2024-08-31, as of 2024-10-10.
		// 09-01..09-30 30 days at 10.00 %: 100000 × 1000 × 30 = 3,000,000,000 / 3,650,000 = 821.92 → 822.
		// 10-01..10-10 10 days at 14.25 %: 100000 × 1425 × 10 = 1,425,000,000 / 3,650,000 = 390.41 → 390.
		b, err := r.Compute(claim(portal.JurisdictionFR, portal.DebtorBusiness, invs(inv("a", 100000, "2024-08-31"))), d("2024-10-10"))
		if err != nil || b.Interest != 1212 || len(b.Invoices[0].Periods) != 2 {
			t.Fatalf("balance %+v, err %v", b, err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		bad := map[string]string{
			"to confirm":     `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "rate_bp": 1200, "status": "to confirm", "source": "x"}]}]}`,
			"unknown series": `{"format": "relais-rates/1", "series": [{"name": "fr_b2c", "periods": []}]}`,
			"no source":      `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "rate_bp": 1200, "status": "likely"}]}]}`,
			"no rate":        `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "status": "likely", "source": "x"}]}]}`,
			"bad period":     `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H3", "rate_bp": 1, "status": "likely", "source": "x"}]}]}`,
			"from after to":  `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"from": "2026-07-01", "to": "2026-07-01", "rate_bp": 1, "status": "likely", "source": "x"}]}]}`,
			"both forms":     `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "from": "2026-07-01", "to": "2027-01-01", "rate_bp": 1, "status": "likely", "source": "x"}]}]}`,
			"overlap":        `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "rate_bp": 1, "status": "likely", "source": "x"}, {"period": "2026", "rate_bp": 2, "status": "likely", "source": "x"}]}]}`,
			"negative rate":  `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "rate_bp": -5, "status": "likely", "source": "x"}]}]}`,
			"unknown field":  `{"format": "relais-rates/1", "series": [{"name": "fr_b2b", "periods": [{"period": "2026-H2", "rate": 12, "rate_bp": 1, "status": "likely", "source": "x"}]}]}`,
			"format":         `{"format": "v0", "series": []}`,
			"not json":       `rate,2026`,
		}
		for name, body := range bad {
			t.Run(name, func(t *testing.T) {
				r := mustRates(t)
				err := r.Extend(writeFile(t, body))
				if portal.ErrorCode(err) != portal.EINVALID {
					t.Fatalf("error %v, want EINVALID", err)
				}
				// Nothing changed.
				if _, err := r.Rate(SeriesFRB2B, d("2026-07-01")); !errors.Is(err, ErrRateUnknown) {
					t.Errorf("a rejected file changed the data: %v", err)
				}
			})
		}
		if err := mustRates(t).Extend(filepath.Join(t.TempDir(), "missing.json")); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("missing file: %v", err)
		}
	})
}

func TestLoadRates(t *testing.T) {
	r, err := LoadRates(strings.NewReader(`{"format": "relais-rates/1", "series": [
		{"name": "be_civil_legal", "periods": [{"period": "2027", "rate_bp": 400, "status": "likely", "source": "x"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := r.Rate(SeriesBECivilLegal, d("2027-12-31")); err != nil || p.RateBP != 400 || p.From != d("2027-01-01") || p.To != d("2028-01-01") {
		t.Errorf("rate %+v %v", p, err)
	}
	if _, err := r.Rate(SeriesBECivilLegal, d("2026-12-31")); !errors.Is(err, ErrRateUnknown) {
		t.Errorf("LoadRates should hold only the file: %v", err)
	}
}

func TestCoverage(t *testing.T) {
	r := mustRates(t)
	byName := func(cs []SeriesCoverage) map[string]SeriesCoverage {
		m := map[string]SeriesCoverage{}
		for _, c := range cs {
			m[c.Series] = c
		}
		return m
	}

	cov := byName(r.Coverage(d("2026-03-01")))
	if len(cov) != 5 {
		t.Fatalf("coverage of %d series, want 5", len(cov))
	}
	for _, name := range []string{SeriesFRB2B, SeriesFRLegalOther, SeriesFRLegalNaturalPerson, SeriesBEB2B, SeriesBECivilLegal} {
		c := cov[name]
		if !c.OK || c.Current == nil || len(c.Missing) != 0 || c.Description == "" {
			t.Errorf("%s on 2026-03-01: %+v", name, c)
		}
	}
	if c := cov[SeriesFRB2B]; c.Current.RateBP != 1215 || len(c.Periods) != 9 {
		t.Errorf("fr_b2b: current %+v, %d periods", c.Current, len(c.Periods))
	}

	cov = byName(r.Coverage(d("2026-08-01")))
	c := cov[SeriesFRB2B]
	if c.OK || c.Current != nil || len(c.Missing) != 1 || c.Missing[0] != (DateRange{d("2026-07-01"), d("2026-08-02")}) {
		t.Errorf("fr_b2b on 2026-08-01: %+v", c)
	}
	if c := cov[SeriesBECivilLegal]; !c.OK || c.Current.RateBP != 450 {
		t.Errorf("be_civil_legal on 2026-08-01: %+v", c)
	}

	// A gap inside the data shows up too.
	path := writeFile(t, `{"format": "relais-rates/1", "series": [
		{"name": "fr_b2b", "periods": [{"period": "2027-H1", "rate_bp": 1100, "status": "likely", "source": "x"}]}]}`)
	if err := r.Extend(path); err != nil {
		t.Fatal(err)
	}
	c = byName(r.Coverage(d("2027-02-01")))[SeriesFRB2B]
	if c.OK || c.Current == nil || len(c.Missing) != 1 || c.Missing[0] != (DateRange{d("2026-07-01"), d("2027-01-01")}) {
		t.Errorf("fr_b2b on 2027-02-01: %+v", c)
	}
}
