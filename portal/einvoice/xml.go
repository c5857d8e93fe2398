package einvoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/relais/relais/portal"
)

// Root element namespaces of the syntaxes read.
const (
	nsUBLInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsUBLCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCII           = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
)

// parseXML tells the syntax by the root element and reads the document.
func parseXML(data []byte) (*Document, error) {
	root, err := rootElement(data)
	if err != nil {
		return nil, err
	}
	switch {
	case root.Space == nsUBLInvoice && root.Local == "Invoice":
		return parseUBL(data, false)
	case root.Space == nsUBLCreditNote && root.Local == "CreditNote":
		return parseUBL(data, true)
	case root.Space == nsCII && root.Local == "CrossIndustryInvoice":
		doc, err := parseCII(data)
		if doc != nil {
			doc.Format, doc.ContentType = FormatCII, "application/xml"
		}
		return doc, err
	}
	return nil, fmt.Errorf("the XML is not an e-invoice: its root element is %s, not a UBL Invoice or CreditNote or a CII CrossIndustryInvoice", short(root.Space+" "+root.Local))
}

// rootElement reads the tokens before the root element and the whole
// document once, strictly: a DOCTYPE (and so any entity declaration) is
// refused, and so is any encoding but UTF-8.
func rootElement(data []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var root xml.Name
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return root, fmt.Errorf("the XML is not well formed: %s", short(xmlMessage(err)))
		}
		switch t := tok.(type) {
		case xml.Directive:
			return root, fmt.Errorf("the XML has a DOCTYPE or another declaration (<!%s…>): e-invoices have none, and it is refused", short(strings.Fields(string(t) + " x")[0]))
		case xml.StartElement:
			if depth == 0 && root.Local == "" {
				root = t.Name
			}
			depth++
			if depth > 100 {
				return root, fmt.Errorf("the XML nests elements more than 100 deep")
			}
		case xml.EndElement:
			depth--
		}
	}
	if root.Local == "" {
		return root, fmt.Errorf("the XML has no root element")
	}
	return root, nil
}

func xmlMessage(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	return err.Error()
}

func unmarshal(data []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("the XML could not be read: %s", short(xmlMessage(err)))
	}
	return nil
}

type idValue struct {
	Value  string `xml:",chardata"`
	Scheme string `xml:"schemeID,attr"`
}

type amountValue struct {
	Value    string `xml:",chardata"`
	Currency string `xml:"currencyID,attr"`
}

// UBL 2.1, the elements Relais reads (local names: the namespaces of the
// root were checked).
type ublDocument struct {
	ID               string `xml:"ID"`
	IssueDate        string `xml:"IssueDate"`
	DueDate          string `xml:"DueDate"`
	Currency         string `xml:"DocumentCurrencyCode"`
	BillingReference []struct {
		ID string `xml:"InvoiceDocumentReference>ID"`
	} `xml:"BillingReference"`
	Supplier     ublParty `xml:"AccountingSupplierParty>Party"`
	Customer     ublParty `xml:"AccountingCustomerParty>Party"`
	PaymentMeans []struct {
		PaymentID      string `xml:"PaymentID"`
		PaymentDueDate string `xml:"PaymentDueDate"`
	} `xml:"PaymentMeans"`
	Payable amountValue `xml:"LegalMonetaryTotal>PayableAmount"`
}

type ublParty struct {
	Endpoint idValue `xml:"EndpointID"`
	Name     string  `xml:"PartyName>Name"`
	Address  struct {
		Street     string `xml:"StreetName"`
		Additional string `xml:"AdditionalStreetName"`
		City       string `xml:"CityName"`
		Postcode   string `xml:"PostalZone"`
		Country    string `xml:"Country>IdentificationCode"`
	} `xml:"PostalAddress"`
	TaxSchemes []struct {
		CompanyID string `xml:"CompanyID"`
		Scheme    string `xml:"TaxScheme>ID"`
	} `xml:"PartyTaxScheme"`
	Legal struct {
		RegistrationName string  `xml:"RegistrationName"`
		CompanyID        idValue `xml:"CompanyID"`
	} `xml:"PartyLegalEntity"`
	Contact struct {
		Telephone string `xml:"Telephone"`
		Email     string `xml:"ElectronicMail"`
	} `xml:"Contact"`
}

func (p ublParty) party() Party {
	out := Party{
		Name: clean(p.Legal.RegistrationName), CompanyID: clean(p.Legal.CompanyID.Value), Endpoint: clean(p.Endpoint.Value),
		Email: clean(p.Contact.Email), Phone: clean(p.Contact.Telephone),
		Street:   joinNonEmpty(", ", clean(p.Address.Street), clean(p.Address.Additional)),
		Postcode: clean(p.Address.Postcode), City: clean(p.Address.City), Country: strings.ToUpper(clean(p.Address.Country)),
	}
	if out.Name == "" {
		out.Name = clean(p.Name)
	}
	for _, ts := range p.TaxSchemes {
		if strings.EqualFold(clean(ts.Scheme), "VAT") && out.VAT == "" {
			out.VAT = clean(ts.CompanyID)
		}
	}
	return out
}

func parseUBL(data []byte, creditNote bool) (*Document, error) {
	var u ublDocument
	if err := unmarshal(data, &u); err != nil {
		return nil, err
	}
	doc := &Document{Format: FormatUBL, ContentType: "application/xml", Kind: KindInvoice, Number: clean(u.ID),
		Currency: portal.Currency(strings.ToUpper(clean(u.Currency))), Seller: u.Supplier.party(), Buyer: u.Customer.party()}
	if creditNote {
		doc.Kind = KindCreditNote
	}
	var err error
	if doc.IssueDate, err = isoDate("issue date", u.IssueDate); err != nil {
		return nil, err
	}
	due := u.DueDate
	for _, pm := range u.PaymentMeans {
		if doc.PaymentReference == "" {
			doc.PaymentReference = clean(pm.PaymentID)
		}
		if due == "" {
			due = pm.PaymentDueDate
		}
	}
	if doc.DueDate, err = isoDate("due date", due); err != nil {
		return nil, err
	}
	for _, br := range u.BillingReference {
		if id := clean(br.ID); id != "" {
			doc.Invoices = append(doc.Invoices, id)
		}
	}
	if err := doc.setPayable(u.Payable); err != nil {
		return nil, err
	}
	return doc, nil
}

// CII D16B (Factur-X 1.0, ZUGFeRD 2, XRechnung CII).
type ciiDocument struct {
	ID        string `xml:"ExchangedDocument>ID"`
	TypeCode  string `xml:"ExchangedDocument>TypeCode"`
	IssueDate string `xml:"ExchangedDocument>IssueDateTime>DateTimeString"`
	Trade     struct {
		Seller     ciiParty `xml:"ApplicableHeaderTradeAgreement>SellerTradeParty"`
		Buyer      ciiParty `xml:"ApplicableHeaderTradeAgreement>BuyerTradeParty"`
		Settlement struct {
			PaymentReference string `xml:"PaymentReference"`
			Currency         string `xml:"InvoiceCurrencyCode"`
			Terms            []struct {
				DueDate string `xml:"DueDateDateTime>DateTimeString"`
			} `xml:"SpecifiedTradePaymentTerms"`
			DuePayable []amountValue `xml:"SpecifiedTradeSettlementHeaderMonetarySummation>DuePayableAmount"`
			Referenced []struct {
				ID string `xml:"IssuerAssignedID"`
			} `xml:"InvoiceReferencedDocument"`
		} `xml:"ApplicableHeaderTradeSettlement"`
	} `xml:"SupplyChainTradeTransaction"`
}

type ciiParty struct {
	Name      string `xml:"Name"`
	CompanyID string `xml:"SpecifiedLegalOrganization>ID"`
	Contact   []struct {
		Phone string `xml:"TelephoneUniversalCommunication>CompleteNumber"`
		Email string `xml:"EmailURIUniversalCommunication>URIID"`
	} `xml:"DefinedTradeContact"`
	Address struct {
		Postcode string `xml:"PostcodeCode"`
		Line1    string `xml:"LineOne"`
		Line2    string `xml:"LineTwo"`
		Line3    string `xml:"LineThree"`
		City     string `xml:"CityName"`
		Country  string `xml:"CountryID"`
	} `xml:"PostalTradeAddress"`
	Endpoint string    `xml:"URIUniversalCommunication>URIID"`
	Tax      []idValue `xml:"SpecifiedTaxRegistration>ID"`
}

func (p ciiParty) party() Party {
	a := p.Address
	out := Party{Name: clean(p.Name), CompanyID: clean(p.CompanyID), Endpoint: clean(p.Endpoint),
		Street:   joinNonEmpty(", ", clean(a.Line1), clean(a.Line2), clean(a.Line3)),
		Postcode: clean(a.Postcode), City: clean(a.City), Country: strings.ToUpper(clean(a.Country))}
	for _, c := range p.Contact {
		if out.Phone == "" {
			out.Phone = clean(c.Phone)
		}
		if out.Email == "" {
			out.Email = clean(c.Email)
		}
	}
	for _, t := range p.Tax {
		if strings.EqualFold(t.Scheme, "VA") && out.VAT == "" {
			out.VAT = clean(t.Value)
		}
	}
	return out
}

// ciiCreditNotes are the UNTDID 1001 codes of credit notes.
var ciiCreditNotes = map[string]bool{"381": true, "261": true, "262": true, "396": true, "532": true}

func parseCII(data []byte) (*Document, error) {
	var c ciiDocument
	if err := unmarshal(data, &c); err != nil {
		return nil, err
	}
	s := c.Trade.Settlement
	doc := &Document{Kind: KindInvoice, Number: clean(c.ID), Currency: portal.Currency(strings.ToUpper(clean(s.Currency))),
		PaymentReference: clean(s.PaymentReference), Seller: c.Trade.Seller.party(), Buyer: c.Trade.Buyer.party()}
	if ciiCreditNotes[clean(c.TypeCode)] {
		doc.Kind = KindCreditNote
	}
	var err error
	if doc.IssueDate, err = ciiDate("issue date", c.IssueDate); err != nil {
		return nil, err
	}
	for _, t := range s.Terms {
		if doc.DueDate.IsZero() && clean(t.DueDate) != "" {
			if doc.DueDate, err = ciiDate("due date", t.DueDate); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range s.Referenced {
		if id := clean(r.ID); id != "" {
			doc.Invoices = append(doc.Invoices, id)
		}
	}
	// The amount due is given once, in the invoice currency (a second
	// DuePayableAmount is not allowed in CII; take the invoice currency's).
	var due amountValue
	for _, a := range s.DuePayable {
		if a.Currency == "" || strings.EqualFold(a.Currency, string(doc.Currency)) {
			due = a
			break
		}
	}
	if err := doc.setPayable(due); err != nil {
		return nil, err
	}
	return doc, nil
}

// setPayable reads the amount due in the document's currency. A negative
// amount due on an invoice is a credit (some senders correct an invoice
// with a negative one, type 380): it becomes a credit note.
func (d *Document) setPayable(a amountValue) error {
	if clean(a.Value) == "" {
		return fmt.Errorf("%s %s has no amount due for payment (BT-115)", d.kindText(), short(d.Number))
	}
	if a.Currency != "" && !strings.EqualFold(clean(a.Currency), string(d.Currency)) {
		return fmt.Errorf("%s %s states its amount due in %s, not its currency %s", d.kindText(), short(d.Number), short(a.Currency), d.Currency)
	}
	if err := d.Currency.Validate(); err != nil {
		return fmt.Errorf("%s %s: %s", d.kindText(), short(d.Number), portal.ErrorMessage(err))
	}
	v, err := ParseDecimal(clean(a.Value), d.Currency.Exponent())
	if err != nil {
		return fmt.Errorf("%s %s: amount due %s", d.kindText(), short(d.Number), err)
	}
	if v < 0 {
		v = -v
		if d.Kind == KindInvoice {
			d.Kind = KindCreditNote
		} else {
			return fmt.Errorf("credit note %s has a negative amount: it would be a debt, send it as an invoice", short(d.Number))
		}
	}
	if v > portal.MaxAmount {
		return fmt.Errorf("%s %s: the amount due is too large", d.kindText(), short(d.Number))
	}
	d.Payable = v
	return nil
}

func isoDate(what, s string) (portal.Date, error) {
	s = clean(s)
	if s == "" {
		return portal.Date{}, nil
	}
	d, err := portal.ParseDate(s)
	if err != nil {
		return portal.Date{}, fmt.Errorf("the %s %q is not a date (YYYY-MM-DD)", what, short(s))
	}
	return d, nil
}

// ciiDate reads a date of format 102 (YYYYMMDD), the one EN 16931 allows.
func ciiDate(what, s string) (portal.Date, error) {
	s = clean(s)
	if s == "" {
		return portal.Date{}, nil
	}
	if len(s) != 8 {
		return portal.Date{}, fmt.Errorf("the %s %q is not a date (format 102, YYYYMMDD)", what, short(s))
	}
	d, err := portal.ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:])
	if err != nil {
		return portal.Date{}, fmt.Errorf("the %s %q is not a date (format 102, YYYYMMDD)", what, short(s))
	}
	return d, nil
}

// clean trims a value and folds its inner white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
