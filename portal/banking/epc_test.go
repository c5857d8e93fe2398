package banking_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

func TestEPCPayload(t *testing.T) {
	base := banking.EPCTransfer{
		BIC:       "GEBABEBB",
		Name:      "Relais Demo SRL",
		IBAN:      "BE68 5390 0754 7034",
		Amount:    12345,
		Currency:  "EUR",
		Reference: "+++090/9337/55493+++",
	}
	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			edit func(*banking.EPCTransfer)
			want string
		}{
			{"StructuredBE", func(*banking.EPCTransfer) {},
				"BCD\n002\n1\nSCT\nGEBABEBB\nRelais Demo SRL\nBE68539007547034\nEUR123.45\n\n090933755493"},
			{"RF", func(x *banking.EPCTransfer) { x.Reference = "RF18 5390 0754 7034"; x.Info = "Merci !" },
				"BCD\n002\n1\nSCT\nGEBABEBB\nRelais Demo SRL\nBE68539007547034\nEUR123.45\n\nRF18539007547034\n\nMerci !"},
			{"TextNoBIC", func(x *banking.EPCTransfer) { x.BIC = ""; x.Reference = ""; x.Text = "Facture 12"; x.Amount = 1 },
				"BCD\n002\n1\nSCT\n\nRelais Demo SRL\nBE68539007547034\nEUR0.01\n\n\nFacture 12"},
			{"MaxAmount", func(x *banking.EPCTransfer) { x.Amount = 99_999_999_999; x.Reference = ""; x.BIC = "gebabebb" },
				"BCD\n002\n1\nSCT\nGEBABEBB\nRelais Demo SRL\nBE68539007547034\nEUR999999999.99"},
			{"UTF8Name", func(x *banking.EPCTransfer) { x.Name = "Société Générale Façades"; x.Reference = "" },
				"BCD\n002\n1\nSCT\nGEBABEBB\nSociété Générale Façades\nBE68539007547034\nEUR123.45"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				in := base
				tt.edit(&in)
				got, err := banking.EPCPayload(in)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("EPCPayload =\n%q\nwant\n%q", got, tt.want)
				}
			})
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tt := range []struct {
			name, field string
			edit        func(*banking.EPCTransfer)
		}{
			{"Currency", "currency", func(x *banking.EPCTransfer) { x.Currency = "GBP" }},
			{"ZeroAmount", "amount", func(x *banking.EPCTransfer) { x.Amount = 0 }},
			{"NegativeAmount", "amount", func(x *banking.EPCTransfer) { x.Amount = -5 }},
			{"HugeAmount", "amount", func(x *banking.EPCTransfer) { x.Amount = 100_000_000_000 }},
			{"NoName", "name", func(x *banking.EPCTransfer) { x.Name = "  " }},
			{"LongName", "name", func(x *banking.EPCTransfer) { x.Name = strings.Repeat("a", 71) }},
			{"NameNewline", "name", func(x *banking.EPCTransfer) { x.Name = "Relais\nEUR1.00" }},
			{"BadIBAN", "iban", func(x *banking.EPCTransfer) { x.IBAN = "BE68539007547035" }},
			{"NonSEPAIBAN", "iban", func(x *banking.EPCTransfer) { x.IBAN = "TR330006100519786457841326" }},
			{"BadBIC", "bic", func(x *banking.EPCTransfer) { x.BIC = "GEBA" }},
			{"Both", "reference", func(x *banking.EPCTransfer) { x.Text = "Facture 12" }},
			{"BadReference", "reference", func(x *banking.EPCTransfer) { x.Reference = "+++090/9337/55494+++" }},
			{"LongText", "text", func(x *banking.EPCTransfer) { x.Reference = ""; x.Text = strings.Repeat("x", 141) }},
			{"TextTab", "text", func(x *banking.EPCTransfer) { x.Reference = ""; x.Text = "a\tb" }},
			{"LongInfo", "info", func(x *banking.EPCTransfer) { x.Info = strings.Repeat("x", 71) }},
			{"TooManyBytes", "text", func(x *banking.EPCTransfer) {
				x.Name = strings.Repeat("é", 70)
				x.Reference = ""
				x.Text = strings.Repeat("€", 140)
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				in := base
				tt.edit(&in)
				_, err := banking.EPCPayload(in)
				if portal.ErrorCode(err) != portal.EINVALID || portal.ErrorField(err) != tt.field {
					t.Errorf("EPCPayload = %v (field %q), want EINVALID on %s", err, portal.ErrorField(err), tt.field)
				}
			})
		}
	})
}

func TestEPCQRCode(t *testing.T) {
	payload, err := banking.EPCPayload(banking.EPCTransfer{
		BIC: "GEBABEBB", Name: "Relais Demo SRL", IBAN: "BE68539007547034",
		Amount: 12345, Currency: "EUR", Reference: "RF18539007547034",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PNG", func(t *testing.T) {
		b, err := banking.EPCQRCodePNG(payload, 300)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("not a PNG: % x", b[:min(8, len(b))])
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if r := img.Bounds(); r.Dx() != 300 || r.Dy() != 300 {
			t.Errorf("image is %v, want 300x300", r)
		}
	})
	t.Run("SVG", func(t *testing.T) {
		b, err := banking.EPCQRCodeSVG(payload)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if !strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `) || !strings.HasSuffix(s, `"/></svg>`) || !strings.Contains(s, "h1v1") && !strings.Contains(s, "v1h-") {
			t.Errorf("unexpected SVG: %.200s", s)
		}
	})
	t.Run("LargestPayload", func(t *testing.T) {
		p, err := banking.EPCPayload(banking.EPCTransfer{
			BIC: "GEBABEBBXXX", Name: strings.Repeat("N", 70), IBAN: "MT84MALT011000012345MTLCAST001S",
			Amount: 99_999_999_999, Currency: "EUR", Text: strings.Repeat("T", 140), Info: strings.Repeat("i", 43),
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != banking.EPCMaxPayloadSize {
			t.Fatalf("payload is %d bytes, want %d", len(p), banking.EPCMaxPayloadSize)
		}
		if _, err := banking.EPCQRCodePNG(p, 400); err != nil {
			t.Errorf("payload of %d bytes: %v", len(p), err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, p := range []string{"", "hello", "BCD\n" + strings.Repeat("x", 400)} {
			if _, err := banking.EPCQRCodePNG(p, 300); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("EPCQRCodePNG(%.10q) = %v, want EINVALID", p, err)
			}
			if _, err := banking.EPCQRCodeSVG(p); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("EPCQRCodeSVG(%.10q) = %v, want EINVALID", p, err)
			}
		}
		if _, err := banking.EPCQRCodePNG(payload, 10); portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("size 10: %v, want EINVALID", err)
		}
	})
}
