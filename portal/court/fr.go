package court

import (
	"regexp"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/rules"
)

// CourtKind is the kind of French court an injonction de payer goes to.
type CourtKind string

const (
	// TribunalCommerce: its president, for a claim against a trader or a
	// commercial company (CPC 1406, within the court's jurisdiction
	// ratione materiae).
	TribunalCommerce CourtKind = "tribunal_de_commerce"
	// TribunalJudiciaire: its president, for the other claims.
	TribunalJudiciaire CourtKind = "tribunal_judiciaire"
	// ChambreCommercialeTJ: the commercial chamber of the tribunal
	// judiciaire, which stands for the tribunal de commerce in the Bas-Rhin,
	// Haut-Rhin and Moselle (local law of Alsace-Moselle).
	ChambreCommercialeTJ CourtKind = "chambre_commerciale_tj"
	// JugeProtection: the juge des contentieux de la protection of the
	// tribunal judiciaire, for consumer credit (CPC 1406).
	JugeProtection CourtKind = "juge_contentieux_protection"
)

// Court is the court chosen for a French injonction de payer: its kind,
// the judge the request is addressed to, and the place that decides which
// court of that kind it is (where the debtor lives, CPC 1406). Relais keeps
// no directory of French courts (LEGAL.md gives none): the creditor looks
// up the court whose area covers Locality (annuaire des juridictions on
// justice.fr) and writes its address by hand.
type Court struct {
	Kind CourtKind `json:"kind"`
	// Addressee is who the request is addressed to, in French.
	Addressee string `json:"addressee"`
	// Name is the kind of court, in French ("Tribunal de commerce").
	Name       string `json:"name"`
	Locality   string `json:"locality"`
	Postcode   string `json:"postcode"`
	Department string `json:"department"`
	// Basis says why this court, in French, with the articles.
	Basis string `json:"basis"`
	// Notes are what the creditor must check (in French), among them the
	// rules Relais relies on that LEGAL.md does not confirm.
	Notes []string `json:"notes"`
}

// FROptions are what the creditor says about the claim that Relais does not
// record.
type FROptions struct {
	// ConsumerCredit: the claim arises from a consumer credit, which goes
	// to the juge des contentieux de la protection (CPC 1406).
	ConsumerCredit bool
}

// alsaceMoselle are the départements without tribunaux de commerce.
var alsaceMoselle = map[string]bool{"57": true, "67": true, "68": true}

// FRCourt chooses the court for a French injonction de payer against the
// claim's debtor (CPC 1406): the court of the place where the debtor lives,
// of the kind the claim's nature gives. It needs the debtor's French
// postcode and town (see DebtorPlace).
//
// Rules used, and how sure they are (LEGAL.md lists CPC 1405 ff. without
// their text, so each is marked unconfirmed in Notes):
//   - a business debtor is taken to be a trader or a commercial company, so
//     the president of the tribunal de commerce; when it is not (liberal
//     profession, association, civil company, farmer) the tribunal
//     judiciaire is competent instead;
//   - in the Bas-Rhin, Haut-Rhin and Moselle the commercial chamber of the
//     tribunal judiciaire stands for the tribunal de commerce;
//   - a consumer debtor: the president of the tribunal judiciaire, or the
//     juge des contentieux de la protection for a consumer credit.
func FRCourt(c *portal.Claim, opt FROptions) (Court, error) {
	if c.Debtor == nil {
		return Court{}, portal.FieldError("debtor", "the claim has no debtor")
	}
	postcode, town := DebtorPlace(c.Debtor)
	if postcode == "" || town == "" {
		return Court{}, portal.FieldError("debtor.address", "the debtor's French postcode and town are needed to choose the court (CPC 1406): give debtor.postcode and end debtor.address with the postcode and town, e.g. \"3 place Bellecour, 69002 Lyon\"")
	}
	ct := Court{Locality: town, Postcode: postcode, Department: Department(postcode)}
	where := "Compétence territoriale : le juge du lieu où demeure le débiteur (CPC art. 1406), ici " + town + " (" + postcode + ", département " + ct.Department + ")."
	unconfirmed := "Règle appliquée par Relais, non confirmée dans sa référence juridique (LEGAL.md) : à vérifier."
	switch {
	case c.Debtor.Kind == portal.DebtorConsumer && opt.ConsumerCredit:
		ct.Kind, ct.Name = JugeProtection, "Tribunal judiciaire (juge des contentieux de la protection)"
		ct.Addressee = "Madame, Monsieur le juge des contentieux de la protection du tribunal judiciaire"
		ct.Basis = "Créance née d'un crédit à la consommation : juge des contentieux de la protection (CPC art. 1406). " + where
		ct.Notes = append(ct.Notes, unconfirmed+" Le crédit à la consommation relève du juge des contentieux de la protection.")
	case c.Debtor.Kind == portal.DebtorConsumer:
		ct.Kind, ct.Name = TribunalJudiciaire, "Tribunal judiciaire"
		ct.Addressee = "Madame, Monsieur le président du tribunal judiciaire"
		ct.Basis = "Débiteur non commerçant (consommateur) : président du tribunal judiciaire (CPC art. 1406). " + where
		ct.Notes = append(ct.Notes, unconfirmed+" Si la créance naît d'un crédit à la consommation ou d'un bail d'habitation, la requête va au juge des contentieux de la protection.")
	case alsaceMoselle[ct.Department]:
		ct.Kind, ct.Name = ChambreCommercialeTJ, "Tribunal judiciaire (chambre commerciale)"
		ct.Addressee = "Madame, Monsieur le président de la chambre commerciale du tribunal judiciaire"
		ct.Basis = "Débiteur commerçant ou société commerciale dans le Bas-Rhin, le Haut-Rhin ou la Moselle : la chambre commerciale du tribunal judiciaire tient lieu de tribunal de commerce. " + where
		ct.Notes = append(ct.Notes, unconfirmed+" Droit local d'Alsace-Moselle ; si le débiteur n'est pas commerçant, le président du tribunal judiciaire est compétent.")
	default:
		ct.Kind, ct.Name = TribunalCommerce, "Tribunal de commerce"
		ct.Addressee = "Madame, Monsieur le président du tribunal de commerce"
		ct.Basis = "Débiteur professionnel, tenu pour commerçant ou société commerciale : président du tribunal de commerce (CPC art. 1406). " + where
		ct.Notes = append(ct.Notes, unconfirmed+" Si le débiteur n'est pas commerçant (profession libérale, association, société civile, exploitant agricole), le président du tribunal judiciaire est compétent ; certains tribunaux de commerce sont devenus à titre expérimental des tribunaux des activités économiques.")
	}
	ct.Notes = append(ct.Notes, "Relais ne tient pas d'annuaire des juridictions : cherchez le tribunal dont le ressort comprend "+town+" (annuaire des juridictions, justice.fr) et complétez son adresse.")
	return ct, nil
}

var (
	frPostcode = regexp.MustCompile(`^\d{5}$`)
	// postcodeTown finds "69002 Lyon" (or "69002 LYON CEDEX 02") in an address line.
	postcodeTown = regexp.MustCompile(`(?:^|[\s,])(\d{5})\s+([^\d,\n][^,\n]*)`)
)

// DebtorPlace returns the debtor's French postcode and town: the postcode
// field (or the first five-digit code of the address), and the town the
// address writes after that code. Either is "" when not found.
func DebtorPlace(d *portal.Debtor) (postcode, town string) {
	postcode = strings.ReplaceAll(strings.TrimSpace(d.Postcode), " ", "")
	ms := postcodeTown.FindAllStringSubmatch(d.Address, -1)
	for _, m := range ms {
		if postcode == "" || m[1] == postcode {
			postcode, town = m[1], strings.TrimSpace(m[2])
			break
		}
	}
	if !frPostcode.MatchString(postcode) {
		return "", ""
	}
	return postcode, town
}

// Department is the département of a French postcode: its first two
// digits, three overseas (971 to 976, 98x), 2A or 2B in Corsica.
func Department(postcode string) string {
	switch {
	case len(postcode) != 5:
		return ""
	case strings.HasPrefix(postcode, "97"), strings.HasPrefix(postcode, "98"):
		return postcode[:3]
	case strings.HasPrefix(postcode, "20"):
		if postcode < "20200" {
			return "2A"
		}
		return "2B"
	}
	return postcode[:2]
}

// CheckFR says whether the claim may go to a French injonction de payer
// today, with the reason when it may not:
//   - EINVALID: the claim is not under French law, the debtor lives
//     abroad, or data the request must state is missing (every missing
//     field is named);
//   - ECONFLICT: the claim is not at the stage for it (before the formal
//     notice, or its payment period still running; already in another
//     procedure or past judgment), is disputed, in a payment plan, ended,
//     or nothing is owed.
//
// b is the claim's balance on today.
func CheckFR(c *portal.Claim, b *rules.Balance, today portal.Date) error {
	if c.Jurisdiction != portal.JurisdictionFR {
		return refuseField("jurisdiction", ReasonJurisdictionFR, []string{"Law", string(c.Jurisdiction)}, "The requête en injonction de payer is a French procedure (CPC 1405): this claim is under %s law.", string(c.Jurisdiction))
	}
	if c.Debtor == nil || c.Creditor == nil {
		return refuse(portal.EINVALID, ReasonParties, nil, "The claim has no creditor or no debtor.")
	}
	if ctry := c.Debtor.Country; ctry != "" && ctry != "FR" {
		return refuseField("debtor.country", ReasonDebtorAbroad, []string{"Country", ctry}, "The debtor lives in %s: a French injonction de payer goes to the court where the debtor lives (CPC 1406). For a debtor in another EU member state, use the European order for payment (Regulation 1896/2006).", ctry)
	}
	if err := readyForCourt(c, today, escalation.ProcInjonctionDePayer); err != nil {
		return err
	}
	if missing := missingFR(c); len(missing) > 0 {
		return refuse(portal.EINVALID, ReasonMissing, []string{"Fields", fieldNames(missing)}, "The request cannot be made: missing %s.", strings.Join(missing, "; "))
	}
	return owed(b, today)
}

// missingFR lists, in words with their field names, the data CPC 1407
// (with the mentions of a request, CPC 54 and 57) needs that the claim
// lacks.
func missingFR(c *portal.Claim) []string {
	var out []string
	cr, d := c.Creditor, c.Debtor
	if strings.TrimSpace(cr.LegalName) == "" {
		out = append(out, "the creditor's legal name (creditor.legal_name)")
	}
	if strings.TrimSpace(cr.Address) == "" {
		out = append(out, "the creditor's registered office (creditor.address)")
	}
	if cr.Country == "" || cr.Country == "FR" {
		if _, ok := SIREN(cr.CompanyNumber); !ok {
			if strings.TrimSpace(cr.CompanyNumber) == "" {
				out = append(out, "the creditor's SIREN (creditor.company_number)")
			} else {
				out = append(out, "a valid SIREN or SIRET for the creditor (creditor.company_number "+cr.CompanyNumber+" is not 9 or 14 digits with a valid check digit)")
			}
		}
	} else if strings.TrimSpace(cr.CompanyNumber) == "" {
		out = append(out, "the creditor's company registration number (creditor.company_number)")
	}
	if strings.TrimSpace(d.Name) == "" {
		out = append(out, "the debtor's name (debtor.name)")
	}
	if strings.TrimSpace(d.Address) == "" {
		out = append(out, "the debtor's address (debtor.address)")
	} else if pc, town := DebtorPlace(d); pc == "" || town == "" {
		out = append(out, "the debtor's French postcode and town, which choose the court (debtor.postcode, and debtor.address ending with e.g. \"69002 Lyon\")")
	}
	return out
}

// fieldNames are the field names (in parentheses) of missing's
// descriptions, for the console's words.
func fieldNames(missing []string) string {
	var out []string
	for _, m := range missing {
		if i, j := strings.LastIndex(m, "("), strings.LastIndex(m, ")"); i >= 0 && j > i {
			f := m[i+1 : j]
			if k := strings.IndexAny(f, " :"); k >= 0 {
				f = f[:k]
			}
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

// SIREN returns the 9-digit SIREN of a SIREN or SIRET (spaces and dots
// allowed), and whether it is one: 9 or 14 digits whose SIREN passes the
// Luhn check.
func SIREN(number string) (string, bool) {
	var digits []byte
	for _, r := range number {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == ' ' || r == '.' || r == '\u00a0':
		default:
			return "", false
		}
	}
	if len(digits) != 9 && len(digits) != 14 {
		return "", false
	}
	siren := string(digits[:9])
	if !luhn(siren) {
		return "", false
	}
	return siren, true
}

func luhn(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		n := int(s[i] - '0')
		if (len(s)-1-i)%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// legalForms are the French company forms a legal name may end with.
var legalForms = []string{"SASU", "SAS", "SARL", "EURL", "SA", "SNC", "SCI", "SCOP", "SELARL", "SELAS", "SCP", "SCA", "SCS", "GIE"}

// LegalForm reads the company form from a legal name ("Boulangerie Martin
// SAS", "S.A.R.L. Dupont"); "" when the name does not say it.
func LegalForm(name string) string {
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' }) {
		w = strings.ToUpper(strings.ReplaceAll(w, ".", ""))
		for _, f := range legalForms {
			if w == f {
				return f
			}
		}
	}
	return ""
}

// readyForCourt checks what every court document needs of the claim's
// status and stage: not ended, disputed or in a plan; past the formal
// notice and its payment period; not in another procedure than proc nor
// past judgment (ECONFLICT, with the reason).
func readyForCourt(c *portal.Claim, today portal.Date, proc escalation.Procedure) error {
	switch {
	case escalation.Ended(c.Status):
		return refuse(portal.ECONFLICT, ReasonEnded, []string{"Status", string(c.Status)}, "The claim is %s: there is nothing to take to court.", strings.ReplaceAll(string(c.Status), "_", " "))
	case c.Status == portal.StatusDisputed:
		return refuse(portal.ECONFLICT, ReasonDisputed, nil, "The claim is disputed: resolve the dispute first. A contested debt goes to an action on the merits, not to an order on application.")
	case c.Status == portal.StatusInPlan:
		return refuse(portal.ECONFLICT, ReasonInPlan, nil, "The claim is in a payment plan: end or cancel the plan first.")
	}
	switch c.Stage {
	case portal.StageAmicable:
		return refuse(portal.ECONFLICT, ReasonAmicable, nil, "The claim is at the amicable stage: send the formal notice (mise en demeure) first; the request states the sum it demanded.")
	case portal.StageFormalNotice, portal.StagePreLitigation:
	case portal.StageLitigation:
		if c.Procedure != string(proc) {
			return refuse(portal.ECONFLICT, ReasonOtherProcedure, []string{"Procedure", c.Procedure}, "The claim is already in litigation by %s.", strings.ReplaceAll(c.Procedure, "_", " "))
		}
	default:
		return refuse(portal.ECONFLICT, ReasonJudged, []string{"Stage", string(c.Stage)}, "The claim is at the %s stage: it already has a court decision.", string(c.Stage))
	}
	if c.FormalNoticeOn.IsZero() {
		return refuse(portal.ECONFLICT, ReasonNoFormalNotice, nil, "No formal notice is recorded on this claim: send it (or record its date) first.")
	}
	if end := c.FormalNoticeOn.AddDays(escalation.NoticeDays(c)); !today.After(end) {
		return refuse(portal.ECONFLICT, ReasonNoticeRunning, []string{"Notice", c.FormalNoticeOn.String(), "Until", end.String(), "From", end.AddDays(1).String()}, "The formal notice of %s gives the debtor until %s to pay: the request can be made from %s.", c.FormalNoticeOn, end, end.AddDays(1))
	}
	return nil
}
