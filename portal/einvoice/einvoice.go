// Package einvoice reads structured e-invoices: UBL 2.1 invoices and
// credit notes (Peppol BIS Billing 3.0), UN/CEFACT Cross Industry Invoices
// (CII), and Factur-X / ZUGFeRD PDFs, which carry a CII invoice as a PDF/A-3
// attachment; one file, or a zip of many. It only parses: Claims maps the
// documents to the claims of an import, and Import stores them the way the
// CSV import does (every bad file reported, then nothing imported).
//
// The input comes from outside and is treated as hostile: every file is
// bounded in size, a zip in entries and inflated bytes, a PDF in the bytes
// its streams inflate to; XML is read with encoding/xml, which expands no
// entity but the five predefined ones and fetches nothing, and any DOCTYPE
// is refused outright.
package einvoice

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// Limits of one upload.
const (
	// MaxFileSize bounds one e-invoice, XML or PDF (the zip's entries too).
	MaxFileSize = 10 << 20
	// MaxZipFiles bounds the files of one zip.
	MaxZipFiles = 1000
	// MaxZipInflated bounds the bytes all entries of a zip inflate to.
	MaxZipInflated = 64 << 20
	// maxPDFInflated bounds the bytes all streams of one PDF inflate to.
	maxPDFInflated = 64 << 20
)

// Format is the syntax a document came in.
type Format string

const (
	FormatUBL     Format = "ubl"
	FormatCII     Format = "cii"
	FormatFacturX Format = "factur-x" // CII in a PDF/A-3 (Factur-X, ZUGFeRD 2, XRechnung CII)
)

// Kind tells an invoice from a credit note.
type Kind string

const (
	KindInvoice    Kind = "invoice"
	KindCreditNote Kind = "credit_note"
)

// Party is the seller or the buyer of a document.
type Party struct {
	Name string
	// VAT is the VAT identifier (BT-31, BT-48) as written, e.g. BE0123456749.
	VAT string
	// CompanyID is the legal registration number (BT-30, BT-47): SIREN/SIRET,
	// KBO/BCE number...
	CompanyID string
	// Endpoint is the electronic address (BT-34, BT-49), e.g. a Peppol ID.
	Endpoint                        string
	Email, Phone                    string
	Street, Postcode, City, Country string
}

// Document is one e-invoice read from a file.
type Document struct {
	// File is the name of the file in the upload (its path in a zip).
	File      string
	Format    Format
	Kind      Kind
	Number    string
	IssueDate portal.Date
	DueDate   portal.Date // zero when the document gives none
	Currency  portal.Currency
	// Payable is the amount due for payment (BT-115) in minor units,
	// positive; for a credit note, the amount credited.
	Payable int64
	// PaymentReference is the remittance information the debtor is asked
	// to quote (BT-83).
	PaymentReference string
	Seller, Buyer    Party
	// Invoices are the numbers of the invoices a credit note corrects
	// (BT-25).
	Invoices []string
	// Original is the file as received: the XML, or the whole PDF of a
	// Factur-X; SHA256 its hex digest; ContentType its type.
	Original    []byte
	SHA256      string
	ContentType string
}

// FileError is one bad file.
type FileError struct {
	File    string `json:"file"`
	Message string `json:"message"`
}

func (e FileError) String() string { return e.File + ": " + e.Message }

// Errors lists the bad files of a rejected upload.
type Errors []FileError

func (e Errors) Error() string {
	parts := make([]string, 0, len(e))
	for _, fe := range e {
		parts = append(parts, fe.String())
	}
	return "the upload was not imported: " + strings.Join(parts, "; ")
}

func (e Errors) sorted() Errors {
	sort.SliceStable(e, func(i, j int) bool { return e[i].File < e[j].File })
	return e
}

// Parse reads an upload named name (the name decides only when the content
// does not: a zip, a PDF and XML are told apart by their first bytes). It
// returns the documents in file order, or every bad file.
func Parse(name string, data []byte) ([]*Document, Errors) {
	name = cleanName(name)
	if isZip(data) {
		return parseZip(name, data)
	}
	doc, err := parseFile(name, data)
	if err != nil {
		return nil, Errors{{File: name, Message: err.Error()}}
	}
	return []*Document{doc}, nil
}

// parseFile reads one XML or PDF file.
func parseFile(name string, data []byte) (*Document, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("the file is larger than %d MB", MaxFileSize>>20)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	var (
		doc *Document
		err error
	)
	switch {
	case isPDF(data):
		doc, err = parsePDF(data)
	case isZip(data):
		return nil, fmt.Errorf("a zip inside a zip is not read: put the invoices in one zip")
	case looksLikeXML(data):
		doc, err = parseXML(data)
	default:
		return nil, fmt.Errorf("not an e-invoice: expected UBL or CII XML, or a Factur-X PDF")
	}
	if err != nil {
		return nil, err
	}
	doc.File = name
	sum := sha256.Sum256(data)
	doc.Original, doc.SHA256 = data, hex.EncodeToString(sum[:])
	if err := doc.check(); err != nil {
		return nil, err
	}
	return doc, nil
}

// check refuses a document that lacks what a claim needs.
func (d *Document) check() error {
	switch {
	case d.Number == "":
		return fmt.Errorf("the %s has no number", d.kindText())
	case !utf8.ValidString(d.Number) || utf8.RuneCountInString(d.Number) > portal.MaxReferenceLen:
		return fmt.Errorf("the %s number is longer than %d characters", d.kindText(), portal.MaxReferenceLen)
	case d.IssueDate.IsZero():
		return fmt.Errorf("%s %s has no issue date", d.kindText(), short(d.Number))
	case d.Currency == "":
		return fmt.Errorf("%s %s has no currency", d.kindText(), short(d.Number))
	case d.Seller.VAT == "" && d.Seller.CompanyID == "":
		return fmt.Errorf("%s %s names no VAT or company number for its seller", d.kindText(), short(d.Number))
	case d.Buyer.Name == "":
		return fmt.Errorf("%s %s has no buyer name", d.kindText(), short(d.Number))
	case d.Payable == 0:
		return fmt.Errorf("%s %s has nothing to pay (amount due 0)", d.kindText(), short(d.Number))
	case d.Kind == KindInvoice && d.DueDate.IsZero():
		return fmt.Errorf("invoice %s has no due date (BT-9): Relais needs it to know when it fell due", short(d.Number))
	case d.Kind == KindInvoice && d.DueDate.Before(d.IssueDate):
		return fmt.Errorf("invoice %s falls due on %s, before its issue date %s", short(d.Number), d.DueDate, d.IssueDate)
	}
	return nil
}

func (d *Document) kindText() string {
	if d.Kind == KindCreditNote {
		return "credit note"
	}
	return "invoice"
}

func isZip(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "PK\x03\x04" }

// isPDF finds the header in the first KiB, where readers look for it.
func isPDF(b []byte) bool { return strings.Contains(string(b[:min(len(b), 1024)]), "%PDF-") }

func looksLikeXML(b []byte) bool {
	s := strings.TrimLeft(strings.TrimPrefix(string(b[:min(len(b), 512)]), "\ufeff"), " \t\r\n")
	return strings.HasPrefix(s, "<")
}

// cleanName keeps a printable base path of an uploaded name for messages
// and the stored file's name.
func cleanName(name string) string {
	name = strings.ToValidUTF8(strings.ReplaceAll(name, `\`, "/"), "_")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" || name == "." {
		name = "upload"
	}
	return short(name)
}

// short cuts a value quoted in a message to 80 characters.
func short(v string) string {
	const max = 80
	if utf8.RuneCountInString(v) <= max {
		return v
	}
	return string([]rune(v)[:max]) + "…"
}
