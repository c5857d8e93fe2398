// Package transcript renders a conversation's transcript as a PDF: every
// message with its time and author, each offer with what became of it,
// and, when asked for, the agents' internal notes marked as such. The
// caller words everything (labels, authors, offer terms and outcomes) in
// the reader's language; this package lays it out in the embedded font of
// package pdffont, so names in any script print as written. It is pure: no
// database, no HTTP; the output is the same for the same input.
package transcript

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal/pdffont"
)

// Entry is one message as the transcript shows it.
type Entry struct {
	Seq    int64
	At     time.Time
	Author string
	// Kind names the message's kind in words ("Message", "Offer"…).
	Kind string
	Text string
	// Outcome is what became of an offer ("accepted by Ann on …").
	Outcome string
	// Internal marks a note or transfer the debtor never saw.
	Internal bool
}

// Labels are the transcript's fixed words, in the reader's language.
type Labels struct {
	Title, Generated, Time, Author, Message, Outcome, Internal, NotesIncluded, NotesLeftOut, Empty string
	// Page is the footer, with %s the reference and %d the page number
	// ("Transcript %s – page %d/{nb}").
	Page string
}

// Input is what the transcript shows.
type Input struct {
	Reference string
	// Header lines under the title: creditor, debtor, claim.
	Header [][2]string
	// Entries in conversation order.
	Entries []Entry
	// Notes says whether internal notes are included.
	Notes       bool
	Labels      Labels
	GeneratedAt time.Time
	// Uncompressed writes the page streams uncompressed (tests).
	Uncompressed bool
}

// TimeFormat is how times are printed: UTC to the second, the same in
// every language, as the evidence chain dates them.
const TimeFormat = "2006-01-02 15:04:05 UTC"

const (
	margin = 18.0
	lineH  = 5.0
)

// PDF renders the transcript.
func PDF(in Input) ([]byte, error) {
	l := in.Labels
	f := fpdf.New("P", "mm", "A4", "")
	d := pdffont.New(f)
	f.SetCompression(!in.Uncompressed)
	f.SetCreationDate(in.GeneratedAt)
	f.SetModificationDate(in.GeneratedAt)
	f.SetCatalogSort(true)
	f.SetTitle(l.Title+" "+in.Reference, true)
	f.SetCreator("Relais", false)
	f.SetProducer("Relais", false)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	d.PageFooter(12, 8, func(page int) string { return fmt.Sprintf(l.Page, in.Reference, page) })
	f.AddPage()

	d.Font("B", 15)
	f.MultiCell(0, 8, d.Str(l.Title+" · "+in.Reference), "", "L", false)
	d.Font("", 9)
	f.MultiCell(0, lineH, d.Str(l.Generated+" "+in.GeneratedAt.UTC().Format(TimeFormat)), "", "L", false)
	notes := l.NotesLeftOut
	if in.Notes {
		notes = l.NotesIncluded
	}
	f.MultiCell(0, lineH, d.Str(notes), "", "L", false)
	f.Ln(2)
	for _, h := range in.Header {
		d.Row([]pdffont.Cell{{W: 40, Text: h[0], Style: "B"}, {Text: h[1]}}, 10, lineH, "", false)
	}
	f.Ln(3)
	if len(in.Entries) == 0 {
		d.Font("I", 10)
		f.MultiCell(0, lineH, d.Str(l.Empty), "", "L", false)
	}
	for _, e := range in.Entries {
		d.KeepSpace(3 * lineH)
		head := fmt.Sprintf("#%d · %s · %s · %s", e.Seq, e.At.UTC().Format(TimeFormat), e.Author, e.Kind)
		if e.Internal {
			head += " · " + l.Internal
		}
		d.Font("B", 9)
		f.MultiCell(0, lineH, d.Str(head), "", "L", false)
		d.Font("", 10)
		if e.Text != "" {
			f.MultiCell(0, lineH, d.Str(e.Text), "", "L", false)
		}
		if e.Outcome != "" {
			d.Font("I", 10)
			f.MultiCell(0, lineH, d.Str(l.Outcome+" "+e.Outcome), "", "L", false)
		}
		f.Ln(2)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("render transcript: %w", err)
	}
	return buf.Bytes(), nil
}
