package i18n_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		lang   string
		amount int64
		cur    portal.Currency
		want   string
	}{
		{"fr", 123456, "EUR", "1\u00a0234,56\u00a0€"},
		{"nl", 123456, "EUR", "€\u00a01.234,56"},
		{"en", 123456, "EUR", "€1,234.56"},
		{"de", 123456, "EUR", "1.234,56\u00a0€"},
		{"fr", 5, "EUR", "0,05\u00a0€"},
		{"en", 0, "EUR", "€0.00"},
		{"de", 100000000, "EUR", "1.000.000,00\u00a0€"},
		{"fr", -4000, "EUR", "-40,00\u00a0€"},
		{"nl", -4000, "EUR", "€\u00a0-40,00"},
		{"en", -123456, "EUR", "-€1,234.56"},
		{"en", 123456, "CHF", "CHF\u00a01,234.56"},
		{"fr", 1234, "JPY", "1\u00a0234\u00a0JPY"},
		{"en", 99, "GBP", "£0.99"},
		{"fr", 999_999_999_999_99, "EUR", "999\u00a0999\u00a0999\u00a0999,99\u00a0€"},
	} {
		if got := i18n.Money(tc.lang, tc.amount, tc.cur); got != tc.want {
			t.Errorf("Money(%s, %d, %s) = %q, want %q", tc.lang, tc.amount, tc.cur, got, tc.want)
		}
	}
}

func TestDateAndRate(t *testing.T) {
	d := portal.MustDate("2026-03-05")
	for lang, want := range map[string]string{"fr": "5\u00a0mars 2026", "nl": "5\u00a0maart 2026", "en": "5\u00a0March 2026", "de": "5.\u00a0März 2026"} {
		if got := i18n.Date(lang, d); got != want {
			t.Errorf("Date(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := i18n.Date("fr", portal.MustDate("2026-07-01")); got != "1er\u00a0juillet 2026" {
		t.Errorf("French first of the month: %q", got)
	}
	if i18n.Date("en", portal.Date{}) != "" {
		t.Error("zero date not empty")
	}
	for lang, want := range map[string]string{"fr": "12,15\u00a0%", "nl": "12,15%", "en": "12.15%", "de": "12,15\u00a0%"} {
		if got := i18n.Rate(lang, 1215); got != want {
			t.Errorf("Rate(%s) = %q, want %q", lang, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{"nl-BE,nl;q=0.9,en;q=0.8": "nl", "es,de;q=0.5": "de", "es": "", "": "", "EN-gb": "en", "garbage;;;": ""} {
		if got := i18n.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMoney checks that every amount keeps its digits and sign in every
// locale: removing the separators and symbol gives back the plain number.
func FuzzMoney(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, 100, 123456, -123456, 999_999_999_999_99, -999_999_999_999_99} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		if v > portal.MaxAmount*100 || v < -portal.MaxAmount*100 {
			return
		}
		want := strings.ReplaceAll(portal.FormatMinor(v, 2), ".", "")
		for _, lang := range portal.Languages {
			got := i18n.Money(lang, v, "EUR")
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '-' {
					return r
				}
				return -1
			}, got)
			if digits != want {
				t.Fatalf("Money(%s, %d) = %q: digits %q, want %q", lang, v, got, digits, want)
			}
		}
	})
}

func TestAmount(t *testing.T) {
	for _, tt := range []struct {
		lang string
		v    int64
		cur  portal.Currency
		want string
	}{
		{"en", 250000, "EUR", "2,500.00 EUR"},
		{"en", -310, "EUR", "\u22123.10 EUR"},
		{"en", 0, "EUR", "0.00 EUR"},
		{"fr", 123456, "EUR", "1\u00a0234,56 EUR"},
		{"nl", 123456, "GBP", "1.234,56 GBP"},
		{"de", -123456789, "EUR", "\u22121.234.567,89 EUR"},
	} {
		if got := i18n.Amount(tt.lang, tt.v, tt.cur); got != tt.want {
			t.Errorf("Amount(%s, %d, %s) = %q, want %q", tt.lang, tt.v, tt.cur, got, tt.want)
		}
	}
}
