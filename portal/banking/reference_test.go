package banking_test

import (
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

func TestNewStructured(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct {
			n             uint64
			digits, print string
		}{
			{909337554, "090933755493", "+++090/9337/55493+++"},
			{0, "000000000097", "+++000/0000/00097+++"},
			{97, "000000009797", "+++000/0000/09797+++"},
			{12, "000000001212", "+++000/0000/01212+++"},
			{9999999999, "999999999948", "+++999/9999/99948+++"},
		} {
			got, err := banking.NewStructured(tt.n)
			if err != nil {
				t.Fatalf("NewStructured(%d): %v", tt.n, err)
			}
			if got != tt.digits {
				t.Errorf("NewStructured(%d) = %q, want %q", tt.n, got, tt.digits)
			}
			if p := banking.FormatStructured(got); p != tt.print {
				t.Errorf("FormatStructured(%q) = %q, want %q", got, p, tt.print)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := banking.NewStructured(10_000_000_000); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("NewStructured(10^10) = %v, want EINVALID", err)
		}
	})
}

func TestParseStructured(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, s := range []string{
			"+++090/9337/55493+++",
			"***090/9337/55493***",
			"090/9337/55493",
			"090933755493",
			" +++ 090 / 9337 / 55493 +++ ",
			"+++090933755493+++",
		} {
			got, err := banking.ParseStructured(s)
			if err != nil {
				t.Errorf("ParseStructured(%q) = %v", s, err)
			} else if got != "090933755493" {
				t.Errorf("ParseStructured(%q) = %q", s, got)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, s := range []string{
			"",
			"+++090/9337/55494+++", // check digits
			"+++090/9337/55493***", // mixed frame
			"+++090/9337/55493",    // half frame
			"++090/9337/55493++",
			"09/09337/55493",
			"0909/337/55493",
			"090/9337/55493/",
			"09093375549",
			"0909337554930",
			"abc/defg/hijkl",
			"+++++++",
			"+++",
			"000000000000", // check 00 is never valid
		} {
			if _, err := banking.ParseStructured(s); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("ParseStructured(%q) = %v, want EINVALID", s, err)
			}
		}
	})
}

func TestRF(t *testing.T) {
	t.Run("New", func(t *testing.T) {
		for in, want := range map[string]string{
			"539007547034":          "RF18539007547034",
			"5390 0754 7034":        "RF18539007547034",
			"000000000539007547034": "RF18000000000539007547034",
			"g72uur":                "RF45G72UUR",
			"2348231":               "RF712348231",
		} {
			got, err := banking.NewRF(in)
			if err != nil || got != want {
				t.Errorf("NewRF(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		for _, in := range []string{"", "ABC-1", "1234567890123456789012", "é"} {
			if _, err := banking.NewRF(in); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("NewRF(%q) = %v, want EINVALID", in, err)
			}
		}
	})
	t.Run("Parse", func(t *testing.T) {
		for in, want := range map[string]string{
			"RF18539007547034":          "RF18539007547034",
			"RF18 5390 0754 7034":       "RF18539007547034",
			"rf18 5390 0754 7034":       "RF18539007547034",
			"RF45 G72U UR":              "RF45G72UUR",
			"RF18000000000539007547034": "RF18000000000539007547034",
		} {
			got, err := banking.ParseRF(in)
			if err != nil || got != want {
				t.Errorf("ParseRF(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		for _, in := range []string{
			"", "RF", "RF18", "RF19539007547034", "RF17539007547034", "RF18539007547035",
			"RF1853900754703$", "XX18539007547034", "RFAB539007547034",
			"RF180000000005390075470340", // too long
		} {
			if _, err := banking.ParseRF(in); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("ParseRF(%q) = %v, want EINVALID", in, err)
			}
		}
	})
	t.Run("Format", func(t *testing.T) {
		if got := banking.FormatRF("RF18539007547034"); got != "RF18 5390 0754 7034" {
			t.Errorf("FormatRF = %q", got)
		}
		if got := banking.FormatRF("rf45g72uur"); got != "RF45 G72U UR" {
			t.Errorf("FormatRF = %q", got)
		}
	})
}

func TestClaimReference(t *testing.T) {
	be := &portal.Creditor{Country: "FR", IBAN: "BE68 5390 0754 7034"}
	fr := &portal.Creditor{Country: "BE", IBAN: "FR1420041010050500013M02606"}
	beNoIBAN := &portal.Creditor{Country: "BE"}
	for _, tt := range []struct {
		name     string
		creditor *portal.Creditor
		seed     uint64
		want     banking.PaymentReference
	}{
		{"BelgianIBAN", be, 909337554, banking.PaymentReference{Scheme: banking.SchemeStructured, Electronic: "090933755493", Printed: "+++090/9337/55493+++"}},
		{"BelgianCountry", beNoIBAN, 909337554, banking.PaymentReference{Scheme: banking.SchemeStructured, Electronic: "090933755493", Printed: "+++090/9337/55493+++"}},
		{"BelgianLargeSeed", be, 10_909_337_554, banking.PaymentReference{Scheme: banking.SchemeStructured, Electronic: "090933755493", Printed: "+++090/9337/55493+++"}},
		{"ForeignIBAN", fr, 539007547034, banking.PaymentReference{Scheme: banking.SchemeRF, Electronic: "RF18539007547034", Printed: "RF18 5390 0754 7034"}},
		{"ForeignMaxSeed", fr, ^uint64(0), banking.PaymentReference{Scheme: banking.SchemeRF, Electronic: "RF3318446744073709551615", Printed: "RF33 1844 6744 0737 0955 1615"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := banking.ClaimReference(tt.creditor, tt.seed)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ClaimReference = %+v, want %+v", got, tt.want)
			}
			if banking.NormalizeReference(got.Printed) != got.Electronic {
				t.Errorf("NormalizeReference(%q) != %q", got.Printed, got.Electronic)
			}
		})
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := banking.ClaimReference(nil, 1); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("ClaimReference(nil) = %v", err)
		}
	})
	t.Run("SeedFromString", func(t *testing.T) {
		a, b := banking.SeedFromString("claim-1"), banking.SeedFromString("claim-2")
		if a != banking.SeedFromString("claim-1") || a == b {
			t.Errorf("SeedFromString not deterministic or not distinct: %d %d", a, b)
		}
		ref, err := banking.ClaimReference(be, a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := banking.ParseStructured(ref.Printed); err != nil {
			t.Errorf("reference %q from string seed is invalid: %v", ref.Printed, err)
		}
	})
}

func FuzzParseStructured(f *testing.F) {
	for _, s := range []string{
		"+++090/9337/55493+++", "***090/9337/55493***", "090933755493", "+++090/9337/55494+++",
		"", "+++", "///", "+++1/2/3+++", "***090/9337/55493+++", "０９０９３３７５５４９３",
	} {
		f.Add(s, uint64(909337554))
	}
	f.Add("", uint64(0))
	f.Add("x", ^uint64(0))
	f.Fuzz(func(t *testing.T, s string, n uint64) {
		if d, err := banking.ParseStructured(s); err != nil {
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("ParseStructured(%q) = %v, want EINVALID", s, err)
			}
		} else {
			if len(d) != 12 {
				t.Fatalf("ParseStructured(%q) = %q, not 12 digits", s, d)
			}
			if back, err := banking.ParseStructured(banking.FormatStructured(d)); err != nil || back != d {
				t.Fatalf("round trip of %q: %q, %v", d, back, err)
			}
		}
		// Every ten-digit number gives a communication that parses back.
		n %= banking.MaxStructuredNumber + 1
		d, err := banking.NewStructured(n)
		if err != nil {
			t.Fatalf("NewStructured(%d): %v", n, err)
		}
		if back, err := banking.ParseStructured(banking.FormatStructured(d)); err != nil || back != d {
			t.Fatalf("NewStructured(%d) = %q does not parse back: %q, %v", n, d, back, err)
		}
	})
}
