// Package letters renders the letters Relais sends debtors, a payment
// reminder and a formal notice (mise en demeure, ingebrekestelling,
// Mahnung), as PDF in the debtor's language (fr, nl, en, de) with the
// mentions the claim's jurisdiction requires:
//
//   - France, a recovery agency writing for a creditor (Code des procédures
//     civiles d'exécution R124-4): who the agency and the creditor are, the
//     basis of the claim, principal, interest and other sums separately,
//     the request to pay and how, that amicable recovery costs stay with
//     the creditor except as L111-8 allows, and L111-8's paragraphs on
//     recovery without an enforceable title, reproduced in French;
//   - France, consumer: a formal notice says it starts statutory interest
//     (Code civil 1231-6, 1344-1);
//   - Belgium, consumer (Code of Economic Law, Book XIX): the creditor's
//     identity and enterprise number, what the debt is for, the amount, that
//     the first reminder is free, the 14-day period to pay before any cost
//     and the most that may be charged after it;
//   - Belgium, business: the law of 2 August 2002.
//
// Amounts come from rules.Balance; the letter prints the debtor's portal
// link and a QR code to it. Text is set in the embedded DejaVu Sans of
// package pdffont, so names and addresses in any script the font has print
// as written (Arabic shaped, right to left); table cells wrap inside their
// columns, so a long value never runs over its neighbour. Rendering is deterministic: the same input
// gives the same bytes (the PDF is dated by the letter date). The package
// is pure: no database, no HTTP.
package letters

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/pdffont"
	"github.com/relais/relais/portal/rules"
)

// Party is who writes: a recovery agency acting for the creditor.
type Party struct {
	Name    string
	Address string
}

// Input is everything a letter says.
type Input struct {
	Kind portal.LetterKind
	// Date is the letter's date, printed and used as the PDF's creation
	// and modification dates.
	Date portal.Date
	// PayBy is the last day to pay (see Deadline).
	PayBy portal.Date
	// Claim with its Creditor, Debtor and Invoices loaded; the letter is in
	// the debtor's language.
	Claim *portal.Claim
	// Balance is the claim's balance on Date (rules.Rates.Compute).
	Balance *rules.Balance
	// Agency, when set, is the agency writing for the creditor; nil when the
	// creditor writes itself.
	Agency *Party
	// PortalURL is the debtor's link, printed and encoded in a QR code.
	PortalURL string
	// PaymentReference is the reference to quote on a bank transfer (the
	// claim's RF or Belgian structured reference, printed form), the same
	// the portal and its QR code give; empty, the claim's reference.
	PaymentReference string
	// FirstReminder marks the debtor's first reminder (Belgian consumers:
	// it is free and opens the 14-day period).
	FirstReminder bool
	// Opening, when set, is the tenant's own text (filled) that replaces
	// the letter's opening wording (salutation and introduction); the
	// invoices, the request to pay with its sum and deadline, the payment
	// means and the legal mentions stay Relais's.
	Opening string
	// Uncompressed writes the page content streams uncompressed (their
	// strings are the embedded font's UTF-16), so that tests can read them.
	Uncompressed bool
}

// Default payment periods of a letter, in days after its date. A formal
// notice uses escalation.NoticeDays (the claim's own, or 8 days in France
// and 15 in Belgium).
const ReminderDays = 8

// Deadline is the last day to pay that a letter of this kind dated date
// gives: ReminderDays for a reminder, the notice period for a formal
// notice, and never less than the Belgian consumer period when the letter
// is the first reminder of a Belgian consumer (assuming it is posted on its
// date: the period then runs 14 days from the third working day after).
func Deadline(kind portal.LetterKind, c *portal.Claim, date portal.Date, firstReminder bool) portal.Date {
	due := date.AddDays(ReminderDays)
	if kind == portal.LetterFormalNotice {
		due = date.AddDays(escalation.NoticeDays(c))
	}
	if firstReminder && c.Jurisdiction == portal.JurisdictionBE && c.Debtor != nil && c.Debtor.Kind == portal.DebtorConsumer {
		if be := bePeriodEnd(date); be.After(due) {
			due = be
		}
	}
	return due
}

// bePeriodEnd is the last day of the Belgian consumer period for a letter
// posted on date.
func bePeriodEnd(date portal.Date) portal.Date {
	_, last := escalation.BEConsumerFreePeriod(date, escalation.ChannelLetter)
	return last
}

func (in *Input) check() error {
	switch {
	case in.Kind != portal.LetterReminder && in.Kind != portal.LetterFormalNotice:
		return portal.FieldError("kind", "kind must be reminder or formal_notice")
	case in.Claim == nil || in.Claim.Creditor == nil || in.Claim.Debtor == nil:
		return fmt.Errorf("letters: the claim must be loaded with its creditor and debtor")
	case in.Balance == nil:
		return fmt.Errorf("letters: no balance")
	case in.Date.IsZero() || in.PayBy.IsZero():
		return fmt.Errorf("letters: the letter date and the payment date are required")
	case languages[in.Claim.Debtor.Language] == nil:
		return portal.FieldError("language", "no letter text in language %q", in.Claim.Debtor.Language)
	}
	return nil
}

// Page geometry, in millimetres (A4).
const (
	margin   = 20.0
	width    = 170.0
	lineH    = 5.0
	smallH   = 3.8
	qrSize   = 30.0
	colRight = 115.0
)

// writer is the letter's document, set in the embedded font (package
// pdffont: any script a debtor's name or address is written in), with its
// texts and language.
type writer struct {
	d    *pdffont.Doc
	t    *texts
	lang string
	cur  portal.Currency
}

func (w *writer) font(style string, size float64) { w.d.Font(style, size) }

// tr prepares a text for the page (pdffont.Doc.Str): call it after font.
func (w *writer) tr(s string) string { return w.d.Str(s) }

// para writes a wrapped paragraph and a small gap after it.
func (w *writer) para(style string, size float64, text string) {
	w.font(style, size)
	h := lineH
	if size < 9 {
		h = smallH
	}
	w.d.MultiCell(0, h, w.tr(text), "", "L", false)
	w.d.Ln(1.5)
}

// heading writes a bold heading kept on the page of the lines after it.
func (w *writer) heading(size float64, text string) {
	w.d.KeepSpace(4 * lineH)
	w.para("B", size, text)
}

func (w *writer) money(v int64) string { return Money(w.lang, v, w.cur) }

// rate writes a yearly rate in basis points with the language's decimal
// mark: "8.50" in English, "8,50" otherwise.
func (w *writer) rate(bp int64) string {
	s := portal.FormatMinor(bp, 2)
	if w.lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
func (w *writer) date(d portal.Date) string {
	return FormatDate(w.lang, d)
}

// Render writes the letter as PDF.
func Render(in Input) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	c, b := in.Claim, in.Balance
	lang := c.Debtor.Language
	pdf := fpdf.New("P", "mm", "A4", "")
	d := pdffont.New(pdf)
	w := &writer{d: d, t: languages[lang], lang: lang, cur: c.Currency}
	t := w.t

	subject := t.SubjectReminder
	if in.Kind == portal.LetterFormalNotice {
		subject = t.SubjectNotice
	}
	sender := c.Creditor.LegalName
	senderAddr := c.Creditor.Address
	if in.Agency != nil {
		sender, senderAddr = in.Agency.Name, in.Agency.Address
	}

	// Fixed metadata: the same input gives the same bytes.
	pdf.SetCompression(!in.Uncompressed)
	pdf.SetCreationDate(in.Date.Time())
	pdf.SetModificationDate(in.Date.Time())
	pdf.SetCatalogSort(true)
	pdf.SetTitle(subject+" "+c.Reference, true)
	pdf.SetAuthor(sender, true)
	pdf.SetCreator("Relais", false)
	pdf.SetProducer("Relais", false)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	d.PageFooter(14, 8, func(page int) string { return fmt.Sprintf(t.Page, c.Reference, page) })
	pdf.AddPage()

	// Sender, top left.
	w.font("B", 11)
	pdf.MultiCell(90, lineH, w.tr(sender), "", "L", false)
	w.font("", 9)
	if senderAddr != "" {
		pdf.MultiCell(90, 4.2, w.tr(senderAddr), "", "L", false)
	}
	if in.Agency == nil && c.Creditor.CompanyNumber != "" {
		pdf.MultiCell(90, 4.2, w.tr(c.Creditor.CompanyNumber), "", "L", false)
	}
	senderBottom := pdf.GetY()

	// Recipient, in the window of a DL envelope.
	pdf.SetXY(colRight, 45)
	w.font("B", 10)
	pdf.MultiCell(width+margin-colRight, lineH, w.tr(c.Debtor.Name), "", "L", false)
	w.font("", 10)
	for _, line := range recipientLines(c.Debtor) {
		pdf.SetX(colRight)
		pdf.MultiCell(width+margin-colRight, lineH, w.tr(line), "", "L", false)
	}

	// Date and references, under both blocks.
	pdf.SetY(max(pdf.GetY()+8, senderBottom+8, 82))
	w.font("", 10)
	pdf.CellFormat(0, lineH, w.tr(fmt.Sprintf(t.DateLine, w.date(in.Date))), "", 1, "R", false, 0, "")
	colon := ": "
	if lang == "fr" {
		colon = "\u00a0: "
	}
	pdf.MultiCell(0, lineH, w.tr(t.OurRef+colon+c.Reference), "", "L", false)
	if c.Debtor.CustomerNumber != "" {
		pdf.MultiCell(0, lineH, w.tr(t.YourCustomerNumber+colon+c.Debtor.CustomerNumber), "", "L", false)
	}
	pdf.Ln(4)
	w.font("B", 12)
	pdf.MultiCell(0, 6, w.tr(subject), "", "L", false)
	pdf.Ln(3)

	if in.Opening != "" {
		for _, p := range strings.Split(strings.ReplaceAll(in.Opening, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				w.para("", 10, p)
			}
		}
	} else {
		w.para("", 10, t.Salutation)
		if in.Agency != nil {
			w.para("", 10, fmt.Sprintf(t.IntroAgency, c.Creditor.LegalName))
		} else {
			w.para("", 10, fmt.Sprintf(t.IntroCreditor, c.Creditor.LegalName))
		}
	}
	w.para("", 10, fmt.Sprintf(t.Basis, c.Creditor.LegalName))
	w.invoiceTable(c, b)
	w.summary(b)

	// The request to pay.
	if in.Kind == portal.LetterFormalNotice {
		w.para("B", 10, fmt.Sprintf(t.RequestNotice, w.money(b.Total), w.date(in.PayBy)))
		w.para("", 10, fmt.Sprintf(t.ConsequenceNotice, c.Creditor.LegalName))
		if c.Jurisdiction == portal.JurisdictionFR && c.Debtor.Kind == portal.DebtorConsumer {
			w.para("", 10, t.FRConsumerNotice)
		}
	} else {
		w.para("B", 10, fmt.Sprintf(t.RequestReminder, w.money(b.Total), w.date(in.PayBy)))
	}
	if c.Creditor.IBAN != "" {
		ref := in.PaymentReference
		if ref == "" {
			ref = c.Reference
		}
		w.para("", 10, fmt.Sprintf(t.PayTransfer, c.Creditor.IBAN, ref))
	}
	if in.PortalURL != "" {
		if err := w.portalLink(in.PortalURL); err != nil {
			return nil, err
		}
	}
	w.para("", 10, t.Dispute)
	w.para("", 10, t.Closing)
	w.para("B", 10, sender)

	w.legal(in)

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("render letter: %w", err)
	}
	return out.Bytes(), nil
}

// recipientLines are the debtor's address lines: the address as given (one
// line per line or comma), then the postcode and country when the address
// does not already hold them.
func recipientLines(d *portal.Debtor) []string {
	var lines []string
	for _, part := range strings.FieldsFunc(d.Address, func(r rune) bool { return r == '\n' || r == ',' }) {
		if p := strings.TrimSpace(part); p != "" {
			lines = append(lines, p)
		}
	}
	if d.Postcode != "" && !strings.Contains(d.Address, d.Postcode) {
		lines = append(lines, d.Postcode)
	}
	if d.Country != "" && !strings.Contains(d.Address, d.Country) {
		lines = append(lines, d.Country)
	}
	return lines
}

// Invoice table columns, in millimetres (170 in all).
var invoiceCols = []float64{38, 24, 24, 28, 26, 30}

// invoiceTable lists the invoices; each cell wraps inside its column, so a
// long invoice number takes more lines and never runs over the dates.
func (w *writer) invoiceTable(c *portal.Claim, b *rules.Balance) {
	t, d := w.t, w.d
	issued := map[string]portal.Date{}
	for _, inv := range c.Invoices {
		issued[inv.Number] = inv.IssueDate
	}
	heads := []string{t.ColInvoice, t.ColIssued, t.ColDue, t.ColAmount, t.ColInterest, t.ColOutstanding}
	row := func(texts []string, style string, h float64, border string, fill bool) {
		cells := make([]pdffont.Cell, len(texts))
		for i, v := range texts {
			align := "R"
			if i < 3 {
				align = "L"
			}
			cells[i] = pdffont.Cell{W: invoiceCols[i], Text: v, Align: align, Style: style}
		}
		d.Row(cells, 9, h, border, fill)
	}
	d.SetFillColor(230, 230, 230)
	row(heads, "B", 6, "B", true)
	for _, il := range b.Invoices {
		row([]string{il.Number, ShortDate(w.lang, issued[il.Number]), ShortDate(w.lang, il.DueDate), w.money(il.Amount), w.money(il.InterestDue), w.money(il.PrincipalDue)},
			"", 5.5, "", false)
	}
	d.Ln(3)
}

// summary shows principal, interest and other sums separately, then the
// total, with the rule they come from.
func (w *writer) summary(b *rules.Balance) {
	t, d := w.t, w.d
	row := func(style string, size float64, label string, v int64) {
		d.Row([]pdffont.Cell{{W: 120, Text: label, Style: style}, {W: 50, Text: w.money(v), Align: "R", Style: style}}, size, 5.5, "", false)
	}
	row("", 10, t.Principal, b.PrincipalDue)
	row("", 10, t.Interest, b.InterestDue)
	row("", 10, t.Other, b.IndemnitiesDue)
	if v := b.Paid + b.CreditNotes; v != 0 {
		row("I", 9, t.Deducted, v)
	}
	x, y := d.GetX(), d.GetY()
	d.Line(x, y, x+width, y)
	row("B", 10, t.Total, b.Total)
	d.Ln(1)
	if r := t.Rules[b.RuleSet]; r != "" {
		w.para("", 8, r)
	}
	if !b.Complete {
		w.para("I", 8, fmt.Sprintf(t.InterestPending, w.date(b.ComputedTo)))
	}
	d.Ln(1)
}

// portalLink prints the link and its QR code side by side. A link too long
// for its column is set smaller, then wrapped, never under the code.
func (w *writer) portalLink(url string) error {
	d := w.d
	png, err := qrcode.Encode(url, qrcode.Medium, 256)
	if err != nil {
		return fmt.Errorf("letter QR code: %w", err)
	}
	d.KeepSpace(qrSize + 4)
	d.RegisterImageOptionsReader("portal-qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	y := d.GetY()
	d.ImageOptions("portal-qr", margin+width-qrSize, y, qrSize, qrSize, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	col := width - qrSize - 5
	w.font("", 10)
	d.MultiCell(col, lineH, w.tr(w.t.PayOnline), "", "L", false)
	size := 10.0
	w.font("B", size)
	for size > 7 && d.GetStringWidth(url)+2*d.GetCellMargin() > col {
		size -= 0.5
		w.font("B", size)
	}
	for _, line := range d.Wrap(w.tr(url), col) {
		d.CellFormat(col, 6, d.Prepared(line), "", 1, "L", false, 0, url)
	}
	w.font("I", 8)
	d.MultiCell(col, 4, w.tr(w.t.Scan), "", "L", false)
	d.SetY(max(d.GetY(), y+qrSize) + 3)
	return nil
}

// legal writes the mentions of the claim's jurisdiction.
func (w *writer) legal(in Input) {
	c, b, t := in.Claim, in.Balance, w.t
	w.d.Ln(3)
	switch {
	case c.Jurisdiction == portal.JurisdictionFR && in.Agency != nil:
		w.heading(8, t.FRHeading)
		w.para("", 8, fmt.Sprintf(t.FRAgency, in.Agency.Name, orDash(in.Agency.Address)))
		w.para("", 8, fmt.Sprintf(t.FRCreditor, c.Creditor.LegalName, orDash(c.Creditor.Address)))
		w.para("", 8, t.FRCosts)
		w.para("", 8, t.FRLawIntro)
		for _, p := range l111_8 {
			w.para("I", 8, "« "+p+" »")
		}
	case c.Jurisdiction == portal.JurisdictionBE && c.Debtor.Kind == portal.DebtorConsumer:
		w.heading(8, t.BEHeading)
		w.para("", 8, fmt.Sprintf(t.BECreditor, c.Creditor.LegalName, orDash(c.Creditor.Address), orDash(c.Creditor.CompanyNumber)))
		var invs []string
		for _, inv := range c.Invoices {
			invs = append(invs, fmt.Sprintf("%s %s (%s)", t.ColInvoice, inv.Number, w.date(inv.IssueDate)))
		}
		w.para("", 8, fmt.Sprintf(t.BEObject, strings.Join(invs, ", ")))
		w.para("", 8, fmt.Sprintf(t.BEAmount, w.money(b.Total)))
		if in.FirstReminder {
			w.para("", 8, t.BEFree)
			w.para("", 8, fmt.Sprintf(t.BEPeriod, w.date(bePeriodEnd(in.Date))))
		}
		if c.ContractRateBP != nil {
			w.para("", 8, fmt.Sprintf(t.BEInterestClause, w.rate(*c.ContractRateBP)))
		} else {
			w.para("", 8, t.BEInterestLegal)
		}
		// The first reminder states the damages that will be claimed, as an
		// amount for this balance (Book XIX), when the contract has a clause.
		if c.DamagesClause && c.Currency == "EUR" {
			w.para("", 8, fmt.Sprintf(t.BEDamages, w.money(rules.ConsumerDamages(b.PrincipalDue))))
		} else {
			w.para("", 8, t.BENoDamages)
		}
	case c.Jurisdiction == portal.JurisdictionBE:
		w.para("", 8, t.BEB2B)
	}
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return strings.ReplaceAll(s, "\n", ", ")
}
