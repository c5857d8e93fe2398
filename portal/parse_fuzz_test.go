package portal

import (
	"strings"
	"testing"
)

// FuzzParseAmount: an accepted amount formats back to digits that parse to
// the same value; nothing panics or overflows.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12.50", "12,5", "1 234,56", "1.234,56", "-3", "12,5O", "", "99999999999999999999", "0,001"} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, exp int) {
		if exp < 0 || exp > 3 {
			return
		}
		v, err := ParseAmount(s, exp)
		if err != nil {
			return
		}
		back, err := ParseAmount(FormatMinor(v, exp), exp)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, FormatMinor(v, exp), back, err)
		}
	})
}

// FuzzParseDate: an accepted date prints back to the same string.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "2024-13-01", "31/01/2024", "", "2024-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s && !strings.HasPrefix(s, d.String()) {
			t.Fatalf("%q parsed as %s", s, d)
		}
	})
}
