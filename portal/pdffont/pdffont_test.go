package pdffont_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal/pdffont"
	"github.com/relais/relais/portal/pdffont/pdftest"
)

func TestCoverage(t *testing.T) {
	for _, r := range "AzéßŁłŻżŚśĆćŃńĘęĄąΑΩαωάΠπ€«»\u00a0\uFFFD" + "\uFEB3\uFE8E\uFEAD\uFE93" {
		if !pdffont.Has(r) {
			t.Errorf("the font lacks %q (U+%04X)", r, r)
		}
	}
	if pdffont.Has('😀') {
		t.Error("a character outside the BMP counts as shown: fpdf cannot draw it")
	}
}

func TestText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Émile Dupont", "Émile Dupont"},
		{"Łukasz Żółć", "Łukasz Żółć"},
		{"Νίκος Παπαδόπουλος", "Νίκος Παπαδόπουλος"},
		// Logical سارة is seen, alef, reh, teh marbuta: seen initial, alef
		// final, reh and teh marbuta isolated (alef and reh do not join
		// the next letter), then drawn right to left.
		{"سارة", "\uFE93\uFEAD\uFE8E\uFEB3"},
		// محمد: meem initial, hah medial, meem medial, dal final.
		{"Débiteur : محمد بن سارة.", "Débiteur : \uFE93\uFEAD\uFE8E\uFEB3 \uFEE6\uFE91 \uFEAA\uFEE4\uFEA4\uFEE3."},
		// Lam-alef is one ligature; a number inside the run keeps its order.
		{"سلام 12", "\uFEE1\uFEFC\uFEB3 12"},
		{"شارع 12 سلام", "\uFEE1\uFEFC\uFEB3 12 \uFEC9\uFEAD\uFE8E\uFEB7"},
		{"Merci 😀👍🏽!", "Merci \uFFFD\uFFFD\uFFFD!"},
		{"tab\there\u200f\u202e", "tab here"},
	} {
		if got := pdffont.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q (%U), want %q (%U)", tt.in, got, []rune(got), tt.want, []rune(tt.want))
		}
	}
}

func TestStyle(t *testing.T) {
	if s := pdffont.Style("B", "Żółć Ω"); s != "B" {
		t.Errorf("bold Polish and Greek: %q", s)
	}
	if s := pdffont.Style("I", pdffont.Text("سارة")); s != "" {
		t.Errorf("the oblique face has no Arabic, yet style %q", s)
	}
	if s := pdffont.Style("B", pdffont.Text("سارة")); s != "B" {
		t.Errorf("the bold face has Arabic, yet style %q", s)
	}
}

func render(t *testing.T, draw func(d *pdffont.Doc)) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC))
	f.SetModificationDate(time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC))
	f.SetCatalogSort(true)
	d := pdffont.New(f)
	d.AddPage()
	draw(d)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// What a PDF reader extracts is what was written, in every script the
// debtors use; emoji, which fpdf cannot draw, show the replacement glyph.
func TestReadBack(t *testing.T) {
	lines := []string{"Ελένη Παπαδοπούλου", "Łukasz Żółć-Wąsowski", "سارة محمد", "Merci 😀"}
	pdf := render(t, func(d *pdffont.Doc) {
		for _, style := range []string{"", "B", "I"} {
			d.Font(style, 11)
			for _, l := range lines {
				d.MultiCell(0, 6, d.Str(l), "", "L", false)
			}
		}
	})
	txt := pdftest.Text(t, pdf)
	for _, w := range []string{"Ελένη Παπαδοπούλου", "Łukasz Żółć-Wąsowski", "سارة محمد", "Merci \uFFFD"} {
		if n := strings.Count(txt, w); n != 3 {
			t.Errorf("%q read back %d times, want 3 (regular, bold, oblique):\n%s", w, n, txt)
		}
	}
	if a, b := render(t, func(d *pdffont.Doc) { d.Cell(0, 6, d.Str(lines[2])) }), render(t, func(d *pdffont.Doc) { d.Cell(0, 6, d.Str(lines[2])) }); !bytes.Equal(a, b) {
		t.Error("two renders of the same text differ")
	}
}

// A row wraps each cell in its column: a long unbreakable value never runs
// into the next column, and the row is as tall as its tallest cell.
func TestRow(t *testing.T) {
	long := "F-2024-000000000000123456789-ABCDEFGHIJKLMNOP"
	pdf := render(t, func(d *pdffont.Doc) {
		d.Row([]pdffont.Cell{{W: 38, Text: long}, {W: 24, Text: "2024-01-01"}, {W: 24, Text: "2024-01-31", Align: "R"}}, 9, 5, "", false)
		d.Row([]pdffont.Cell{{W: 60, Text: "Balance due on the date of the agreement", Style: "B"}, {W: 110, Text: "€1,000.00"}}, 10, 6, "", false)
		d.Cell(0, 6, d.Str("after"))
	})
	pdftest.NoOverlap(t, pdf)
	txt := strings.NewReplacer("2024-01-01", "", "2024-01-31", "").Replace(strings.Join(strings.Fields(pdftest.Text(t, pdf)), ""))
	if !strings.Contains(txt, strings.ReplaceAll(long, " ", "")) {
		t.Errorf("the long value is not all there:\n%s", txt)
	}
}

// The overlap check sees what fpdf's fixed-width cells did: a label longer
// than its cell drawn over the value beside it.
func TestOverlapsSeen(t *testing.T) {
	pdf := render(t, func(d *pdffont.Doc) {
		d.Font("B", 10)
		d.CellFormat(60, 6, d.Str("Balance due on the date of the agreement"), "", 0, "L", false, 0, "")
		d.Font("", 10)
		d.CellFormat(0, 6, d.Str("1,000.00 EUR"), "", 1, "L", false, 0, "")
	})
	if o := pdftest.Overlaps(pdftest.Words(t, pdf)); len(o) == 0 {
		t.Fatal("no overlap seen in a label drawn over its value")
	}
}

// Whatever a debtor types, the document still renders: characters fpdf
// cannot address (outside the BMP, controls) never reach it.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a\x00b\x1f\x7f", "\U0010FFFF\U0001F600", "漢字 한국어 ไทย", "e\u0301\u0308", "\u202eexe.pdf", "\xff\xfe broken",
		"سلام (مرحبا) 12,5 «test»", "שלום עולם", "\uFEFF\u200d\uFE0F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := pdffont.Text(s)
		for _, r := range out {
			if r != '\n' && !pdffont.Has(r) {
				t.Fatalf("Text(%q) keeps %U, which the font lacks", s, r)
			}
		}
		fd := fpdf.New("P", "mm", "A4", "")
		d := pdffont.New(fd)
		d.AddPage()
		for _, style := range []string{"", "B", "I"} {
			d.Font(style, 10)
			d.MultiCell(0, 5, d.Str(s), "", "L", false)
			d.Row([]pdffont.Cell{{W: 30, Text: s}, {W: 0, Text: s, Style: style}}, 9, 5, "1", false)
		}
		if err := fd.Output(io.Discard); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
