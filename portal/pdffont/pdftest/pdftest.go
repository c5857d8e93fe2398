// Package pdftest reads back the PDFs Relais makes, for tests: the strings
// drawn (from the content streams, no tool needed), and, with poppler's
// pdftotext installed, the text a PDF reader extracts and the position of
// every word, to check that no text is drawn over another.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

var (
	streamRE = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	tjRE     = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
)

// Strings returns the strings drawn with Tj in the PDF's page content
// streams, inflated when compressed, one per line, decoded from the
// UTF-16BE of the embedded UTF-8 fonts (cp1252 bytes of core fonts are
// taken as Latin-1). Right-to-left runs appear in the visual order drawn.
func Strings(pdf []byte) string {
	var parts []string
	for _, m := range streamRE.FindAllSubmatch(pdf, -1) {
		content := m[1]
		if zr, err := zlib.NewReader(bytes.NewReader(m[1])); err == nil {
			if b, err := io.ReadAll(zr); err == nil {
				content = b
			}
		}
		for _, tm := range tjRE.FindAllSubmatch(content, -1) {
			parts = append(parts, decode(unescape(tm[1])))
		}
	}
	return strings.Join(parts, "\n")
}

// unescape undoes a PDF literal string's backslash escapes.
func unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		default:
			if c >= '0' && c <= '7' {
				j := i
				for j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(string(b[i:j]), 8, 8)
				out = append(out, byte(v))
				i = j - 1
			} else {
				out = append(out, c)
			}
		}
	}
	return out
}

// decode reads UTF-16BE when the string looks like it (even length, a zero
// high byte on most Latin text), else Latin-1.
func decode(b []byte) string {
	if len(b)%2 == 0 && len(b) > 0 {
		u := make([]uint16, len(b)/2)
		zeros := 0
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			if b[2*i] == 0 {
				zeros++
			}
		}
		if zeros*4 >= len(u) {
			return string(utf16.Decode(u))
		}
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// tool returns pdftotext's path, or skips the test.
func tool(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	return bin
}

func run(t testing.TB, pdf []byte, args ...string) []byte {
	t.Helper()
	bin := tool(t)
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-enc", "UTF-8"}, args...), path, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return out
}

// Text is what pdftotext extracts (reading order), NFKC-normalised (so
// that Arabic presentation forms read as their letters), non-breaking
// spaces as spaces. Skips the test without pdftotext.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return clean(string(run(t, pdf)))
}

// Joined is Text with all whitespace runs made one space, for phrases a
// line may wrap.
func Joined(t testing.TB, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(Text(t, pdf)), " ")
}

// Pages is Joined page by page: pdftotext ends each page with a form
// feed.
func Pages(t testing.TB, pdf []byte) []string {
	t.Helper()
	pages := strings.Split(Text(t, pdf), "\f")
	if n := len(pages); n > 1 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	for i, p := range pages {
		pages[i] = strings.Join(strings.Fields(p), " ")
	}
	return pages
}

func clean(s string) string {
	s = norm.NFKC.String(s)
	// pdftotext marks right-to-left runs with embedding controls.
	s = strings.NewReplacer("\u00a0", " ", "\u202b", "", "\u202a", "", "\u202c", "", "\u200f", "", "\u200e", "").Replace(s)
	return s
}

// Word is one word pdftotext found, with its box in points from the page's
// top left.
type Word struct {
	Page                   int
	Text                   string
	XMin, YMin, XMax, YMax float64
}

func (w Word) String() string {
	return fmt.Sprintf("p%d %q [%.1f,%.1f-%.1f,%.1f]", w.Page, w.Text, w.XMin, w.YMin, w.XMax, w.YMax)
}

// Words returns every word of the PDF with its box (pdftotext -bbox).
// Skips the test without pdftotext.
func Words(t testing.TB, pdf []byte) []Word {
	t.Helper()
	out := run(t, pdf, "-bbox")
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	var words []Word
	page := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("pdftotext -bbox output: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "page":
			page++
		case "word":
			w := Word{Page: page}
			for _, a := range se.Attr {
				v, _ := strconv.ParseFloat(a.Value, 64)
				switch strings.ToLower(a.Name.Local) {
				case "xmin":
					w.XMin = v
				case "ymin":
					w.YMin = v
				case "xmax":
					w.XMax = v
				case "ymax":
					w.YMax = v
				}
			}
			var text string
			if err := dec.DecodeElement(&text, &se); err != nil {
				t.Fatal(err)
			}
			w.Text = clean(html.UnescapeString(text))
			words = append(words, w)
		}
	}
	return words
}

// Overlaps returns the pairs of words drawn over each other: boxes that
// share more than half a point across and a point and a half down (lines
// set at their line height only touch).
func Overlaps(words []Word) [][2]Word {
	var out [][2]Word
	for i, a := range words {
		for _, b := range words[i+1:] {
			if a.Page != b.Page {
				continue
			}
			dx := min(a.XMax, b.XMax) - max(a.XMin, b.XMin)
			dy := min(a.YMax, b.YMax) - max(a.YMin, b.YMin)
			if dx > 0.5 && dy > 1.5 {
				out = append(out, [2]Word{a, b})
			}
		}
	}
	return out
}

// NoOverlap fails the test for every pair of words drawn over each other.
func NoOverlap(t testing.TB, pdf []byte) {
	t.Helper()
	for _, p := range Overlaps(Words(t, pdf)) {
		t.Errorf("text drawn over other text: %s and %s", p[0], p[1])
	}
}
