package server

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/relais/relais/portal/store/storetest"
)

// The bundle downloads under the claim's reference, from the API and from
// the console (issue 24.18): evidence-R-1.zip, not evidence-<id>.zip.
func TestEvidenceBundleNamedAfterReference(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			_, key, err := e.db.CreateAPIKey(context.Background(), e.tenantID, "test")
			if err != nil {
				t.Fatal(err)
			}
			get := func(path string, auth func(*http.Request)) *http.Response {
				t.Helper()
				req, _ := http.NewRequest("GET", e.base+path, nil)
				auth(req)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp
			}
			want := `attachment; filename="evidence-R-1.zip"`
			api := get("/api/v1/claims/"+e.claim.ID+"/evidence.zip", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) })
			if api.StatusCode != 200 || api.Header.Get("Content-Disposition") != want {
				t.Errorf("API: %d %q, want %q", api.StatusCode, api.Header.Get("Content-Disposition"), want)
			}
			con := get("/console/claims/"+e.claim.ID+"/evidence.zip", func(r *http.Request) { r.Header.Set("Cookie", consoleCookie+"="+e.cookies[e.viewer.ID]) })
			if con.StatusCode != 200 || con.Header.Get("Content-Disposition") != want {
				t.Errorf("console: %d %q, want %q", con.StatusCode, con.Header.Get("Content-Disposition"), want)
			}
			if r := get("/console/claims/01ARZ3NDEKTSV4RRFFQ69G5FAV/evidence.zip", func(r *http.Request) { r.Header.Set("Cookie", consoleCookie+"="+e.cookies[e.viewer.ID]) }); r.StatusCode != 404 {
				t.Errorf("console, unknown claim: %d", r.StatusCode)
			}
		})
	}
}
