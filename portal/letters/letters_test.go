package letters_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/rules"
)

func claim(j portal.Jurisdiction, kind portal.DebtorKind, lang string) *portal.Claim {
	return &portal.Claim{
		ID: "01j0000000000000000000000a", Reference: "DOS-2024-0042", Currency: "EUR", Jurisdiction: j,
		Creditor: &portal.Creditor{LegalName: "Boulangerie Martin SARL", CompanyNumber: "0123.456.789", Address: "3 rue des Lilas, 69003 Lyon",
			Country: string(j), IBAN: "FR7630006000011234567890189"},
		Debtor: &portal.Debtor{Kind: kind, Name: "Émile Dupont", Language: lang, Address: "12 avenue Foch", Postcode: "75016",
			Country: string(j), CustomerNumber: "C-77"},
		Invoices: []*portal.Invoice{
			{ID: "inv1", Number: "F-2024-001", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000},
		},
	}
}

func input(t *testing.T, c *portal.Claim, kind portal.LetterKind, agency bool) letters.Input {
	t.Helper()
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	date := portal.MustDate("2024-06-30")
	b, err := rates.Compute(c, date)
	if err != nil {
		t.Fatal(err)
	}
	in := letters.Input{Kind: kind, Date: date, Claim: c, Balance: b, PortalURL: "https://relais.example/p/Xy7kQ2mN9",
		FirstReminder: c.FirstReminderOn.IsZero(), Uncompressed: true}
	in.PayBy = letters.Deadline(kind, c, date, in.FirstReminder)
	if agency {
		in.Agency = &letters.Party{Name: "Recouvra SAS", Address: "8 quai de Saône, 69002 Lyon"}
	}
	return in
}

// text returns the strings shown on the pages of a PDF (in the embedded
// font's UTF-16), with non-breaking spaces as spaces.
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	s := pdftest.Strings(pdf)
	if s == "" {
		t.Fatal("no text found")
	}
	return strings.ReplaceAll(s, "\u00a0", " ")
}

// joined removes line breaks, for phrases a paragraph may wrap.
func joined(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRender(t *testing.T) {
	for _, tt := range []struct {
		name   string
		j      portal.Jurisdiction
		debtor portal.DebtorKind
		lang   string
		kind   portal.LetterKind
		agency bool
		want   []string // phrases in the text, line breaks ignored
		absent []string
	}{
		{"FR agency notice fr", portal.JurisdictionFR, portal.DebtorBusiness, "fr", portal.LetterFormalNotice, true,
			[]string{"Mise en demeure de payer", "1 099,99 €", "1 000,00 €", "59,99 €", "40,00 €", "au plus tard le 8 juillet 2024",
				"Recouvra SAS", "Boulangerie Martin SARL", "R124-4", "restent à la charge du créancier",
				"Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier",
				"débiteur de mauvaise foi", "L441-10"}, nil},
		{"FR agency notice en", portal.JurisdictionFR, portal.DebtorBusiness, "en", portal.LetterFormalNotice, true,
			[]string{"Formal notice to pay", "€1,099.99", "by 8 July 2024", "R124-4", "Creditor: Boulangerie Martin SARL",
				"Cependant, le créancier qui justifie du caractère nécessaire"}, nil},
		{"FR creditor reminder de", portal.JurisdictionFR, portal.DebtorBusiness, "de", portal.LetterReminder, false,
			[]string{"Zahlungserinnerung", "1.099,99 €", "bis zum 8. Juli 2024", "Ihre Kundennummer: C-77"},
			[]string{"R124-4", "L111-8"}},
		{"FR consumer notice nl", portal.JurisdictionFR, portal.DebtorConsumer, "nl", portal.LetterFormalNotice, true,
			[]string{"Ingebrekestelling", "€ 1.000,00", "doet de wettelijke interesten", "R124-4", "Er worden u geen invorderingskosten aangerekend"}, nil},
		{"BE consumer reminder nl", portal.JurisdictionBE, portal.DebtorConsumer, "nl", portal.LetterReminder, false,
			// Posted Sunday 30 June 2024: working days 1, 2, 3 July, so the
			// 14 days run from 3 July: until 17 July 2024.
			[]string{"Betalingsherinnering", "€ 1.000,00", "boek XIX", "ondernemingsnummer 0123.456.789", "Deze eerste herinnering is kosteloos",
				"14 kalenderdagen", "uiterlijk op 17 juli 2024", "uiterlijk op 17 juli 2024 te betalen", "Factuur F-2024-001 (1 januari 2024)"}, nil},
		{"BE consumer notice fr", portal.JurisdictionBE, portal.DebtorConsumer, "fr", portal.LetterFormalNotice, false,
			[]string{"Mise en demeure de payer", "1 000,00 €", "livre XIX", "Ce premier rappel est gratuit", "au plus tard le 17 juillet 2024",
				"Aucune indemnité forfaitaire n'est réclamée", "taux légal (loi du 5 mai 1865)"}, []string{"R124-4", "65 € plus 5 %"}},
		{"BE business notice de", portal.JurisdictionBE, portal.DebtorBusiness, "de", portal.LetterFormalNotice, false,
			[]string{"Mahnung", "Gesetz vom 2. August 2002", "bis zum 15. Juli 2024"}, []string{"Buch XIX)"}},
		{"BE business reminder en", portal.JurisdictionBE, portal.DebtorBusiness, "en", portal.LetterReminder, false,
			[]string{"Payment reminder", "law of 2 August 2002", "by 8 July 2024"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := claim(tt.j, tt.debtor, tt.lang)
			in := input(t, c, tt.kind, tt.agency)
			pdf, err := letters.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", pdf[:10])
			}
			txt := joined(text(t, pdf))
			total := letters.Money(tt.lang, in.Balance.Total, "EUR")
			always := []string{"DOS-2024-0042", "https://relais.example/p/Xy7kQ2mN9", "F-2024-001", "Émile Dupont",
				strings.ReplaceAll(total, "\u00a0", " "), "FR7630006000011234567890189"}
			for _, w := range append(always, tt.want...) {
				if !strings.Contains(txt, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(txt, w) {
					t.Errorf("text has %q, which does not belong here", w)
				}
			}
			if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
				t.Error("no QR code image")
			}
			pdftest.NoOverlap(t, pdf)
			if t.Failed() {
				t.Logf("text:\n%s", txt)
			}
		})
	}
}

// A Belgian consumer's first reminder states the damages that will be
// claimed, as an amount for the balance, only when the contract has a
// damages clause, and the contract's interest rate when it has one.
// Balance 1,000.00: 65 + 5 % × (1000 - 500) = 65 + 25 = 90.00 EUR.
func TestRenderBEConsumerClauses(t *testing.T) {
	c := claim(portal.JurisdictionBE, portal.DebtorConsumer, "fr")
	c.DamagesClause, c.ContractRateBP = true, bp(800)
	in := input(t, c, portal.LetterReminder, false)
	pdf, err := letters.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	txt := joined(text(t, pdf))
	for _, w := range []string{"une indemnité de 90,00 € sera réclamée", "au taux de votre contrat (8,00 % l'an)"} {
		if !strings.Contains(txt, w) {
			t.Errorf("letter lacks %q:\n%s", w, txt)
		}
	}
	if strings.Contains(txt, "Aucune indemnité forfaitaire") {
		t.Error("a letter with a damages clause says none is charged")
	}
}

func bp(v int64) *int64 { return &v }

// A letter whose interest is counted only up to the last day with a
// published rate says up to which day, in the letter's language.
func TestRenderRatePending(t *testing.T) {
	rates, err := rules.LoadRates(strings.NewReader(`{"format":"relais-rates/1","series":[
		{"name":"fr_b2b","periods":[{"from":"2024-01-01","to":"2024-04-01","rate_bp":1450,"status":"confirmed","source":"test"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"fr": "Intérêts comptés jusqu'au 31 mars 2024", "en": "Interest counted to 31 March 2024",
		"nl": "Interest berekend tot 31 maart 2024", "de": "Zinsen berechnet bis zum 31. März 2024"} {
		c := claim(portal.JurisdictionFR, portal.DebtorBusiness, lang)
		in := input(t, c, portal.LetterReminder, false)
		if in.Balance, err = rates.Compute(c, in.Date); err != nil {
			t.Fatal(err)
		}
		if in.Balance.Complete || in.Balance.ComputedTo != portal.MustDate("2024-03-31") {
			t.Fatalf("balance complete=%v to %s", in.Balance.Complete, in.Balance.ComputedTo)
		}
		pdf, err := letters.Render(in)
		if err != nil {
			t.Fatal(err)
		}
		if txt := joined(text(t, pdf)); !strings.Contains(txt, want) {
			t.Errorf("%s letter lacks %q:\n%s", lang, want, txt)
		}
	}
	// A complete balance says nothing of the kind.
	in := input(t, claim(portal.JurisdictionFR, portal.DebtorBusiness, "en"), portal.LetterReminder, false)
	pdf, err := letters.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if txt := joined(text(t, pdf)); strings.Contains(txt, "Interest counted to") {
		t.Errorf("a complete balance announces missing interest:\n%s", txt)
	}
}

// The hand-checked amounts of LEGAL.md's worked example, as printed.
func TestRenderAmounts(t *testing.T) {
	in := input(t, claim(portal.JurisdictionFR, portal.DebtorBusiness, "fr"), portal.LetterFormalNotice, false)
	if in.Balance.Total != 109999 || in.Balance.InterestDue != 5999 || in.Balance.IndemnitiesDue != 4000 {
		t.Fatalf("balance %+v", in.Balance)
	}
	pdf, err := letters.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	txt := text(t, pdf)
	for _, line := range []string{"Principal restant dû\n1 000,00 €", "Intérêts de retard\n59,99 €", "Autres sommes (indemnités)\n40,00 €", "Total à payer\n1 099,99 €"} {
		if !strings.Contains(txt, line) {
			t.Errorf("summary lacks %q", line)
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		in := input(t, claim(portal.JurisdictionBE, portal.DebtorConsumer, "fr"), portal.LetterFormalNotice, false)
		in.Uncompressed = !compressed
		a, err := letters.Render(in)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := letters.Render(in)
		if !bytes.Equal(a, b) {
			t.Fatalf("compressed=%v: two renders differ", compressed)
		}
		if !bytes.Contains(a, []byte("/CreationDate (D:20240630")) {
			t.Fatalf("creation date is not the letter date")
		}
		in.Date = in.Date.AddDays(1)
		c, _ := letters.Render(in)
		if bytes.Equal(a, c) {
			t.Fatal("another date gives the same bytes")
		}
	}
}

// With poppler's pdftotext installed, the compressed file a debtor gets is
// read by a real PDF reader too.
func TestRenderPdftotext(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	in := input(t, claim(portal.JurisdictionFR, portal.DebtorBusiness, "fr"), portal.LetterFormalNotice, true)
	in.Uncompressed = false
	pdf, err := letters.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	txt := joined(strings.ReplaceAll(string(out), "\u00a0", " "))
	for _, w := range []string{"DOS-2024-0042", "1 099,99 €", "https://relais.example/p/Xy7kQ2mN9", "Mise en demeure de payer", "mauvaise foi"} {
		if !strings.Contains(txt, w) {
			t.Errorf("pdftotext output lacks %q:\n%s", w, txt)
		}
	}
}

func TestMoneyAndDates(t *testing.T) {
	for _, tt := range []struct {
		lang string
		v    int64
		want string
	}{
		{"fr", 109999, "1 099,99 €"}, {"nl", 109999, "€ 1.099,99"}, {"en", 109999, "€1,099.99"}, {"de", 109999, "1.099,99 €"},
		{"fr", 5, "0,05 €"}, {"en", 123456789, "€1,234,567.89"}, {"de", -4000, "-40,00 €"},
	} {
		if got := strings.ReplaceAll(letters.Money(tt.lang, tt.v, "EUR"), "\u00a0", " "); got != tt.want {
			t.Errorf("Money(%s, %d) = %q, want %q", tt.lang, tt.v, got, tt.want)
		}
	}
	if got := letters.Money("fr", 1000, "JPY"); strings.ReplaceAll(got, "\u00a0", " ") != "1 000 JPY" {
		t.Errorf("JPY: %q", got)
	}
	if got := strings.ReplaceAll(letters.FormatDate("de", portal.MustDate("2024-03-05")), "\u00a0", " "); got != "5. März 2024" {
		t.Errorf("FormatDate de = %q", got)
	}
}

func TestRenderRefused(t *testing.T) {
	in := input(t, claim(portal.JurisdictionFR, portal.DebtorBusiness, "fr"), portal.LetterFormalNotice, false)
	in.Kind = "summons"
	if _, err := letters.Render(in); portal.ErrorCode(err) != portal.EINVALID {
		t.Fatalf("unknown kind: %v", err)
	}
	in = input(t, claim(portal.JurisdictionFR, portal.DebtorBusiness, "fr"), portal.LetterFormalNotice, false)
	in.Claim.Debtor.Language = "it"
	if _, err := letters.Render(in); portal.ErrorCode(err) != portal.EINVALID {
		t.Fatalf("unknown language: %v", err)
	}
}

// A letter prints names and addresses in any script (issue 24.14): the
// debtor's Arabic name, a Greek address, a Polish creditor; an emoji, which
// the font cannot draw, shows the replacement glyph. Read back with a real
// PDF reader (pdftotext), in every language of the letters.
func TestRenderScripts(t *testing.T) {
	for _, lang := range []string{"fr", "nl", "en", "de"} {
		c := claim(portal.JurisdictionBE, portal.DebtorConsumer, lang)
		c.Debtor.Name = "سارة محمد"
		c.Debtor.Address = "Οδός Ερμού 12, Αθήνα 🏠"
		c.Debtor.CustomerNumber = "Ζ-77"
		c.Creditor.LegalName = "Piekarnia Łódź Sp. z o.o."
		c.Creditor.Address = "ul. Żółkiewskiego 5, 90-001 Łódź"
		in := input(t, c, portal.LetterReminder, false)
		in.Uncompressed = false
		pdf, err := letters.Render(in)
		if err != nil {
			t.Fatal(err)
		}
		txt := pdftest.Joined(t, pdf)
		for _, w := range []string{"سارة محمد", "Οδός Ερμού 12", "Αθήνα \uFFFD", "Ζ-77", "Piekarnia Łódź Sp. z o.o.", "Żółkiewskiego"} {
			if !strings.Contains(txt, w) {
				t.Errorf("%s: pdftotext output lacks %q:\n%s", lang, w, txt)
			}
		}
		pdftest.NoOverlap(t, pdf)
	}
}

// Long values wrap in their place and never run over other text (issue
// 24.14): an invoice number longer than its column over the date columns,
// a long customer number, creditor name and address, reference and link.
func TestRenderLongValuesDoNotOverlap(t *testing.T) {
	long := "F-2024-000000000000123456789-ABCDEFGHIJKL"
	for _, lang := range []string{"fr", "nl", "en", "de"} {
		for _, agency := range []bool{false, true} {
			c := claim(portal.JurisdictionFR, portal.DebtorBusiness, lang)
			c.Reference = "DOS-2024-0042-RECOUVREMENT-AMIABLE-LONG"
			c.Invoices[0].Number = long
			c.Invoices = append(c.Invoices, &portal.Invoice{ID: "inv2", Number: "F 2024 002 avoir partiel sur livraison du mois de mars",
				IssueDate: portal.MustDate("2024-09-30"), DueDate: portal.MustDate("2024-12-31"), Amount: 123456789})
			c.Debtor.CustomerNumber = "CLIENT-0000000000000000000000000000000000000000000000000000000077"
			c.Creditor.LegalName = "Boulangerie Pâtisserie Martin et Fils, Société à responsabilité limitée au capital de 100 000 euros"
			c.Creditor.Address = "Zone artisanale des Quatre Chemins, bâtiment C, 3 rue des Lilas\n69003 Lyon\nFrance"
			in := input(t, c, portal.LetterFormalNotice, agency)
			in.PortalURL = "https://relais.example/p/Xy7kQ2mN9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			pdf, err := letters.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			pdftest.NoOverlap(t, pdf)
			// The cells are drawn one after the other: their lines joined
			// give the whole value back.
			flat := strings.Join(strings.Fields(pdftest.Strings(pdf)), "")
			for _, w := range []string{long, c.Debtor.CustomerNumber, in.PortalURL} {
				if !strings.Contains(flat, w) {
					t.Errorf("%s agency=%v: %q is not all printed", lang, agency, w)
				}
			}
		}
	}
}

// The letter asks to quote the transfer reference the portal and its QR
// code give (issue 24.6), not the claim's file number.
func TestRenderPaymentReference(t *testing.T) {
	in := input(t, claim(portal.JurisdictionFR, portal.DebtorBusiness, "fr"), portal.LetterReminder, false)
	in.PaymentReference = "RF18 5390 0754 7034"
	pdf, err := letters.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if txt := joined(text(t, pdf)); !strings.Contains(txt, "en indiquant la référence RF18 5390 0754 7034") {
		t.Errorf("the letter does not ask for the transfer reference:\n%s", txt)
	}
}

// A tenant's own opening replaces the letter's salutation and introduction
// only: the formal notice's demand with its sum and deadline, the invoices
// and the legal mentions stay.
func TestRenderTenantOpening(t *testing.T) {
	c := claim(portal.JurisdictionBE, portal.DebtorConsumer, "fr")
	c.DamagesClause = true
	in := input(t, c, portal.LetterFormalNotice, false)
	in.Opening = "Cher client Texte-maison-42,\r\n\r\nVotre compte reste ouvert."
	pdf, err := letters.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	txt := joined(text(t, pdf))
	for _, w := range []string{"Cher client Texte-maison-42,", "Votre compte reste ouvert.", "F-2024-001", "une indemnité de", "livre XIX"} {
		if !strings.Contains(txt, w) {
			t.Errorf("letter lacks %q:\n%s", w, txt)
		}
	}
	shipped, _ := letters.Render(input(t, c, portal.LetterFormalNotice, false))
	st := joined(text(t, shipped))
	if strings.Contains(txt, "Sauf erreur de notre part") || !strings.Contains(st, "Sauf erreur de notre part") {
		t.Errorf("the shipped introduction is not replaced")
	}
	// The demand (the same sentence in both) stays.
	demand := st[strings.Index(st, "Par la présente"):]
	demand = demand[:strings.Index(demand, ".")]
	if !strings.Contains(txt, demand) {
		t.Errorf("the demand %q is gone", demand)
	}
}
