package banking

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/relais/relais/portal"
)

// OpenClaim is what the matcher needs to know of a claim that still awaits
// payment.
type OpenClaim struct {
	ClaimID string
	// Reference is the payment reference the debtor was given, in any
	// printed or electronic form (see NormalizeReference).
	Reference string
	// Balance is the open balance in minor units of Currency.
	Balance    int64
	Currency   portal.Currency
	DebtorName string
}

// MatchKind classifies a statement line.
type MatchKind string

const (
	// MatchExact: the line quotes a claim's reference. The amount may
	// differ (partial payment, overpayment).
	MatchExact MatchKind = "exact"
	// MatchNear: no reference matched, but the amount equals a claim's open
	// balance in its currency and the payer's name resembles the debtor's.
	// A person should confirm.
	MatchNear MatchKind = "near"
	// MatchNone: a credit the matcher could not attribute.
	MatchNone MatchKind = "unmatched"
	// MatchSkipped: a debit or a reversal, which pays no claim.
	MatchSkipped MatchKind = "skipped"
)

// Match is the classification of one statement line.
type Match struct {
	// Line is the index of the line in the input slice.
	Line int
	Kind MatchKind
	// ClaimIDs holds the matched claim for MatchExact, and the candidate
	// claims for MatchNear, best name match first (then most shared words,
	// then input order); nil otherwise.
	ClaimIDs []string
}

// NearNameThreshold is the NameSimilarity from which a payer's name counts
// as resembling a debtor's.
const NearNameThreshold = 0.5

// MatchLines classifies each statement line, in order, against the open
// claims. A credit matches exactly when its reference (or end-to-end id)
// is, or contains, a claim's reference: Belgian structured communications
// are compared by their 12 digits and RF references by their electronic
// form, wherever they appear in the remittance text and however they are
// spaced; other claim references must equal the whole line reference once
// both are reduced to letters and digits. When two claims share a
// reference the first listed wins. It is a pure function: each line is
// classified on its own, without consuming balances.
func MatchLines(lines []StatementLine, claims []OpenClaim) []Match {
	byRef := make(map[string]string, len(claims))
	for _, c := range claims {
		if key := NormalizeReference(c.Reference); key != "" {
			if _, dup := byRef[key]; !dup {
				byRef[key] = c.ClaimID
			}
		}
	}
	out := make([]Match, len(lines))
	for i := range lines {
		l := &lines[i]
		out[i] = Match{Line: i, Kind: MatchNone}
		if !l.Credit || l.Reversal {
			out[i].Kind = MatchSkipped
			continue
		}
		if id, ok := matchReference(l, byRef); ok {
			out[i].Kind, out[i].ClaimIDs = MatchExact, []string{id}
			continue
		}
		if ids := nearClaims(l, claims); len(ids) > 0 {
			out[i].Kind, out[i].ClaimIDs = MatchNear, ids
		}
	}
	return out
}

func matchReference(l *StatementLine, byRef map[string]string) (string, bool) {
	for _, text := range []string{l.Reference, l.EndToEndID} {
		if text == "" {
			continue
		}
		if id, ok := byRef[NormalizeReference(text)]; ok {
			return id, true
		}
		for _, key := range ReferencesIn(text) {
			if id, ok := byRef[key]; ok {
				return id, true
			}
		}
	}
	return "", false
}

var (
	// A structured communication inside free text: framed or slashed, with
	// optional spaces, or a bare run of 12 digits.
	structuredInText = regexp.MustCompile(`(?:[+*]{3}\s*)?\d{3}\s*/\s*\d{4}\s*/\s*\d{5}(?:\s*[+*]{3})?|\b\d{12}\b`)
	// An RF reference inside free text, possibly printed in groups.
	rfInText = regexp.MustCompile(`(?i)\bRF\s?\d{2}(?:\s?[0-9A-Z]){1,21}`)
)

// ReferencesIn finds the valid Belgian structured communications and RF
// references quoted in a free remittance text ("Facture 12 +++090/9337/
// 55493+++ merci", "ref RF18 5390 0754 7034") and returns their comparison
// keys (see NormalizeReference): structured communications first, then RF
// references, each in order of appearance.
func ReferencesIn(text string) []string {
	var keys []string
	for _, m := range structuredInText.FindAllString(text, -1) {
		if d, err := ParseStructured(m); err == nil {
			keys = append(keys, d)
		}
	}
	for _, m := range rfInText.FindAllString(text, -1) {
		// The greedy match may run into following words: drop trailing
		// space-separated groups until the check digits agree.
		for {
			if rf, err := ParseRF(m); err == nil {
				keys = append(keys, rf)
				break
			}
			i := strings.LastIndexAny(m, " \t")
			if i < 0 {
				break
			}
			m = strings.TrimRight(m[:i], " \t")
		}
	}
	return keys
}

// nearClaims lists the claims whose open balance equals the credit and
// whose debtor name resembles the payer's, best first.
func nearClaims(l *StatementLine, claims []OpenClaim) []string {
	if l.Name == "" {
		return nil
	}
	type cand struct {
		id     string
		score  float64
		shared int
	}
	var cs []cand
	for _, c := range claims {
		if c.Balance <= 0 || c.Balance != l.Amount || c.Currency != l.Currency {
			continue
		}
		if s, n := nameSimilarity(l.Name, c.DebtorName); s >= NearNameThreshold {
			cs = append(cs, cand{c.ClaimID, s, n})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].score != cs[j].score {
			return cs[i].score > cs[j].score
		}
		return cs[i].shared > cs[j].shared
	})
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// NameSimilarity compares two person or company names, from 0 (nothing in
// common) to 1: the number of shared words divided by the word count of the
// shorter name. Names are lower-cased, stripped of accents, split on
// anything but letters and digits, and rid of one-letter words (initials),
// titles and legal forms (SA, SRL, BV, Mme, ...), so that "DUPONT J." and
// "Jean Dupont" score 1 and the word order does not matter.
func NameSimilarity(a, b string) float64 {
	score, _ := nameSimilarity(a, b)
	return score
}

// nameSimilarity also returns the number of shared words, which breaks
// ties between equally similar names.
func nameSimilarity(a, b string) (float64, int) {
	ta, tb := nameTokens(a), nameTokens(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0, 0
	}
	shared := 0
	for t := range ta {
		if tb[t] {
			shared++
		}
	}
	return float64(shared) / float64(min(len(ta), len(tb))), shared
}

var nameNoise = map[string]bool{
	// titles
	"mr": true, "mrs": true, "ms": true, "mme": true, "mlle": true, "mm": true,
	"dhr": true, "mevr": true, "mevrouw": true, "meneer": true, "monsieur": true,
	"madame": true, "herr": true, "frau": true, "dr": true, "me": true,
	// legal forms
	"sa": true, "nv": true, "srl": true, "sprl": true, "bv": true, "bvba": true,
	"sas": true, "sasu": true, "sarl": true, "eurl": true, "sc": true, "scs": true,
	"scrl": true, "cv": true, "cvba": true, "vof": true, "snc": true, "asbl": true,
	"vzw": true, "ltd": true, "llc": true, "plc": true, "inc": true, "gmbh": true,
	"ag": true, "sci": true, "ei": true,
	// joining words
	"et": true, "en": true, "and": true, "und": true,
}

var accentFold = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a", "æ", "ae",
	"ç", "c", "è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i",
	"î", "i", "ï", "i", "ñ", "n", "ò", "o", "ó", "o", "ô", "o", "õ", "o",
	"ö", "o", "ø", "o", "œ", "oe", "ù", "u", "ú", "u", "û", "u", "ü", "u",
	"ý", "y", "ÿ", "y", "ß", "ss",
)

func nameTokens(s string) map[string]bool {
	s = accentFold.Replace(strings.ToLower(s))
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	set := make(map[string]bool, len(words))
	for _, w := range words {
		if len([]rune(w)) > 1 && !nameNoise[w] {
			set[w] = true
		}
	}
	return set
}
