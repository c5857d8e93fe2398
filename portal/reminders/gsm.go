package reminders

import (
	"strings"
	"unicode/utf16"
)

// GSM 03.38 default alphabet (one septet each) and its extension table (an
// escape plus one septet, so two each).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

var gsmBasicSet, gsmExtSet = runeSet(gsmBasic), runeSet(gsmExtended)

func runeSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		m[r] = true
	}
	return m
}

// IsGSM7 reports whether every character of s is in the GSM 7-bit default
// alphabet or its extension table, so that s travels at 160 characters a
// segment instead of 70.
func IsGSM7(s string) bool {
	for _, r := range s {
		if !gsmBasicSet[r] && !gsmExtSet[r] {
			return false
		}
	}
	return true
}

// Segment sizes (GSM 03.40): a single message holds 160 septets or 70 UCS-2
// units; a concatenated one loses 7 septets (6 bytes) to its header.
const (
	gsmSingle, gsmMulti   = 160, 153
	ucs2Single, ucs2Multi = 70, 67
)

// Segments returns how many SMS segments s takes and whether it is sent in
// GSM-7 (else UCS-2). An extension character counts two septets and is not
// split across segments; neither is a UTF-16 surrogate pair.
func Segments(s string) (n int, gsm7 bool) {
	if s == "" {
		return 0, true
	}
	var units []int // size of each indivisible unit
	if IsGSM7(s) {
		gsm7 = true
		for _, r := range s {
			if gsmExtSet[r] {
				units = append(units, 2)
			} else {
				units = append(units, 1)
			}
		}
	} else {
		for _, r := range s {
			units = append(units, len(utf16.Encode([]rune{r})))
		}
	}
	single, multi := ucs2Single, ucs2Multi
	if gsm7 {
		single, multi = gsmSingle, gsmMulti
	}
	total := 0
	for _, u := range units {
		total += u
	}
	if total <= single {
		return 1, gsm7
	}
	n, used := 1, 0
	for _, u := range units {
		if used+u > multi {
			n, used = n+1, 0
		}
		used += u
	}
	return n, gsm7
}

// gsmFold maps common characters outside GSM-7 (French and German accents,
// typographic quotes and dashes, non-breaking spaces) to the nearest GSM-7
// text.
var gsmFold = strings.NewReplacer(
	"â", "a", "á", "a", "ã", "a", "À", "A", "Â", "A", "Á", "A",
	"ç", "c",
	"ê", "e", "ë", "e", "È", "E", "Ê", "E", "Ë", "E",
	"î", "i", "ï", "i", "í", "i", "Î", "I", "Ï", "I", "Í", "I", "Ì", "I",
	"ô", "o", "ó", "o", "õ", "o", "Ô", "O", "Ó", "O", "Ò", "O",
	"û", "u", "ú", "u", "Û", "U", "Ú", "U", "Ù", "U",
	"ÿ", "y", "Ÿ", "Y", "œ", "oe", "Œ", "OE",
	"\u2018", "'", "\u2019", "'", "\u201c", "\"", "\u201d", "\"", "\u201e", "\"", "«", "\"", "»", "\"",
	"\u2013", "-", "\u2014", "-", "\u2026", "...", "\u00a0", " ", "\u202f", " ", "\u2009", " ",
)

// ToGSM7 replaces characters outside GSM-7 by their nearest GSM-7 text where
// one exists ("ê" → "e", "’" → "'"). Text that still holds other characters
// (a name in Cyrillic) is sent in UCS-2.
func ToGSM7(s string) string { return gsmFold.Replace(s) }
