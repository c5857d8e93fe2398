package einvoice_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/einvoice"
)

// The creditors of the samples' sellers: Au bon moulin by its SIREN (the
// invoices give its SIRET and VAT number), the Peppol supplier by VAT.
var creditors = []*portal.Creditor{
	{ID: "CR-FR", LegalName: "Au bon moulin", CompanyNumber: "999 999 998", Country: "FR"},
	{ID: "CR-GB", LegalName: "SupplierOfficialName Ltd", VATNumber: "GB 1232434", Country: "BE"},
}

func docs(tb testing.TB, files ...string) []*einvoice.Document {
	var out []*einvoice.Document
	for _, f := range files {
		out = append(out, parseOne(tb, f))
	}
	return out
}

func TestClaims(t *testing.T) {
	t.Run("CreditNoteReducesItsInvoice", func(t *testing.T) {
		claims, errs := einvoice.Claims(docs(t, "factur-x/Facture_FR_EN16931.pdf", "factur-x/Avoir_FR_type381_BASIC.pdf"), creditors)
		if errs != nil || len(claims) != 1 {
			t.Fatalf("claims %d, errors %v", len(claims), errs)
		}
		c := claims[0]
		if c.Reference != "FA-2017-0010" || c.CreditorID != "CR-FR" || c.Jurisdiction != portal.JurisdictionFR || c.Currency != "EUR" {
			t.Errorf("claim %+v", c)
		}
		d := c.Debtor
		if d.Kind != portal.DebtorBusiness || d.Name != "Ma jolie boutique" || d.Language != "fr" || d.Phone != "+33472070867" ||
			d.Email != "alexandre.payet@majolieboutique.net" || d.Postcode != "69001" || d.Country != "FR" || d.Address != "35 rue de la République, Lyon" {
			t.Errorf("debtor %+v", d)
		}
		if len(c.Invoices) != 1 || c.Invoices[0].Amount != 47015 || c.Invoices[0].DueDate.String() != "2017-12-13" || c.Invoices[0].PaymentReference != "FA-2017-0010" {
			t.Fatalf("invoices %+v", c.Invoices)
		}
		if len(c.CreditNotes) != 1 || c.CreditNotes[0].Amount != 23347 || c.CreditNotes[0].Invoice != c.Invoices[0] || c.CreditNotes[0].Number != "AV-2017-0005" {
			t.Errorf("credit notes %+v", c.CreditNotes)
		}
		if len(c.Files) != 2 || c.Files[0].Name != "Facture_FR_EN16931.pdf" || c.Files[1].Name != "Avoir_FR_type381_BASIC.pdf" || c.Files[1].SHA256 == "" {
			t.Errorf("files %+v", c.Files)
		}
	})
	t.Run("GroupedByBuyer", func(t *testing.T) {
		// Two invoices of one seller to one buyer are one claim; a
		// jurisdiction from the creditor when the buyer is abroad (SE).
		// The sample's number, Snippet1, is base-example's: renumbered here.
		b := strings.Replace(string(mustRead(t, "peppol/Vat-category-S.xml")), "<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID>Snippet2</cbc:ID>", 1)
		second, perrs := einvoice.Parse("renumbered.xml", []byte(b))
		if perrs != nil {
			t.Fatal(perrs)
		}
		claims, errs := einvoice.Claims(append(docs(t, "peppol/base-example.xml"), second...), creditors)
		if errs != nil || len(claims) != 1 || len(claims[0].Invoices) != 2 {
			t.Fatalf("claims %v, errors %v", claims, errs)
		}
		c := claims[0]
		if c.Jurisdiction != portal.JurisdictionBE || c.Debtor.Language != "en" || c.Debtor.Phone != "" || c.Principal() != 165625+855000 {
			t.Errorf("claim %+v debtor %+v", c, c.Debtor)
		}
	})
	for _, tt := range []struct {
		name  string
		files []string
		creds []*portal.Creditor
		want  string
	}{
		{"ErrUnknownSeller", []string{"peppol/base-example.xml"}, creditors[:1], "the seller SupplierOfficialName Ltd (VAT GB1232434, company number GB983294) is not one of this account's creditors"},
		{"ErrFullyCredited", []string{"peppol/base-example.xml", "peppol/base-creditnote-correction.xml"}, creditors, "nothing is left to pay"},
		{"ErrCreditNoteWithoutInvoice", []string{"factur-x/Avoir_FR_type381_BASIC.pdf"}, creditors, "which is not in this upload"},
		{"ErrDuplicateInvoice", []string{"factur-x/Facture_FR_EN16931.pdf", "factur-x/Facture_FR_BASICWL.pdf"}, creditors, "appears twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			claims, errs := einvoice.Claims(docs(t, tt.files...), tt.creds)
			if claims != nil || errs == nil || !strings.Contains(errs.Error(), tt.want) {
				t.Fatalf("claims %v, errors %v; want %q", claims, errs, tt.want)
			}
		})
	}
}
