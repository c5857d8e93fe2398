package banking

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/relais/relais/portal"
)

// MaxStructuredNumber is the largest number a Belgian structured
// communication can carry: ten digits.
const MaxStructuredNumber = 9_999_999_999

// NewStructured returns the Belgian structured communication ("gestructureerde
// mededeling", "communication structurée") for n in its electronic form: 12
// digits, n on ten digits followed by n mod 97 on two (97 when the
// remainder is 0). Print it with FormatStructured. n must not exceed
// MaxStructuredNumber.
func NewStructured(n uint64) (string, error) {
	if n > MaxStructuredNumber {
		return "", portal.Errorf(portal.EINVALID, "a structured communication carries at most ten digits")
	}
	return fmt.Sprintf("%010d%02d", n, structuredCheck(n)), nil
}

func structuredCheck(n uint64) uint64 {
	if c := n % 97; c != 0 {
		return c
	}
	return 97
}

// FormatStructured prints the 12 digits of a structured communication as
// Belgian invoices show it: "+++090/9337/55493+++". Input that is not 12
// digits is returned unchanged.
func FormatStructured(digits string) string {
	if len(digits) != 12 || !isDigits(digits) {
		return digits
	}
	return "+++" + digits[:3] + "/" + digits[3:7] + "/" + digits[7:] + "+++"
}

// ParseStructured validates a Belgian structured communication and returns
// its 12 digits. It accepts the printed forms "+++090/9337/55493+++" and
// "***090/9337/55493***", the same without the +++ or *** frame, and the
// plain 12 digits, with spaces anywhere. The frame, when present, must be
// the same on both sides; slashes, when present, must split the digits
// 3/4/5. Errors are EINVALID with field "reference".
func ParseStructured(s string) (string, error) {
	t := compact(s)
	for _, frame := range []string{"+++", "***"} {
		if strings.HasPrefix(t, frame) || strings.HasSuffix(t, frame) {
			if len(t) < 6 || !strings.HasPrefix(t, frame) || !strings.HasSuffix(t, frame) {
				return "", portal.FieldError("reference", "structured communication %q must start and end with %s", s, frame)
			}
			t = t[3 : len(t)-3]
			break
		}
	}
	if strings.Contains(t, "/") {
		parts := strings.Split(t, "/")
		if len(parts) != 3 || len(parts[0]) != 3 || len(parts[1]) != 4 || len(parts[2]) != 5 {
			return "", portal.FieldError("reference", "structured communication %q must read +++123/4567/89012+++", s)
		}
		t = parts[0] + parts[1] + parts[2]
	}
	if len(t) != 12 || !isDigits(t) {
		return "", portal.FieldError("reference", "structured communication %q must have 12 digits", s)
	}
	n, _ := strconv.ParseUint(t[:10], 10, 64)
	check, _ := strconv.ParseUint(t[10:], 10, 64)
	if check != structuredCheck(n) {
		return "", portal.FieldError("reference", "structured communication %q has wrong check digits", s)
	}
	return t, nil
}
