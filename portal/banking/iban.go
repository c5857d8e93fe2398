package banking

import (
	"strings"

	"github.com/relais/relais/portal"
)

// ibanLength is the IBAN length of each country in the SEPA scheme's
// geographical scope (EEA, Switzerland, the United Kingdom, the
// microstates, and the Western Balkan and Moldovan joiners of 2024-2025).
// French overseas departments, Åland and the like use the IBANs of FR and
// FI. ValidateIBAN accepts these countries only.
var ibanLength = map[string]int{
	"AD": 24, "AL": 28, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28,
	"CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27,
	"GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
	"IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
	"ME": 22, "MK": 19, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
	"RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

// ibanPunctuation is built once: NormalizeIBAN runs for every statement line.
var ibanPunctuation = strings.NewReplacer("-", "", ".", "")

// NormalizeIBAN returns the electronic form of an IBAN as people type or
// print it: spaces, dashes and dots removed, letters upper-cased, and a
// leading "IBAN" label dropped ("IBAN BE68 5390-0754 7034" becomes
// "BE68539007547034"). It does not validate; see ValidateIBAN.
func NormalizeIBAN(s string) string {
	s = ibanPunctuation.Replace(compact(s))
	s = strings.TrimPrefix(s, "IBAN:")
	return strings.TrimPrefix(s, "IBAN")
}

// ValidateIBAN checks an IBAN of a SEPA country, in printed or electronic
// form: the country's length and the ISO 13616 MOD 97-10 check digits. The
// country-specific BBAN layout is not checked. Errors are EINVALID with
// field "iban".
func ValidateIBAN(s string) error {
	return checkIBAN(NormalizeIBAN(s), true)
}

// checkIBAN checks a normalised IBAN. Without sepaOnly, countries outside
// the table are accepted with any length from 15 to 34 (statement lines may
// show payers from anywhere).
func checkIBAN(s string, sepaOnly bool) error {
	if len(s) < 5 {
		return portal.FieldError("iban", "IBAN %q is too short", s)
	}
	cc := s[:2]
	if cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return portal.FieldError("iban", "IBAN must start with a two-letter country code")
	}
	if !isDigits(s[2:4]) {
		return portal.FieldError("iban", "IBAN check digits must be two digits")
	}
	if !isUpperAlnum(s) {
		return portal.FieldError("iban", "IBAN may only contain letters and digits")
	}
	if n, ok := ibanLength[cc]; ok {
		if len(s) != n {
			return portal.FieldError("iban", "an IBAN from %s has %d characters, not %d", cc, n, len(s))
		}
	} else if sepaOnly {
		return portal.FieldError("iban", "IBAN country %s is not in the SEPA area", cc)
	} else if len(s) < 15 || len(s) > 34 {
		return portal.FieldError("iban", "IBAN has %d characters; IBANs have 15 to 34", len(s))
	}
	if cd := s[2:4]; cd == "00" || cd == "01" || cd == "99" {
		return portal.FieldError("iban", "IBAN check digits %s are not valid", cd)
	}
	if rem, _ := mod97(s[4:] + s[:4]); rem != 1 {
		return portal.FieldError("iban", "IBAN check digits do not match: please check the account number")
	}
	return nil
}

// FormatIBAN prints an IBAN in groups of four ("BE68 5390 0754 7034"), as
// on invoices. It normalises s first and does not validate it.
func FormatIBAN(s string) string {
	return groupsOf4(NormalizeIBAN(s))
}

// IBANCountry returns the country code of a (normalised) IBAN, or "".
func IBANCountry(s string) string {
	s = NormalizeIBAN(s)
	if len(s) < 2 {
		return ""
	}
	return s[:2]
}

// NormalizeBIC upper-cases s and removes spaces.
func NormalizeBIC(s string) string { return compact(s) }

// ValidateBIC checks the ISO 9362 format of a BIC, 8 or 11 characters:
// four-character institution code, two-letter country code, two-character
// location code, optional three-character branch code, as in the SEPA XML
// schemas ([A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?). Errors are
// EINVALID with field "bic".
func ValidateBIC(s string) error {
	s = NormalizeBIC(s)
	if (len(s) != 8 && len(s) != 11) || !isUpperAlnum(s) {
		return portal.FieldError("bic", "BIC must have 8 or 11 letters and digits, such as GEBABEBB")
	}
	if c := s[4:6]; c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return portal.FieldError("bic", "BIC characters 5 and 6 must be a country code")
	}
	return nil
}
