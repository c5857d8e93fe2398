package court_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/rules"
)

var d = portal.MustDate

// b2bClaim is LEGAL.md's worked example before the tribunal de commerce:
// one invoice of 1 000,00 € due 2024-01-31, nothing paid, asked for on
// 2024-06-30 (151 days at 14.50 % = 59,99 €, indemnity 40,00 €, total
// 1 099,99 €), after a formal notice of 2024-06-01 sent by registered post.
func b2bClaim() *portal.Claim {
	return &portal.Claim{ID: "01J0000000000000000000CLAI", Reference: "FR-B2B-0001", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Stage: portal.StageFormalNotice, Status: portal.StatusOpen, FormalNoticeOn: d("2024-06-01"),
		Creditor: &portal.Creditor{LegalName: "Boulangerie Martin SAS", CompanyNumber: "552 100 554", VATNumber: "FR40552100554",
			Address: "12 rue de la Paix, 75002 Paris", Country: "FR"},
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont Traiteur SARL", Language: "fr",
			Address: "3 place Bellecour, 69002 Lyon", Postcode: "69002", Country: "FR"},
		Invoices: []*portal.Invoice{{ID: "inv1", Number: "F-2024-0012", IssueDate: d("2024-01-01"), DueDate: d("2024-01-31"), Amount: 100_000}},
	}
}

func balance(t *testing.T, c *portal.Claim, on portal.Date) *rules.Balance {
	t.Helper()
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	b, err := rates.Compute(c, on)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture gives the claim's bundle manifest, letters and events: the
// formal notice (a letter sent by registered post), an e-mail reminder
// and a payment offer.
func fixture(c *portal.Claim) (evidence.Manifest, []*portal.Letter, []*portal.Event) {
	notice := &portal.Letter{ID: "01J0000000000000000000LETT", Kind: portal.LetterFormalNotice, LetterDate: d("2024-06-01"), PayBy: d("2024-06-09"),
		Total: 105_000, SentOn: d("2024-06-01"), SentBy: portal.SendRegisteredPost, RegisteredNumber: "1A00012345678"}
	at := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	events := []*portal.Event{
		{Seq: 3, Kind: portal.EventLetterSent, At: at, Hash: strings.Repeat("3", 64),
			Payload: `{"channel":"registered_post","kind":"formal_notice","letter_id":"01J0000000000000000000LETT","registered_number":"1A00012345678","sent_on":"2024-06-01"}`},
		{Seq: 4, Kind: portal.EventOfferMade, At: at.Add(48 * time.Hour), Hash: strings.Repeat("4", 64), Payload: `{"currency":"EUR"}`},
	}
	m := evidence.Manifest{ChainHead: evidence.Head{ClaimID: c.ID, Seq: 4, Hash: strings.Repeat("4", 64)},
		Signature: evidence.Signature{Fingerprint: "SHA256:abc"},
		Files: []evidence.FileEntry{
			{Name: "README.txt", SHA256: strings.Repeat("0", 64)},
			{Name: "attachments/letters/" + notice.Filename(), SHA256: strings.Repeat("a", 64)},
			{Name: "attachments/reminders/2024-05-10-1-email-01j0000000000000000000send.json", SHA256: strings.Repeat("b", 64)},
			{Name: "dossier.pdf", SHA256: strings.Repeat("c", 64)},
			{Name: "events.jsonl", SHA256: strings.Repeat("e", 64)},
			{Name: "verify.html", SHA256: strings.Repeat("f", 64)},
		}}
	return m, []*portal.Letter{notice}, events
}

func render(t *testing.T, c *portal.Claim, b *rules.Balance, opt court.FROptions, rep string) (string, []court.Exhibit) {
	t.Helper()
	if err := court.CheckFR(c, b, b.AsOf); err != nil {
		t.Fatalf("CheckFR: %v", err)
	}
	ct, err := court.FRCourt(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	m, ls, evs := fixture(c)
	ex, _ := court.Exhibits("fr", c, m, ls, evs)
	pdf, err := court.RenderFR(court.FRInput{Claim: c, Balance: b, Court: ct, Representative: rep, Exhibits: ex,
		Head: m.ChainHead, Fingerprint: "SHA256:abc", Date: b.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	pdftest.NoOverlap(t, pdf)
	return pdftest.Joined(t, pdf), ex
}

func money(v int64) string { return strings.ReplaceAll(i18n.Money("fr", v, "EUR"), "\u00a0", " ") }

// TestRenderFRB2B: the request before the tribunal de commerce, read back
// with pdftotext, holds every mention CPC 1407 asks for, by name, with the
// amounts of the claim's balance.
func TestRenderFRB2B(t *testing.T) {
	c := b2bClaim()
	b := balance(t, c, d("2024-06-30"))
	if b.Total != 109_999 || b.InterestDue != 5_999 || b.IndemnitiesDue != 4_000 {
		t.Fatalf("worked example: %+v", b)
	}
	txt, ex := render(t, c, b, court.FROptions{}, "Recouvr'Express SAS")
	for name, want := range map[string]string{
		"title":                "REQUÊTE EN INJONCTION DE PAYER",
		"articles":             "Articles 1405 à 1425 du code de procédure civile",
		"court kind":           "Juridiction : Tribunal de commerce",
		"addressee":            "président du tribunal de commerce dont le ressort comprend Lyon (69002)",
		"court basis":          "lieu où demeure le débiteur (CPC art. 1406)",
		"court directory":      "Relais ne tient pas d'annuaire des juridictions",
		"creditor":             "Dénomination : Boulangerie Martin SAS",
		"creditor form":        "Forme : SAS (d'après la dénomination)",
		"SIREN":                "SIREN : 552 100 554",
		"RCS":                  "RCS",
		"VAT":                  "FR40552100554",
		"creditor office":      "Siège social : 12 rue de la Paix, 75002 Paris (France)",
		"representative":       "Mandataire : Recouvr'Express SAS",
		"debtor":               "Dénomination : Dupont Traiteur SARL",
		"debtor office":        "3 place Bellecour, 69002 Lyon",
		"amount":               "réclame la somme de " + money(b.Total) + ", arrêtée au 30 juin 2024",
		"principal":            "Principal restant dû " + money(b.PrincipalDue),
		"interest":             "Intérêts de retard échus au 30 juin 2024 " + money(b.InterestDue),
		"indemnities":          "Indemnités forfaitaires pour frais de recouvrement " + money(b.IndemnitiesDue),
		"total":                "Total réclamé " + money(b.Total),
		"interest rate period": "du 1 février 2024 au 30 juin 2024, 151 jours au taux de 14,50 % l'an sur 1 000,00 € = 59,99 € (Code de commerce L441-10)",
		"indemnity line":       "facture n° F-2024-0012 : 40,00 €",
		"indemnity basis":      "D441-5",
		"basis":                "Créance de nature contractuelle, d'un montant déterminé (CPC art. 1405, 1°)",
		"formal notice":        "Par lettre du 1 juin 2024 (pièce n° 2), envoyée en recommandé n° 1A00012345678 le 1 juin 2024 (pièce n° 3), le demandeur a mis le défendeur en demeure de payer",
		"claim":                "Par ces motifs",
		"later interest":       "au taux de l'article L441-10 du code de commerce sur le principal à compter du 1 juillet 2024",
		"bordereau":            "BORDEREAU DES PIÈCES",
		"bordereau CPC":        "CPC art. 1407",
		"to complete":          "À compléter à la main avant le dépôt",
		"Cerfa":                "12946",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("%s: the PDF lacks %q:\n%s", name, want, txt)
		}
	}
	// Every exhibit is numbered with its hash.
	kinds := []string{}
	for i, e := range ex {
		if e.Number != i+1 {
			t.Errorf("exhibit %d numbered %d", i, e.Number)
		}
		kinds = append(kinds, e.Kind)
		h := e.SHA256
		if h == "" {
			h = e.EventHash
		}
		if h != "" && !strings.Contains(txt, "SHA-256 "+h) {
			t.Errorf("exhibit %d (%s): hash %s not in the bordereau", e.Number, e.Title, h)
		}
		if !strings.Contains(txt, "Pièce n° "+itoa(e.Number)+" – ") {
			t.Errorf("exhibit %d not listed", e.Number)
		}
	}
	if got := strings.Join(kinds, ","); got != "invoice,formal_notice,sending,reminder,acknowledgement,record,record" {
		t.Errorf("exhibit order: %s", got)
	}
	for _, want := range []string{"Facture n° F-2024-0012 du 1 janvier 2024", "attachments/letters/2024-06-01-formal_notice-01J0000000000000000000LETT.pdf",
		"Preuve de dépôt et avis de réception du recommandé n° 1A00012345678 à joindre", "Relance n° 1 par courriel du 10 mai 2024"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the bordereau lacks %q", want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRenderFRConsumer: a consumer before the tribunal judiciaire, and the
// juge des contentieux de la protection for a consumer credit.
func TestRenderFRConsumer(t *testing.T) {
	c := b2bClaim()
	c.Reference = "FR-C-0002"
	c.Debtor = &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Marie Durand", Language: "fr", Address: "8 rue Oberkampf\n75011 Paris", Postcode: "75011", Country: "FR",
		BirthDate: d("1980-04-02")}
	c.FormalNoticeOn = d("2024-03-01")
	b := balance(t, c, d("2024-06-30"))
	txt, _ := render(t, c, b, court.FROptions{}, "")
	for _, want := range []string{"Juridiction : Tribunal judiciaire", "président du tribunal judiciaire dont le ressort comprend Paris (75011)",
		"Nom et prénoms : Marie Durand", "Date de naissance : 2 avril 1980", "consommateur",
		"réclame la somme de " + money(b.Total), "Intérêts de retard échus au 30 juin 2024 " + money(b.InterestDue),
		"Indemnités forfaitaires pour frais de recouvrement " + money(0), "au taux de l'intérêt légal", "12948"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, txt)
		}
	}
	if b.InterestDue == 0 || b.IndemnitiesDue != 0 {
		t.Errorf("consumer balance: %+v", b)
	}
	if strings.Contains(txt, "Mandataire") {
		t.Error("a creditor filing itself has no mandataire")
	}
	ct, err := court.FRCourt(c, court.FROptions{ConsumerCredit: true})
	if err != nil || ct.Kind != court.JugeProtection {
		t.Errorf("consumer credit: %+v %v", ct, err)
	}
}

func TestFRCourt(t *testing.T) {
	for _, tc := range []struct {
		kind     portal.DebtorKind
		address  string
		postcode string
		want     court.CourtKind
		town     string
		dept     string
	}{
		{portal.DebtorBusiness, "3 place Bellecour, 69002 Lyon", "", court.TribunalCommerce, "Lyon", "69"},
		{portal.DebtorBusiness, "1 rue du Dôme, 67000 Strasbourg", "67000", court.ChambreCommercialeTJ, "Strasbourg", "67"},
		{portal.DebtorConsumer, "Route de Calvi, 20260 Lumio", "", court.TribunalJudiciaire, "Lumio", "2B"},
		{portal.DebtorConsumer, "Rue Schoelcher, 97200 Fort-de-France", "97200", court.TribunalJudiciaire, "Fort-de-France", "972"},
	} {
		c := &portal.Claim{Debtor: &portal.Debtor{Kind: tc.kind, Address: tc.address, Postcode: tc.postcode}}
		ct, err := court.FRCourt(c, court.FROptions{})
		if err != nil || ct.Kind != tc.want || ct.Locality != tc.town || ct.Department != tc.dept {
			t.Errorf("%s: %+v %v", tc.address, ct, err)
		}
	}
	c := &portal.Claim{Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Address: "Lyon"}}
	if _, err := court.FRCourt(c, court.FROptions{}); portal.ErrorCode(err) != portal.EINVALID {
		t.Errorf("no postcode: %v", err)
	}
}

// TestCheckFR: each precondition refuses with its reason and code.
func TestCheckFR(t *testing.T) {
	today := d("2024-06-30")
	for name, tc := range map[string]struct {
		edit func(*portal.Claim)
		code string
		want string
	}{
		"OK":            {func(*portal.Claim) {}, "", ""},
		"Belgian":       {func(c *portal.Claim) { c.Jurisdiction = portal.JurisdictionBE }, portal.EINVALID, "French procedure"},
		"abroad":        {func(c *portal.Claim) { c.Debtor.Country = "DE" }, portal.EINVALID, "European order for payment"},
		"amicable":      {func(c *portal.Claim) { c.Stage = portal.StageAmicable }, portal.ECONFLICT, "send the formal notice"},
		"judgment":      {func(c *portal.Claim) { c.Stage = portal.StageJudgment }, portal.ECONFLICT, "court decision"},
		"other proc":    {func(c *portal.Claim) { c.Stage, c.Procedure = portal.StageLitigation, "refere_provision" }, portal.ECONFLICT, "refere provision"},
		"same proc":     {func(c *portal.Claim) { c.Stage, c.Procedure = portal.StageLitigation, "injonction_de_payer" }, "", ""},
		"disputed":      {func(c *portal.Claim) { c.Status = portal.StatusDisputed }, portal.ECONFLICT, "resolve the dispute"},
		"in plan":       {func(c *portal.Claim) { c.Status = portal.StatusInPlan }, portal.ECONFLICT, "payment plan"},
		"settled":       {func(c *portal.Claim) { c.Status = portal.StatusSettled }, portal.ECONFLICT, "settled"},
		"no notice":     {func(c *portal.Claim) { c.FormalNoticeOn = portal.Date{} }, portal.ECONFLICT, "No formal notice"},
		"notice period": {func(c *portal.Claim) { c.FormalNoticeOn = d("2024-06-25") }, portal.ECONFLICT, "until 2024-07-03"},
		"missing": {func(c *portal.Claim) {
			c.Creditor.CompanyNumber, c.Creditor.Address, c.Debtor.Address, c.Debtor.Postcode = "", "", "", ""
		}, portal.EINVALID, "the creditor's registered office (creditor.address); the creditor's SIREN (creditor.company_number); the debtor's address (debtor.address)"},
		"bad SIREN": {func(c *portal.Claim) { c.Creditor.CompanyNumber = "552 100 555" }, portal.EINVALID, "not 9 or 14 digits with a valid check digit"},
		"no town":   {func(c *portal.Claim) { c.Debtor.Address = "3 place Bellecour" }, portal.EINVALID, "debtor's French postcode and town"},
	} {
		t.Run(name, func(t *testing.T) {
			c := b2bClaim()
			tc.edit(c)
			err := court.CheckFR(c, balance(t, c, today), today)
			if portal.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("code %q, want %q: %v", portal.ErrorCode(err), tc.code, err)
			}
			if tc.want != "" && !strings.Contains(portal.ErrorMessage(err), tc.want) {
				t.Errorf("message %q lacks %q", portal.ErrorMessage(err), tc.want)
			}
		})
	}
}

func TestSIREN(t *testing.T) {
	for in, want := range map[string]string{"552 100 554": "552100554", "55210055400013": "552100554", "552.100.554": "552100554", "552100555": "", "12345": "", "FR552100554": ""} {
		got, ok := court.SIREN(in)
		if got != want || ok != (want != "") {
			t.Errorf("SIREN(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
