package einvoice_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal/einvoice"
)

// FuzzParse: any input parses into documents that pass their checks, or
// into errors naming a file; never both, never a panic, never past the
// limits.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"peppol/base-example.xml", "peppol/base-creditnote-correction.xml", "factur-x/Avoir_FR_type381_BASIC.pdf"} {
		f.Add(name, mustRead(f, name))
	}
	f.Add("laughs.xml", []byte(billionLaughs))
	f.Add("xxe.xml", []byte(externalEntity))
	f.Add("plain.pdf", plainPDF(f))
	f.Add("bomb.pdf", pdfBomb(f))
	f.Add("huge.zip", zipOf(f, map[string][]byte{"big.xml": make([]byte, einvoice.MaxFileSize+1)}))
	f.Add("batch.zip", zipOf(f, map[string][]byte{"a.xml": mustRead(f, "peppol/base-example.xml"), "b.xml": []byte(billionLaughs)}))
	f.Add("cii.xml", []byte(`<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>`))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		docs, errs := einvoice.Parse(name, data)
		if (docs == nil) == (errs == nil) {
			t.Fatalf("docs=%d errs=%d", len(docs), len(errs))
		}
		for _, d := range docs {
			if d.Number == "" || d.Payable <= 0 || d.IssueDate.IsZero() || len(d.SHA256) != 64 || len(d.Original) > einvoice.MaxFileSize {
				t.Fatalf("document passed with %+v", d)
			}
		}
		for _, e := range errs {
			if e.File == "" || e.Message == "" || strings.ContainsRune(e.File, 0) {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}
