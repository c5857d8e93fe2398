package server

import (
	"archive/zip"
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/privacy"
	"github.com/relais/relais/portal/privacy/privacytest"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// newPrivacyEnv is newAPIEnv with the privacy service, disputes and
// letters wired in.
func newPrivacyEnv(t *testing.T, dialect string) *apiEnv {
	t.Helper()
	e := newAPIEnv(t, dialect)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.srv = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db,
		Clock: e.clock, Logger: log, Disputes: e.db, Letters: &store.LetterStore{DB: e.db}, Escalation: e.db,
		Privacy: &privacy.Service{Store: e.db, Clock: e.clock, Log: log}})
	return e
}

// raw sends a request and returns the status, headers and body.
func (e *apiEnv) raw(t *testing.T, method, path, key, body string) (int, map[string]string, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, map[string]string{"type": resp.Header.Get("Content-Type"), "disposition": resp.Header.Get("Content-Disposition"),
		"cache": resp.Header.Get("Cache-Control")}, b
}

func TestRetentionAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPrivacyEnv(t, dialect)
			t.Run("Default", func(t *testing.T) {
				status, body := e.do(t, "GET", "/api/v1/retention", e.keyA, "", "")
				if status != 200 || body["no_prescription_months"] != float64(60) || body["grace_months"] != float64(12) {
					t.Fatalf("%d %v", status, body)
				}
			})
			t.Run("OK", func(t *testing.T) {
				status, body := e.do(t, "PUT", "/api/v1/retention", e.keyA, "application/json", `{"no_prescription_months": 120, "grace_months": 0}`)
				if status != 200 || body["no_prescription_months"] != float64(120) || body["grace_months"] != float64(0) {
					t.Fatalf("%d %v", status, body)
				}
				if _, body := e.do(t, "GET", "/api/v1/retention", e.keyA, "", ""); body["no_prescription_months"] != float64(120) {
					t.Fatalf("not stored: %v", body)
				}
				if _, body := e.do(t, "GET", "/api/v1/retention", e.keyB, "", ""); body["no_prescription_months"] != float64(60) {
					t.Fatalf("tenant B changed: %v", body)
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				for _, tt := range []struct{ body, field string }{
					{`{"grace_months": 6}`, "no_prescription_months"},
					{`{"no_prescription_months": 60}`, "grace_months"},
					{`{"no_prescription_months": 6, "grace_months": 6}`, "no_prescription_months"},
					{`{"no_prescription_months": 60, "grace_months": 121}`, "grace_months"},
					{`{"no_prescription_months": 60, "grace_months": 6, "forever": true}`, "forever"},
					{`{"no_prescription_months": "sixty", "grace_months": 6}`, "no_prescription_months"},
				} {
					status, body := e.do(t, "PUT", "/api/v1/retention", e.keyA, "application/json", tt.body)
					if code, _, field := errorOf(body); status != 400 || code != portal.EINVALID || field != tt.field {
						t.Errorf("%s: %d %v", tt.body, status, body)
					}
				}
				if _, body := e.do(t, "GET", "/api/v1/retention", e.keyA, "", ""); body["no_prescription_months"] != float64(120) || body["grace_months"] != float64(0) {
					t.Fatalf("a refused policy changed the stored one: %v", body)
				}
			})
			t.Run("ErrUnauthorized", func(t *testing.T) {
				if status, _ := e.do(t, "PUT", "/api/v1/retention", e.revokedKeyA, "application/json", `{"no_prescription_months": 60, "grace_months": 6}`); status != 401 {
					t.Fatalf("revoked key: %d", status)
				}
			})
		})
	}
}

func TestDebtorExportAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPrivacyEnv(t, dialect)
			x := privacytest.Seed(t, e.db, e.tenantA, privacytest.Options{Reference: "X-1", Tag: "zqapix1"})
			other := privacytest.Seed(t, e.db, e.tenantB, privacytest.Options{Reference: "X-1", Tag: "zqapib1", Email: x.Claim.Debtor.Email})
			t.Run("OK", func(t *testing.T) {
				status, h, b := e.raw(t, "POST", "/api/v1/debtors/export", e.keyA, `{"email": "`+strings.ToUpper(x.Claim.Debtor.Email)+`"}`)
				if status != 200 || h["type"] != "application/zip" || !strings.Contains(h["disposition"], "attachment") || h["cache"] != "no-store" {
					t.Fatalf("%d %v %.200s", status, h, b)
				}
				zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatal(err)
				}
				var js []byte
				names := map[string]bool{}
				for _, f := range zr.File {
					names[f.Name] = true
					if f.Name == "export.json" {
						rc, _ := f.Open()
						js, _ = io.ReadAll(rc)
						rc.Close()
					}
				}
				if !strings.Contains(string(js), x.Tag) || strings.Contains(string(js), other.Tag) || !names["README.txt"] || len(names) != 5 {
					t.Fatalf("export: files %v, own tag %v, other tenant's tag %v", names, strings.Contains(string(js), x.Tag), strings.Contains(string(js), other.Tag))
				}
				// The request log and the service log say counts, never who.
				if logs := e.logs.String(); strings.Contains(logs, x.Tag) || strings.Contains(strings.ToLower(logs), x.Claim.Debtor.Email) {
					t.Fatal("the logs name the debtor")
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				for _, body := range []string{`{"claim_id": "` + x.Claim.ID + `"}`, `{"customer_number": "CUST-zqapix1"}`} {
					if status, _, b := e.raw(t, "POST", "/api/v1/debtors/export", e.keyB, body); status != 404 {
						t.Errorf("tenant B asking for A's debtor %s: %d %s", body, status, b)
					}
				}
			})
			t.Run("ErrInvalid", func(t *testing.T) {
				for _, body := range []string{`{}`, `{"email": "nobody"}`, `{"name": "Zoé"}`, `not json`} {
					if status, _, b := e.raw(t, "POST", "/api/v1/debtors/export", e.keyA, body); status != 400 {
						t.Errorf("%s: %d %s", body, status, b)
					}
				}
			})
			t.Run("ErasedFilesAreGone", func(t *testing.T) {
				e.clock.T = time.Date(2029, 7, 1, 12, 0, 0, 0, time.UTC) // the seed's plan signed 2024-06-30 (an acknowledgement) + 5 years, passed
				if _, err := e.db.ErasePersonalData(t.Context(), e.tenantA, x.Claim.ID, false); err != nil {
					t.Fatal(err)
				}
				letters, _ := (&store.LetterStore{DB: e.db}).FindLetters(t.Context(), e.tenantA, x.Claim.ID)
				ds, _ := e.db.FindDisputes(t.Context(), e.tenantA, x.Claim.ID)
				for _, path := range []string{
					"/api/v1/claims/" + x.Claim.ID + "/letters/" + letters[0].ID + ".pdf",
					"/api/v1/claims/" + x.Claim.ID + "/disputes/" + ds[0].ID + "/files/" + ds[0].Files[0].ID,
				} {
					status, body := e.do(t, "GET", path, e.keyA, "", "")
					if code, msg, _ := errorOf(body); status != 410 || code != portal.EGONE || !strings.Contains(msg, "SHA-256") {
						t.Errorf("%s: %d %v", path, status, body)
					}
				}
				status, body := e.do(t, "GET", "/api/v1/claims/"+x.Claim.ID, e.keyA, "", "")
				debtor, _ := body["debtor"].(map[string]any)
				if status != 200 || body["personal_data_erased_at"] == nil || debtor["name"] != portal.ErasedMarker || debtor["email"] != "" {
					t.Fatalf("claim after erasure: %d %v", status, body)
				}
				if status, body := e.do(t, "POST", "/api/v1/claims/"+x.Claim.ID+"/status", e.keyA, "application/json", `{"to": "open", "reason": "refund"}`); status != 409 {
					t.Fatalf("reopening an erased claim: %d %v", status, body)
				}
			})
		})
	}
}
