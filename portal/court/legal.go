package court

// Rule is a legal rule the court documents rely on, with its source and
// whether Relais's legal reference (/work/shared/LEGAL.md, summarised in
// docs/legal.md) confirms it. The documents print the unverified ones "à
// vérifier" (unconfirmed); court.document_made and GET .../court list
// their IDs, and docs/court.md gives each one's status (a test keeps the
// three in step).
type Rule struct {
	ID string `json:"id"`
	// Rule says it in English.
	Rule   string `json:"rule"`
	Source string `json:"source"`
	// Verified: LEGAL.md confirms it. False: Relais applies it, the
	// creditor or its lawyer checks it.
	Verified bool `json:"verified"`
	// Documents are the documents that rely on it (Documents' names).
	Documents []string `json:"documents"`
}

var (
	frDocs  = []string{"fr-injonction", "bordereau"}
	eopDocs = []string{"eu-form-a"}
	beDocs  = []string{"be-file"}
	allDocs = []string{"fr-injonction", "bordereau", "eu-form-a", "be-file"}
)

// legalRules is the data: one line per rule, its source, and how sure it
// is.
var legalRules = []Rule{
	// France: the injonction de payer. LEGAL.md lists CPC 1405 ff. with
	// 1411, 1416 and 643, not the text of 1405-1407 or 54/57.
	{"fr.procedure", "A claim may be recovered by an injonction de payer; the order must be served within 6 months (CPC 1411), the debtor may oppose within 1 month of service (CPC 1416), 2 more months when abroad (CPC 643).", "CPC 1405 ff., 1411, 1416, 643 (LEGAL.md)", true, frDocs},
	{"fr.cpc1405_contractual", "The claim has a contractual cause and a determined amount.", "CPC 1405 1°", false, frDocs},
	{"fr.cpc1406_place", "The request goes to the court of the place where the debtor (or one of them) lives.", "CPC 1406", false, frDocs},
	{"fr.cpc1406_court_kind", "The president of the tribunal de commerce for a claim against a trader or commercial company, of the tribunal judiciaire otherwise.", "CPC 1406", false, frDocs},
	{"fr.cpc1406_consumer_credit", "A consumer credit claim goes to the juge des contentieux de la protection.", "CPC 1406", false, frDocs},
	{"fr.alsace_moselle", "In the Bas-Rhin, Haut-Rhin and Moselle the commercial chamber of the tribunal judiciaire stands for the tribunal de commerce.", "local law of Alsace-Moselle", false, frDocs},
	{"fr.cpc1407_mentions", "The request states the parties, the exact amount with the breakdown of its elements and the basis of the claim, with the list of the documents produced (bordereau).", "CPC 1407", false, frDocs},
	{"fr.cpc54_57_mentions", "A request names each party: a company by its legal form, registered office and the organ that represents it.", "CPC 54, 57", false, frDocs},
	{"fr.representative_power", "A representative that is neither a lawyer nor a commissaire de justice joins its power of attorney.", "CPC (representation before the court)", false, frDocs},
	{"fr.siren", "A French company is identified by its SIREN (9 digits, Luhn check digit) and its RCS registry.", "INSEE SIREN format; Code de commerce R123-237", false, frDocs},
	{"fr.l441_10", "Between professionals: interest from the day after the due date at the ECB rate + 10 points, EUR 40 per invoice.", "Code de commerce L441-10, D441-5 (LEGAL.md)", true, allDocs},
	{"fr.legal_rate", "Against a consumer: the legal rate from the formal notice, no flat indemnity.", "Code civil 1231-6, 1344-1; CMF L313-2; CPCE L111-8 (LEGAL.md)", true, allDocs},
	// Every document.
	{"court.undisputed", "A contested debt goes to an ordinary action on the merits, not to an order on application or the uncontested procedure.", "LEGAL.md: assignation au fond when the claim is disputed; Code judiciaire 1394/20", true, allDocs},
	{"court.formal_notice", "The court document follows the formal notice and its payment period (the sum it demanded, the deadline it gave).", "Code civil 1344 (LEGAL.md)", true, allDocs},
	{"court.liquid", "The amount is liquid: every part of it can be stated to the day, so no interest stops at a rate not recorded.", "Relais's reading of CPC 1405 (a determined amount) and 1407 (the exact amount)", false, allDocs},
	{"court.due", "Only sums already due are claimed: no invoice still owed falls due later.", "Relais's reading (a claim certain, liquid and due)", false, allDocs},
	// The European order for payment.
	{"eop.procedure", "The European order for payment is for cross-border claims; the defendant has 30 days to oppose.", "Reg. (EC) 1896/2006 (LEGAL.md)", true, eopDocs},
	{"eop.art3_cross_border", "Cross-border: at least one party domiciled in a member state other than the court's; Denmark is not bound.", "Reg. 1896/2006 art. 2(3), 3", false, eopDocs},
	{"eop.jurisdiction_defendant", "The court of the defendant's domicile has jurisdiction; a consumer defendant is sued only where domiciled.", "Reg. 1215/2012 art. 4; Reg. 1896/2006 art. 6(2)", false, eopDocs},
	{"eop.form_a_codes", "Form A's sections 1 to 3 and their codes, as read on EUR-Lex; the code lists of sections 5, 6, 7, 9 and 10 are not read and left to choose.", "Delegated Reg. (EU) 2017/1260, Annex I", false, eopDocs},
	// Belgium.
	{"be.uncontested_b2b", "Uncontested B2B claims: a bailiff's summons to pay; one month to pay or contest; then the claim is made enforceable.", "Code judiciaire 1394/20 ff. (LEGAL.md)", true, beDocs},
	{"be.1394_21_mentions", "The summons' mentions: parties, object and justification, breakdown, account, the one-month term, that the claim can then be made enforceable.", "Code judiciaire 1394/21", false, beDocs},
	{"be.penalty_cap", "In this procedure a penalty clause is capped (10 % of the principal).", "Code judiciaire 1394/21", false, beDocs},
	{"be.law_2002", "Between enterprises: the reference rate from the day after the due date, EUR 40 per invoice.", "Law of 2 August 2002 art. 5, 6 (LEGAL.md)", true, beDocs},
	{"be.book_xix", "A consumer owes no cost before a free first reminder and its 14 days (letter: from the 3rd working day; e-mail: from the next day); damages and interest within the caps and the contract's clauses.", "Code of Economic Law, Book XIX (LEGAL.md)", true, beDocs},
	{"be.enterprise_number", "A Belgian enterprise number is 10 digits, its last two 97 minus the first eight modulo 97.", "Crossroads Bank for Enterprises numbering", false, beDocs},
}

// LegalRules returns every rule (a copy).
func LegalRules() []Rule { return append([]Rule(nil), legalRules...) }

// Unverified lists the IDs of the rules document relies on that LEGAL.md
// does not confirm.
func Unverified(document string) []string {
	out := []string{}
	for _, r := range legalRules {
		if r.Verified {
			continue
		}
		for _, d := range r.Documents {
			if d == document {
				out = append(out, r.ID)
				break
			}
		}
	}
	return out
}
