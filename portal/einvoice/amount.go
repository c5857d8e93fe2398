package einvoice

import (
	"fmt"
	"strings"
)

// ParseDecimal reads an XML decimal ("1656.25", "-12.5", "8550", "+3.10")
// into minor units of a currency with exponent digits, exactly: no float
// ever holds it. Digits beyond the exponent must be zeros ("12.500" is
// 1250 cents; "12.505" is refused, since the currency cannot pay half a
// cent). Thousands separators and exponents are not XML decimals and are
// refused.
func ParseDecimal(s string, exponent int) (int64, error) {
	t := s
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	intPart, frac, hasDot := strings.Cut(t, ".")
	if intPart == "" && frac == "" || (hasDot && frac == "" && intPart == "") {
		return 0, fmt.Errorf("%q is not a decimal number", short(s))
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", short(s))
		}
	}
	if len(frac) > exponent {
		if strings.Trim(frac[exponent:], "0") != "" {
			return 0, fmt.Errorf("%q has more decimals than the currency's %d", short(s), exponent)
		}
		frac = frac[:exponent]
	}
	frac += strings.Repeat("0", exponent-len(frac))
	digits := strings.TrimLeft(intPart+frac, "0")
	if len(digits) > 18 {
		return 0, fmt.Errorf("%q is too large", short(s))
	}
	var v int64
	for _, r := range digits {
		v = v*10 + int64(r-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}
