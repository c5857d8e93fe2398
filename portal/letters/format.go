package letters

import (
	"fmt"
	"strings"

	"github.com/relais/relais/portal"
)

// nbsp keeps amounts and dates on one line: the PDF line breaker only
// breaks at ordinary spaces.
const nbsp = "\u00a0"

// Money formats an amount in minor units the way a reader of lang writes
// it: "1 099,99 €" (fr), "€ 1.099,99" (nl), "€1,099.99" (en), "1.099,99 €"
// (de). The spaces are non-breaking. Other currencies use their code.
func Money(lang string, amount int64, cur portal.Currency) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	plain := portal.FormatMinor(amount, cur.Exponent())
	whole, frac, _ := strings.Cut(plain, ".")
	group, dec := ".", ","
	switch lang {
	case "fr":
		group = nbsp
	case "en":
		group, dec = ",", "."
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += dec + frac
	}
	if neg {
		num = "-" + num
	}
	sym := string(cur)
	if cur == "EUR" {
		sym = "€"
	}
	switch {
	case lang == "en" && sym == "€":
		return sym + num
	case lang == "en", lang == "nl":
		return sym + nbsp + num
	}
	return num + nbsp + sym
}

// FormatDate writes a date in full in lang: "30 juin 2024", "30 juni
// 2024", "30 June 2024", "30. Juni 2024", with non-breaking spaces.
func FormatDate(lang string, d portal.Date) string {
	t, ok := languages[lang]
	if !ok || d.IsZero() {
		return d.String()
	}
	month := t.Months[d.Month-1]
	if lang == "de" {
		return fmt.Sprintf("%d.%s%s%s%d", d.Day, nbsp, month, nbsp, d.Year)
	}
	return fmt.Sprintf("%d%s%s%s%d", d.Day, nbsp, month, nbsp, d.Year)
}

// ShortDate writes a date in figures the way a reader of lang does:
// "30/06/2024" (fr, nl, en), "30.06.2024" (de). Tables use it where a date
// in full would not fit.
func ShortDate(lang string, d portal.Date) string {
	if d.IsZero() {
		return ""
	}
	sep := "/"
	if lang == "de" {
		sep = "."
	}
	return fmt.Sprintf("%02d%s%02d%s%04d", d.Day, sep, d.Month, sep, d.Year)
}
