package csvimport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/csvimport"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// termsHeader adds the claim-level columns of the contract's terms and of
// a first reminder sent before Relais.
const termsHeader = "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount," +
	"contract_rate,damages_clause,prescription,first_reminder_on,first_reminder_channel\n"

// TestImportTerms: the contract's interest and damages clauses, the
// Belgian prescription and a first reminder sent before Relais are read,
// stored, and the reminder covers the invoices already due on its day
// (storetest's clock: 2024-06-30).
func TestImportTerms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := &portal.Tenant{Name: "T"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C"}); err != nil {
			t.Fatal(err)
		}
		file := termsHeader +
			// A first reminder posted on 2024-04-10 covers B-1 (due
			// 2024-03-31), not B-2 (due 2024-04-30, after it).
			"BE-1,EUR,BE,consumer,Jan Peeters,nl,9000,B-1,2024-03-01,2024-03-31,100.00,\"8,50\",ja,goods_to_consumer,2024-04-10,Letter\n" +
			"BE-1,EUR,BE,consumer,Jan Peeters,nl,9000,B-2,2024-04-01,2024-04-30,50.00,\"8,50\",ja,goods_to_consumer,2024-04-10,Letter\n" +
			"BE-2,EUR,BE,consumer,An Claes,nl,2000,B-3,2024-03-01,2024-03-31,10.00,,non,,2024-06-30,email\n" +
			"FR-1,EUR,FR,business,Dupont SARL,fr,75011,F-1,2024-01-01,2024-01-31,10.00,,,,,\n"
		if n, err := csvimport.Import(ctx, db, tn.ID, strings.NewReader(file)); err != nil || n != 3 {
			t.Fatalf("import: %d %v", n, err)
		}
		find := func(ref string) *portal.Claim {
			t.Helper()
			list, _, err := db.FindClaims(ctx, tn.ID, portal.ClaimFilter{Reference: ref})
			if err != nil || len(list) != 1 {
				t.Fatalf("%s: %v %v", ref, list, err)
			}
			c, err := db.FindClaim(ctx, tn.ID, list[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		be := find("BE-1")
		if be.ContractRateBP == nil || *be.ContractRateBP != 850 || !be.DamagesClause || be.Prescription != portal.PrescriptionGoodsToConsumer ||
			be.FirstReminderOn != portal.MustDate("2024-04-10") || be.FirstReminderChannel != "letter" {
			t.Fatalf("BE-1 terms: rate %v damages %v prescription %q reminder %s %q", be.ContractRateBP, be.DamagesClause, be.Prescription, be.FirstReminderOn, be.FirstReminderChannel)
		}
		if inv := be.Invoices[0]; inv.Number != "B-1" || inv.FirstReminderOn != portal.MustDate("2024-04-10") || inv.FirstReminderChannel != "letter" {
			t.Fatalf("B-1 not covered by the reminder: %+v", inv)
		}
		if inv := be.Invoices[1]; inv.Number != "B-2" || !inv.FirstReminderOn.IsZero() || inv.FirstReminderChannel != "" {
			t.Fatalf("B-2, due after the reminder, covered: %+v", inv)
		}
		evs, _ := db.ListEvents(ctx, tn.ID, be.ID, 0, 0)
		if len(evs) != 1 || evs[0].Kind != portal.EventClaimCreated ||
			!strings.Contains(evs[0].Payload, `"first_reminder_on":"2024-04-10"`) || !strings.Contains(evs[0].Payload, `"first_reminder_channel":"letter"`) ||
			!strings.Contains(evs[0].Payload, `"damages_clause":true`) || !strings.Contains(evs[0].Payload, `"contract_rate_bp":850`) {
			t.Fatalf("claim.created: %+v", evs)
		}
		// A reminder e-mailed today is not in the future.
		if c := find("BE-2"); c.ContractRateBP != nil || c.DamagesClause || c.FirstReminderChannel != "email" || c.Invoices[0].FirstReminderChannel != "email" {
			t.Fatalf("BE-2: %+v", c)
		}
		if c := find("FR-1"); c.ContractRateBP != nil || c.DamagesClause || c.Prescription != "" || !c.FirstReminderOn.IsZero() || !c.Invoices[0].FirstReminderOn.IsZero() {
			t.Fatalf("FR-1 without terms: %+v", c)
		}
	})
}

// TestBadTermRows: each bad claim-level term is reported with its line and
// column, and nothing is imported.
func TestBadTermRows(t *testing.T) {
	db, tenant := setup(t, store.SQLite) // today: 2024-06-30
	ctx := context.Background()
	good := "OK-1,EUR,BE,consumer,Good,nl,9000,B-1,2024-01-01,2024-01-31,10.00,8.50,yes,personal,2024-02-15,email\n"
	row := func(terms string) string {
		return "R-3,EUR,BE,consumer,X,nl,9000,B-1,2024-01-01,2024-01-31,10.00," + terms + "\n"
	}
	cases := []struct {
		name, file string
		line       int
		field      string
		want       string
	}{
		{"rate not a number", termsHeader + good + row("8.5.0,,,,"), 3, "contract_rate", `contract_rate "8.5.0" must be a yearly percentage`},
		{"rate with three decimals", termsHeader + good + row("8.505,,,,"), 3, "contract_rate", "at most two decimals"},
		{"rate above 100", termsHeader + good + row("150,,,,"), 3, "contract_rate", "from 0 to 100"},
		{"damages clause", termsHeader + good + row(",maybe,,,"), 3, "damages_clause", `damages_clause "maybe" must be true or false`},
		{"prescription unknown", termsHeader + good + row(",,forever,,"), 3, "prescription", "personal, goods_to_consumer or periodic"},
		{"prescription of a French claim", termsHeader + good +
			"R-3,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,10.00,,,personal,,\n", 3, "prescription", "Belgian claims only"},
		{"reminder not a date", termsHeader + good + row(",,,15/02/2024,letter"), 3, "first_reminder_on", `first_reminder_on "15/02/2024" is not a date`},
		{"reminder in the future", termsHeader + good + row(",,,2024-07-01,letter"), 3, "first_reminder_on", "2024-07-01 is in the future"},
		{"reminder without channel", termsHeader + good + row(",,,2024-02-15,"), 3, "first_reminder_channel", "missing first_reminder_channel"},
		{"reminder by sms", termsHeader + good + row(",,,2024-02-15,sms"), 3, "first_reminder_channel", `"sms" must be letter or email`},
		{"channel without reminder", termsHeader + good + row(",,,,letter"), 3, "first_reminder_on", "missing first_reminder_on"},
		{"reminder before anything fell due", termsHeader + good + row(",,,2024-01-31,letter"), 3, "first_reminder_on", "not after the due date of any invoice"},
		{"terms differ between rows", termsHeader + good +
			"OK-1,EUR,BE,consumer,Good,nl,9000,B-2,2024-01-01,2024-01-31,10.00,8.50,no,personal,2024-02-15,email\n", 3, "damages_clause", "damages_clause differs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := csvimport.Import(ctx, db, tenant, strings.NewReader(tc.file))
			lines := csvimport.LineErrors(err)
			if n != 0 || len(lines) == 0 {
				t.Fatalf("want line errors, got n=%d err=%v", n, err)
			}
			found := false
			for _, l := range lines {
				if l.Line == tc.line && l.Field == tc.field && strings.Contains(l.Message, tc.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want line %d %s %q, got %v", tc.line, tc.field, tc.want, lines)
			}
			if list, _, _ := db.FindClaims(ctx, tenant, portal.ClaimFilter{Reference: "OK-1"}); len(list) != 0 {
				t.Fatalf("good row imported despite a bad one")
			}
		})
	}
}

// TestParseReminderDay: Parse bounds the first reminder by the day it is
// given; the store refuses a future one whatever the caller.
func TestParseReminderDay(t *testing.T) {
	file := termsHeader + "R-1,EUR,BE,consumer,X,nl,9000,B-1,2024-01-01,2024-01-31,10.00,,,,2024-03-01,letter\n"
	if _, errs := csvimport.Parse(strings.NewReader(file), portal.MustDate("2024-02-29")); len(errs) != 1 || errs[0].Field != "first_reminder_on" {
		t.Fatalf("future reminder: %v", errs)
	}
	parsed, errs := csvimport.Parse(strings.NewReader(file), portal.MustDate("2024-03-01"))
	if errs != nil || len(parsed) != 1 || parsed[0].Claim.FirstReminderOn != portal.MustDate("2024-03-01") {
		t.Fatalf("reminder of today: %v %v", parsed, errs)
	}
	db, tenant := setup(t, store.SQLite) // today: 2024-06-30
	c := parsed[0].Claim
	c.FirstReminderOn = portal.MustDate("2024-07-01")
	if err := db.CreateClaim(context.Background(), tenant, c); portal.ErrorField(err) != "first_reminder_on" {
		t.Fatalf("store took a future first reminder: %v", err)
	}
}
