package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/relais/relais/portal/evidence"
)

// The instance publishes the bundle checker and its signing keys without
// an account, the checker under its own hash-based policy (no
// 'unsafe-inline').
func TestVerifyPagePublished(t *testing.T) {
	signer, err := evidence.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{BaseURL: "http://relais.test"}, Deps{Evidence: &evidence.Builder{Signer: signer}})
	get := func(path string) (int, string, []byte) {
		resp, err := srv.App().Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Security-Policy"), b
	}
	status, csp, body := get("/verify")
	if status != 200 || !bytes.Equal(body, evidence.VerifyHTML()) {
		t.Fatalf("/verify: %d, %d bytes", status, len(body))
	}
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "'sha256-") || !strings.Contains(csp, "connect-src 'none'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("/verify policy %q", csp)
	}
	status, _, body = get("/verify/public-key")
	var keys struct{ Fingerprint string }
	if err := json.Unmarshal(body, &keys); status != 200 || err != nil || keys.Fingerprint != signer.Fingerprint() {
		t.Errorf("/verify/public-key: %d %s", status, body)
	}
}
