package einvoice

import (
	"fmt"
	"strings"

	"github.com/relais/relais/portal"
)

// Claims maps documents to the claims of an import, as the CSV import
// groups rows by reference: one claim per creditor, buyer and currency,
// holding that buyer's invoices, each credit note on the invoice it
// corrects, and every document's original file as evidence.
//
//   - The seller is the creditor whose VAT number or company number is the
//     seller's (BE0123456749 matches the KBO number 0123.456.749, a SIREN
//     the SIRET or FR VAT number that holds it).
//   - The buyer is the debtor: a business when it has a VAT or company
//     number, else a consumer. Its language comes from its country (and
//     its postcode in Belgium), English for other countries.
//   - The claim's jurisdiction is the buyer's country when FR or BE, else
//     the creditor's; its reference the number of its first invoice.
//   - A credit note must name an invoice of the same upload (BT-25), of the
//     same seller and buyer; it cannot credit more than is left of it.
//
// It returns every bad file, or the claims.
func Claims(docs []*Document, creditors []*portal.Creditor) ([]*portal.Claim, Errors) {
	type group struct {
		claim *portal.Claim
		files []string
	}
	var (
		errs    Errors
		order   []string
		groups  = map[string]*group{}
		byNum   = map[string]*portal.Invoice{} // creditor ID + invoice number
		claimOf = map[*portal.Invoice]*group{}
		credits []*Document
		credOf  = map[*Document]*portal.Creditor{}
	)
	bad := func(d *Document, format string, args ...any) {
		errs = append(errs, FileError{File: d.File, Message: fmt.Sprintf(format, args...)})
	}
	for _, d := range docs {
		cr := matchCreditor(creditors, d.Seller)
		if cr == nil {
			bad(d, "the seller %s is not one of this account's creditors: give the creditor its VAT number (vat_number) or company number", sellerText(d.Seller))
			continue
		}
		if d.Kind == KindCreditNote {
			credits = append(credits, d)
			credOf[d] = cr
			continue
		}
		numKey := cr.ID + "\x00" + d.Number
		if _, dup := byNum[numKey]; dup {
			bad(d, "invoice %s of %s appears twice in the upload", short(d.Number), short(cr.LegalName))
			continue
		}
		key := cr.ID + "\x00" + string(d.Currency) + "\x00" + buyerKey(d.Buyer)
		g, ok := groups[key]
		if !ok {
			c, err := newClaim(d, cr)
			if err != nil {
				bad(d, "%s", err)
				continue
			}
			g = &group{claim: c}
			groups[key] = g
			order = append(order, key)
		}
		inv := &portal.Invoice{Number: d.Number, IssueDate: d.IssueDate, DueDate: d.DueDate, Amount: d.Payable,
			PaymentReference: d.PaymentReference}
		g.claim.Invoices = append(g.claim.Invoices, inv)
		g.claim.Files = append(g.claim.Files, claimFile(d))
		g.files = append(g.files, d.File)
		byNum[numKey] = inv
		claimOf[inv] = g
	}
	credited := map[*portal.Invoice]int64{}
	for _, d := range credits {
		cr := credOf[d]
		switch len(d.Invoices) {
		case 0:
			bad(d, "credit note %s names no invoice it corrects (BT-25): Relais reduces that invoice", short(d.Number))
			continue
		case 1:
		default:
			bad(d, "credit note %s corrects %d invoices: Relais takes a credit note on one invoice", short(d.Number), len(d.Invoices))
			continue
		}
		inv := byNum[cr.ID+"\x00"+d.Invoices[0]]
		if inv == nil {
			bad(d, "credit note %s corrects invoice %s, which is not in this upload: send the credit note with its invoice", short(d.Number), short(d.Invoices[0]))
			continue
		}
		g := claimOf[inv]
		switch {
		case g.claim.Currency != d.Currency:
			bad(d, "credit note %s is in %s, invoice %s in %s", short(d.Number), d.Currency, short(inv.Number), g.claim.Currency)
			continue
		case buyerKey(d.Buyer) != buyerKey(docBuyer(docs, g.files[0])):
			bad(d, "credit note %s is made out to %s, invoice %s to another buyer", short(d.Number), short(d.Buyer.Name), short(inv.Number))
			continue
		case credited[inv]+d.Payable > inv.Amount:
			bad(d, "credit note %s credits %s, more than is left of invoice %s (%s)", short(d.Number),
				portal.FormatMinor(d.Payable, d.Currency.Exponent()), short(inv.Number), portal.FormatMinor(inv.Amount-credited[inv], d.Currency.Exponent()))
			continue
		}
		credited[inv] += d.Payable
		g.claim.CreditNotes = append(g.claim.CreditNotes, &portal.CreditNote{Number: d.Number, IssueDate: d.IssueDate, Amount: d.Payable, Invoice: inv})
		g.claim.Files = append(g.claim.Files, claimFile(d))
		g.files = append(g.files, d.File)
	}
	out := make([]*portal.Claim, 0, len(order))
	for _, key := range order {
		g := groups[key]
		c := g.claim
		// The first invoice issued names the claim.
		first := c.Invoices[0]
		for _, inv := range c.Invoices[1:] {
			if inv.IssueDate.Before(first.IssueDate) {
				first = inv
			}
		}
		c.Reference = first.Number
		var left int64
		for _, inv := range c.Invoices {
			left += inv.Amount - credited[inv]
		}
		if left <= 0 {
			for _, f := range g.files {
				errs = append(errs, FileError{File: f, Message: fmt.Sprintf("nothing is left to pay on the invoices of %s once credited: no claim to import", short(c.Debtor.Name))})
			}
			continue
		}
		if err := c.Validate(); err != nil {
			for _, f := range g.files {
				errs = append(errs, FileError{File: f, Message: fmt.Sprintf("claim %s: %s", short(c.Reference), portal.ErrorMessage(err))})
			}
			continue
		}
		out = append(out, c)
	}
	if errs != nil {
		return nil, errs.sorted()
	}
	return out, nil
}

func docBuyer(docs []*Document, file string) Party {
	for _, d := range docs {
		if d.File == file {
			return d.Buyer
		}
	}
	return Party{}
}

func claimFile(d *Document) *portal.ClaimFile {
	return &portal.ClaimFile{Name: d.File, ContentType: d.ContentType, Size: int64(len(d.Original)), SHA256: d.SHA256, Content: d.Original}
}

// newClaim starts the claim of a buyer's first invoice.
func newClaim(d *Document, cr *portal.Creditor) (*portal.Claim, error) {
	b := d.Buyer
	j := portal.Jurisdiction(b.Country)
	if j != portal.JurisdictionFR && j != portal.JurisdictionBE {
		j = portal.Jurisdiction(strings.ToUpper(cr.Country))
	}
	if j != portal.JurisdictionFR && j != portal.JurisdictionBE {
		return nil, fmt.Errorf("the buyer is in %s and the creditor %s in %s: Relais recovers claims under French or Belgian law only", countryText(b.Country), short(cr.LegalName), countryText(cr.Country))
	}
	kind := portal.DebtorConsumer
	if b.VAT != "" || b.CompanyID != "" {
		kind = portal.DebtorBusiness
	}
	debtor := &portal.Debtor{Kind: kind, Name: b.Name, Language: language(b.Country, b.Postcode),
		Address: joinNonEmpty(", ", b.Street, b.City), Postcode: b.Postcode, Email: email(b.Email), Phone: phone(b.Phone, b.Country)}
	if len(b.Country) == 2 {
		debtor.Country = b.Country
	}
	return &portal.Claim{CreditorID: cr.ID, Currency: d.Currency, Jurisdiction: j, Debtor: debtor}, nil
}

func countryText(c string) string {
	if c == "" {
		return "no stated country"
	}
	return short(c)
}

func sellerText(p Party) string {
	var ids []string
	if p.VAT != "" {
		ids = append(ids, "VAT "+short(p.VAT))
	}
	if p.CompanyID != "" {
		ids = append(ids, "company number "+short(p.CompanyID))
	}
	return fmt.Sprintf("%s (%s)", short(p.Name), strings.Join(ids, ", "))
}

// buyerKey tells buyers apart: by VAT number, else company number, else
// electronic address, else name.
func buyerKey(p Party) string {
	switch {
	case p.VAT != "":
		return "vat:" + ident(p.VAT)
	case p.CompanyID != "":
		return "company:" + ident(p.CompanyID)
	case p.Endpoint != "":
		return "endpoint:" + ident(p.Endpoint)
	}
	return "name:" + strings.ToLower(p.Name)
}

// ident keeps the letters (upper-cased) and digits of an identifier:
// "BE 0123.456.749" is "BE0123456749".
func ident(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// matchCreditor finds the seller among the creditors.
func matchCreditor(creditors []*portal.Creditor, seller Party) *portal.Creditor {
	vat, company := ident(seller.VAT), ident(seller.CompanyID)
	for _, cr := range creditors {
		if vat != "" && ident(cr.VATNumber) == vat {
			return cr
		}
	}
	theirs := companyIDs(company)
	if c := vatCompany(vat); c != "" {
		theirs[c] = true
	}
	for _, cr := range creditors {
		for id := range companyIDs(cr.CompanyNumber) {
			if theirs[id] {
				return cr
			}
		}
	}
	return nil
}

// companyIDs are the forms a company number is compared in: as given, and
// a SIRET's SIREN (its first 9 digits).
func companyIDs(number string) map[string]bool {
	ids := map[string]bool{}
	n := ident(number)
	if n == "" {
		return ids
	}
	ids[n] = true
	if len(n) == 14 && allDigits(n) {
		ids[n[:9]] = true
	}
	return ids
}

// vatCompany is the company number inside a VAT number: BE0123456749 holds
// the KBO number 0123456749, FR11999999998 the SIREN 999999998.
func vatCompany(vat string) string {
	switch {
	case len(vat) == 12 && strings.HasPrefix(vat, "BE") && allDigits(vat[2:]):
		return vat[2:]
	case len(vat) == 13 && strings.HasPrefix(vat, "FR") && allDigits(vat[4:]):
		return vat[4:]
	}
	return ""
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// language is the debtor's language from its address: French in France,
// Luxembourg and Monaco; Dutch in the Netherlands; German in Germany and
// Austria; in Belgium by postcode (Flanders Dutch, the German-speaking
// Community German, Brussels and Wallonia French); English elsewhere.
func language(country, postcode string) string {
	switch country {
	case "FR", "LU", "MC":
		return "fr"
	case "NL":
		return "nl"
	case "DE", "AT", "LI":
		return "de"
	case "BE":
		pc := 0
		for _, r := range postcode {
			if r >= '0' && r <= '9' {
				pc = pc*10 + int(r-'0')
			}
			if pc > 9999 {
				break
			}
		}
		switch {
		case pc >= 1500 && pc <= 3999, pc >= 8000 && pc <= 9999:
			return "nl"
		case pc >= 4700 && pc <= 4799:
			return "de"
		}
		return "fr"
	}
	return "en"
}

// email keeps an address the debtor can be written to, else none.
func email(s string) string {
	d := portal.Debtor{Kind: portal.DebtorBusiness, Name: "x", Language: "en", Email: s}
	if s == "" || d.Validate() != nil {
		return ""
	}
	return s
}

// countryCodes are the calling codes of the countries whose national
// numbers (0...) are made international.
var countryCodes = map[string]string{"FR": "33", "BE": "32", "NL": "31", "DE": "49", "LU": "352", "MC": "377", "AT": "43", "CH": "41"}

// phone makes an international number (+32470123456) of one written for
// people ("+33 4 72 07 08 56", "0470/12.34.56" in Belgium), else none.
func phone(s, country string) string {
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && digits.Len() == 0:
			digits.WriteRune(r)
		case strings.ContainsRune(" ./-()", r):
		default:
			return ""
		}
	}
	n := digits.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "0") && countryCodes[country] != "":
		n = "+" + countryCodes[country] + n[1:]
	default:
		return ""
	}
	d := portal.Debtor{Kind: portal.DebtorBusiness, Name: "x", Language: "en", Phone: n}
	if d.Validate() != nil {
		return ""
	}
	return n
}
