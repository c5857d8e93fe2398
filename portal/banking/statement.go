package banking

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"

	"github.com/relais/relais/portal"
)

// MaxStatementSize bounds the bytes ParseCamt053 and ParseStatementCSV read
// (20 MB, several years of entries of a busy account). Larger input is
// rejected with ETOOLARGE rather than read into memory.
const MaxStatementSize = 20 << 20

// StatementLine is one booked movement on the creditor's account.
type StatementLine struct {
	// BankRef is a stable id for deduplication across overlapping
	// statements: the bank's own reference (camt AcctSvcrRef, CSV
	// bank_ref) when given, else "sha256:" and the first 32 hex digits of
	// a SHA-256 of the line's date, signed amount, currency, reference,
	// name, IBAN and its occurrence number among identical lines of the
	// same file (so two identical transfers on one day stay two lines).
	// A bank reference that repeats within one file gets "#2", "#3"...
	// from its second occurrence on.
	BankRef  string
	BookedOn portal.Date
	// ValueOn is the value date, when the statement gives one.
	ValueOn portal.Date
	// Amount is the magnitude in minor units of Currency, always positive;
	// Credit tells the direction (true: money received).
	Amount   int64
	Currency portal.Currency
	Credit   bool
	// Reversal marks a camt entry flagged as the reversal of an earlier
	// one (RvslInd); such lines are never matched to claims.
	Reversal bool
	// Reference is the structured reference (RF or Belgian structured
	// communication, as the bank gave it) when present, else the
	// unstructured remittance text.
	Reference string
	// EndToEndID is the payer's end-to-end id (camt only), "" when the bank
	// reports NOTPROVIDED.
	EndToEndID string
	// Name and IBAN are the counterparty's: the payer for a credit, the
	// payee for a debit.
	Name string
	IBAN string
}

// readLimited reads all of r up to MaxStatementSize.
func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxStatementSize+1))
	if err != nil {
		return nil, portal.Errorf(portal.EINVALID, "cannot read the statement")
	}
	if len(data) > MaxStatementSize {
		return nil, portal.Errorf(portal.ETOOLARGE, "statement is larger than %d MB", MaxStatementSize>>20)
	}
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nil
}

// parseDecimal parses a plain decimal amount ("1234.5", "-12.34" when
// signed) into minor units of a currency with the given exponent, exactly:
// extra fraction digits must be zeros.
func parseDecimal(s string, exponent int, signed bool) (int64, error) {
	t := strings.TrimSpace(s)
	neg := false
	if signed && t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	intPart, frac, hasDot := strings.Cut(t, ".")
	if !isDigits(intPart) || (hasDot && !isDigits(frac)) {
		return 0, portal.Errorf(portal.EINVALID, "amount %q is not a decimal number such as 12.34", s)
	}
	if len(frac) > exponent {
		if strings.Trim(frac[exponent:], "0") != "" {
			return 0, portal.Errorf(portal.EINVALID, "amount %q has more than %d decimals", s, exponent)
		}
		frac = frac[:exponent]
	}
	for len(frac) < exponent {
		frac += "0"
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 15 {
		return 0, portal.Errorf(portal.EINVALID, "amount %q is too large", s)
	}
	v, err := strconv.ParseInt("0"+intPart+frac, 10, 64)
	if err != nil || v > portal.MaxAmount {
		return 0, portal.Errorf(portal.EINVALID, "amount %q is too large", s)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// lineKey is the text hashed into a BankRef when the bank gives none.
func lineKey(l *StatementLine) string {
	amount := l.Amount
	if !l.Credit {
		amount = -amount
	}
	return strings.Join([]string{
		l.BookedOn.String(), strconv.FormatInt(amount, 10), string(l.Currency),
		l.Reference, l.Name, l.IBAN,
	}, "\x1f")
}

// refAssigner makes the BankRefs of one file: a line without a bank
// reference (or with the placeholders NONREF and NOTPROVIDED) gets one
// hashed from its fields and its occurrence number among identical lines;
// a bank reference already used in the file gets the first free suffix
// "#2", "#3"..., so that no line is lost to deduplication.
type refAssigner struct {
	hashed map[string]int
	used   map[string]bool
}

func newRefAssigner() *refAssigner {
	return &refAssigner{hashed: map[string]int{}, used: map[string]bool{}}
}

func (a *refAssigner) fill(l *StatementLine) {
	switch strings.ToUpper(l.BankRef) {
	case "", "NONREF", "NOTPROVIDED":
		key := lineKey(l)
		a.hashed[key]++
		sum := sha256.Sum256([]byte(key + "\x1f" + strconv.Itoa(a.hashed[key])))
		l.BankRef = "sha256:" + hex.EncodeToString(sum[:16])
		return
	}
	if a.used[l.BankRef] {
		for n := 2; ; n++ {
			if c := l.BankRef + "#" + strconv.Itoa(n); !a.used[c] {
				l.BankRef = c
				break
			}
		}
	}
	a.used[l.BankRef] = true
}

// knownCurrency validates an ISO currency code against those Relais knows.
func knownCurrency(s string) (portal.Currency, error) {
	c := portal.Currency(strings.ToUpper(strings.TrimSpace(s)))
	if err := c.Validate(); err != nil {
		return "", err
	}
	return c, nil
}

// clean trims s and collapses internal runs of white space to one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
