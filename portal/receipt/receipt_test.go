package receipt_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/receipt"
	"github.com/relais/relais/portal/rules"
)

// paidClaim is a French business claim of 1 240,00 € paid by a transfer
// in December and a card payment in May that covers the rest, with its
// balance on the day of the last payment.
func paidClaim(t *testing.T, lang string) (*portal.Claim, *rules.Balance) {
	t.Helper()
	d := portal.MustDate
	c := &portal.Claim{Reference: "FR-B2B-0001", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Creditor: &portal.Creditor{LegalName: "Boulangerie Martin SAS", Address: "12 rue de la Paix, 75002 Paris", CompanyNumber: "552 100 554"},
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont Traiteur SARL", Language: lang, Address: "3 place Bellecour, 69002 Lyon"},
		Invoices: []*portal.Invoice{{ID: "inv1", Number: "F-2025-0412", IssueDate: d("2025-09-01"), DueDate: d("2025-10-01"), Amount: 124_000}},
		Payments: []*portal.Payment{{ID: "p1", Amount: 40_000, ReceivedOn: d("2025-12-15"), Method: portal.PaymentTransfer, Currency: "EUR"}},
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	on := d("2026-05-15")
	b, err := rates.Compute(c, on)
	if err != nil {
		t.Fatal(err)
	}
	c.Payments = append(c.Payments, &portal.Payment{ID: "p2", Amount: b.Total, ReceivedOn: on, Method: portal.PaymentCard, Currency: "EUR"})
	if b, err = rates.Compute(c, on); err != nil {
		t.Fatal(err)
	}
	if !rules.PaidInFull(b) {
		t.Fatalf("fixture: the claim should be paid in full: %+v", b)
	}
	return c, b
}

// TestRender (issue 24.11): the receipt, read back with a PDF reader, names
// the creditor, the debtor and the claim, lists each payment with its date,
// channel and amount in the debtor's locale, the total paid, a balance of
// zero, the date of issue and that the claim is settled.
func TestRender(t *testing.T) {
	want := map[string][]string{
		"fr": {"Reçu de paiement", "Émis le 15 mai 2026", "Boulangerie Martin SAS", "552 100 554", "Dupont Traiteur SARL", "FR-B2B-0001",
			"15 décembre 2025 virement bancaire 400,00 €", "15 mai 2026 carte bancaire", "Principal (factures) 1 240,00 €",
			"Solde restant dû 0,00 €", "Ce dossier est soldé"},
		"nl": {"Betalingsbewijs", "Uitgereikt op 15 mei 2026", "Boulangerie Martin SAS", "Dupont Traiteur SARL", "FR-B2B-0001",
			"15 december 2025 overschrijving € 400,00", "15 mei 2026 bankkaart", "Hoofdsom (facturen) € 1.240,00",
			"Openstaand saldo € 0,00", "Dit dossier is vereffend"},
	}
	for lang, phrases := range want {
		t.Run(lang, func(t *testing.T) {
			c, b := paidClaim(t, lang)
			pdf, err := receipt.Render(receipt.Input{Claim: c, Balance: b, Date: b.AsOf, Language: lang})
			if err != nil {
				t.Fatal(err)
			}
			txt := pdftest.Joined(t, pdf)
			for _, p := range phrases {
				if !strings.Contains(txt, p) {
					t.Errorf("pdftotext output lacks %q:\n%s", p, txt)
				}
			}
			// The total paid is the sum of the payments, in the locale.
			total := strings.ReplaceAll(i18n.Money(lang, b.Paid, "EUR"), "\u00a0", " ")
			if !strings.Contains(txt, total) || b.Paid != 40_000+c.Payments[1].Amount {
				t.Errorf("total paid %s (%d) not shown:\n%s", total, b.Paid, txt)
			}
			for _, bad := range []string{"EUR", "2026-05-15", "2025-12-15"} {
				if strings.Contains(txt, bad) {
					t.Errorf("receipt shows %q, not in the debtor's locale:\n%s", bad, txt)
				}
			}
			pdftest.NoOverlap(t, pdf)
		})
	}
}

// TestRenderArabic: a debtor's Arabic name prints shaped, right to left,
// and reads back as written.
func TestRenderArabic(t *testing.T) {
	c, b := paidClaim(t, "en")
	c.Debtor.Name = "سارة محمد"
	pdf, err := receipt.Render(receipt.Input{Claim: c, Balance: b, Date: b.AsOf, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if txt := pdftest.Joined(t, pdf); !strings.Contains(txt, "سارة محمد") || !strings.Contains(txt, "This claim is settled") {
		t.Errorf("pdftotext output lacks the Arabic name or the settlement:\n%s", txt)
	}
}

// TestRenderRefusesUnpaid: no receipt while something is left to pay.
func TestRenderRefusesUnpaid(t *testing.T) {
	c, b := paidClaim(t, "fr")
	b.Total = 1
	if _, err := receipt.Render(receipt.Input{Claim: c, Balance: b, Date: b.AsOf, Language: "fr"}); portal.ErrorCode(err) != portal.EINVALID {
		t.Fatalf("receipt of an unpaid claim: %v, want EINVALID", err)
	}
}
