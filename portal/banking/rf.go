package banking

import (
	"fmt"
	"strings"

	"github.com/relais/relais/portal"
)

// MaxRFBodyLen is the longest reference an ISO 11649 creditor reference
// can carry after "RF" and its two check digits (25 characters in all).
const MaxRFBodyLen = 21

// NewRF builds the ISO 11649 creditor reference of ref, an alphanumeric
// reference of 1 to 21 characters (spaces are dropped, letters
// upper-cased), in its electronic form "RF" + check digits + ref. The check
// digits are 98 minus the MOD 97-10 remainder of ref + "RF00" with letters
// turned into numbers (A=10 ... Z=35), so "539007547034" gives
// "RF18539007547034". Errors are EINVALID with field "reference".
func NewRF(ref string) (string, error) {
	body := compact(ref)
	if body == "" || len(body) > MaxRFBodyLen || !isUpperAlnum(body) {
		return "", portal.FieldError("reference", "an RF reference carries 1 to %d letters and digits", MaxRFBodyLen)
	}
	rem, _ := mod97(body + "RF00")
	return fmt.Sprintf("RF%02d%s", 98-rem, body), nil
}

// ParseRF validates an ISO 11649 creditor reference, printed
// ("RF18 5390 0754 7034") or electronic, and returns its electronic form
// ("RF18539007547034"). Errors are EINVALID with field "reference".
func ParseRF(s string) (string, error) {
	t := compact(s)
	if !strings.HasPrefix(t, "RF") {
		return "", portal.FieldError("reference", "RF reference %q must start with RF", s)
	}
	if len(t) < 5 || len(t) > 4+MaxRFBodyLen || !isUpperAlnum(t) {
		return "", portal.FieldError("reference", "RF reference %q must have 5 to 25 letters and digits", s)
	}
	cd := t[2:4]
	if !isDigits(cd) || cd == "00" || cd == "01" || cd == "99" {
		return "", portal.FieldError("reference", "RF reference %q has invalid check digits", s)
	}
	if rem, _ := mod97(t[4:] + t[:4]); rem != 1 {
		return "", portal.FieldError("reference", "RF reference %q has wrong check digits", s)
	}
	return t, nil
}

// FormatRF prints an RF reference in groups of four ("RF18 5390 0754
// 7034"), as ISO 11649 asks for paper. It compacts s and does not validate
// it.
func FormatRF(s string) string { return groupsOf4(compact(s)) }
