package einvoice_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/einvoice"
)

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// parseOne parses a sample that must give one document.
func parseOne(tb testing.TB, name string) *einvoice.Document {
	tb.Helper()
	docs, errs := einvoice.Parse(filepath.Base(name), mustRead(tb, name))
	if errs != nil || len(docs) != 1 {
		tb.Fatalf("%s: %d documents, errors %v", name, len(docs), errs)
	}
	return docs[0]
}

// TestParseSamples reads the official samples; the expected values were
// read from each file by hand (for the PDFs, from their factur-x.xml).
func TestParseSamples(t *testing.T) {
	for _, tt := range []struct {
		file, format, kind, number, issue, due, currency, sellerVAT, buyer, payRef, corrects string
		amount                                                                               int64
	}{
		{"peppol/base-example.xml", "ubl", "invoice", "Snippet1", "2017-11-13", "2017-12-01", "EUR", "GB1232434", "Buyer Official Name", "Snippet1", "", 165625},
		{"peppol/Vat-category-S.xml", "ubl", "invoice", "Snippet1", "2017-11-13", "2017-12-01", "EUR", "GB1232434", "Buyer Official Name", "Snippet1", "", 855000},
		{"peppol/base-creditnote-correction.xml", "ubl", "credit_note", "Snippet1", "2017-11-13", "", "EUR", "GB1232434", "Buyer Official Name", "Snippet1", "Snippet1", 165625},
		// An invoice whose amount due is negative corrects another: a credit.
		{"peppol/base-negative-inv-correction.xml", "ubl", "credit_note", "Correction1", "2017-11-13", "2017-12-01", "EUR", "GB1232434", "Buyer Official Name", "Snippet1", "Snippet1", 165625},
		// 671.15 grand total less 201.00 prepaid.
		{"factur-x/Facture_FR_EN16931.pdf", "factur-x", "invoice", "FA-2017-0010", "2017-11-13", "2017-12-13", "EUR", "FR11999999998", "Ma jolie boutique", "FA-2017-0010", "", 47015},
		{"factur-x/Facture_FR_BASICWL.pdf", "factur-x", "invoice", "FA-2017-0010", "2017-11-13", "2017-12-13", "EUR", "FR11999999998", "Ma jolie boutique", "FA-2017-0010", "", 47015},
		{"factur-x/Avoir_FR_type381_BASIC.pdf", "factur-x", "credit_note", "AV-2017-0005", "2017-11-16", "2017-11-16", "EUR", "FR11999999998", "Ma jolie boutique", "AV-2017-0005", "FA-2017-0010", 23347},
	} {
		t.Run(tt.file, func(t *testing.T) {
			d := parseOne(t, tt.file)
			got := []string{string(d.Format), string(d.Kind), d.Number, d.IssueDate.String(), dateText(d.DueDate), string(d.Currency), d.Seller.VAT, d.Buyer.Name, d.PaymentReference, strings.Join(d.Invoices, ",")}
			want := []string{tt.format, tt.kind, tt.number, tt.issue, tt.due, tt.currency, tt.sellerVAT, tt.buyer, tt.payRef, tt.corrects}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got  %q\nwant %q", got, want)
			}
			if d.Payable != tt.amount {
				t.Errorf("amount %d, want %d", d.Payable, tt.amount)
			}
			if !bytes.Equal(d.Original, mustRead(t, tt.file)) || len(d.SHA256) != 64 || d.SHA256 != portal.SHA256Hex(d.Original) {
				t.Errorf("original not kept as sent (sha256 %s)", d.SHA256)
			}
		})
	}
	t.Run("BuyerContact", func(t *testing.T) {
		d := parseOne(t, "factur-x/Facture_FR_EN16931.pdf")
		b := d.Buyer
		if b.Email != "alexandre.payet@majolieboutique.net" || b.Phone != "+33 4 72 07 08 67" || b.Postcode != "69001" ||
			b.City != "Lyon" || b.Country != "FR" || b.Street != "35 rue de la République" || b.CompanyID != "78787878400035" {
			t.Errorf("buyer %+v", b)
		}
		u := parseOne(t, "peppol/base-example.xml").Buyer
		if u.Email != "lj@buyer.se" || u.Phone != "23434234" || u.Postcode != "456 34" || u.Country != "SE" || u.VAT != "SE4598375937" {
			t.Errorf("UBL buyer %+v", u)
		}
	})
}

func dateText(d portal.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func TestParseDecimal(t *testing.T) {
	for _, tt := range []struct {
		in   string
		exp  int
		want int64
		ok   bool
	}{
		{"1656.25", 2, 165625, true}, {"8550", 2, 855000, true}, {"-12.5", 2, -1250, true}, {"+3.10", 2, 310, true},
		{"12.500", 2, 1250, true}, {"0.5", 0, 0, false}, {"100", 0, 100, true}, {".5", 2, 50, true},
		{"12.505", 2, 0, false}, {"1,234.56", 2, 0, false}, {"1e3", 2, 0, false}, {"", 2, 0, false}, {"-", 2, 0, false},
		{".", 2, 0, false}, {"99999999999999999999", 2, 0, false}, {" 12", 2, 0, false},
	} {
		got, err := einvoice.ParseDecimal(tt.in, tt.exp)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDecimal(%q, %d) = %d, %v; want %d ok=%v", tt.in, tt.exp, got, err, tt.want, tt.ok)
		}
	}
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol3;</ID></Invoice>`

const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>`

// plainPDF is a PDF without attachment.
func plainPDF(tb testing.TB) []byte {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 12)
	pdf.Cell(40, 10, "Facture FA-1 (no XML inside)")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// pdfBomb is a small PDF whose one stream inflates to 100 MB.
func pdfBomb(tb testing.TB) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	chunk := make([]byte, 1<<20)
	for range 100 {
		zw.Write(chunk)
	}
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n1 0 obj\n<< /Length " + itoa(z.Len()) + " /Filter /FlateDecode >>\nstream\n")
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

func zipOf(tb testing.TB, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseHostile(t *testing.T) {
	huge := zipOf(t, map[string][]byte{"big.xml": make([]byte, einvoice.MaxFileSize+1)})
	for _, tt := range []struct {
		name string
		data []byte
		file string // the file the error names
		want string
	}{
		{"billion-laughs.xml", []byte(billionLaughs), "billion-laughs.xml", "DOCTYPE"},
		{"xxe.xml", []byte(externalEntity), "xxe.xml", "DOCTYPE"},
		{"plain.pdf", plainPDF(t), "plain.pdf", "no attachment"},
		{"bomb.pdf", pdfBomb(t), "bomb.pdf", "inflate to more than"},
		{"huge.zip", huge, "huge.zip/big.xml", "larger than 10 MB once unzipped"},
		{"order.xml", []byte(`<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`), "order.xml", "not an e-invoice"},
		{"broken.xml", []byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</Invoice>`), "broken.xml", "not well formed"},
		{"latin1.xml", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><Invoice/>`), "latin1.xml", "not well formed"},
		{"notes.txt", []byte("hello"), "notes.txt", "not an e-invoice"},
		{"big.xml", append([]byte("<a>"), make([]byte, einvoice.MaxFileSize)...), "big.xml", "larger than 10 MB"},
		{"nested.zip", zipOf(t, map[string][]byte{"inner.xml": zipOf(t, map[string][]byte{"a.xml": []byte("<a/>")})}), "nested.zip/inner.xml", "zip inside a zip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			docs, errs := einvoice.Parse(tt.name, tt.data)
			if docs != nil || len(errs) != 1 {
				t.Fatalf("docs %d, errors %v", len(docs), errs)
			}
			if errs[0].File != tt.file || !strings.Contains(errs[0].Message, tt.want) {
				t.Errorf("error %+v, want file %s and %q", errs[0], tt.file, tt.want)
			}
		})
	}
	t.Run("ZipWithOneBadFile", func(t *testing.T) {
		z := zipOf(t, map[string][]byte{
			"good.xml":            mustRead(t, "peppol/base-example.xml"),
			"fx.pdf":              mustRead(t, "factur-x/Facture_FR_EN16931.pdf"),
			"bad.xml":             []byte(billionLaughs),
			"readme.txt":          []byte("notes"),
			"__MACOSX/._good.xml": []byte("resource fork"),
		})
		docs, errs := einvoice.Parse("batch.zip", z)
		if docs != nil || len(errs) != 2 {
			t.Fatalf("docs %d, errors %v", len(docs), errs)
		}
		if errs[0].File != "batch.zip/bad.xml" || errs[1].File != "batch.zip/readme.txt" {
			t.Errorf("errors %v", errs)
		}
	})
	t.Run("ZipOK", func(t *testing.T) {
		z := zipOf(t, map[string][]byte{"a/good.xml": mustRead(t, "peppol/base-example.xml"), "fx.pdf": mustRead(t, "factur-x/Facture_FR_EN16931.pdf")})
		docs, errs := einvoice.Parse("batch.zip", z)
		if errs != nil || len(docs) != 2 {
			t.Fatalf("docs %d, errors %v", len(docs), errs)
		}
		for _, d := range docs {
			if !strings.HasPrefix(d.File, "batch.zip/") || d.SHA256 != portal.SHA256Hex(d.Original) {
				t.Errorf("doc %s sha %s", d.File, d.SHA256)
			}
		}
	})
}
