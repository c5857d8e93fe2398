package court

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/rules"
)

// The European order for payment's application, Form A (Regulation (EC)
// No 1896/2006, Annex I, as replaced by Delegated Regulation (EU)
// 2017/1260), as structured data for the e-Justice portal's form and a
// worksheet PDF.
//
// What is confirmed, and what is not: the codes of section 2 (parties: 01
// claimant, 02 defendant, 03 claimant's representative, 04 defendant's
// representative, 05/06 their legally authorised representatives) and code
// 01 of section 3 (domicile of the defendant) were read in the form's text
// on EUR-Lex (eli/reg_del/2017/1260). The other code lists (section 5 bank
// details, 6 the nature and circumstances of the claim, 7 interest, 9
// costs, 10 evidence) could not be read here and are NOT filled: Relais
// gives the values (amounts, rates, dates, descriptions) and leaves each
// code to choose on the form (Code "" with ToComplete). LEGAL.md confirms
// only the procedure itself (cross-border; 30 days to oppose).

// euMemberStates are the member states where Regulation 1896/2006 applies:
// the EU without Denmark (art. 2(3)), by ISO code. The form writes Greece
// as EL.
var euMemberStates = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "EE": true, "GR": true, "ES": true,
	"FI": true, "FR": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true, "LU": true, "LV": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true,
}

// formCountry is a country as Form A writes it (EL for Greece).
func formCountry(iso string) string {
	if iso == "GR" {
		return "EL"
	}
	return iso
}

// FormA is the content of the application, section by section; every
// amount in minor units of Currency. ToComplete lists what the claimant
// must fill on the form itself (in English; the form's fields by number).
type FormA struct {
	Form       string `json:"form"`
	Regulation string `json:"regulation"`
	Reference  string `json:"claim_reference"`
	// Language is the court's, in which the form must be completed: the
	// defendant's country's language is only a guess (to confirm).
	Court      FormACourt      `json:"1_court"`
	Parties    []FormAParty    `json:"2_parties"`
	Ground     FormACode       `json:"3_jurisdiction"`
	Cross      FormACross      `json:"4_cross_border"`
	Principal  []FormAAmount   `json:"6_principal"`
	Interest   []FormAInterest `json:"7_interest"`
	Costs      []FormAAmount   `json:"9_costs"`
	Evidence   []FormAEvidence `json:"10_evidence"`
	Additional string          `json:"11_additional_statements"`
	Date       portal.Date     `json:"12_date"`
	Currency   portal.Currency `json:"currency"`
	// Total is principal + interest + costs as Relais computed them on Date
	// (rules.Balance.Total).
	Total       int64    `json:"total"`
	Unconfirmed []string `json:"unconfirmed"`
	ToComplete  []string `json:"to_complete"`
}

// FormACourt is section 1: Relais knows the country only.
type FormACourt struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Postcode string `json:"postal_code"`
	City     string `json:"city"`
	Country  string `json:"country"`
}

// FormAParty is one line of section 2.
type FormAParty struct {
	Code           string `json:"code"`
	CorporateName  string `json:"corporate_name,omitempty"`
	Identification string `json:"identification_code,omitempty"`
	Surname        string `json:"surname,omitempty"`
	Address        string `json:"address"`
	Postcode       string `json:"postal_code"`
	City           string `json:"city"`
	Country        string `json:"country"`
	Phone          string `json:"phone,omitempty"`
	Email          string `json:"email,omitempty"`
}

// FormACode is a coded choice with its meaning.
type FormACode struct {
	Code    string `json:"code"`
	Meaning string `json:"meaning"`
}

// FormACross is section 4: the countries of the claimant's and the
// defendant's domicile and of the court.
type FormACross struct {
	Claimant  string `json:"claimant_domicile"`
	Defendant string `json:"defendant_domicile"`
	Court     string `json:"court"`
}

// FormAAmount is a line of sections 6 and 9; Code is "" (to choose on the
// form: the code lists are not confirmed).
type FormAAmount struct {
	Code        string      `json:"code"`
	Amount      int64       `json:"amount"`
	Date        portal.Date `json:"date"`
	Description string      `json:"description"`
}

// FormAInterest is a line of section 7.
type FormAInterest struct {
	Code string `json:"code"`
	// RateBP is the yearly rate in basis points; AboveECBBP the points above
	// the ECB rate when the rule is one (French B2B: 1000).
	RateBP     int64       `json:"rate_bp"`
	AboveECBBP int64       `json:"above_ecb_bp,omitempty"`
	On         int64       `json:"on"`
	From       portal.Date `json:"from"`
	To         portal.Date `json:"to"`
	Amount     int64       `json:"amount"`
	Basis      string      `json:"basis"`
}

// FormAEvidence is a line of section 10: an exhibit of the bordereau.
type FormAEvidence struct {
	Code        string      `json:"code"`
	Description string      `json:"description"`
	Date        portal.Date `json:"date"`
	SHA256      string      `json:"sha256,omitempty"`
}

// CheckEOP says whether the claim may go to a European order for payment
// today: the debtor is domiciled in a member state (Denmark excepted) other
// than the claimant's (art. 3), the claim is past its formal notice and not
// disputed (readyForCourt), and the parties' data is there. EINVALID or
// ECONFLICT with the reason, as CheckFR.
func CheckEOP(c *portal.Claim, b *rules.Balance, today portal.Date) error {
	if c.Debtor == nil || c.Creditor == nil {
		return refuse(portal.EINVALID, ReasonParties, nil, "The claim has no creditor or no debtor.")
	}
	claimant := claimantCountry(c)
	dc := c.Debtor.Country
	switch {
	case dc == "":
		return refuseField("debtor.country", ReasonNoCountry, nil, "The debtor's country is not recorded (debtor.country): the European order for payment is for a debtor domiciled in another member state.")
	case !euMemberStates[dc]:
		return refuseField("debtor.country", ReasonNotMember, []string{"Country", dc}, "The debtor lives in %s, where Regulation 1896/2006 does not apply (the EU member states but Denmark).", dc)
	case dc == claimant:
		return refuseField("debtor.country", ReasonSameCountry, []string{"Country", dc}, "The debtor lives in %s like the claimant: the European order for payment is for cross-border claims (Regulation 1896/2006 art. 3); use the national procedure.", dc)
	}
	if err := readyForCourt(c, today, escalation.ProcEuropeanOrder); err != nil {
		return err
	}
	var missing []string
	if strings.TrimSpace(c.Creditor.LegalName) == "" {
		missing = append(missing, "the creditor's legal name (creditor.legal_name)")
	}
	if strings.TrimSpace(c.Creditor.Address) == "" {
		missing = append(missing, "the creditor's address (creditor.address)")
	}
	if strings.TrimSpace(c.Debtor.Name) == "" {
		missing = append(missing, "the debtor's name (debtor.name)")
	}
	if pc, city := place(c.Debtor.Address, c.Debtor.Postcode); strings.TrimSpace(c.Debtor.Address) == "" || pc == "" || city == "" {
		missing = append(missing, "the debtor's address with its postal code and city (debtor.address ending with e.g. \"10115 Berlin\", debtor.postcode)")
	}
	if len(missing) > 0 {
		return refuse(portal.EINVALID, ReasonMissing, []string{"Fields", fieldNames(missing)}, "The application cannot be made: missing %s.", strings.Join(missing, "; "))
	}
	return owed(b, today)
}

// claimantCountry is the creditor's country, or the claim's jurisdiction.
func claimantCountry(c *portal.Claim) string {
	if c.Creditor != nil && c.Creditor.Country != "" {
		return c.Creditor.Country
	}
	return string(c.Jurisdiction)
}

var anyPostcodeTown = regexp.MustCompile(`(?:^|[\s,])((?:[A-Z]{1,2}-)?\d{4,5})\s+([^\d,\n][^,\n]*)`)

// place finds the postal code and the city written after it in an
// address (any European style: "10115 Berlin", "1000 Bruxelles"); the
// postcode field chooses among several.
func place(address, postcode string) (string, string) {
	postcode = strings.TrimSpace(postcode)
	for _, m := range anyPostcodeTown.FindAllStringSubmatch(address, -1) {
		if postcode == "" || m[1] == postcode {
			return m[1], strings.TrimSpace(m[2])
		}
	}
	return "", ""
}

// street is the address without its postal code and city line.
func street(address, postcode, city string) string {
	s := oneLineAddr(address)
	if postcode != "" {
		if i := strings.LastIndex(s, postcode); i >= 0 {
			s = s[:i]
		}
	}
	return strings.TrimRight(strings.TrimSpace(s), ",")
}

// BuildFormA fills Form A from the claim, its balance on today and its
// exhibits (Exhibits). Call CheckEOP first.
func BuildFormA(c *portal.Claim, b *rules.Balance, exhibits []Exhibit, representative string, today portal.Date) *FormA {
	cr, d := c.Creditor, c.Debtor
	f := &FormA{Form: "A", Regulation: "Regulation (EC) No 1896/2006, Annex I, as replaced by Delegated Regulation (EU) 2017/1260",
		Reference: c.Reference, Date: today, Currency: b.Currency, Total: b.Total,
		Court:  FormACourt{Country: formCountry(d.Country)},
		Ground: FormACode{Code: "01", Meaning: "Domicile of the defendant or co-defendant"},
		Cross:  FormACross{Claimant: formCountry(claimantCountry(c)), Defendant: formCountry(d.Country), Court: formCountry(d.Country)},
		Unconfirmed: []string{
			"Only the codes of section 2 and code 01 of section 3 were read in the form's text; the code lists of sections 5, 6, 7, 9 and 10 are left to choose on the form.",
			"The court: jurisdiction is taken at the defendant's domicile (Regulation 1215/2012 art. 4); a contract's choice of court or the place of performance may give another (art. 7, 25); a consumer defendant can only be sued where they are domiciled (Regulation 1896/2006 art. 6(2)).",
		}}
	cpc, ccity := place(cr.Address, "")
	claimant := FormAParty{Code: "01", CorporateName: cr.LegalName, Address: street(cr.Address, cpc, ccity), Postcode: cpc, City: ccity,
		Country: formCountry(claimantCountry(c)), Phone: cr.Phone, Email: cr.Email}
	var ids []string
	if siren, ok := SIREN(cr.CompanyNumber); ok && claimantCountry(c) == "FR" {
		ids = append(ids, "SIREN "+siren)
	} else if cr.CompanyNumber != "" {
		ids = append(ids, cr.CompanyNumber)
	}
	if cr.VATNumber != "" {
		ids = append(ids, "VAT "+cr.VATNumber)
	}
	claimant.Identification = strings.Join(ids, ", ")
	f.Parties = append(f.Parties, claimant)
	dpc, dcity := place(d.Address, d.Postcode)
	defendant := FormAParty{Code: "02", Address: street(d.Address, dpc, dcity), Postcode: dpc, City: dcity, Country: formCountry(d.Country),
		Phone: d.Phone, Email: d.Email}
	if d.Kind == portal.DebtorBusiness {
		defendant.CorporateName = d.Name
	} else {
		defendant.Surname = d.Name
		f.ToComplete = append(f.ToComplete, "2: the defendant's surname and first name in their own fields (Relais holds the full name in one)")
	}
	f.Parties = append(f.Parties, defendant)
	if representative != "" {
		f.Parties = append(f.Parties, FormAParty{Code: "03", CorporateName: representative})
		f.ToComplete = append(f.ToComplete, "2: the address of the claimant's representative (code 03)")
	}

	for _, inv := range b.Invoices {
		if inv.PrincipalDue <= 0 {
			continue
		}
		f.Principal = append(f.Principal, FormAAmount{Amount: inv.PrincipalDue, Date: inv.DueDate,
			Description: fmt.Sprintf("Invoice %s due %s: %s unpaid of %s", inv.Number, inv.DueDate, portal.FormatMinor(inv.PrincipalDue, b.Currency.Exponent()), portal.FormatMinor(inv.Amount, b.Currency.Exponent()))})
		for _, p := range inv.Periods {
			line := FormAInterest{RateBP: p.RateBP, On: p.Base, From: p.From, To: p.To, Amount: p.Amount, Basis: rules.Basis(p.Rule)}
			if p.Rule == rules.RuleFRB2BInterest {
				line.AboveECBBP = 1000
			}
			f.Interest = append(f.Interest, line)
		}
	}
	for _, l := range b.IndemnityLines {
		if due := l.Amount - l.Paid; due > 0 {
			f.Costs = append(f.Costs, FormAAmount{Amount: due, Date: l.On,
				Description: "Flat compensation for recovery costs, invoice " + l.InvoiceNumber + " (" + rules.Basis(l.Rule) + ")"})
		}
	}
	for _, ex := range exhibits {
		e := FormAEvidence{Description: fmt.Sprintf("Exhibit %d: %s", ex.Number, ex.Title), Date: ex.Date, SHA256: ex.SHA256}
		if e.SHA256 == "" {
			e.SHA256 = ex.EventHash
		}
		f.Evidence = append(f.Evidence, e)
	}
	f.Additional = fmt.Sprintf("Interest is computed to %s (Relais claim %s); interest continues to run until payment. Each exhibit carries the SHA-256 of its file in the signed Relais evidence bundle.", b.ComputedTo, c.Reference)
	f.ToComplete = append(f.ToComplete,
		"1: the court's name and address (Relais keeps no court directory); the form is completed in a language the court accepts",
		"5: the method of paying the court fee",
		"6: the code of the claim's nature and of its circumstances for each principal line",
		"7: the interest code of each line (statutory, ECB-based)",
		"9: the code of each cost line",
		"10: the evidence code of each exhibit (documentary evidence)",
		"12: place, date and signature; Appendix 1 and 2 (what happens if the defendant opposes)")
	return f
}
