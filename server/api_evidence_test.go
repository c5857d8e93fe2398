package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server"
)

func TestEvidenceBundleAPI(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.MustOpen(t, d, nil)
			// A key file rotated twice, as `relais key rotate` leaves it.
			keyFile := filepath.Join(t.TempDir(), "signing.key")
			first, _, err := evidence.LoadKeySet(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				if _, _, err := evidence.RotateKey(keyFile, portal.SystemClock{}, evidence.RotateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			keySet, _, err := evidence.LoadKeySet(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			signer := keySet.Signer
			s := server.New(server.Config{BaseURL: "http://relais.test", Version: "test"}, server.Deps{
				Claims: db, Tenants: db, Events: db, DB: db,
				Evidence: &evidence.Builder{Source: db, Signer: signer, KeyHistory: &keySet.History, Version: "test"},
			})
			var keys [2]string
			var claimID, tenantID string
			for i, name := range []string{"Alpha", "Beta"} {
				tn := &portal.Tenant{Name: name}
				if err := db.CreateTenant(ctx, tn); err != nil {
					t.Fatal(err)
				}
				if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name + " SA", Country: "BE"}); err != nil {
					t.Fatal(err)
				}
				if _, keys[i], err = db.CreateAPIKey(ctx, tn.ID, "test"); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					c := &portal.Claim{Reference: "E-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
						Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan Peeters", Language: "nl", Postcode: "9000"},
						Invoices: []*portal.Invoice{{Number: "1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 9900}}}
					if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
						t.Fatal(err)
					}
					claimID, tenantID = c.ID, tn.ID
				}
			}
			get := func(path, key string) (int, string, []byte) {
				req := httptest.NewRequest("GET", path, nil)
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := s.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Content-Type"), body
			}
			url := "/api/v1/claims/" + claimID + "/evidence.zip"
			t.Run("OK", func(t *testing.T) {
				status, ct, body := get(url, keys[0])
				if status != 200 || ct != "application/zip" {
					t.Fatalf("status %d %s: %s", status, ct, body)
				}
				rep, err := evidence.VerifyBundle(bytes.NewReader(body), int64(len(body)), evidence.TrustedKey(signer.PublicKey()))
				if err != nil || rep.Events != 1 || rep.ClaimID != claimID {
					t.Fatalf("verify: %v %+v", err, rep)
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				for _, u := range []string{url, "/api/v1/claims/01ARZ3NDEKTSV4RRFFQ69G5FAV/evidence.zip", "/api/v1/claims/..%2f/evidence.zip"} {
					if status, _, body := get(u, keys[1]); status != 404 {
						t.Fatalf("%s from another tenant: %d %s", u, status, body)
					}
				}
			})
			t.Run("ErrUnauthorized", func(t *testing.T) {
				if status, _, _ := get(url, ""); status != 401 {
					t.Fatalf("no key: %d", status)
				}
			})
			t.Run("PublicKey", func(t *testing.T) {
				status, _, body := get("/api/v1/evidence/public-key", keys[1])
				var k struct{ Algorithm, PublicKey, Fingerprint string }
				json.Unmarshal(body, &struct {
					A *string `json:"algorithm"`
					P *string `json:"public_key"`
					F *string `json:"fingerprint"`
				}{&k.Algorithm, &k.PublicKey, &k.Fingerprint})
				if status != 200 || k.Algorithm != "Ed25519" || k.PublicKey != signer.PublicKeyBase64() || k.Fingerprint != signer.Fingerprint() {
					t.Fatalf("%d %s", status, body)
				}
			})
			t.Run("KeyHistory", func(t *testing.T) {
				status, _, body := get("/api/v1/evidence/public-key", keys[0])
				var raw struct {
					From    string `json:"from"`
					History []map[string]any
				}
				if err := json.Unmarshal(body, &raw); status != 200 || err != nil || len(raw.History) != 2 || raw.From == "" {
					t.Fatalf("%d %v %s", status, err, body)
				}
				h0 := raw.History[0]
				if h0["public_key"] != first.Signer.PublicKeyBase64() || h0["fingerprint"] != first.Signer.Fingerprint() || h0["from"] == nil || h0["until"] != raw.History[1]["from"] {
					t.Fatalf("history: %s", body)
				}
				// A court checks a bundle the first key signed against
				// what the endpoint publishes.
				keysPublished, err := evidence.ParsePublishedKeys(body)
				if err != nil {
					t.Fatal(err)
				}
				var old bytes.Buffer
				if err := (&evidence.Builder{Source: db, Signer: first.Signer, Version: "test"}).WriteBundle(ctx, tenantID, claimID, &old); err != nil {
					t.Fatal(err)
				}
				rep, err := evidence.VerifyBundle(bytes.NewReader(old.Bytes()), int64(old.Len()), evidence.TrustedKeys(keysPublished))
				if err != nil || rep.SignedBy.Current || rep.SignedBy.Fingerprint != first.Signer.Fingerprint() {
					t.Fatalf("old bundle against the published keys: %v %+v", err, rep)
				}
				_, _, now := get("/api/v1/claims/"+claimID+"/evidence.zip", keys[0])
				rep, err = evidence.VerifyBundle(bytes.NewReader(now), int64(len(now)), evidence.TrustedKeys(keysPublished))
				if err != nil || !rep.SignedBy.Current {
					t.Fatalf("current bundle against the published keys: %v %+v", err, rep)
				}
			})
		})
	}
}
