package pdffont

import "unicode"

// joining is how an Arabic letter connects: to the letter before it only
// (right-joining: alef, dal, reh, waw...), or on both sides (dual-joining).
type joining uint8

const (
	joinNone joining = iota
	joinRight
	joinDual
)

// arabicForms are the presentation forms (Unicode block Arabic
// Presentation Forms-B) of the letters U+0621 to U+064A: isolated, final,
// initial, medial; 0 where the letter has no such form. From Unicode's
// ArabicShaping.txt and the FExx code charts.
var arabicForms = map[rune][4]rune{
	0x0621: {0xFE80, 0, 0, 0},
	0x0622: {0xFE81, 0xFE82, 0, 0},
	0x0623: {0xFE83, 0xFE84, 0, 0},
	0x0624: {0xFE85, 0xFE86, 0, 0},
	0x0625: {0xFE87, 0xFE88, 0, 0},
	0x0626: {0xFE89, 0xFE8A, 0xFE8B, 0xFE8C},
	0x0627: {0xFE8D, 0xFE8E, 0, 0},
	0x0628: {0xFE8F, 0xFE90, 0xFE91, 0xFE92},
	0x0629: {0xFE93, 0xFE94, 0, 0},
	0x062A: {0xFE95, 0xFE96, 0xFE97, 0xFE98},
	0x062B: {0xFE99, 0xFE9A, 0xFE9B, 0xFE9C},
	0x062C: {0xFE9D, 0xFE9E, 0xFE9F, 0xFEA0},
	0x062D: {0xFEA1, 0xFEA2, 0xFEA3, 0xFEA4},
	0x062E: {0xFEA5, 0xFEA6, 0xFEA7, 0xFEA8},
	0x062F: {0xFEA9, 0xFEAA, 0, 0},
	0x0630: {0xFEAB, 0xFEAC, 0, 0},
	0x0631: {0xFEAD, 0xFEAE, 0, 0},
	0x0632: {0xFEAF, 0xFEB0, 0, 0},
	0x0633: {0xFEB1, 0xFEB2, 0xFEB3, 0xFEB4},
	0x0634: {0xFEB5, 0xFEB6, 0xFEB7, 0xFEB8},
	0x0635: {0xFEB9, 0xFEBA, 0xFEBB, 0xFEBC},
	0x0636: {0xFEBD, 0xFEBE, 0xFEBF, 0xFEC0},
	0x0637: {0xFEC1, 0xFEC2, 0xFEC3, 0xFEC4},
	0x0638: {0xFEC5, 0xFEC6, 0xFEC7, 0xFEC8},
	0x0639: {0xFEC9, 0xFECA, 0xFECB, 0xFECC},
	0x063A: {0xFECD, 0xFECE, 0xFECF, 0xFED0},
	0x0641: {0xFED1, 0xFED2, 0xFED3, 0xFED4},
	0x0642: {0xFED5, 0xFED6, 0xFED7, 0xFED8},
	0x0643: {0xFED9, 0xFEDA, 0xFEDB, 0xFEDC},
	0x0644: {0xFEDD, 0xFEDE, 0xFEDF, 0xFEE0},
	0x0645: {0xFEE1, 0xFEE2, 0xFEE3, 0xFEE4},
	0x0646: {0xFEE5, 0xFEE6, 0xFEE7, 0xFEE8},
	0x0647: {0xFEE9, 0xFEEA, 0xFEEB, 0xFEEC},
	0x0648: {0xFEED, 0xFEEE, 0, 0},
	0x0649: {0xFEEF, 0xFEF0, 0, 0},
	0x064A: {0xFEF1, 0xFEF2, 0xFEF3, 0xFEF4},
}

// lamAlef are the ligatures of lam with a following alef: isolated, final.
var lamAlef = map[rune][2]rune{
	0x0622: {0xFEF5, 0xFEF6},
	0x0623: {0xFEF7, 0xFEF8},
	0x0625: {0xFEF9, 0xFEFA},
	0x0627: {0xFEFB, 0xFEFC},
}

const (
	lam     = 0x0644
	tatweel = 0x0640
)

func joiningOf(r rune) joining {
	if r == tatweel {
		return joinDual
	}
	f, ok := arabicForms[r]
	switch {
	case !ok:
		return joinNone
	case f[2] != 0:
		return joinDual
	case f[1] != 0:
		return joinRight
	}
	return joinNone
}

// transparent marks (harakat, superscript alef) do not break joining.
func transparent(r rune) bool {
	return (r >= 0x064B && r <= 0x065F) || r == 0x0670 || (r >= 0x06D6 && r <= 0x06ED && r != 0x06DD && r != 0x06DE && r != 0x06E5 && r != 0x06E6 && r != 0x06E9)
}

// shapeArabic replaces the Arabic letters of rs (in logical order) by the
// presentation form their neighbours call for.
func shapeArabic(rs []rune) []rune {
	has := false
	for _, r := range rs {
		if r >= 0x0621 && r <= 0x064A {
			has = true
			break
		}
	}
	if !has {
		return rs
	}
	// neighbour finds the next letter before (step -1) or after (+1) i,
	// skipping transparent marks.
	neighbour := func(i, step int) int {
		for j := i + step; j >= 0 && j < len(rs); j += step {
			if !transparent(rs[j]) {
				return j
			}
		}
		return -1
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		jr := joiningOf(r)
		if jr == joinNone || r == tatweel {
			out = append(out, r)
			continue
		}
		prev := neighbour(i, -1)
		joinsPrev := prev >= 0 && joiningOf(rs[prev]) == joinDual
		next := neighbour(i, +1)
		// Lam followed by alef: one ligature glyph.
		if r == lam && next >= 0 {
			if lig, ok := lamAlef[rs[next]]; ok {
				form := lig[0]
				if joinsPrev {
					form = lig[1]
				}
				out = append(out, form)
				out = append(out, rs[i+1:next]...) // marks on the lam
				i = next
				continue
			}
		}
		joinsNext := jr == joinDual && next >= 0 && joiningOf(rs[next]) != joinNone
		f := arabicForms[r]
		form := f[0]
		switch {
		case joinsPrev && joinsNext && f[3] != 0:
			form = f[3]
		case joinsPrev && f[1] != 0:
			form = f[1]
		case joinsNext && f[2] != 0:
			form = f[2]
		}
		if !regular.has(form) {
			form = r
		}
		out = append(out, form)
	}
	return out
}

// rtl reports a strong right-to-left character: Hebrew, Arabic, Syriac,
// Thaana, NKo and their presentation forms.
func rtl(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFE)
}

// ltr reports a strong left-to-right character (a letter of a
// left-to-right script).
func ltr(r rune) bool { return !rtl(r) && unicode.IsLetter(r) }

// mirrored is the glyph a paired punctuation shows in a right-to-left run.
var mirrored = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹'}

// visualOrder puts each right-to-left run of rs in visual order for a
// left-to-right line: a run starts and ends with a right-to-left character
// and holds the neutral characters (spaces, punctuation) and numbers
// between them, but no left-to-right letter. Inside the run the characters
// are reversed, paired punctuation is mirrored, and numbers keep their
// left-to-right order; marks stay after the letter they sit on.
func visualOrder(rs []rune) []rune {
	start := -1
	for i := 0; i <= len(rs); i++ {
		if i < len(rs) && rtl(rs[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start < 0 {
			continue
		}
		// rs[start:i] starts with an RTL character; extend it over neutrals
		// and numbers as long as another RTL character follows before any
		// LTR letter or line break.
		end := i
		j := i
		for j < len(rs) && !ltr(rs[j]) && rs[j] != '\n' {
			if rtl(rs[j]) {
				end = j + 1
				for end < len(rs) && rtl(rs[end]) {
					end++
				}
				j = end
				continue
			}
			j++
		}
		reverseRun(rs[start:end])
		start = -1
		i = end - 1
	}
	return rs
}

// reverseRun reverses a right-to-left run in place, keeping numbers and
// letter+mark clusters in their order.
func reverseRun(run []rune) {
	// Clusters: a number (digits with the separators inside it), or a
	// character with the marks after it.
	var clusters [][]rune
	for i := 0; i < len(run); {
		j := i + 1
		switch {
		case isDigit(run[i]):
			for j < len(run) && (isDigit(run[j]) || ((run[j] == '.' || run[j] == ',' || run[j] == '/' || run[j] == ':') && j+1 < len(run) && isDigit(run[j+1]))) {
				j++
			}
		default:
			for j < len(run) && (unicode.Is(unicode.Mn, run[j]) || transparent(run[j])) {
				j++
			}
		}
		c := append([]rune(nil), run[i:j]...)
		if len(c) == 1 {
			if m, ok := mirrored[c[0]]; ok {
				c[0] = m
			}
		}
		clusters = append(clusters, c)
		i = j
	}
	k := 0
	for n := len(clusters) - 1; n >= 0; n-- {
		k += copy(run[k:], clusters[n])
	}
}

func isDigit(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= 0x0660 && r <= 0x0669) || (r >= 0x06F0 && r <= 0x06F9)
}
