package banking

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// camt XML, reduced to what reconciliation needs. Tags carry no namespace,
// so encoding/xml matches the elements of every camt.053 version
// (camt.053.001.02 to .08 and later) and of the camt.052 and camt.054
// reports, which share the entry structure.
type camtDocument struct {
	Statements    []camtStatement `xml:"BkToCstmrStmt>Stmt"`
	Reports       []camtStatement `xml:"BkToCstmrAcctRpt>Rpt"`
	Notifications []camtStatement `xml:"BkToCstmrDbtCdtNtfctn>Ntfctn"`
}

type camtStatement struct {
	Entries []camtEntry `xml:"Ntry"`
}

type camtEntry struct {
	NtryRef     string       `xml:"NtryRef"`
	Amt         camtAmount   `xml:"Amt"`
	CdtDbtInd   string       `xml:"CdtDbtInd"`
	RvslInd     string       `xml:"RvslInd"`
	Sts         camtStatus   `xml:"Sts"`
	BookgDt     camtDate     `xml:"BookgDt"`
	ValDt       camtDate     `xml:"ValDt"`
	AcctSvcrRef string       `xml:"AcctSvcrRef"`
	Details     []camtDetail `xml:"NtryDtls>TxDtls"`
}

type camtAmount struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

// camtStatus is "BOOK" up to version 7 and <Cd>BOOK</Cd> from version 8.
type camtStatus struct {
	Text string `xml:",chardata"`
	Cd   string `xml:"Cd"`
}

func (s camtStatus) code() string {
	if c := strings.TrimSpace(s.Cd); c != "" {
		return c
	}
	return strings.TrimSpace(s.Text)
}

type camtDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type camtDetail struct {
	Refs struct {
		AcctSvcrRef string `xml:"AcctSvcrRef"`
		EndToEndID  string `xml:"EndToEndId"`
	} `xml:"Refs"`
	Amt       *camtAmount `xml:"Amt"`
	TxAmt     *camtAmount `xml:"AmtDtls>TxAmt>Amt"`
	CdtDbtInd string      `xml:"CdtDbtInd"`
	Parties   struct {
		Dbtr     camtParty   `xml:"Dbtr"`
		DbtrAcct camtAccount `xml:"DbtrAcct"`
		Cdtr     camtParty   `xml:"Cdtr"`
		CdtrAcct camtAccount `xml:"CdtrAcct"`
	} `xml:"RltdPties"`
	Rmt struct {
		Ustrd []string `xml:"Ustrd"`
		Strd  []struct {
			Ref string `xml:"CdtrRefInf>Ref"`
		} `xml:"Strd"`
	} `xml:"RmtInf"`
}

// camtParty holds the name up to version 7 (Dbtr/Nm) and from version 8
// (Dbtr/Pty/Nm).
type camtParty struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"`
}

func (p camtParty) name() string {
	if p.Nm != "" {
		return clean(p.Nm)
	}
	return clean(p.PtyNm)
}

type camtAccount struct {
	IBAN string `xml:"Id>IBAN"`
}

// ParseCamt053 reads an ISO 20022 bank-to-customer statement (camt.053,
// any version from .001.02 on; camt.052 and camt.054 too, as they share
// the entry layout) and returns one line per booked entry, in document
// order. At most MaxStatementSize bytes are read.
//
// Entries whose status is not BOOK (pending, information) are skipped. A
// batch entry whose several TxDtls each carry an amount in the entry's
// currency is split into one line per transaction, with BankRef the
// transaction's AcctSvcrRef, else the entry's followed by "/1", "/2"...;
// otherwise the first transaction's details describe the whole entry.
// Amounts are converted to minor units exactly. Bad input is EINVALID, its
// message naming the entry number (counted from 1 across the document).
func ParseCamt053(r io.Reader) ([]StatementLine, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var doc camtDocument
	if err := dec.Decode(&doc); err != nil {
		return nil, portal.Errorf(portal.EINVALID, "statement is not well-formed XML: %s", xmlErrorMessage(err))
	}
	stmts := append(append(doc.Statements, doc.Reports...), doc.Notifications...)
	if len(stmts) == 0 {
		return nil, portal.Errorf(portal.EINVALID, "not a camt.053 statement: no BkToCstmrStmt/Stmt element")
	}
	var lines []StatementLine
	refs := newRefAssigner()
	n := 0
	for _, st := range stmts {
		for i := range st.Entries {
			n++
			got, err := camtLines(&st.Entries[i])
			if err != nil {
				return nil, portal.Errorf(portal.EINVALID, "entry %d: %s", n, portal.ErrorMessage(err))
			}
			for j := range got {
				refs.fill(&got[j])
			}
			lines = append(lines, got...)
		}
	}
	return lines, nil
}

func camtLines(e *camtEntry) ([]StatementLine, error) {
	if st := e.Sts.code(); st != "" && st != "BOOK" {
		return nil, nil
	}
	base := StatementLine{BankRef: strings.TrimSpace(e.AcctSvcrRef), Reversal: strings.TrimSpace(e.RvslInd) == "true"}
	var err error
	if base.Currency, err = knownCurrency(e.Amt.Ccy); err != nil {
		return nil, err
	}
	exp := base.Currency.Exponent()
	if base.Amount, err = parseDecimal(e.Amt.Value, exp, false); err != nil {
		return nil, err
	}
	if base.Credit, err = creditIndicator(e.CdtDbtInd); err != nil {
		return nil, err
	}
	if base.BookedOn, err = camtDay(e.BookgDt, "booking date"); err != nil {
		return nil, err
	}
	if base.BookedOn.IsZero() {
		return nil, portal.Errorf(portal.EINVALID, "booking date (BookgDt) is missing")
	}
	if base.ValueOn, err = camtDay(e.ValDt, "value date"); err != nil {
		return nil, err
	}
	if len(e.Details) == 0 {
		return []StatementLine{base}, nil
	}
	if len(e.Details) == 1 || !splittable(e) {
		l := base
		if l.BankRef == "" {
			l.BankRef = strings.TrimSpace(e.Details[0].Refs.AcctSvcrRef)
		}
		describe(&l, &e.Details[0])
		return []StatementLine{l}, nil
	}
	lines := make([]StatementLine, 0, len(e.Details))
	for i := range e.Details {
		d := &e.Details[i]
		l := base
		amt := d.Amt
		if amt == nil {
			amt = d.TxAmt
		}
		if l.Amount, err = parseDecimal(amt.Value, exp, false); err != nil {
			return nil, portal.Errorf(portal.EINVALID, "transaction %d: %s", i+1, portal.ErrorMessage(err))
		}
		if d.CdtDbtInd != "" {
			if l.Credit, err = creditIndicator(d.CdtDbtInd); err != nil {
				return nil, err
			}
		}
		switch tx := strings.TrimSpace(d.Refs.AcctSvcrRef); {
		case tx != "" && tx != base.BankRef:
			l.BankRef = tx
		case l.BankRef != "":
			l.BankRef = fmt.Sprintf("%s/%d", l.BankRef, i+1)
		}
		describe(&l, d)
		lines = append(lines, l)
	}
	return lines, nil
}

// splittable reports whether every transaction of a batch entry has its own
// amount in the entry's currency.
func splittable(e *camtEntry) bool {
	for i := range e.Details {
		a := e.Details[i].Amt
		if a == nil {
			a = e.Details[i].TxAmt
		}
		if a == nil || strings.TrimSpace(a.Ccy) != strings.TrimSpace(e.Amt.Ccy) {
			return false
		}
	}
	return true
}

// describe copies references and counterparty of a transaction into l.
func describe(l *StatementLine, d *camtDetail) {
	for _, s := range d.Rmt.Strd {
		if ref := clean(s.Ref); ref != "" {
			l.Reference = ref
			break
		}
	}
	if l.Reference == "" {
		var parts []string
		for _, u := range d.Rmt.Ustrd {
			if u = clean(u); u != "" {
				parts = append(parts, u)
			}
		}
		l.Reference = strings.Join(parts, " ")
	}
	if id := strings.TrimSpace(d.Refs.EndToEndID); id != "NOTPROVIDED" {
		l.EndToEndID = id
	}
	party, acct := d.Parties.Dbtr, d.Parties.DbtrAcct
	if !l.Credit {
		party, acct = d.Parties.Cdtr, d.Parties.CdtrAcct
	}
	l.Name, l.IBAN = party.name(), NormalizeIBAN(acct.IBAN)
}

func creditIndicator(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "CRDT":
		return true, nil
	case "DBIT":
		return false, nil
	}
	return false, portal.Errorf(portal.EINVALID, "CdtDbtInd must be CRDT or DBIT, not %q", s)
}

// camtDay reads Dt (YYYY-MM-DD) or the date part of DtTm, as written.
func camtDay(d camtDate, what string) (portal.Date, error) {
	s := strings.TrimSpace(d.Dt)
	if s == "" {
		s = strings.TrimSpace(d.DtTm)
		if len(s) > 10 && s[10] == 'T' {
			s = s[:10]
		}
	}
	if s == "" {
		return portal.Date{}, nil
	}
	v, err := portal.ParseDate(s)
	if err != nil {
		return portal.Date{}, portal.Errorf(portal.EINVALID, "%s %q is not a valid date", what, s)
	}
	return v, nil
}

// charsetReader lets statements declared as ISO-8859-1 (still seen from
// some banks) be read; UTF-8 needs no reader.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return latin1Reader{bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", label)
}

type latin1Reader struct{ r *bufio.Reader }

func (l latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n+utf8.UTFMax <= len(p) {
		c, err := l.r.ReadByte()
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		n += utf8.EncodeRune(p[n:], rune(c))
	}
	if n == 0 && len(p) > 0 {
		return 0, io.ErrShortBuffer
	}
	return n, nil
}

// xmlErrorMessage keeps the line number of an XML syntax error but not
// Go-internal detail.
func xmlErrorMessage(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	return err.Error()
}
