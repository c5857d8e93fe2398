// Package pdffont gives Relais' PDFs (letters, payment agreements, the
// evidence dossier) a font that shows what debtors write in any language:
// DejaVu Sans 2.37, embedded in the binary with its licence
// (fonts/LICENSE, fonts/README.md). fpdf's core fonts know only cp1252, so
// an Arabic name printed as dots and Greek or Polish letters were lost.
//
// fpdf draws a string as given, left to right, one glyph per character,
// without shaping. Text does the little a shaping engine would do for the
// scripts the font has: Arabic letters take their isolated, initial, medial
// or final forms (with the lam-alef ligatures), and right-to-left runs
// (Arabic, Hebrew) are put in visual order, so that they read right to left
// inside a left-to-right line. A right-to-left run longer than a line wraps
// in visual order (its end on the first line). Characters fpdf cannot
// address (outside the Basic Multilingual Plane: emoji) or that the font
// lacks become U+FFFD (�).
//
// The oblique face has no Arabic: a text it cannot show is set in the
// regular face (Style, Doc.Str). The package is pure: no I/O at run time.
package pdffont

import (
	_ "embed"
	"encoding/binary"
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// Family is the name the faces are registered under in a document.
const Family = "dejavusans"

// Replacement is what a character the font cannot show becomes.
const Replacement = '\uFFFD'

var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
	//go:embed fonts/DejaVuSans-Oblique.ttf
	obliqueTTF []byte
)

// coverage is the set of BMP characters a face has a glyph for.
type coverage [0x10000 / 64]uint64

func (c *coverage) has(r rune) bool {
	return r >= 0 && r < 0x10000 && c[r/64]&(1<<(uint(r)%64)) != 0
}

func (c *coverage) add(r rune) {
	if r >= 0 && r < 0x10000 {
		c[r/64] |= 1 << (uint(r) % 64)
	}
}

var regular, bold, oblique = cmapOf(regularTTF), cmapOf(boldTTF), cmapOf(obliqueTTF)

// cmapOf reads the characters of a TrueType font from its Unicode BMP
// character map (platform 3 encoding 1 or platform 0, format 4).
func cmapOf(ttf []byte) *coverage {
	c := &coverage{}
	u16 := func(o int) int {
		if o < 0 || o+2 > len(ttf) {
			return 0
		}
		return int(binary.BigEndian.Uint16(ttf[o:]))
	}
	u32 := func(o int) int {
		if o < 0 || o+4 > len(ttf) {
			return 0
		}
		return int(binary.BigEndian.Uint32(ttf[o:]))
	}
	cmap := -1
	for i, n := 0, u16(4); i < n; i++ {
		if rec := 12 + 16*i; string(ttf[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		panic("pdffont: embedded font has no cmap table")
	}
	sub := -1
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		pid, eid, off := u16(rec), u16(rec+2), u32(rec+4)
		if (pid == 3 && eid == 1) || pid == 0 {
			if u16(cmap+off) == 4 {
				sub = cmap + off
				break
			}
		}
	}
	if sub < 0 {
		panic("pdffont: embedded font has no format 4 Unicode cmap")
	}
	segs := u16(sub+6) / 2
	ends, starts, deltas, ranges := sub+14, sub+16+2*segs, sub+16+4*segs, sub+16+6*segs
	for s := 0; s < segs; s++ {
		end, start, delta, ro := u16(ends+2*s), u16(starts+2*s), u16(deltas+2*s), u16(ranges+2*s)
		for r := start; r <= end && r != 0xFFFF; r++ {
			glyph := 0
			if ro == 0 {
				glyph = (r + delta) & 0xFFFF
			} else if g := u16(ranges + 2*s + ro + 2*(r-start)); g != 0 {
				glyph = (g + delta) & 0xFFFF
			}
			if glyph != 0 {
				c.add(rune(r))
			}
		}
	}
	return c
}

// Register adds the regular ("" ), bold ("B") and oblique ("I") faces to f
// under Family. Use Doc to set text, or Text and Style by hand.
func Register(f *fpdf.Fpdf) {
	f.AddUTF8FontFromBytes(Family, "", regularTTF)
	f.AddUTF8FontFromBytes(Family, "B", boldTTF)
	f.AddUTF8FontFromBytes(Family, "I", obliqueTTF)
}

// Has reports whether the regular face can show r.
func Has(r rune) bool { return regular.has(r) }

// Text prepares s for fpdf: characters the regular face lacks (and all
// outside the BMP) become Replacement, invisible format characters (bidi
// controls, zero-width joiners, variation selectors) and control
// characters but the line feed go, tabs become spaces, Arabic is shaped and
// right-to-left runs are put in visual order.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\n':
		case r == '\t':
			r = ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r):
			continue
		case !regular.has(r):
			r = Replacement
		}
		rs = append(rs, r)
	}
	rs = shapeArabic(rs)
	rs = visualOrder(rs)
	return string(rs)
}

// isPlain reports whether s is printable ASCII (or Latin-1 letters), which
// need no preparation: the common case, kept fast for long dossiers.
func isPlain(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r > 0xFF || (r >= 0x7F && r < 0xA0) {
			return false
		}
	}
	return true
}

// Style returns the style to set for text (already through Text): style,
// or the regular face "" when the face of style lacks one of text's
// characters that the regular face has (the oblique face has no Arabic).
// "BI" is the bold face: no bold oblique is embedded.
func Style(style, text string) string {
	style = normStyle(style)
	var face *coverage
	switch style {
	case "B":
		face = bold
	case "I":
		face = oblique
	default:
		return ""
	}
	for _, r := range text {
		if r != '\n' && !face.has(r) && regular.has(r) {
			return ""
		}
	}
	return style
}

func normStyle(style string) string {
	style = strings.ToUpper(style)
	switch {
	case strings.Contains(style, "B"):
		return "B"
	case strings.Contains(style, "I"):
		return "I"
	}
	return ""
}
