package portal

import (
	"fmt"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 alphabetic code.
type Currency string

// currencyExponent lists the currencies Relais accepts with their number of
// minor-unit digits. Debt recovery in France and Belgium is overwhelmingly in
// euro; the others cover cross-border creditors.
var currencyExponent = map[Currency]int{
	"EUR": 2, "GBP": 2, "CHF": 2, "USD": 2, "SEK": 2, "DKK": 2, "NOK": 2,
	"PLN": 2, "CZK": 2, "HUF": 2, "RON": 2, "BGN": 2, "JPY": 0,
}

// Validate reports whether c is a currency Relais knows.
func (c Currency) Validate() error {
	if _, ok := currencyExponent[c]; !ok {
		return Errorf(EINVALID, "unknown currency %q (use an ISO 4217 code such as EUR)", string(c))
	}
	return nil
}

// Exponent is the number of minor-unit digits of c (2 for EUR).
func (c Currency) Exponent() int { return currencyExponent[c] }

// Money is an amount in integer minor units (cents for EUR) with its
// currency. It is never a float.
type Money struct {
	Amount   int64    `json:"amount"`
	Currency Currency `json:"currency"`
}

// NewMoney builds a Money value.
func NewMoney(amount int64, c Currency) Money { return Money{Amount: amount, Currency: c} }

// Add returns m+o; both must share a currency.
func (m Money) Add(o Money) Money {
	m.mustMatch(o)
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}
}

// Sub returns m-o; both must share a currency.
func (m Money) Sub(o Money) Money {
	m.mustMatch(o)
	return Money{Amount: m.Amount - o.Amount, Currency: m.Currency}
}

func (m Money) mustMatch(o Money) {
	if m.Currency != o.Currency && m.Currency != "" && o.Currency != "" {
		panic(fmt.Sprintf("money: currency mismatch %s vs %s", m.Currency, o.Currency))
	}
}

// String formats m plainly, e.g. "1234.56 EUR"; locale formatting lives in
// the i18n layer.
func (m Money) String() string {
	return FormatMinor(m.Amount, m.Currency.Exponent()) + " " + string(m.Currency)
}

// FormatMinor renders minor units with a dot decimal separator.
func FormatMinor(amount int64, exponent int) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	s := strconv.FormatInt(amount, 10)
	if exponent > 0 {
		for len(s) <= exponent {
			s = "0" + s
		}
		s = s[:len(s)-exponent] + "." + s[len(s)-exponent:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Built once: NewReplacer allocates lookup tables of several KiB, which
// dominated the cost of a CSV import when built for every amount.
var (
	amountSpaces     = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "")
	amountSeparators = strings.NewReplacer(".", "", ",", "")
)

// ParseAmount parses a decimal amount typed by a person ("12.50", "12,5",
// "1 234,56") into minor units of a currency with the given exponent. It
// rejects anything that is not plainly a number, such as "12,5O".
func ParseAmount(s string, exponent int) (int64, error) {
	t := strings.TrimSpace(s)
	t = amountSpaces.Replace(t)
	if t == "" {
		return 0, Errorf(EINVALID, "amount is empty")
	}
	neg := false
	if t[0] == '-' {
		neg, t = true, t[1:]
	}
	// The last '.' or ',' is the decimal separator when it is followed by at
	// most `exponent` digits; any other separators are thousands groups.
	intPart, frac := t, ""
	if i := strings.LastIndexAny(t, ".,"); i >= 0 && len(t)-i-1 <= exponent && len(t)-i-1 > 0 {
		intPart, frac = t[:i], t[i+1:]
	}
	intPart = amountSeparators.Replace(intPart)
	if intPart == "" {
		intPart = "0"
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, Errorf(EINVALID, "amount %q is not a number", s)
		}
	}
	if len(intPart) > 15 {
		return 0, Errorf(EINVALID, "amount %q is too large", s)
	}
	for len(frac) < exponent {
		frac += "0"
	}
	v, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, Errorf(EINVALID, "amount %q is not a number", s)
	}
	if neg {
		v = -v
	}
	return v, nil
}
