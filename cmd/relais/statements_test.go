package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

func TestStatementsImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	code, tenant, errOut := runCLI(t, "tenant", "add", "--database-url", db, "--name", "Agence X", "--creditor", "Agence X SAS")
	tenant = strings.TrimSpace(tenant)
	if code != 0 {
		t.Fatalf("tenant add: %d %q", code, errOut)
	}
	claims := filepath.Join(dir, "claims.csv")
	os.WriteFile(claims, []byte("reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,invoice_number,issue_date,due_date,amount\n"+
		"A-1,EUR,FR,business,Dupont,fr,F-1,2024-01-01,2024-01-31,100.00\n"), 0o600)
	if code, _, errOut := runCLI(t, "claims", "import", "--database-url", db, "--tenant", tenant, claims); code != 0 {
		t.Fatalf("claims import: %q", errOut)
	}
	ctx := context.Background()
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, _, err := s.FindClaims(ctx, tenant, portal.ClaimFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("claims %v %v", list, err)
	}
	ref, err := s.ClaimPaymentReference(ctx, tenant, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	stmt := filepath.Join(dir, "statement.csv")
	os.WriteFile(stmt, []byte("date,amount,currency,reference,counterparty_name,counterparty_iban,bank_ref\n"+
		"2024-03-01,40.00,EUR,"+ref.Printed+",Dupont,,X-1\n2024-03-01,5.00,EUR,?,Nobody,,X-2\n"), 0o600)
	code, out, errOut := runCLI(t, "statements", "import", "--database-url", db, "--tenant", tenant, stmt)
	if code != 0 || !strings.Contains(out, "2 lines (0 imported before): 1 matched, 0 suggested, 1 unmatched") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	if code, out, _ = runCLI(t, "statements", "import", "--database-url", db, "--tenant", tenant, stmt); code != 0 || !strings.Contains(out, "nothing new") {
		t.Fatalf("second import: %d %q", code, out)
	}
	c, err := s.FindClaim(ctx, tenant, list[0].ID)
	if err != nil || len(c.Payments) != 1 || c.Payments[0].Amount != 4000 {
		t.Fatalf("payments %+v %v", c, err)
	}
	if code, _, errOut = runCLI(t, "statements", "import", "--database-url", db, "--tenant", tenant, filepath.Join(dir, "x.pdf")); code != 1 || !strings.Contains(errOut, "--format") {
		t.Fatalf("unknown format: %d %q", code, errOut)
	}
	if code, _, _ = runCLI(t, "statements", "import", "--database-url", db, stmt); code != 2 {
		t.Fatalf("without --tenant: %d", code)
	}
}
