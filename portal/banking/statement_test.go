package banking_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

func mustOpen(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseCamt053(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		lines, err := banking.ParseCamt053(bytes.NewReader(mustOpen(t, "camt053.xml")))
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 4 {
			t.Fatalf("got %d lines, want 4 (the pending entry is skipped): %+v", len(lines), lines)
		}
		hashed := lines[2].BankRef
		if !strings.HasPrefix(hashed, "sha256:") || len(hashed) != len("sha256:")+32 {
			t.Errorf("entry without AcctSvcrRef got BankRef %q", hashed)
		}
		want := []banking.StatementLine{
			{
				BankRef: "BE-2024-0102-000017", BookedOn: portal.MustDate("2024-01-02"), ValueOn: portal.MustDate("2024-01-02"),
				Amount: 12550, Currency: "EUR", Credit: true, Reference: "090933755493",
				Name: "DUPONT JEAN", IBAN: "BE68539007547034",
			},
			{
				BankRef: "BE-2024-0103-000002", BookedOn: portal.MustDate("2024-01-03"), ValueOn: portal.MustDate("2024-01-03"),
				Amount: 100000, Currency: "EUR", Credit: true, Reference: "RF18539007547034", EndToEndID: "MUELLER-INV-4471",
				Name: "Müller GmbH", IBAN: "DE89370400440532013000",
			},
			{
				BankRef: hashed, BookedOn: portal.MustDate("2024-01-03"), ValueOn: portal.MustDate("2024-01-03"),
				Amount: 4210, Currency: "EUR", Credit: true, Reference: "Facture F-2023-118 merci",
				Name: "SARL Les Jardins de Léa", IBAN: "FR1420041010050500013M02606",
			},
			{
				BankRef: "BE-2024-0103-000009", BookedOn: portal.MustDate("2024-01-03"), ValueOn: portal.MustDate("2024-01-03"),
				Amount: 1500, Currency: "EUR", Credit: false, Reference: "Invoice 7781", EndToEndID: "PO-7781",
				Name: "Office Supplies Ltd", IBAN: "GB82WEST12345698765432",
			},
		}
		for i := range want {
			if !reflect.DeepEqual(lines[i], want[i]) {
				t.Errorf("entry %d:\n got %+v\nwant %+v", i+1, lines[i], want[i])
			}
		}
		again, err := banking.ParseCamt053(bytes.NewReader(mustOpen(t, "camt053.xml")))
		if err != nil || !reflect.DeepEqual(again, lines) {
			t.Errorf("second parse differs: %v", err)
		}
	})

	t.Run("Version8", func(t *testing.T) {
		// Prefixed namespace of camt.053.001.08, Sts/Cd, Dbtr/Pty/Nm, a
		// split batch entry, a reversal, DtTm without zone.
		doc := `<?xml version="1.0"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><c:BkToCstmrStmt><c:Stmt>
<c:Ntry><c:Amt Ccy="EUR">300.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
 <c:BookgDt><c:DtTm>2024-02-29T23:59:59</c:DtTm></c:BookgDt><c:AcctSvcrRef>B1</c:AcctSvcrRef>
 <c:NtryDtls>
  <c:TxDtls><c:Refs><c:EndToEndId>E2E-1</c:EndToEndId></c:Refs><c:Amt Ccy="EUR">100.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd>
   <c:RltdPties><c:Dbtr><c:Pty><c:Nm>Anna Peeters</c:Nm></c:Pty></c:Dbtr><c:DbtrAcct><c:Id><c:IBAN>BE71096123456769</c:IBAN></c:Id></c:DbtrAcct></c:RltdPties>
   <c:RmtInf><c:Strd><c:CdtrRefInf><c:Ref>+++090/9337/55493+++</c:Ref></c:CdtrRefInf></c:Strd></c:RmtInf></c:TxDtls>
  <c:TxDtls><c:Refs><c:AcctSvcrRef>B1-TX2</c:AcctSvcrRef></c:Refs><c:Amt Ccy="EUR">200.00</c:Amt>
   <c:RltdPties><c:Dbtr><c:Pty><c:Nm>Bert Janssens</c:Nm></c:Pty></c:Dbtr></c:RltdPties>
   <c:RmtInf><c:Ustrd>  ref   RF18 5390 0754 7034 </c:Ustrd></c:RmtInf></c:TxDtls>
 </c:NtryDtls></c:Ntry>
<c:Ntry><c:Amt Ccy="JPY">1500</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:RvslInd>true</c:RvslInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
 <c:BookgDt><c:Dt>2024-03-01</c:Dt></c:BookgDt><c:AcctSvcrRef>B2</c:AcctSvcrRef></c:Ntry>
</c:Stmt></c:BkToCstmrStmt></c:Document>`
		lines, err := banking.ParseCamt053(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		want := []banking.StatementLine{
			{BankRef: "B1/1", BookedOn: portal.MustDate("2024-02-29"), Amount: 10000, Currency: "EUR", Credit: true,
				Reference: "+++090/9337/55493+++", EndToEndID: "E2E-1", Name: "Anna Peeters", IBAN: "BE71096123456769"},
			{BankRef: "B1-TX2", BookedOn: portal.MustDate("2024-02-29"), Amount: 20000, Currency: "EUR", Credit: true,
				Reference: "ref RF18 5390 0754 7034", Name: "Bert Janssens"},
			{BankRef: "B2", BookedOn: portal.MustDate("2024-03-01"), Amount: 1500, Currency: "JPY", Credit: true, Reversal: true},
		}
		if !reflect.DeepEqual(lines, want) {
			t.Errorf("got\n%+v\nwant\n%+v", lines, want)
		}
	})

	t.Run("Latin1", func(t *testing.T) {
		doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1</Amt>" +
			"<CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>L\xe9a</Nm></Dbtr></RltdPties>" +
			"</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
		lines, err := banking.ParseCamt053(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 1 || lines[0].Name != "Léa" || lines[0].Amount != 100 {
			t.Errorf("got %+v", lines)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		entry := func(amt, ccy, ind, date string) string {
			return `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt><Stmt>` +
				`<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt></Ntry>` +
				`<Ntry><Amt Ccy="` + ccy + `">` + amt + `</Amt><CdtDbtInd>` + ind + `</CdtDbtInd><BookgDt><Dt>` + date + `</Dt></BookgDt></Ntry>` +
				`</Stmt></BkToCstmrStmt></Document>`
		}
		for _, tt := range []struct{ name, doc, msg string }{
			{"NotXML", "hello", "not well-formed"},
			{"Truncated", `<Document><BkToCstmrStmt><Stmt>`, "not well-formed"},
			{"NotCamt", `<Document><CstmrCdtTrfInitn/></Document>`, "not a camt.053"},
			{"ThreeDecimals", entry("12.345", "EUR", "CRDT", "2024-01-02"), "entry 2"},
			{"Comma", entry("12,50", "EUR", "CRDT", "2024-01-02"), "entry 2"},
			{"Negative", entry("-12.50", "EUR", "CRDT", "2024-01-02"), "entry 2"},
			{"Empty", entry("", "EUR", "CRDT", "2024-01-02"), "entry 2"},
			{"Overflow", entry("99999999999999999999.00", "EUR", "CRDT", "2024-01-02"), "entry 2"},
			{"Currency", entry("12.50", "XXX", "CRDT", "2024-01-02"), "entry 2"},
			{"JPYDecimals", entry("12.5", "JPY", "CRDT", "2024-01-02"), "entry 2"},
			{"Indicator", entry("12.50", "EUR", "CREDIT", "2024-01-02"), "entry 2"},
			{"Date", entry("12.50", "EUR", "CRDT", "2024-02-30"), "entry 2"},
			{"NoDate", entry("12.50", "EUR", "CRDT", ""), "entry 2"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := banking.ParseCamt053(strings.NewReader(tt.doc))
				if portal.ErrorCode(err) != portal.EINVALID || !strings.Contains(portal.ErrorMessage(err), tt.msg) {
					t.Errorf("ParseCamt053 = %v, want EINVALID mentioning %q", err, tt.msg)
				}
			})
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		r := strings.NewReader("<Document>" + strings.Repeat(" ", banking.MaxStatementSize))
		if _, err := banking.ParseCamt053(r); portal.ErrorCode(err) != portal.ETOOLARGE {
			t.Errorf("ParseCamt053 = %v, want ETOOLARGE", err)
		}
	})
}

func TestParseStatementCSV(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		lines, err := banking.ParseStatementCSV(bytes.NewReader(mustOpen(t, "statement.csv")))
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 4 {
			t.Fatalf("got %d lines, want 4", len(lines))
		}
		hashed := lines[2].BankRef
		if !strings.HasPrefix(hashed, "sha256:") || len(hashed) != len("sha256:")+32 {
			t.Errorf("line without bank_ref got BankRef %q", hashed)
		}
		want := []banking.StatementLine{
			{BankRef: "CSV-0001", BookedOn: portal.MustDate("2024-01-02"), Amount: 12550, Currency: "EUR", Credit: true,
				Reference: "+++090/9337/55493+++", Name: "DUPONT JEAN", IBAN: "BE68539007547034"},
			{BankRef: "CSV-0002", BookedOn: portal.MustDate("2024-01-03"), Amount: 100000, Currency: "EUR", Credit: true,
				Reference: "RF18 5390 0754 7034", Name: "Müller GmbH", IBAN: "DE89370400440532013000"},
			{BankRef: hashed, BookedOn: portal.MustDate("2024-01-03"), Amount: 4210, Currency: "EUR", Credit: true,
				Reference: "Facture F-2023-118, merci", Name: "SARL Les Jardins de Léa", IBAN: "FR1420041010050500013M02606"},
			{BankRef: "CSV-0004", BookedOn: portal.MustDate("2024-01-03"), Amount: 1500, Currency: "EUR", Credit: false,
				Reference: "Invoice 7781", Name: "Office Supplies Ltd", IBAN: "GB82WEST12345698765432"},
		}
		if !reflect.DeepEqual(lines, want) {
			t.Errorf("got\n%+v\nwant\n%+v", lines, want)
		}
	})

	t.Run("DuplicatesWithoutBankRef", func(t *testing.T) {
		in := "\ufeff2024-01-05,10.00,EUR,same,A,,\n2024-01-05,10.00,EUR,same,A,,\n2024-01-05,10.00,EUR,other,A,,\n"
		lines, err := banking.ParseStatementCSV(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if lines[0].BankRef == lines[1].BankRef || lines[1].BankRef == lines[2].BankRef {
			t.Errorf("identical transfers must keep distinct refs: %q %q %q", lines[0].BankRef, lines[1].BankRef, lines[2].BankRef)
		}
		again, _ := banking.ParseStatementCSV(strings.NewReader(in))
		if !reflect.DeepEqual(again, lines) {
			t.Error("hashed refs are not stable")
		}
	})

	t.Run("RepeatedBankRef", func(t *testing.T) {
		in := "2024-01-05,10.00,EUR,a,A,,R1\n2024-01-05,11.00,EUR,b,B,,R1\n2024-01-05,12.00,EUR,c,C,,R1#2\n2024-01-05,13.00,EUR,d,D,,NONREF\n"
		lines, err := banking.ParseStatementCSV(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lines {
			got = append(got, l.BankRef)
		}
		if got[0] != "R1" || got[1] != "R1#2" || got[2] != "R1#2#2" || !strings.HasPrefix(got[3], "sha256:") {
			t.Errorf("BankRefs = %q", got)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		header := strings.Join(banking.CSVColumns, ",") + "\n"
		good := "2024-01-02,1.00,EUR,,,,\n"
		for _, tt := range []struct{ name, row string }{
			{"Columns", "2024-01-02,1.00,EUR\n"},
			{"Date", "02/01/2024,1.00,EUR,,,,\n"},
			{"Amount", "2024-01-02,1;00,EUR,,,,\n"},
			{"CommaAmount", "2024-01-02,\"1,00\",EUR,,,,\n"},
			{"Decimals", "2024-01-02,1.001,EUR,,,,\n"},
			{"Zero", "2024-01-02,0.00,EUR,,,,\n"},
			{"Currency", "2024-01-02,1.00,EURO,,,,\n"},
			{"IBAN", "2024-01-02,1.00,EUR,,,BE68539007547035,\n"},
			{"Quote", "2024-01-02,1.00,EUR,\"open,,,,\n"},
			{"LongReference", "2024-01-02,1.00,EUR," + strings.Repeat("x", 501) + ",,,\n"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := banking.ParseStatementCSV(strings.NewReader(header + good + tt.row))
				if portal.ErrorCode(err) != portal.EINVALID || !strings.Contains(portal.ErrorMessage(err), "line 3") {
					t.Errorf("ParseStatementCSV = %v, want EINVALID on line 3", err)
				}
			})
		}
		if _, err := banking.ParseStatementCSV(strings.NewReader("2024-01-02,1.00,EUR,\xff,,,\n")); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("non-UTF-8: %v", err)
		}
	})
}

// writeCSV prints lines in the statement CSV format.
func writeCSV(lines []banking.StatementLine) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(banking.CSVColumns)
	for _, l := range lines {
		amount := l.Amount
		if !l.Credit {
			amount = -amount
		}
		w.Write([]string{l.BookedOn.String(), portal.FormatMinor(amount, l.Currency.Exponent()), string(l.Currency),
			l.Reference, l.Name, l.IBAN, l.BankRef})
	}
	w.Flush()
	return b.String()
}

func FuzzParseCSV(f *testing.F) {
	f.Add(string(mustOpen(f, "statement.csv")))
	for _, s := range []string{
		"", "\n", "date,amount,currency,reference,counterparty_name,counterparty_iban,bank_ref\n",
		"2024-01-02,-0.01,EUR,x,y,,z\n", "2024-01-02,1,JPY,\"a\"\"b\",,,\n", "2024-01-02,1.,EUR,,,,\n",
		"2024-01-02,.5,EUR,,,,\n", "2024-01-02,+3,EUR,,,,\r\n", "\"", "2024-01-02,1,EUR,\"multi\nline\",,,\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := banking.ParseStatementCSV(strings.NewReader(in))
		if err != nil {
			if c := portal.ErrorCode(err); c != portal.EINVALID {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		for _, l := range lines {
			if l.Amount <= 0 || l.BankRef == "" || l.BookedOn.IsZero() || l.Currency.Validate() != nil {
				t.Fatalf("bad line %+v", l)
			}
		}
		// Printing the lines and parsing them again gives the same lines.
		back, err := banking.ParseStatementCSV(strings.NewReader(writeCSV(lines)))
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if len(lines) == 0 && len(back) == 0 {
			return
		}
		if !reflect.DeepEqual(back, lines) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", back, lines)
		}
	})
}

func FuzzParseCamt053(f *testing.F) {
	f.Add(string(mustOpen(f, "camt053.xml")))
	for _, s := range []string{
		"", "<Document/>", "<Document><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>",
		`<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">0.10000</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><DtTm>2024-01-01T00:00:00Z</DtTm></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>`,
		`<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">3</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt><NtryDtls><TxDtls><Amt Ccy="EUR">1</Amt></TxDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">2</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`,
		`<?xml version="1.0" encoding="latin1"?><Document/>`, `<?xml version="1.0" encoding="EBCDIC"?><Document/>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := banking.ParseCamt053(strings.NewReader(in))
		if err != nil {
			if c := portal.ErrorCode(err); c != portal.EINVALID {
				t.Fatalf("error code %q: %v", c, err)
			}
			return
		}
		for i, l := range lines {
			if l.Amount < 0 || l.BankRef == "" || l.BookedOn.IsZero() || l.Currency.Validate() != nil {
				t.Fatalf("bad line %d: %+v", i, l)
			}
		}
		if again, err := banking.ParseCamt053(strings.NewReader(in)); err != nil || !reflect.DeepEqual(again, lines) {
			t.Fatalf("parse is not deterministic: %v", err)
		}
	})
}
