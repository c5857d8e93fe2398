package court_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/pdffont/pdftest"
)

// beClaim is a Belgian B2B claim against a Ghent company (Dutch file):
// 1 000,00 € due 2024-01-31, asked on 2024-06-30 at the reference rate
// of 12.50 % (H1 2024), with the 40 € compensation.
func beClaim() *portal.Claim {
	return &portal.Claim{ID: "01J0000000000000000000BELG", Reference: "BE-B2B-0001", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Stage: portal.StageFormalNotice, Status: portal.StatusOpen, FormalNoticeOn: d("2024-06-01"),
		Creditor: &portal.Creditor{LegalName: "Brouwerij Janssens BV", CompanyNumber: "0403.170.701", VATNumber: "BE0403170701",
			Address: "Korenmarkt 1, 9000 Gent", Country: "BE", IBAN: "BE71096123456769"},
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Café De Zwaan BV", Language: "nl",
			Address: "Veldstraat 10, 9000 Gent", Postcode: "9000", Country: "BE"},
		Invoices: []*portal.Invoice{{ID: "inv1", Number: "2024/017", IssueDate: d("2024-01-01"), DueDate: d("2024-01-31"), Amount: 100_000}},
	}
}

func renderBE(t *testing.T, c *portal.Claim, on portal.Date) (string, int64) {
	t.Helper()
	b := balance(t, c, on)
	if err := court.CheckBE(c, b, on); err != nil {
		t.Fatalf("CheckBE: %v", err)
	}
	m, ls, evs := fixture(c)
	lang := "fr"
	if c.Debtor.Language == "nl" {
		lang = "nl"
	}
	ex, _ := court.Exhibits(lang, c, m, ls, evs)
	pdf, err := court.RenderBE(court.BEInput{Claim: c, Balance: b, Exhibits: ex, Head: m.ChainHead, Fingerprint: "SHA256:abc", Date: on})
	if err != nil {
		t.Fatal(err)
	}
	pdftest.NoOverlap(t, pdf)
	return pdftest.Joined(t, pdf), b.Total
}

func moneyIn(lang string, v int64) string {
	return strings.ReplaceAll(i18n.Money(lang, v, "EUR"), "\u00a0", " ")
}

// TestRenderBEB2B: the uncontested-debt file, in Dutch for a Dutch-speaking
// debtor: the parties with the enterprise number, the amounts of the
// balance (reference rate, 40 € compensation), the summons' mentions, the
// one-month term and the exhibits with their hashes.
func TestRenderBEB2B(t *testing.T) {
	c := beClaim()
	txt, total := renderBE(t, c, d("2024-06-30"))
	b := balance(t, c, d("2024-06-30"))
	if b.IndemnitiesDue != 4000 || b.InterestDue == 0 {
		t.Fatalf("balance: %+v", b)
	}
	for _, want := range []string{"DOSSIER INVORDERING VAN EEN ONBETWISTE GELDSCHULD", "artikelen 1394/20 en volgende",
		"Ondernemingsnummer (KBO) : 0403.170.701", "Schuldenaar : Café De Zwaan BV", "Rekening voor betaling : BE71096123456769",
		"Openstaande hoofdsom " + moneyIn("nl", b.PrincipalDue), "Vervallen verwijlintresten " + moneyIn("nl", b.InterestDue),
		"Totaal " + moneyIn("nl", total), "tegen 12,50 % per jaar", "geen schadebeding", "termijn van een maand vanaf de betekening",
		"Inventaris van de stukken", "Ingebrekestelling van 1 juni 2024", "SHA-256 " + strings.Repeat("a", 64), "SHA-256 " + strings.Repeat("3", 64)} {
		if !strings.Contains(txt, want) {
			t.Errorf("the file lacks %q:\n%s", want, txt)
		}
	}
}

// TestRenderBEConsumer: a Brussels consumer, French file: the Book XIX
// steps (first reminder by letter, the 14 days from the third working day).
func TestRenderBEConsumer(t *testing.T) {
	c := beClaim()
	c.Reference = "BE-C-0002"
	c.Debtor = &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Sophie Lambert", Language: "fr", Address: "Rue Neuve 5, 1000 Bruxelles", Postcode: "1000", Country: "BE"}
	c.FirstReminderOn, c.FirstReminderChannel = d("2024-05-10"), "letter"
	txt, total := renderBE(t, c, d("2024-06-30"))
	start, last := court.BEFreePeriod(c)
	if start != d("2024-05-15") || last != d("2024-05-29") {
		t.Fatalf("period %s %s", start, last)
	}
	for _, want := range []string{"DOSSIER POUR CITATION – CRÉANCE SUR UN CONSOMMATEUR", "livre XIX", "Premier rappel gratuit : le 10 mai 2024, par courrier",
		"Délai de 14 jours : du 15 mai 2024 au 29 mai 2024", "Preuve du premier rappel : Pièce n° 4 – Relance n° 1 par courriel du 10 mai 2024",
		"Clause de dommages : non", "Total " + moneyIn("fr", total)} {
		if !strings.Contains(txt, want) {
			t.Errorf("the file lacks %q:\n%s", want, txt)
		}
	}
}

func TestCheckBE(t *testing.T) {
	today := d("2024-06-30")
	for name, tc := range map[string]struct {
		edit func(*portal.Claim)
		code string
		want string
	}{
		"OK":                        {func(*portal.Claim) {}, "", ""},
		"French":                    {func(c *portal.Claim) { c.Jurisdiction = portal.JurisdictionFR }, portal.EINVALID, "Belgian law"},
		"abroad":                    {func(c *portal.Claim) { c.Debtor.Country = "NL" }, portal.EINVALID, "European order"},
		"bad KBO":                   {func(c *portal.Claim) { c.Creditor.CompanyNumber = "0403.170.702" }, portal.EINVALID, "enterprise number"},
		"disputed":                  {func(c *portal.Claim) { c.Status = portal.StatusDisputed }, portal.ECONFLICT, "resolve the dispute"},
		"other proc":                {func(c *portal.Claim) { c.Stage, c.Procedure = portal.StageLitigation, "citation" }, portal.ECONFLICT, "already in litigation"},
		"consumer without reminder": {func(c *portal.Claim) { c.Debtor.Kind = portal.DebtorConsumer }, portal.ECONFLICT, "No free first reminder"},
		"consumer in the 14 days": {func(c *portal.Claim) {
			c.Debtor.Kind, c.FirstReminderOn, c.FirstReminderChannel = portal.DebtorConsumer, d("2024-06-25"), "email"
		}, portal.ECONFLICT, "run until 2024-07-10"},
	} {
		t.Run(name, func(t *testing.T) {
			c := beClaim()
			tc.edit(c)
			err := court.CheckBE(c, balance(t, c, today), today)
			if portal.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("code %q, want %q: %v", portal.ErrorCode(err), tc.code, err)
			}
			if tc.want != "" && !strings.Contains(portal.ErrorMessage(err), tc.want) {
				t.Errorf("message %q lacks %q", portal.ErrorMessage(err), tc.want)
			}
		})
	}
}

func TestEnterpriseNumber(t *testing.T) {
	for in, want := range map[string]string{"0403.170.701": "0403.170.701", "BE0403170701": "0403.170.701", "403170701": "0403.170.701", "0403.170.702": "", "12345": ""} {
		got, ok := court.EnterpriseNumber(in)
		if got != want || ok != (want != "") {
			t.Errorf("EnterpriseNumber(%q) = %q %v", in, got, ok)
		}
	}
}
