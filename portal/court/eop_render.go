package court

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/pdffont"
)

// PDFOptions are how RenderFormA writes the worksheet.
type PDFOptions struct {
	// Uncompressed writes the page content streams uncompressed (tests).
	Uncompressed bool
	// Draft marks every page as a draft not recorded (markDraft).
	Draft bool
}

// RenderFormA renders Form A as a worksheet: each section of the form with
// the values (and the confirmed codes) to enter on it, in English, the
// language of the codes' meanings; the form itself is completed on the
// e-Justice portal or on paper in a language the court accepts.
func RenderFormA(f *FormA, head evidence.Head, fingerprint string, opt PDFOptions) ([]byte, error) {
	pf := fpdf.New("P", "mm", "A4", "")
	pf.SetCompression(!opt.Uncompressed)
	pf.SetCreationDate(f.Date.Time())
	pf.SetModificationDate(f.Date.Time())
	pf.SetCatalogSort(true)
	if opt.Draft {
		pf.SetTitle(DraftMark("en")+" - European order for payment, Form A - "+f.Reference, true)
	} else {
		pf.SetTitle("European order for payment, Form A - "+f.Reference, true)
	}
	pf.SetCreator("Relais", false)
	pf.SetProducer("Relais", false)
	pf.SetMargins(18, 18, 18)
	pf.SetAutoPageBreak(true, 20)
	d := &frDoc{Doc: pdffont.New(pf), cur: f.Currency}
	d.PageFooter(12, 7.5, func(page int) string {
		return fmt.Sprintf("Form A worksheet – claim %s – chain event %d – page %d/{nb}", f.Reference, head.Seq, page)
	})
	if opt.Draft {
		d.markDraft("en")
	}
	money := func(v int64) string { return portal.FormatMinor(v, f.Currency.Exponent()) + " " + string(f.Currency) }
	pct := func(bp int64) string { return portal.FormatMinor(bp, 2) + " %" }
	d.AddPage()
	d.Font("B", 15)
	d.MultiCell(0, 8, d.Str("APPLICATION FOR A EUROPEAN ORDER FOR PAYMENT – FORM A"), "", "C", false)
	d.para(9, "", f.Regulation+". Worksheet of the values to enter on the form, section by section; codes are given where confirmed, the others are to choose on the form.")
	d.Ln(1)

	d.h1("Court")
	d.kv("Country", f.Court.Country)
	d.kv("Name, address", toComplete)
	d.h1("Parties and their representatives")
	for _, p := range f.Parties {
		name := p.CorporateName
		if name == "" {
			name = p.Surname
		}
		d.kv("Code "+p.Code, strings.TrimSpace(name+" – "+strings.Trim(strings.Join([]string{p.Address, p.Postcode, p.City, p.Country}, ", "), ", ")))
		if p.Identification != "" {
			d.kv("Identification code", p.Identification)
		}
	}
	d.h1("Grounds for the court's jurisdiction")
	d.kv("Code "+f.Ground.Code, f.Ground.Meaning)
	d.h1("Cross-border nature of the case")
	d.kv("Claimant's domicile", f.Cross.Claimant)
	d.kv("Defendant's domicile", f.Cross.Defendant)
	d.kv("Country of the court", f.Cross.Court)
	d.h1("Bank details")
	d.kv("Payment of the court fee", toComplete)
	d.h1("Principal")
	for _, a := range f.Principal {
		d.kv(money(a.Amount), a.Description+" (date "+a.Date.String()+"; code "+toComplete+")")
	}
	d.h1("Interest")
	if len(f.Interest) == 0 {
		d.para(9.5, "", "None accrued on the date of the application.")
	}
	for _, i := range f.Interest {
		line := fmt.Sprintf("%s a year on %s from %s to %s = %s (%s)", pct(i.RateBP), money(i.On), i.From, i.To, money(i.Amount), i.Basis)
		if i.AboveECBBP != 0 {
			line += "; " + pct(i.AboveECBBP) + " above the ECB rate"
		}
		d.para(9.5, "", "– "+line)
	}
	d.h1("Contractual penalty")
	d.para(9.5, "", "None claimed.")
	d.h1("Costs")
	if len(f.Costs) == 0 {
		d.para(9.5, "", "None claimed.")
	}
	for _, a := range f.Costs {
		d.kv(money(a.Amount), a.Description)
	}
	d.Ln(1)
	d.kv("Total computed on "+f.Date.String(), money(f.Total))
	d.h1("Evidence available in support of the claim")
	for _, e := range f.Evidence {
		text := e.Description
		if !e.Date.IsZero() {
			text += " (" + e.Date.String() + ")"
		}
		d.para(9, "", "– "+text)
		if e.SHA256 != "" {
			d.Mono(7.5)
			d.MultiCell(0, 4, "  SHA-256 "+e.SHA256, "", "L", false)
		}
	}
	d.para(8.5, "", fmt.Sprintf("The files are in the Relais evidence bundle of claim %s at chain event %d (head %s), its manifest signed with the Ed25519 key %s.", f.Reference, head.Seq, head.Hash, fingerprint))
	d.h1("Additional statements")
	d.para(9.5, "", f.Additional)
	d.h1("Declaration and signature")
	d.kv("Date", f.Date.String())
	d.kv("Place, name, signature", toComplete)

	d.h1("To complete on the form")
	for _, s := range f.ToComplete {
		d.para(9, "", "– "+s)
	}
	d.h1("Not confirmed")
	for _, s := range f.Unconfirmed {
		d.para(8.5, "I", "– "+s)
	}
	var buf bytes.Buffer
	if err := pf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
