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

const header = "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount\n"

const goodRows = "R-1,EUR,FR,business,Dupont SARL,fr,75011,F-1,2024-01-01,2024-01-31,1000.00\n" +
	"R-1,EUR,FR,business,Dupont SARL,fr,75011,F-2,2024-02-01,2024-03-01,\"1 234,56\"\n" +
	"R-2,EUR,BE,consumer,Jan Peeters,nl,9000,2024/1,2024-03-01,2024-03-31,99.9\n"

func setup(t *testing.T, dialect string) (*store.DB, string) {
	db := storetest.MustOpen(t, dialect, nil)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "T"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C"}); err != nil {
		t.Fatal(err)
	}
	return db, tn.ID
}

func TestImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := &portal.Tenant{Name: "T"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C"}); err != nil {
			t.Fatal(err)
		}
		n, err := csvimport.Import(ctx, db, tn.ID, strings.NewReader(header+goodRows))
		if err != nil || n != 2 {
			t.Fatalf("import: %d %v", n, err)
		}
		list, _, _ := db.FindClaims(ctx, tn.ID, portal.ClaimFilter{Reference: "R-1"})
		if len(list) != 1 || len(list[0].Invoices) != 2 || list[0].Principal() != 100000+123456 {
			t.Fatalf("R-1: %+v", list)
		}
		list, _, _ = db.FindClaims(ctx, tn.ID, portal.ClaimFilter{Reference: "R-2"})
		if len(list) != 1 || list[0].Invoices[0].Amount != 9990 || list[0].Debtor.Kind != portal.DebtorConsumer {
			t.Fatalf("R-2: %+v", list[0])
		}
	})
}

// TestBadRows: each bad row kind is reported with its line and reason, and
// nothing at all is imported, good rows included.
func TestBadRows(t *testing.T) {
	db, tenant := setup(t, store.SQLite)
	ctx := context.Background()
	if _, err := csvimport.Import(ctx, db, tenant, strings.NewReader(header+"EXIST,EUR,FR,business,X,fr,1000,F-1,2024-01-01,2024-01-31,10\n")); err != nil {
		t.Fatal(err)
	}
	good := "OK-1,EUR,FR,business,Good,fr,75011,F-1,2024-01-01,2024-01-31,10.00\n"
	cases := []struct {
		name, file string
		line       int
		want       string
	}{
		{"missing column", "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,invoice_number,issue_date,due_date\n" + good, 1, `missing column "amount"`},
		{"missing value", header + good + "R-3,EUR,FR,business,,fr,75011,F-1,2024-01-01,2024-01-31,10.00\n", 3, "missing debtor_name"},
		{"bad amount", header + good + "R-3,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,\"12,5O\"\n", 3, `amount "12,5O" is not a number`},
		{"negative amount", header + good + "R-3,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,-5\n", 3, "must be positive"},
		{"unknown currency", header + good + "R-3,EUX,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,10\n", 3, `unknown currency "EUX"`},
		{"due before issue", header + good + "R-3,EUR,FR,business,X,fr,75011,F-1,2024-02-01,2024-01-31,10\n", 3, "due date 2024-01-31 is before issue date 2024-02-01"},
		{"bad date", header + good + "R-3,EUR,FR,business,X,fr,75011,F-1,31/01/2024,2024-01-31,10\n", 3, `issue_date "31/01/2024" is not a date`},
		{"duplicate reference", header + good + "EXIST,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,10\n", 3, `duplicate reference "EXIST"`},
		{"unknown jurisdiction", header + good + "R-3,EUR,DE,business,X,fr,75011,F-1,2024-01-01,2024-01-31,10\n", 3, `unknown jurisdiction "DE"`},
		{"inconsistent claim rows", header + good + "OK-1,EUR,FR,business,Other name,fr,75011,F-2,2024-01-01,2024-01-31,10\n", 3, "debtor_name differs"},
		{"duplicate invoice", header + good + "OK-1,EUR,FR,business,Good,fr,75011,F-1,2024-01-01,2024-01-31,10\n", 2, `invoice number "F-1" appears twice`},
		{"bad language", header + good + "R-3,EUR,FR,business,X,es,75011,F-1,2024-01-01,2024-01-31,10\n", 3, "debtor.language"},
		{"short row", header + good + "R-3,EUR\n", 3, "the row has 2 columns"},
		{"unquoted decimal comma", header + good + "R-3,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,12,50\n", 3, "the row has 12 columns, the header has 11"},
		{"empty", "", 1, "header row is required"},
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
				if l.Line == tc.line && strings.Contains(l.Message, tc.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want line %d %q, got %v", tc.line, tc.want, lines)
			}
			if list, _, _ := db.FindClaims(ctx, tenant, portal.ClaimFilter{Reference: "OK-1"}); len(list) != 0 {
				t.Fatalf("good row imported despite a bad one")
			}
		})
	}
}

func TestParseAmountFormats(t *testing.T) {
	for in, want := range map[string]int64{"12.50": 1250, "12,5": 1250, "1 234,56": 123456, "1.234,56": 123456, "1,234.56": 123456, "7": 700, "0.01": 1} {
		got, err := portal.ParseAmount(in, 2)
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"12,5O", "", "1e5", "12.345.6x", "--1", "€12"} {
		if _, err := portal.ParseAmount(in, 2); err == nil {
			t.Errorf("ParseAmount(%q) accepted", in)
		}
	}
}

// A huge bad cell is quoted shortened in its error, not copied whole.
func TestErrorsQuoteCellsShort(t *testing.T) {
	huge := strings.Repeat("9x", 1<<20)
	_, lines := csvimport.Parse(strings.NewReader(header+"R-1,EUR,FR,business,Dupont,fr,75011,F-1,2024-01-01,2024-01-31,"+huge+"\n"), portal.Date{})
	if len(lines) != 1 || lines[0].Field != "amount" || len(lines[0].Message) > 200 || !strings.Contains(lines[0].Message, "9x9x") {
		t.Fatalf("errors: %v", lines)
	}
}
