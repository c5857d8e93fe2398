package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

// listenAPI serves an API environment with cfg over a real listener (the
// limits apply while the body streams in, which app.Test does not show).
func listenAPI(t *testing.T, cfg Config) (*apiEnv, *Server, string) {
	t.Helper()
	e := newAPIEnv(t, store.SQLite)
	cfg.BaseURL = "http://relais.test"
	srv := New(cfg, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Logger: e.srv.log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.Shutdown(time.Second) })
	return e, srv, "http://" + ln.Addr().String()
}

type answer struct {
	status int
	header http.Header
	body   string
}

// send posts body (of size bytes; -1: sent chunked) with the headers given
// as name, value pairs.
func send(t *testing.T, url string, body io.Reader, size int, headers ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, io.NopCloser(body))
	if size >= 0 {
		req.ContentLength = int64(size)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

func (a answer) want(t *testing.T, status int, says ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %.300s", a.status, status, a.body)
	}
	for _, s := range says {
		if !strings.Contains(a.body, s) {
			t.Fatalf("answer %.300q does not say %q", a.body, s)
		}
	}
}

// TestBodyLimitRoutes: each route has its limit, checked before the body
// is read; only the uploads take megabytes.
func TestBodyLimitRoutes(t *testing.T) {
	e, _, base := listenAPI(t, Config{})
	auth := "Bearer " + e.keyA
	claim := fmt.Sprintf(validClaimJSON, "CHUNKED")
	claims := func() int {
		_, body := e.do(t, "GET", "/api/v1/claims", e.keyA, "", "")
		return len(body["claims"].([]any))
	}
	before := claims()
	for path := range uploadLimits {
		found := false
		for _, r := range e.srv.App().GetRoutes() {
			found = found || r.Method == "POST" && r.Path == path
		}
		if !found {
			t.Errorf("upload limit of %s, which is no route", path)
		}
	}

	t.Run("JSON", func(t *testing.T) {
		big := `{"reference":"` + strings.Repeat("x", 2<<20) + `"}`
		send(t, base+"/api/v1/claims", strings.NewReader(big), len(big), "Authorization", auth, "Content-Type", "application/json").
			want(t, 413, "too_large", "larger than 1 MiB")
		// Chunked, the limit is counted as the body arrives.
		send(t, base+"/api/v1/claims", strings.NewReader(big), -1, "Authorization", auth, "Content-Type", "application/json").
			want(t, 413, "too_large", "larger than 1 MiB")
		send(t, base+"/api/v1/claims", strings.NewReader(claim), -1, "Authorization", auth, "Content-Type", "application/json").
			want(t, 201)
		send(t, base+"/api/v1/claims", strings.NewReader(claim), len(claim), "Authorization", auth, "Content-Type", "application/json",
			"Content-Encoding", "gzip").want(t, 415, "unsupported_encoding")
	})
	t.Run("WebhookAndForms", func(t *testing.T) {
		send(t, base+"/webhooks/stripe", &zeros{n: 300 << 10}, 300<<10, "Content-Type", "application/json").
			want(t, 413, "larger than 256 KiB")
		send(t, base+"/console/login", &zeros{n: 100 << 10}, 100<<10, "Content-Type", "application/x-www-form-urlencoded").
			want(t, 413, "larger than 64 KiB")
	})
	t.Run("CSVImport", func(t *testing.T) {
		// 2 MiB read whole by the import: the bad row is at the end.
		csv := "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount\n" +
			strings.Repeat("\n", 2<<20) + "C-9,EUR,FR,business,Dupont SARL,fr,75011,F-1,2024-01-01,2024-01-31,nope\n"
		a := send(t, base+"/api/v1/claims/import", strings.NewReader(csv), len(csv), "Authorization", auth, "Content-Type", "text/csv")
		a.want(t, 400, "errors")
		var out struct{ Errors []struct{ Line int } }
		json.Unmarshal([]byte(a.body), &out)
		if len(out.Errors) == 0 || out.Errors[0].Line < 2<<20 {
			t.Fatalf("the import did not read the whole file: %s", a.body)
		}
		send(t, base+"/api/v1/claims/import", &zeros{n: 33 << 20}, 33<<20, "Authorization", auth, "Content-Type", "text/csv").
			want(t, 413, "larger than 32 MiB")
		send(t, base+"/api/v1/claims/import", strings.NewReader(csv), -1, "Authorization", auth, "Content-Type", "text/csv").
			want(t, 411, "Content-Length")
		// Without a key the body is not read: 401 at once.
		start := time.Now()
		send(t, base+"/api/v1/claims/import", &zeros{n: 30 << 20}, 30<<20, "Content-Type", "text/csv").want(t, 401)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("401 took %s", d)
		}
	})
	t.Run("Statements", func(t *testing.T) {
		send(t, base+"/api/v1/statements", &zeros{n: 21 << 20}, 21<<20, "Authorization", auth, "Content-Type", "text/csv").
			want(t, 413, "larger than 20 MiB")
	})
	if after := claims(); after != before+1 {
		t.Errorf("claims %d -> %d, want only the chunked one added", before, after)
	}
}

// TestBodyLimitBudget: over the budget of bodies in flight a request is
// 503 with Retry-After, and the budget comes back when bodies are done.
func TestBodyLimitBudget(t *testing.T) {
	e, srv, base := listenAPI(t, Config{BodyBudget: 256 << 10})
	// A slow request holds 200 KiB of the budget while its body arrives
	// (fasthttp waits for its first 8 KiB before the app sees it).
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/claims HTTP/1.1\r\nHost: relais.test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", e.keyA, 200<<10, strings.Repeat(" ", 16<<10))
	body := `{"reference":"` + strings.Repeat("x", 100<<10) + `"}`
	post := func() answer {
		return send(t, base+"/api/v1/claims", strings.NewReader(body), len(body), "Authorization", "Bearer "+e.keyA, "Content-Type", "application/json")
	}
	held := func() int {
		srv.bodies.mu.Lock()
		defer srv.bodies.mu.Unlock()
		return srv.bodies.used
	}
	for i := 0; held() < 200<<10; i++ {
		if i == 500 {
			t.Fatal("the slow request holds nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a := post()
	a.want(t, 503, "unavailable", "try again")
	if ra := a.header.Get("Retry-After"); ra != "5" {
		t.Errorf("Retry-After %q", ra)
	}
	conn.Close()
	for i := 0; held() != 0; i++ {
		if i == 500 {
			t.Fatalf("budget not given back: %d bytes held", held())
		}
		time.Sleep(10 * time.Millisecond)
	}
	post().want(t, 400, "reference") // read whole and decoded
}

// TestBodyLimitPortal: a dispute of five 10 MB files fits; a larger body
// is the portal's "too large" page and files nothing.
func TestBodyLimitPortal(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	e.listen()
	b := e.verified(e.fr, "69002")
	csrf := csrfOf(t, b.get("/p/contest"))
	fields := map[string]string{"csrf": csrf, "reason": "already_paid", "text": "Payé"}
	pdf := func(size int) []byte {
		return append(bytes.Clone(pdfFile), make([]byte, size-len(pdfFile))...)
	}
	files := map[string][]byte{}
	for i := range portal.MaxDisputeFiles {
		files[fmt.Sprintf("scan%d.pdf", i)] = pdf(portal.MaxFileSize)
	}
	files["extra.pdf"] = pdf(2 << 20) // over the body limit, whatever the count
	p := b.postMultipart("/p/contest", fields, files)
	if p.status != 413 || !strings.Contains(p.body, "Trop volumineux") {
		t.Fatalf("%d %.300s", p.status, p.body)
	}
	if _, body := e.api("GET", "/api/v1/claims/"+e.fr.ID+"/disputes", e.keyA, ""); len(body["disputes"].([]any)) != 0 {
		t.Fatalf("a refused upload filed a dispute: %v", body)
	}
	delete(files, "extra.pdf")
	if p := b.postMultipart("/p/contest", fields, files); p.status != 303 {
		t.Fatalf("five 10 MB files: %d %.300s", p.status, p.body)
	}
	ds, _ := e.db.FindDisputes(context.Background(), e.tenantA, e.fr.ID)
	if len(ds) != 1 || len(ds[0].Files) != portal.MaxDisputeFiles {
		t.Fatalf("disputes %v", ds)
	}
}
