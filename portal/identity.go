package portal

import (
	"crypto/subtle"
	"strings"
	"time"
	"unicode"
)

// NormaliseIdentity reads an identity answer as a person may type it: case,
// spaces, dots and dashes do not matter; a date may be typed as
// 17/05/1980, 17.05.1980, 17-05-1980, 1980-05-17 or 17051980 and is read
// as YYYYMMDD. An unreadable date normalises to "".
func NormaliseIdentity(check IdentityCheck, s string) string {
	s = strings.TrimSpace(s)
	if check == CheckBirthDate {
		if d, ok := parseTypedDate(s); ok {
			return d.Time().Format("20060102")
		}
		return ""
	}
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '-', r == '.', r == '/', r == '_', r == '\u2010', r == '\u2013':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

func parseTypedDate(s string) (Date, bool) {
	s = strings.Join(strings.Fields(s), "")
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006", "02.01.2006", "2.1.2006", "02-01-2006", "2-1-2006", "02012006", "2006/01/02", "2006.01.02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return DateOf(t), true
		}
	}
	return Date{}, false
}

// IdentityExpected returns the normalised answers accepted for a claim's
// identity check (several for invoice_number: any of the claim's
// invoices). The claim must be loaded with its debtor and invoices.
func IdentityExpected(c *Claim) []string {
	var out []string
	add := func(v string) {
		if n := NormaliseIdentity(c.IdentityCheck, v); n != "" {
			out = append(out, n)
		}
	}
	switch c.IdentityCheck {
	case CheckPostcode:
		add(c.Debtor.Postcode)
	case CheckBirthDate:
		if !c.Debtor.BirthDate.IsZero() {
			add(c.Debtor.BirthDate.String())
		}
	case CheckCustomerNumber:
		add(c.Debtor.CustomerNumber)
	case CheckInvoiceNumber:
		for _, inv := range c.Invoices {
			add(inv.Number)
		}
	}
	return out
}

// IdentityMatches compares an answer with every accepted value in constant
// time (per value: no early exit on the first match either).
func IdentityMatches(c *Claim, answer string) bool {
	a := []byte(NormaliseIdentity(c.IdentityCheck, answer))
	ok := 0
	for _, want := range IdentityExpected(c) {
		ok |= subtle.ConstantTimeCompare(a, []byte(want))
	}
	return ok == 1 && len(a) > 0
}
