package portal

import (
	"context"
	"strconv"
	"strings"
)

// CreditorInput is what the API creates a creditor with, and changes one
// with (a nil field of a change is left as it is).
type CreditorInput struct {
	LegalName     *string `json:"legal_name"`
	CompanyNumber *string `json:"company_number"`
	VATNumber     *string `json:"vat_number"`
	Address       *string `json:"address"`
	Country       *string `json:"country"`
	IBAN          *string `json:"iban"`
	BIC           *string `json:"bic"`
	Email         *string `json:"email"`
	Phone         *string `json:"phone"`
}

// Apply copies the set fields of in onto c, trimmed, identifiers upper
// case and without spaces, dots or dashes.
func (in *CreditorInput) Apply(c *Creditor) {
	set := func(dst *string, v *string, ident bool) {
		if v == nil {
			return
		}
		s := strings.TrimSpace(*v)
		if ident {
			s = compactIdent(s)
		}
		*dst = s
	}
	set(&c.LegalName, in.LegalName, false)
	set(&c.CompanyNumber, in.CompanyNumber, true)
	set(&c.VATNumber, in.VATNumber, true)
	set(&c.Address, in.Address, false)
	set(&c.Country, in.Country, true)
	set(&c.IBAN, in.IBAN, true)
	set(&c.BIC, in.BIC, true)
	set(&c.Email, in.Email, false)
	set(&c.Phone, in.Phone, false)
	if in.Email != nil {
		c.Email = NormalizeEmail(c.Email)
	}
}

// compactIdent is s in upper case without spaces, dots, dashes or
// slashes: "be 0123.456.749" is BE0123456749.
func compactIdent(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '.', '-', '/', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Validate checks a creditor as the API and the CLI store it: a legal
// name, the country FR or BE, and the identifiers of that country in
// their form with their check digits (SIREN/SIRET by the Luhn sum, the
// Belgian enterprise number by its modulo 97), the VAT number of an EU
// country. The IBAN and BIC are checked by portal/banking.
func (c *Creditor) Validate() error {
	if c.LegalName == "" {
		return FieldError("legal_name", "legal_name is required")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"legal_name", c.LegalName, 200}, {"address", c.Address, 500}, {"email", c.Email, 254}} {
		if len(f.v) > f.max || !ValidText(f.v) {
			return FieldError(f.name, "%s must be text of at most %d bytes", f.name, f.max)
		}
	}
	if c.Country != "FR" && c.Country != "BE" {
		return FieldError("country", "country must be FR or BE")
	}
	if c.CompanyNumber != "" {
		if err := validCompanyNumber(c.Country, c.CompanyNumber); err != nil {
			return err
		}
	}
	if c.VATNumber != "" {
		if err := validVATNumber(c.VATNumber); err != nil {
			return err
		}
	}
	if c.Email != "" && (!strings.Contains(c.Email, "@") || strings.ContainsAny(c.Email, " <>,;")) {
		return FieldError("email", "email is not an e-mail address")
	}
	if c.Phone != "" && !isPhone(c.Phone) {
		return FieldError("phone", "phone must be in international form, + then 7 to 15 digits (+33612345678)")
	}
	return nil
}

func validCompanyNumber(country, n string) error {
	switch country {
	case "FR":
		if !allDigits(n) || (len(n) != 9 && len(n) != 14) {
			return FieldError("company_number", "a French company_number is the SIREN (9 digits) or the SIRET (14 digits)")
		}
		if !luhn(n[:9]) || (len(n) == 14 && !luhn(n) && n[:9] != "356000000") { // La Poste's SIRETs break the rule
			return FieldError("company_number", "company_number %s fails its check digit: a SIREN or SIRET mistyped?", n)
		}
	case "BE":
		if len(n) == 9 && allDigits(n) {
			n = "0" + n
		}
		if len(n) != 10 || !allDigits(n) || (n[0] != '0' && n[0] != '1') {
			return FieldError("company_number", "a Belgian company_number is the enterprise number (KBO/BCE): 10 digits starting with 0 or 1")
		}
		if !mod97(n) {
			return FieldError("company_number", "company_number %s fails its check digits (modulo 97): mistyped?", n)
		}
	}
	return nil
}

func validVATNumber(v string) error {
	if len(v) < 4 || len(v) > 14 || !isCountry(v[:2]) {
		return FieldError("vat_number", "vat_number must be the country code then the number (FR12345678901, BE0123456749)")
	}
	for _, r := range v[2:] {
		if !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') {
			return FieldError("vat_number", "vat_number holds letters and digits only after the country code")
		}
	}
	switch v[:2] {
	case "BE":
		if len(v) != 12 || !allDigits(v[2:]) || !mod97(v[2:]) {
			return FieldError("vat_number", "a Belgian vat_number is BE then the 10-digit enterprise number, with its check digits")
		}
	case "FR":
		siren := v[4:]
		if len(v) != 13 || !allDigits(siren) || !luhn(siren) {
			return FieldError("vat_number", "a French vat_number is FR, a 2-character key and the 9-digit SIREN")
		}
		if key, err := strconv.Atoi(v[2:4]); err == nil {
			n, _ := strconv.Atoi(siren)
			if key != (12+3*(n%97))%97 {
				return FieldError("vat_number", "the key of vat_number %s does not match its SIREN: mistyped?", v)
			}
		}
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// luhn reports whether a string of digits passes the Luhn sum.
func luhn(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// mod97 checks a Belgian enterprise number: its last two digits are 97
// minus the first eight modulo 97.
func mod97(n string) bool {
	head, _ := strconv.Atoi(n[:len(n)-2])
	check, _ := strconv.Atoi(n[len(n)-2:])
	return 97-head%97 == check
}

// CreditorStore keeps a tenant's creditors (the API's /creditors routes).
type CreditorStore interface {
	// FindCreditors lists the tenant's creditors, oldest first ([] when
	// none).
	FindCreditors(ctx context.Context, tenantID string) ([]*Creditor, error)
	// FindCreditor returns one; another tenant's is ENOTFOUND.
	FindCreditor(ctx context.Context, tenantID, id string) (*Creditor, error)
	// CreateCreditor validates and stores a new creditor (TenantID set).
	CreateCreditor(ctx context.Context, c *Creditor) error
	// UpdateCreditor validates and stores a changed creditor; another
	// tenant's is ENOTFOUND.
	UpdateCreditor(ctx context.Context, c *Creditor) error
}
