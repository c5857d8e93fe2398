package pdffont

import (
	"strings"

	"github.com/go-pdf/fpdf"
)

// Doc is an fpdf document set in the embedded font. Font chooses the style
// and size; Str prepares each text (Text) and sets the face that can show
// it (Style), so every string drawn goes through Str:
//
//	d.Font("B", 10)
//	d.MultiCell(0, 5, d.Str(name), "", "L", false)
type Doc struct {
	*fpdf.Fpdf
	style string
	size  float64
	// cur is the font fpdf has now, as set through Doc.
	cur font
}

type font struct {
	family, style string
	size          float64
}

// New registers the faces in f and returns it as a Doc, in the regular
// face at 10 pt.
func New(f *fpdf.Fpdf) *Doc {
	Register(f)
	d := &Doc{Fpdf: f}
	d.Font("", 10)
	return d
}

func (d *Doc) set(family, style string, size float64) {
	want := font{family, style, size}
	if d.cur == want {
		return
	}
	d.Fpdf.SetFont(family, style, size)
	d.cur = want
}

// Font chooses the style ("", "B", "I") and size in points of the texts
// that follow.
func (d *Doc) Font(style string, size float64) {
	d.style, d.size = normStyle(style), size
	d.set(Family, d.style, size)
}

// Mono sets Courier (core font) for ASCII text such as hashes; the next
// Str returns to the embedded font.
func (d *Doc) Mono(size float64) {
	d.set("courier", "", size)
}

// Str prepares s (Text) and sets the face, of the chosen style when it has
// every character of s, for drawing it.
func (d *Doc) Str(s string) string { return d.Prepared(Text(s)) }

// Prepared sets the face for t, a text Text (or Str) already prepared
// (preparing it twice would turn its right-to-left runs back), and returns
// it.
func (d *Doc) Prepared(t string) string {
	d.set(Family, Style(d.style, t), d.size)
	return t
}

// SetFooterFunc is fpdf's, keeping Doc's idea of the current font right:
// fpdf restores the page's font itself after the footer.
func (d *Doc) SetFooterFunc(fn func()) {
	d.Fpdf.SetFooterFunc(func() {
		style, size, cur := d.style, d.size, d.cur
		fn()
		d.style, d.size, d.cur = style, size, cur
	})
}

// PageFooter prints text(page) centred at the foot of every page, in the
// regular face at size pt, y mm above the bottom edge. "{nb}" in the text
// becomes the number of pages, so that a missing page shows.
func (d *Doc) PageFooter(y, size float64, text func(page int) string) {
	d.AliasNbPages("{nb}")
	d.SetFooterFunc(func() {
		d.SetY(-y)
		d.Font("", size)
		d.CellFormat(0, 4, d.Str(text(d.PageNo())), "", 0, "C", false, 0, "")
	})
}

// SetHeaderFunc is fpdf's, as SetFooterFunc.
func (d *Doc) SetHeaderFunc(fn func()) {
	d.Fpdf.SetHeaderFunc(func() {
		style, size, cur := d.style, d.size, d.cur
		fn()
		d.style, d.size, d.cur = style, size, cur
	})
}

// Wrap splits s (prepared by Str, in the current font) into lines no wider
// than w minus the cell margins, as MultiCell does: at spaces, or inside a
// word longer than the line. Non-breaking spaces do not break.
func (d *Doc) Wrap(s string, w float64) []string {
	max := w - 2*d.GetCellMargin()
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		rs := []rune(para)
		start, lastSpace := 0, -1
		width := 0.0
		for i := 0; i < len(rs); i++ {
			if rs[i] == ' ' {
				lastSpace = i
			}
			width += d.GetStringWidth(string(rs[i]))
			if width <= max || i == start {
				continue
			}
			if lastSpace > start {
				lines = append(lines, string(rs[start:lastSpace]))
				start = lastSpace + 1
			} else {
				lines = append(lines, string(rs[start:i]))
				start = i
			}
			lastSpace = -1
			width = d.GetStringWidth(string(rs[start : i+1]))
		}
		lines = append(lines, string(rs[start:]))
	}
	return lines
}

// Cell is one column of a Row.
type Cell struct {
	W     float64 // width in mm; 0: to the right margin
	Text  string
	Align string // "L" (default), "R", "C"
	Style string // "", "B", "I"
}

// Row draws cells side by side from the current position at size points,
// each text wrapped inside its own width (never over the next column),
// with lineH between lines: the row is as tall as its tallest cell. border
// and fill are CellFormat's, drawn around each cell at the row's height.
// A row that would cross the page's bottom margin starts a new page. The
// position ends at the left margin under the row.
func (d *Doc) Row(cells []Cell, size, lineH float64, border string, fill bool) {
	pageW, _ := d.GetPageSize()
	_, _, right, _ := d.GetMargins()
	x0 := d.GetX()
	for i := range cells {
		if cells[i].W <= 0 {
			cells[i].W = pageW - right - x0
		}
		x0 += cells[i].W
	}
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		d.Font(c.Style, size)
		lines[i] = d.Wrap(d.Str(c.Text), c.W)
		n = max(n, len(lines[i]))
	}
	h := float64(n) * lineH
	d.KeepSpace(h)
	x, y := d.GetXY()
	for i, c := range cells {
		d.SetXY(x, y)
		if border != "" || fill {
			d.CellFormat(c.W, h, "", border, 0, "", fill, 0, "")
		}
		d.Font(c.Style, size)
		for j, l := range lines[i] {
			d.SetXY(x, y+float64(j)*lineH)
			align := c.Align
			if align == "" {
				align = "L"
			}
			d.CellFormat(c.W, lineH, d.Prepared(l), "", 0, align, false, 0, "")
		}
		x += c.W
	}
	l, _, _, _ := d.GetMargins()
	d.SetXY(l, y+h)
}

// KeepSpace starts a new page unless h mm fit above the bottom margin: a
// heading and the first lines after it, or a row, stay together.
func (d *Doc) KeepSpace(h float64) {
	_, pageH := d.GetPageSize()
	_, bottom := d.GetAutoPageBreak()
	if d.GetY()+h > pageH-bottom {
		d.AddPage()
	}
}
