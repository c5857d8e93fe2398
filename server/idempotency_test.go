package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// idemResponse is an answer with its raw body and headers.
type idemResponse struct {
	status int
	header http.Header
	body   string
}

func (r idemResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("bad JSON %q", r.body)
	}
	return out
}

// post sends a JSON POST with an Idempotency-Key (none when key is "").
func (e *apiEnv) post(t *testing.T, path, apiKey, idemKey, body string) idemResponse {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set(HeaderIdempotencyKey, idemKey)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return idemResponse{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (e *apiEnv) countClaims(t *testing.T, key string) int {
	t.Helper()
	status, body := e.do(t, "GET", "/api/v1/claims?limit=200", key, "", "")
	if status != 200 {
		t.Fatal(status, body)
	}
	return len(body["claims"].([]any))
}

// TestIdempotencyReplay: a retried POST with the same key and request
// gets the first answer and changes nothing: one claim, one payment.
func TestIdempotencyReplay(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			body := fmt.Sprintf(validClaimJSON, "1")
			first := e.post(t, "/api/v1/claims", e.keyA, "create-INV-1", body)
			if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("first: %d %s", first.status, first.body)
			}
			again := e.post(t, "/api/v1/claims", e.keyA, "create-INV-1", body)
			if again.status != 201 || again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" ||
				again.header.Get("Location") != first.header.Get("Location") || !strings.HasPrefix(again.header.Get("Content-Type"), "application/json") {
				t.Fatalf("retry: %d %v %s", again.status, again.header, again.body)
			}
			if n := e.countClaims(t, e.keyA); n != 1 {
				t.Fatalf("%d claims", n)
			}
			// The case: a retried payment is recorded once.
			id := first.json(t)["id"].(string)
			pay := `{"amount": 2500, "received_on": "2024-06-01", "reference": "VIR-1"}`
			p1 := e.post(t, "/api/v1/claims/"+id+"/payments", e.keyA, "pay-1", pay)
			p2 := e.post(t, "/api/v1/claims/"+id+"/payments", e.keyA, "pay-1", pay)
			if p1.status != 201 || p2.status != 201 || p1.body != p2.body {
				t.Fatalf("payments: %d %d", p1.status, p2.status)
			}
			_, claim := e.do(t, "GET", "/api/v1/claims/"+id, e.keyA, "", "")
			if ps := claim["payments"].([]any); len(ps) != 1 {
				t.Fatalf("%d payments recorded", len(ps))
			}
			// Without a key, each POST runs.
			if r := e.post(t, "/api/v1/claims/"+id+"/payments", e.keyA, "", pay); r.status != 201 {
				t.Fatal(r.status, r.body)
			}
			// A refusal (4xx) is kept too: the same bad request gets the same answer.
			bad := e.post(t, "/api/v1/claims", e.keyA, "bad-1", `{"reference": ""}`)
			badAgain := e.post(t, "/api/v1/claims", e.keyA, "bad-1", `{"reference": ""}`)
			if bad.status != 400 || badAgain.status != 400 || badAgain.body != bad.body || badAgain.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("bad: %d %d %s", bad.status, badAgain.status, badAgain.body)
			}
			// After 24 hours the key is free again.
			e.clock.Advance(portal.IdempotencyTTL + time.Second)
			later := e.post(t, "/api/v1/claims", e.keyA, "create-INV-1", fmt.Sprintf(validClaimJSON, "2"))
			if later.status != 201 || later.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("after 24 h: %d %s", later.status, later.body)
			}
		})
	}
}

// TestIdempotencyMismatch: the same key with another body or path is 422
// and runs nothing.
func TestIdempotencyMismatch(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			if r := e.post(t, "/api/v1/claims", e.keyA, "k-1", fmt.Sprintf(validClaimJSON, "1")); r.status != 201 {
				t.Fatal(r.status, r.body)
			}
			for _, tc := range []struct{ path, body string }{
				{"/api/v1/claims", fmt.Sprintf(validClaimJSON, "2")},
				{"/api/v1/sequences", fmt.Sprintf(validClaimJSON, "1")},
			} {
				r := e.post(t, tc.path, e.keyA, "k-1", tc.body)
				code, msg, field := errorOf(r.json(t))
				if r.status != 422 || code != "idempotency_key_reused" || field != "Idempotency-Key" ||
					!strings.Contains(msg, "POST /api/v1/claims") || !strings.Contains(msg, "new key") {
					t.Fatalf("%s: %d %s", tc.path, r.status, r.body)
				}
			}
			if n := e.countClaims(t, e.keyA); n != 1 {
				t.Fatalf("%d claims", n)
			}
			for _, k := range []string{strings.Repeat("k", 256), "clé", "a\tb"} {
				if r := e.post(t, "/api/v1/claims", e.keyA, k, fmt.Sprintf(validClaimJSON, "3")); r.status != 400 {
					t.Fatalf("key %q: %d %s", k, r.status, r.body)
				}
			}
			if r := e.post(t, "/api/v1/claims", e.keyA, strings.Repeat("k", 255), fmt.Sprintf(validClaimJSON, "3")); r.status != 201 {
				t.Fatalf("255 characters: %d %s", r.status, r.body)
			}
		})
	}
}

// TestIdempotencyConcurrent: while the first request with a key runs, a
// retry is 409 (Retry-After); requests sent at once run once.
func TestIdempotencyConcurrent(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			body := fmt.Sprintf(validClaimJSON, "1")
			// A request in flight holds the key (as the middleware reserves
			// it before the handler runs).
			first := e.post(t, "/api/v1/claims", e.keyA, "warm-up", fmt.Sprintf(validClaimJSON, "0"))
			if first.status != 201 {
				t.Fatal(first.status, first.body)
			}
			req := portal.IdempotentRequest{TenantID: e.tenantA, Key: "held2", Method: "POST", Path: "/api/v1/claims",
				Fingerprint: idempotencyFingerprint("POST", "/api/v1/claims", []byte(body))}
			if token, _, err := e.db.BeginIdempotent(context.Background(), req); err != nil || token == "" {
				t.Fatal(token, err)
			}
			// Another request with the key is 422 even while it runs.
			if r := e.post(t, "/api/v1/claims", e.keyA, "held2", fmt.Sprintf(validClaimJSON, "9")); r.status != 422 {
				t.Fatalf("another request while in progress: %d %s", r.status, r.body)
			}
			r := e.post(t, "/api/v1/claims", e.keyA, "held2", body)
			code, _, _ := errorOf(r.json(t))
			if r.status != 409 || code != "idempotency_key_in_progress" || r.header.Get("Retry-After") == "" {
				t.Fatalf("in progress: %d %s", r.status, r.body)
			}
			// The holder stopped without answering: after the lock the key
			// is taken over.
			e.clock.Advance(portal.IdempotencyLock + time.Second)
			if r := e.post(t, "/api/v1/claims", e.keyA, "held2", body); r.status != 201 {
				t.Fatalf("after the lock: %d %s", r.status, r.body)
			}

			// Eight identical requests at once: one runs, the others are
			// 409 or its replay.
			body = fmt.Sprintf(validClaimJSON, "2")
			var wg sync.WaitGroup
			out := make([]idemResponse, 8)
			for i := range out {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out[i] = e.post(t, "/api/v1/claims", e.keyA, "burst", body)
				}()
			}
			wg.Wait()
			var created []idemResponse
			for _, r := range out {
				switch {
				case r.status == 201:
					created = append(created, r)
				case r.status == 409:
				default:
					t.Fatalf("burst: %d %s", r.status, r.body)
				}
			}
			fresh := 0
			for _, r := range created {
				if r.header.Get("Idempotent-Replayed") == "" {
					fresh++
				}
				if r.body != created[0].body {
					t.Fatalf("replays differ: %s / %s", r.body, created[0].body)
				}
			}
			if fresh != 1 {
				t.Fatalf("%d requests ran", fresh)
			}
			t.Logf("burst of 8: 1 ran, %d replayed, %d in progress", len(created)-1, len(out)-len(created))
			if n := e.countClaims(t, e.keyA); n != 3 {
				t.Fatalf("%d claims, want 3", n)
			}
		})
	}
}

// TestIdempotencyTenants: a key is scoped to its tenant: the same key in
// another tenant is another request.
func TestIdempotencyTenants(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			// The same key and the same request in A and B: each runs its
			// own, and each retry replays its own tenant's answer.
			body := fmt.Sprintf(validClaimJSON, "1")
			a := e.post(t, "/api/v1/claims", e.keyA, "shared", body)
			b := e.post(t, "/api/v1/claims", e.keyB, "shared", body)
			if a.status != 201 || b.status != 201 || b.header.Get("Idempotent-Replayed") != "" || a.json(t)["id"] == b.json(t)["id"] {
				t.Fatalf("A %d %s, B %d %s", a.status, a.body, b.status, b.body)
			}
			a2 := e.post(t, "/api/v1/claims", e.keyA, "shared", body)
			b2 := e.post(t, "/api/v1/claims", e.keyB, "shared", body)
			if a2.body != a.body || b2.body != b.body || a2.header.Get("Idempotent-Replayed") != "true" || b2.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retries: A %d %s, B %d %s", a2.status, a2.body, b2.status, b2.body)
			}
			// A key used by B with another body is no concern of A's.
			if r := e.post(t, "/api/v1/claims", e.keyB, "b-only", fmt.Sprintf(validClaimJSON, "2")); r.status != 201 {
				t.Fatal(r.status, r.body)
			}
			if r := e.post(t, "/api/v1/claims", e.keyA, "b-only", fmt.Sprintf(validClaimJSON, "3")); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("A with B's key: %d %s", r.status, r.body)
			}
			if e.countClaims(t, e.keyA) != 2 || e.countClaims(t, e.keyB) != 2 {
				t.Fatal("claims per tenant")
			}
		})
	}
}
