package i18n

import (
	"strconv"
	"strings"
	"time"

	"github.com/relais/relais/portal"
)

const nbsp = "\u00a0"

type numberStyle struct {
	group, decimal string
}

var styles = map[string]numberStyle{
	"fr": {nbsp, ","},
	"nl": {".", ","},
	"en": {",", "."},
	"de": {".", ","},
}

var symbols = map[portal.Currency]string{"EUR": "€", "GBP": "£", "USD": "$"}

// number renders minor units with the locale's separators, without sign.
func number(lang string, v int64, exponent int) string {
	st, ok := styles[lang]
	if !ok {
		st = styles[Fallback]
	}
	digits := strconv.FormatUint(uint64(v), 10)
	for len(digits) <= exponent {
		digits = "0" + digits
	}
	intPart, frac := digits[:len(digits)-exponent], digits[len(digits)-exponent:]
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(st.group)
		}
		b.WriteRune(r)
	}
	if exponent > 0 {
		b.WriteString(st.decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// Separators are the locale's thousands group and decimal separators, for
// scripts that write amounts as Amount does.
func Separators(lang string) (group, decimal string) {
	st, ok := styles[lang]
	if !ok {
		st = styles[Fallback]
	}
	return st.group, st.decimal
}

// MonthNames are the month names Date writes in lang, January first.
func MonthNames(lang string) [12]string {
	names, ok := months[lang]
	if !ok {
		names = months[Fallback]
	}
	return names
}

// Money formats an amount in minor units the way the locale writes it:
// fr "1 234,56 €", nl "€ 1.234,56", en "€1,234.56", de "1.234,56 €"
// (spaces are no-break spaces).
func Money(lang string, amount int64, cur portal.Currency) string {
	neg := amount < 0
	abs := amount
	if neg {
		abs = -amount
	}
	n := number(lang, abs, cur.Exponent())
	sym, ok := symbols[cur]
	if !ok {
		sym = string(cur)
	}
	sign := ""
	if neg {
		sign = "-"
	}
	switch lang {
	case "nl":
		return sym + nbsp + sign + n
	case "en":
		if !ok {
			return sign + sym + nbsp + n
		}
		return sign + sym + n
	case "fr", "de":
		return sign + n + nbsp + sym
	}
	return sign + n + nbsp + sym
}

// Amount formats an amount in minor units with the locale's separators and
// the currency's ISO code after, as the console shows money of any
// currency: fr "1 234,56 EUR" (no-break space between groups), nl and de
// "1.234,56 EUR", en "1,234.56 EUR"; a real minus sign ("−3,10 EUR") and
// never a signed zero.
func Amount(lang string, amount int64, cur portal.Currency) string {
	sign, abs := "", amount
	if amount < 0 {
		sign, abs = "\u2212", -amount
	}
	return sign + number(lang, abs, cur.Exponent()) + " " + string(cur)
}

// TimeUTC formats an instant as its date in words and its time in UTC:
// fr "5 mars 2026 14:03 UTC", de "5. März 2026 14:03 UTC".
func TimeUTC(lang string, t time.Time) string {
	u := t.UTC()
	return Date(lang, portal.DateOf(u)) + " " + u.Format("15:04") + " UTC"
}

var months = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// Date formats a date in words: fr "5 mars 2026", nl "5 maart 2026",
// en "5 March 2026", de "5. März 2026". A zero date is "".
func Date(lang string, d portal.Date) string {
	if d.IsZero() {
		return ""
	}
	names, ok := months[lang]
	if !ok {
		names = months[Fallback]
	}
	day := strconv.Itoa(d.Day)
	if lang == "de" {
		day += "."
	}
	if lang == "fr" && d.Day == 1 {
		day = "1er"
	}
	return day + nbsp + names[d.Month-1] + " " + strconv.Itoa(d.Year)
}

// MonthYear formats the month of a date in words: fr "mars 2026", de
// "März 2026".
func MonthYear(lang string, d portal.Date) string {
	names, ok := months[lang]
	if !ok {
		names = months[Fallback]
	}
	return names[d.Month-1] + " " + strconv.Itoa(d.Year)
}

// Rate formats a yearly rate in basis points: fr "12,15 %", nl "12,15%",
// en "12.15%", de "12,15 %".
func Rate(lang string, bp int64) string {
	neg := bp < 0
	if neg {
		bp = -bp
	}
	n := number(lang, bp, 2)
	if neg {
		n = "-" + n
	}
	if lang == "fr" || lang == "de" {
		return n + nbsp + "%"
	}
	return n + "%"
}

// Money formats an amount in t's language.
func (t *T) Money(amount int64, cur portal.Currency) string { return Money(t.Lang, amount, cur) }

// Amount formats an amount with its currency code in t's language.
func (t *T) Amount(amount int64, cur portal.Currency) string { return Amount(t.Lang, amount, cur) }

// TimeUTC formats an instant (date in words, time in UTC) in t's language.
func (t *T) TimeUTC(at time.Time) string { return TimeUTC(t.Lang, at) }

// Date formats a date in t's language.
func (t *T) Date(d portal.Date) string { return Date(t.Lang, d) }

// Rate formats a rate in basis points in t's language.
func (t *T) Rate(bp int64) string { return Rate(t.Lang, bp) }

// MonthYear formats a date's month in t's language.
func (t *T) MonthYear(d portal.Date) string { return MonthYear(t.Lang, d) }
