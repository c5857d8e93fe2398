package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

func TestLinksAndRatesCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	code, tenant, errOut := runCLI(t, "tenant", "add", "--database-url", db, "--name", "Agence X")
	tenant = strings.TrimSpace(tenant)
	if code != 0 {
		t.Fatalf("tenant add: %d %q", code, errOut)
	}
	csv := filepath.Join(dir, "claims.csv")
	os.WriteFile(csv, []byte("reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,invoice_number,issue_date,due_date,amount\n"+
		"A-1,EUR,FR,business,Dupont,fr,F-1,2024-01-01,2024-01-31,10.00\n"), 0o600)
	if code, _, errOut := runCLI(t, "claims", "import", "--database-url", db, "--tenant", tenant, csv); code != 0 {
		t.Fatalf("import: %q", errOut)
	}
	s, err := store.Open(db, store.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	claims, _, err := s.FindClaims(context.Background(), tenant, portal.ClaimFilter{})
	s.Close()
	if err != nil || len(claims) != 1 {
		t.Fatal(err, claims)
	}
	code, out, errOut := runCLI(t, "links", "issue", "--database-url", db, "--base-url", "https://pay.example", "--tenant", tenant, "--claim", claims[0].ID, "--channel", "sms")
	if code != 0 || !regexp.MustCompile(`^https://pay\.example/p/[a-z2-7]{26}\n$`).MatchString(out) {
		t.Fatalf("links issue must print the URL alone: %d %q %q", code, out, errOut)
	}
	token := strings.TrimSpace(out[strings.LastIndex(out, "/")+1:])
	if strings.Contains(errOut, token) || !strings.Contains(errOut, "(sms)") {
		t.Fatalf("stderr %q", errOut)
	}
	if code, _, errOut := runCLI(t, "links", "issue", "--database-url", db, "--tenant", tenant, "--claim", claims[0].ID, "--channel", "fax"); code != 1 || !strings.Contains(errOut, "channel must be letter, sms or email") {
		t.Fatalf("bad channel: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "links", "issue", "--database-url", db, "--tenant", "nope", "--claim", claims[0].ID); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("other tenant: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "links"); code != 2 {
		t.Fatalf("links without subcommand: %d", code)
	}

	code, out, _ = runCLI(t, "rates", "--at", "2026-03-01")
	if code != 0 || !strings.Contains(out, "fr_b2b  OK") || !strings.Contains(out, "2026-01-01 to 2026-06-30") || !strings.Contains(out, "Every series has a rate for 2026-03-01") {
		t.Fatalf("rates: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "rates", "--at", "2031-03-01")
	if code != 0 || !strings.Contains(out, "fr_b2b  MISSING") || !strings.Contains(out, "missing: 2026-07-01 to 2031-03-01") || !strings.Contains(out, "--rates-file") {
		t.Fatalf("rates in 2031: %d %s", code, out)
	}
	extra := filepath.Join(dir, "rates.json")
	os.WriteFile(extra, []byte(`{"format":"relais-rates/1","series":[{"name":"fr_b2b","periods":[{"period":"2026-H2","rate_bp":1200,"status":"likely","source":"test"}]}]}`), 0o600)
	code, out, _ = runCLI(t, "rates", "--at", "2026-09-01", "--rates-file", extra)
	if code != 0 || !strings.Contains(out, "fr_b2b  OK") || !strings.Contains(out, "12.00 %  likely") || !strings.Contains(out, "["+extra+"]") {
		t.Fatalf("rates with a file: %d %s", code, out)
	}
	os.WriteFile(extra, []byte(`{"format":"nope"}`), 0o600)
	if code, _, errOut := runCLI(t, "rates", "--rates-file", extra); code != 1 || !strings.Contains(errOut, "format") {
		t.Fatalf("bad rates file: %d %q", code, errOut)
	}
}

// TestDemoLinks follows every printed demo link through the identity
// check, and for consumers the one-time code the demo prints, to the claim
// page, in the debtor's language.
func TestDemoLinks(t *testing.T) {
	var mails bytes.Buffer
	cfg := config{DatabaseURL: filepath.Join(t.TempDir(), "demo.db"), BaseURL: "http://demo.test", LinkTTL: portal.DefaultLinkTTL,
		KeyFile: filepath.Join(t.TempDir(), "k"), codeMail: &demoMailer{w: &mails}}
	ctx := context.Background()
	a, err := build(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	seed, err := seedDemo(ctx, a.db)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := a.printDemoLinks(ctx, &out, seed); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s+(\S+)\s.*\s(fr|nl|en|de)\s+http://demo\.test(/p/[a-z2-7]{26})\s+\((?:postcode|customer number|birth date|invoice number) ([^),]+)(, then the code sent to \S+)?\)$`)
	matches := line.FindAllStringSubmatch(out.String(), -1)
	if len(matches) != len(seed.claims) {
		t.Fatalf("%d links for %d claims:\n%s", len(matches), len(seed.claims), out.String())
	}
	langs := map[string]bool{}
	codes := 0
	for _, m := range matches {
		ref, lang, path, answer, coded := m[1], m[2], m[3], m[4], m[5] != ""
		langs[lang] = true
		cookies := map[string]string{}
		do := func(req *http.Request) (int, string) {
			for k, v := range cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			resp, err := a.server.App().Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			for _, c := range resp.Cookies() {
				cookies[c.Name] = c.Value
			}
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if status, _ := do(httptest.NewRequest("GET", path, nil)); status != 303 {
			t.Fatalf("%s: open %d", ref, status)
		}
		_, form := do(httptest.NewRequest("GET", "/p", nil))
		csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(form)
		if csrf == nil {
			t.Fatalf("%s: no identity form: %s", ref, form)
		}
		req := httptest.NewRequest("POST", "/p/identity", strings.NewReader(url.Values{"csrf": {csrf[1]}, "answer": {answer}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if status, body := do(req); status != 303 {
			t.Fatalf("%s: identity with %q: %d %s", ref, answer, status, body)
		}
		if coded {
			codes++
			// The code is the last six digits the demo printed.
			all := regexp.MustCompile(`: .*? ([0-9]{6})\n`).FindAllStringSubmatch(mails.String(), -1)
			if len(all) != codes {
				t.Fatalf("%s: %d codes printed, want %d:\n%s", ref, len(all), codes, mails.String())
			}
			req := httptest.NewRequest("POST", "/p/code", strings.NewReader(url.Values{"csrf": {csrf[1]}, "code": {all[len(all)-1][1]}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if status, body := do(req); status != 303 {
				t.Fatalf("%s: code: %d %s", ref, status, body)
			}
		}
		status, page := do(httptest.NewRequest("GET", "/p", nil))
		if status != 200 || !strings.Contains(page, ref) || !strings.Contains(page, `<html lang="`+lang+`">`) {
			t.Fatalf("%s: claim page %d in %s:\n%s", ref, status, lang, page)
		}
	}
	if len(langs) != 4 {
		t.Errorf("demo links cover languages %v, want all four", langs)
	}
	if codes != 3 {
		t.Errorf("%d demo claims asked for a code, want the 3 consumers", codes)
	}
}
