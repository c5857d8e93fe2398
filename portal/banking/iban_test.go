package banking_test

import (
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

func TestValidateIBAN(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, s := range []string{
			"BE68539007547034",
			"FR1420041010050500013M02606",
			"GB82WEST12345698765432",
			"DE89370400440532013000",
			"NL91ABNA0417164300",
			"CH9300762011623852957",
			"be68 5390 0754 7034",
			"IBAN BE68 5390-0754 7034",
			"FR14 2004 1010 0505 0001 3M02 606",
		} {
			if err := banking.ValidateIBAN(s); err != nil {
				t.Errorf("ValidateIBAN(%q) = %v, want nil", s, err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, s := range []string{
			"",
			"BE",
			"BE68539007547035",            // check digits
			"BE69539007547034",            // check digits
			"GB82WEST12345698765433",      // check digits
			"FR1420041010050500013M02607", // check digits
			"BE6853900754703",             // length
			"BE685390075470344",           // length
			"TR330006100519786457841326",  // valid IBAN, not SEPA
			"1E68539007547034",            // country
			"BEXX539007547034",            // check digits not digits
			"BE68 5390 0754 703!",         // character
			"BE01539007547034",            // reserved check digits
		} {
			err := banking.ValidateIBAN(s)
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("ValidateIBAN(%q) = %v, want EINVALID", s, err)
			} else if portal.ErrorField(err) != "iban" {
				t.Errorf("ValidateIBAN(%q) field = %q, want iban", s, portal.ErrorField(err))
			}
		}
	})
}

func TestFormatIBAN(t *testing.T) {
	for in, want := range map[string]string{
		"BE68539007547034":            "BE68 5390 0754 7034",
		"fr1420041010050500013m02606": "FR14 2004 1010 0505 0001 3M02 606",
		"GB82 WEST 1234 5698 7654 32": "GB82 WEST 1234 5698 7654 32",
	} {
		if got := banking.FormatIBAN(in); got != want {
			t.Errorf("FormatIBAN(%q) = %q, want %q", in, got, want)
		}
	}
	if got := banking.NormalizeIBAN(" be68-5390.0754\u00a07034 "); got != "BE68539007547034" {
		t.Errorf("NormalizeIBAN = %q", got)
	}
	if got := banking.IBANCountry("fr14 2004"); got != "FR" {
		t.Errorf("IBANCountry = %q", got)
	}
}

func TestValidateBIC(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, s := range []string{"GEBABEBB", "GKCCBEBB", "BPOTBEB1", "DEUTDEFF500", "gebabebb", "GEBA BE BB"} {
			if err := banking.ValidateBIC(s); err != nil {
				t.Errorf("ValidateBIC(%q) = %v", s, err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, s := range []string{"", "GEBABE", "GEBABEBB1", "GEBA1EBB", "GEBABEB-", "DEUTDEFF5000"} {
			if err := banking.ValidateBIC(s); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("ValidateBIC(%q) = %v, want EINVALID", s, err)
			}
		}
	})
}

func FuzzValidateIBAN(f *testing.F) {
	for _, s := range []string{
		"BE68539007547034", "FR1420041010050500013M02606", "GB82WEST12345698765432",
		"be68 5390 0754 7034", "BE68539007547035", "", "IBAN", "TR330006100519786457841326",
		"BE00000000000000", "ÉÉ68539007547034", "BE68\u00a05390",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := banking.ValidateIBAN(s)
		if err != nil {
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("ValidateIBAN(%q) = %v, want EINVALID", s, err)
			}
			return
		}
		// A valid IBAN survives printing and normalising.
		n := banking.NormalizeIBAN(s)
		printed := banking.FormatIBAN(s)
		if err := banking.ValidateIBAN(printed); err != nil {
			t.Fatalf("printed form %q of valid %q is invalid: %v", printed, s, err)
		}
		if got := banking.NormalizeIBAN(printed); got != n {
			t.Fatalf("NormalizeIBAN(FormatIBAN(%q)) = %q, want %q", s, got, n)
		}
		if len(n) < 15 || len(n) > 34 {
			t.Fatalf("valid IBAN %q has length %d", n, len(n))
		}
	})
}
