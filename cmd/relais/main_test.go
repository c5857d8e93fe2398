package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("--help does not list %q", c.name)
		}
	}
	if code, _, errOut := runCLI(t, "nonsense"); code != 2 || !strings.Contains(errOut, `unknown command "nonsense"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	code, out, errOut := runCLI(t, "migrate", "status", "--database-url", db)
	if code != 0 || !strings.Contains(out, "schema version: 0") {
		t.Fatalf("status before: %d %q %q", code, out, errOut)
	}
	if code, out, _ = runCLI(t, "migrate", "up", "--database-url", db); code != 0 || !strings.Contains(out, "pending: []") {
		t.Fatalf("up: %d %q", code, out)
	}
	code, tenant, errOut := runCLI(t, "tenant", "add", "--database-url", db, "--name", "Agence X")
	tenant = strings.TrimSpace(tenant)
	if code != 0 || len(tenant) != 26 {
		t.Fatalf("tenant add: %d %q %q", code, tenant, errOut)
	}
	code, key, errOut := runCLI(t, "apikey", "create", "--database-url", db, "--tenant", tenant)
	if code != 0 || !regexp.MustCompile(`^rls_[a-z2-7]{8}_[a-z2-7]{32}\n$`).MatchString(key) {
		t.Fatalf("apikey create must print the key alone: %d %q %q", code, key, errOut)
	}
	if strings.Contains(errOut, strings.TrimSpace(key)) {
		t.Fatal("key printed to stderr too")
	}
	csv := filepath.Join(dir, "claims.csv")
	os.WriteFile(csv, []byte("reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,invoice_number,issue_date,due_date,amount\n"+
		"A-1,EUR,FR,business,Dupont,fr,F-1,2024-01-01,2024-01-31,10.00\nA-2,EUR,FR,business,Durand,fr,F-1,2024-01-01,2024-01-31,\"12,5O\"\n"), 0o600)
	code, _, errOut = runCLI(t, "claims", "import", "--database-url", db, "--tenant", tenant, csv)
	if code != 1 || !strings.Contains(errOut, "claims.csv:line 3:") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("bad import: %d %q", code, errOut)
	}
	os.WriteFile(csv, []byte("reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,invoice_number,issue_date,due_date,amount\n"+
		"A-1,EUR,FR,business,Dupont,fr,F-1,2024-01-01,2024-01-31,10.00\n"), 0o600)
	if code, out, errOut = runCLI(t, "claims", "import", "--database-url", db, "--tenant", tenant, csv); code != 0 || out != "imported 1 claims\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	t.Setenv("RELAIS_PASSWORD", "a long enough password")
	if code, _, errOut = runCLI(t, "user", "add", "--database-url", db, "--tenant", tenant, "--email", "a@x.test", "--role", "agent"); code != 0 {
		t.Fatalf("user add: %q", errOut)
	}
	if code, _, errOut = runCLI(t, "user", "add", "--database-url", db, "--tenant", tenant, "--email", "b@x.test", "--role", "king"); code != 1 || !strings.Contains(errOut, "role must be") {
		t.Fatalf("bad role: %d %q", code, errOut)
	}
}
