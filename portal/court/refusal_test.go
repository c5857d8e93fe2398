package court_test

import (
	"os"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/rules"
)

// TestRefusalReasons: every refusal of the three checks carries its
// reason's key and values (what the console words), the status its code
// gives, and every reason is reached by one case.
func TestRefusalReasons(t *testing.T) {
	check := map[string]func(*portal.Claim, *rules.Balance, portal.Date) error{"fr": court.CheckFR, "eop": court.CheckEOP, "be": court.CheckBE}
	belgian := func(c *portal.Claim) {
		c.Jurisdiction, c.Debtor.Country, c.Debtor.Address, c.Debtor.Postcode = portal.JurisdictionBE, "BE", "Rue Neuve 1, 1000 Bruxelles", "1000"
		c.Creditor.Country, c.Creditor.CompanyNumber = "BE", "0403.170.701"
	}
	german := func(c *portal.Claim) {
		c.Debtor.Country, c.Debtor.Address, c.Debtor.Postcode = "DE", "Invalidenstraße 1, 10115 Berlin", "10115"
	}
	seen := map[string]bool{}
	for name, tc := range map[string]struct {
		check  string
		day    string
		edit   func(*portal.Claim)
		code   string
		reason string
		args   []string
	}{
		"jurisdiction_fr":  {"fr", "2024-06-30", belgian, portal.EINVALID, court.ReasonJurisdictionFR, []string{"Law", "BE"}},
		"jurisdiction_be":  {"be", "2024-06-30", func(*portal.Claim) {}, portal.EINVALID, court.ReasonJurisdictionBE, []string{"Law", "FR"}},
		"parties":          {"eop", "2024-06-30", func(c *portal.Claim) { c.Debtor = nil }, portal.EINVALID, court.ReasonParties, nil},
		"debtor_abroad":    {"fr", "2024-06-30", german, portal.EINVALID, court.ReasonDebtorAbroad, []string{"Country", "DE"}},
		"eop_no_country":   {"eop", "2024-06-30", func(c *portal.Claim) { c.Debtor.Country = "" }, portal.EINVALID, court.ReasonNoCountry, nil},
		"eop_not_member":   {"eop", "2024-06-30", func(c *portal.Claim) { c.Debtor.Country = "DK" }, portal.EINVALID, court.ReasonNotMember, []string{"Country", "DK"}},
		"eop_same_country": {"eop", "2024-06-30", func(*portal.Claim) {}, portal.EINVALID, court.ReasonSameCountry, []string{"Country", "FR"}},
		"ended":            {"fr", "2024-06-30", func(c *portal.Claim) { c.Status = portal.StatusWrittenOff }, portal.ECONFLICT, court.ReasonEnded, []string{"Status", "written_off"}},
		"disputed":         {"eop", "2024-06-30", func(c *portal.Claim) { german(c); c.Status = portal.StatusDisputed }, portal.ECONFLICT, court.ReasonDisputed, nil},
		"in_plan":          {"fr", "2024-06-30", func(c *portal.Claim) { c.Status = portal.StatusInPlan }, portal.ECONFLICT, court.ReasonInPlan, nil},
		"amicable":         {"fr", "2024-06-30", func(c *portal.Claim) { c.Stage = portal.StageAmicable }, portal.ECONFLICT, court.ReasonAmicable, nil},
		"other_procedure": {"fr", "2024-06-30", func(c *portal.Claim) { c.Stage, c.Procedure = portal.StageLitigation, "refere_provision" },
			portal.ECONFLICT, court.ReasonOtherProcedure, []string{"Procedure", "refere_provision"}},
		"judged": {"fr", "2024-06-30", func(c *portal.Claim) { c.Stage = portal.StageEnforcement }, portal.ECONFLICT, court.ReasonJudged, []string{"Stage", "enforcement"}},
		// A French consumer put in pre-litigation without a formal notice.
		"no_formal_notice": {"fr", "2024-06-30", func(c *portal.Claim) {
			c.Debtor.Kind, c.Stage, c.FormalNoticeOn = portal.DebtorConsumer, portal.StagePreLitigation, portal.Date{}
		}, portal.ECONFLICT, court.ReasonNoFormalNotice, nil},
		"notice_running": {"fr", "2024-06-05", func(*portal.Claim) {}, portal.ECONFLICT, court.ReasonNoticeRunning,
			[]string{"Notice", "2024-06-01", "Until", "2024-06-09", "From", "2024-06-10"}},
		"be_no_first_reminder": {"be", "2024-06-30", func(c *portal.Claim) { belgian(c); c.Debtor.Kind = portal.DebtorConsumer }, portal.ECONFLICT, court.ReasonFirstReminder, nil},
		// An e-mail on 2024-06-20: the 14 days count from the next day (escalation.BEConsumerFreePeriod).
		"be_free_period": {"be", "2024-06-30", func(c *portal.Claim) {
			belgian(c)
			c.Debtor.Kind, c.FirstReminderOn, c.FirstReminderChannel = portal.DebtorConsumer, d("2024-06-20"), "email"
		}, portal.ECONFLICT, court.ReasonFreePeriod, []string{"Until", "2024-07-05", "From", "2024-07-06"}},
		"missing": {"fr", "2024-06-30", func(c *portal.Claim) { c.Creditor.CompanyNumber, c.Debtor.Name = "", "" }, portal.EINVALID, court.ReasonMissing,
			[]string{"Fields", "creditor.company_number, debtor.name"}},
		"nothing_owed": {"fr", "2024-06-30", func(c *portal.Claim) {
			c.CreditNotes = []*portal.CreditNote{{Number: "AV-1", IssueDate: d("2024-02-01"), Amount: 100_000}}
			c.Debtor.Kind = portal.DebtorConsumer
		}, portal.ECONFLICT, court.ReasonNothingOwed, nil},
		// No rate is recorded for the second half of 2026.
		"not_liquid": {"eop", "2026-08-15", german, portal.ECONFLICT, court.ReasonNotLiquid, []string{"Series", "fr_b2b", "From", "2026-07-01", "To", "2026-06-30"}},
		"not_due": {"be", "2024-06-30", func(c *portal.Claim) {
			belgian(c)
			c.Invoices = append(c.Invoices, &portal.Invoice{ID: "inv2", Number: "F-2024-0099", IssueDate: d("2024-06-01"), DueDate: d("2024-07-31"), Amount: 5_000})
		}, portal.ECONFLICT, court.ReasonNotDue, []string{"Invoice", "F-2024-0099", "Due", "2024-07-31"}},
	} {
		t.Run(name, func(t *testing.T) {
			c := b2bClaim()
			tc.edit(c)
			today := d(tc.day)
			var b *rules.Balance
			if c.Debtor != nil {
				b = balance(t, c, today)
			}
			err := check[tc.check](c, b, today)
			r := court.ReasonOf(err)
			if r == nil || portal.ErrorCode(err) != tc.code || r.Reason != tc.reason || strings.Join(r.Args, "|") != strings.Join(tc.args, "|") {
				t.Fatalf("%v: reason %+v, want %s %s %v", err, r, tc.code, tc.reason, tc.args)
			}
			seen[r.Reason] = true
		})
	}
	for _, r := range court.Reasons() {
		if !seen[r] {
			t.Errorf("no case reaches reason %s", r)
		}
	}
}

// TestLegalRulesDocumented: docs/court.md lists every rule the documents
// rely on, "confirmed" or "*unconfirmed*" as the data says, and the
// unverified ones are what each document reports.
func TestLegalRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/court.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	for _, r := range court.LegalRules() {
		var row string
		for _, l := range lines {
			if strings.HasPrefix(l, "| `"+r.ID+"` |") {
				row = l
			}
		}
		switch {
		case row == "":
			t.Errorf("docs/court.md has no row for rule %s", r.ID)
		case r.Verified && !strings.Contains(row, "| confirmed |"):
			t.Errorf("rule %s is confirmed, docs say: %s", r.ID, row)
		case !r.Verified && !strings.Contains(row, "| *unconfirmed* |"):
			t.Errorf("rule %s is unconfirmed, docs say: %s", r.ID, row)
		}
	}
	if u := court.Unverified("eu-form-a"); len(u) == 0 || strings.Join(u, ",") == strings.Join(court.Unverified("fr-injonction"), ",") {
		t.Errorf("unverified rules of Form A: %v", u)
	}
	for _, id := range court.Unverified("be-file") {
		if strings.HasPrefix(id, "fr.cpc") || strings.HasPrefix(id, "eop.") {
			t.Errorf("the Belgian file relies on %s", id)
		}
	}
}
