package court_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/pdffont/pdftest"
)

// germanClaim is the worked example against a German debtor: LEGAL.md's
// French B2B invoice (1 000,00 € due 2024-01-31, 59,99 € of interest to
// 2024-06-30 at 14.50 %, 40,00 € indemnity), owed by a Berlin company.
func germanClaim() *portal.Claim {
	c := b2bClaim()
	c.Reference = "FR-DE-0003"
	c.Debtor = &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Müller Feinkost GmbH", Language: "de",
		Address: "Invalidenstraße 1\n10115 Berlin", Postcode: "10115", Country: "DE"}
	return c
}

// TestFormA: Form A for a German debtor: the parties' confirmed codes, the
// jurisdiction at the defendant's domicile, the cross-border countries,
// the principal, interest (rate, period, 10 points above the ECB rate) and
// costs of the claim's balance, the exhibits with their hashes; the JSON
// carries the same, and the worksheet PDF reads them back.
func TestFormA(t *testing.T) {
	c := germanClaim()
	b := balance(t, c, d("2024-06-30"))
	if err := court.CheckEOP(c, b, b.AsOf); err != nil {
		t.Fatal(err)
	}
	m, ls, evs := fixture(c)
	ex, _ := court.Exhibits("fr", c, m, ls, evs)
	f := court.BuildFormA(c, b, ex, "Recouvr'Express SAS", b.AsOf)
	if len(f.Parties) != 3 || f.Parties[0].Code != "01" || f.Parties[0].Identification != "SIREN 552100554, VAT FR40552100554" ||
		f.Parties[0].Postcode != "75002" || f.Parties[0].City != "Paris" || f.Parties[0].Address != "12 rue de la Paix" {
		t.Errorf("claimant: %+v", f.Parties)
	}
	if p := f.Parties[1]; p.Code != "02" || p.CorporateName != "Müller Feinkost GmbH" || p.Address != "Invalidenstraße 1" || p.Postcode != "10115" || p.City != "Berlin" || p.Country != "DE" {
		t.Errorf("defendant: %+v", p)
	}
	if f.Parties[2].Code != "03" || f.Ground.Code != "01" || f.Cross != (court.FormACross{Claimant: "FR", Defendant: "DE", Court: "DE"}) {
		t.Errorf("representative, ground, cross-border: %+v %+v %+v", f.Parties[2], f.Ground, f.Cross)
	}
	if len(f.Principal) != 1 || f.Principal[0].Amount != 100_000 || len(f.Interest) != 1 || f.Interest[0].Amount != 5_999 ||
		f.Interest[0].RateBP != 1450 || f.Interest[0].AboveECBBP != 1000 || f.Interest[0].From != d("2024-02-01") || f.Interest[0].To != d("2024-06-30") ||
		len(f.Costs) != 1 || f.Costs[0].Amount != 4_000 || f.Total != 109_999 || f.Total != b.Total {
		t.Errorf("amounts: %+v %+v %+v %d", f.Principal, f.Interest, f.Costs, f.Total)
	}
	if len(f.Evidence) != len(ex) || f.Evidence[1].SHA256 != strings.Repeat("a", 64) {
		t.Errorf("evidence: %+v", f.Evidence)
	}
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"2_parties":[{"code":"01"`, `"3_jurisdiction":{"code":"01"`, `"4_cross_border":{"claimant_domicile":"FR","defendant_domicile":"DE","court":"DE"}`, `"7_interest":[{"code":"","rate_bp":1450,"above_ecb_bp":1000`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
	pdf, err := court.RenderFormA(f, m.ChainHead, "SHA256:abc", court.PDFOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdftest.NoOverlap(t, pdf)
	txt := pdftest.Joined(t, pdf)
	for _, want := range []string{"APPLICATION FOR A EUROPEAN ORDER FOR PAYMENT – FORM A", "Code 02 : Müller Feinkost GmbH – Invalidenstraße 1, 10115, Berlin, DE",
		"Code 01 : Domicile of the defendant or co-defendant", "14.50 % a year on 1000.00 EUR from 2024-02-01 to 2024-06-30 = 59.99 EUR",
		"10.00 % above the ECB rate", "40.00 EUR", "1099.99 EUR", "SHA-256 " + strings.Repeat("a", 64), "Not confirmed"} {
		if !strings.Contains(txt, want) {
			t.Errorf("worksheet lacks %q:\n%s", want, txt)
		}
	}
}

func TestCheckEOP(t *testing.T) {
	today := d("2024-06-30")
	for name, tc := range map[string]struct {
		edit func(*portal.Claim)
		code string
		want string
	}{
		"OK": {func(*portal.Claim) {}, "", ""},
		"Belgian": {func(c *portal.Claim) {
			c.Debtor.Country, c.Debtor.Address, c.Debtor.Postcode = "BE", "Rue Neuve 1, 1000 Bruxelles", "1000"
		}, "", ""},
		"same":       {func(c *portal.Claim) { c.Debtor.Country = "FR" }, portal.EINVALID, "like the claimant"},
		"Denmark":    {func(c *portal.Claim) { c.Debtor.Country = "DK" }, portal.EINVALID, "does not apply"},
		"no country": {func(c *portal.Claim) { c.Debtor.Country = "" }, portal.EINVALID, "not recorded"},
		"disputed":   {func(c *portal.Claim) { c.Status = portal.StatusDisputed }, portal.ECONFLICT, "resolve the dispute"},
		"no city":    {func(c *portal.Claim) { c.Debtor.Address = "Invalidenstraße 1" }, portal.EINVALID, "postal code and city"},
	} {
		t.Run(name, func(t *testing.T) {
			c := germanClaim()
			tc.edit(c)
			err := court.CheckEOP(c, balance(t, c, today), today)
			if portal.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("code %q, want %q: %v", portal.ErrorCode(err), tc.code, err)
			}
			if tc.want != "" && !strings.Contains(portal.ErrorMessage(err), tc.want) {
				t.Errorf("message %q lacks %q", portal.ErrorMessage(err), tc.want)
			}
		})
	}
}
