package banking

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// CSVColumns are the columns of the simple statement CSV format, in order.
var CSVColumns = []string{"date", "amount", "currency", "reference", "counterparty_name", "counterparty_iban", "bank_ref"}

// ParseStatementCSV reads the simple CSV statement format, for banks
// without camt export (or a spreadsheet made from their export). It is
// comma-separated, UTF-8 (a byte-order mark is allowed), RFC 4180 quoting,
// with exactly these seven columns:
//
//	date               booking date, YYYY-MM-DD (required)
//	amount             signed decimal with a dot, "-" for debits: 125.50, -40 (required, not zero)
//	currency           ISO 4217 code known to Relais, such as EUR (required)
//	reference          structured reference or remittance text (up to 500 characters)
//	counterparty_name  payer (or payee of a debit), up to 200 characters
//	counterparty_iban  the counterparty's IBAN, printed or electronic; checked when given
//	bank_ref           the bank's unique id of the line; when empty a hash is used
//
// An optional first row naming the columns ("date,amount,...") is skipped.
// At most MaxStatementSize bytes are read. Bad input is EINVALID, its
// message naming the line number.
func ParseStatementCSV(r io.Reader) ([]StatementLine, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, portal.Errorf(portal.EINVALID, "statement CSV must be UTF-8 text")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = len(CSVColumns)
	cr.ReuseRecord = true
	var lines []StatementLine
	refs := newRefAssigner()
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					return nil, portal.Errorf(portal.EINVALID, "line %d: expected %d columns (%s)", pe.Line, len(CSVColumns), strings.Join(CSVColumns, ","))
				}
				return nil, portal.Errorf(portal.EINVALID, "line %d: %s", pe.Line, pe.Err)
			}
			return nil, portal.Errorf(portal.EINVALID, "statement CSV cannot be read")
		}
		line, _ := cr.FieldPos(0)
		if first && isCSVHeader(rec) {
			continue
		}
		l, err := csvLine(rec)
		if err != nil {
			return nil, portal.Errorf(portal.EINVALID, "line %d: %s", line, portal.ErrorMessage(err))
		}
		refs.fill(&l)
		lines = append(lines, l)
	}
	return lines, nil
}

func isCSVHeader(rec []string) bool {
	for i, c := range CSVColumns {
		if strings.ToLower(strings.TrimSpace(rec[i])) != c {
			return false
		}
	}
	return true
}

func csvLine(rec []string) (StatementLine, error) {
	var l StatementLine
	var err error
	if l.BookedOn, err = portal.ParseDate(strings.TrimSpace(rec[0])); err != nil {
		return l, err
	}
	if l.Currency, err = knownCurrency(rec[2]); err != nil {
		return l, err
	}
	amount, err := parseDecimal(rec[1], l.Currency.Exponent(), true)
	if err != nil {
		return l, err
	}
	if amount == 0 {
		return l, portal.Errorf(portal.EINVALID, "amount must not be zero")
	}
	l.Amount, l.Credit = amount, amount > 0
	if !l.Credit {
		l.Amount = -amount
	}
	l.Reference, l.Name = clean(rec[3]), clean(rec[4])
	if utf8.RuneCountInString(l.Reference) > portal.MaxTextLen {
		return l, portal.Errorf(portal.EINVALID, "reference is longer than %d characters", portal.MaxTextLen)
	}
	if utf8.RuneCountInString(l.Name) > portal.MaxNameLen {
		return l, portal.Errorf(portal.EINVALID, "counterparty_name is longer than %d characters", portal.MaxNameLen)
	}
	if iban := NormalizeIBAN(rec[5]); iban != "" {
		if err := checkIBAN(iban, false); err != nil {
			return l, portal.Errorf(portal.EINVALID, "counterparty_iban: %s", portal.ErrorMessage(err))
		}
		l.IBAN = iban
	}
	l.BankRef = strings.TrimSpace(rec[6])
	if len(l.BankRef) > 140 {
		return l, portal.Errorf(portal.EINVALID, "bank_ref is longer than 140 characters")
	}
	return l, nil
}
