package banking

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	"github.com/relais/relais/portal"
)

// ReferenceScheme names the kind of payment reference a claim carries.
type ReferenceScheme string

const (
	// SchemeStructured is the Belgian structured communication
	// (+++123/4567/89012+++), known to every Belgian bank.
	SchemeStructured ReferenceScheme = "be_structured"
	// SchemeRF is the ISO 11649 creditor reference (RF18 5390 0754 7034).
	SchemeRF ReferenceScheme = "rf"
)

// PaymentReference is the reference a debtor must quote with a transfer.
type PaymentReference struct {
	Scheme ReferenceScheme `json:"scheme"`
	// Electronic is the form sent in payment messages and QR codes and
	// compared when matching: 12 digits, or "RF" + 2 check digits + body.
	Electronic string `json:"electronic"`
	// Printed is the form shown to people: "+++090/9337/55493+++" or
	// "RF18 5390 0754 7034".
	Printed string `json:"printed"`
}

// ClaimReference returns the payment reference of a claim of the given
// creditor, derived deterministically from seed, a stable number of the
// claim that never changes once issued (typically a per-creditor sequence
// number; use SeedFromString for a textual id).
//
// A creditor is Belgian when its IBAN is Belgian, or, without an IBAN, when
// its Country is "BE". Belgian creditors get a structured communication
// whose ten-digit number is seed modulo 10^10: seeds below 10^10 map one to
// one, larger seeds (such as SeedFromString results) can collide, so the
// store must keep references unique per creditor. Other creditors get an
// RF reference whose body is seed in decimal (up to 20 digits), which is
// one to one.
func ClaimReference(creditor *portal.Creditor, seed uint64) (PaymentReference, error) {
	if creditor == nil {
		return PaymentReference{}, portal.Errorf(portal.EINVALID, "creditor is required")
	}
	belgian := IBANCountry(creditor.IBAN) == "BE" || (NormalizeIBAN(creditor.IBAN) == "" && creditor.Country == "BE")
	if belgian {
		digits, err := NewStructured(seed % (MaxStructuredNumber + 1))
		if err != nil {
			return PaymentReference{}, err
		}
		return PaymentReference{Scheme: SchemeStructured, Electronic: digits, Printed: FormatStructured(digits)}, nil
	}
	rf, err := NewRF(strconv.FormatUint(seed, 10))
	if err != nil {
		return PaymentReference{}, err
	}
	return PaymentReference{Scheme: SchemeRF, Electronic: rf, Printed: FormatRF(rf)}, nil
}

// SeedFromString turns a stable textual claim id (a UUID, say) into a seed
// for ClaimReference: the first 8 bytes of its SHA-256, big-endian. Such
// seeds exceed 10^10, so Belgian references built from them can collide
// (among 10^5 claims of one creditor, one colliding pair is about even
// odds): the caller must check uniqueness and fall back to another seed.
func SeedFromString(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}

// NormalizeReference returns the comparison key of a payment reference:
// the 12 digits of a valid structured communication, the electronic form
// of a valid RF reference, and otherwise s upper-cased with everything but
// letters and digits removed.
func NormalizeReference(s string) string {
	if d, err := ParseStructured(s); err == nil {
		return d
	}
	if rf, err := ParseRF(s); err == nil {
		return rf
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c-('a'-'A'))
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	return string(b)
}
