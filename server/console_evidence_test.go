package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsoleEvidenceAndTimeline: a viewer of the claim's tenant downloads
// a bundle that verifies and sees the timeline; another tenant's user gets
// 404 on both; without a session, the sign-in page.
func TestConsoleEvidenceAndTimeline(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			ctx := context.Background()
			other := &portal.Tenant{Name: "Beta", Timezone: "UTC"}
			if err := e.db.CreateTenant(ctx, other); err != nil {
				t.Fatal(err)
			}
			ownerB := &portal.User{TenantID: other.ID, Email: "owner@beta.test", Name: "Bob", Role: portal.RoleOwner}
			if err := e.db.CreateUser(ctx, ownerB, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			_, cookieB, err := e.db.CreateConsoleSession(ctx, ownerB, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			get := func(path, cookie string) (*http.Response, []byte) {
				t.Helper()
				req, _ := http.NewRequest("GET", e.base+path, nil)
				if cookie != "" {
					req.Header.Set("Cookie", consoleCookie+"="+cookie)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, b
			}
			viewer := e.cookies[e.viewer.ID]
			bundle := "/console/claims/" + e.claim.ID + "/evidence.zip"
			timeline := "/console/claims/" + e.claim.ID + "/timeline"

			// The claim page links to both.
			if resp, b := get("/console/claims/"+e.claim.ID, viewer); resp.StatusCode != 200 ||
				!strings.Contains(string(b), `href="`+bundle+`"`) || !strings.Contains(string(b), `href="`+timeline+`"`) {
				t.Fatalf("claim page: %d, links missing", resp.StatusCode)
			}

			resp, body := get(bundle, viewer)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("bundle: %d %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			rep, err := evidence.VerifyBundle(bytes.NewReader(body), int64(len(body)), evidence.TrustedKey(e.signer.PublicKey()))
			if err != nil || rep.ClaimID != e.claim.ID || rep.Events < 1 {
				t.Fatalf("verify: %v %+v", err, rep)
			}

			resp, body = get(timeline, viewer)
			page := string(body)
			if resp.StatusCode != 200 || !strings.Contains(page, "claim.created") || !strings.Contains(page, "Stage periods") {
				t.Fatalf("timeline: %d %s", resp.StatusCode, page)
			}
			if !strings.Contains(page, `class="deadline deadline-upcoming"><strong>prescription</strong>`) || !strings.Contains(page, "Rule: ") || !strings.Contains(page, ", status <strong>") {
				t.Fatalf("timeline without a deadline marker: %s", page)
			}
			if strings.Contains(page, "<script") || strings.Contains(page, "style=") {
				t.Fatal("inline script or style on the timeline page")
			}
			// The kind filter keeps only the chosen kinds; an unknown kind is a 400.
			resp, body = get(timeline+"?kind=payment.recorded", viewer)
			if resp.StatusCode != 200 || strings.Contains(string(body), `<span class="event-kind" title="claim.created">`) || !strings.Contains(string(body), `value="payment.recorded"`) {
				t.Fatalf("filtered timeline: %d %s", resp.StatusCode, body)
			}
			if resp, _ := get(timeline+"?kind=nonsense", viewer); resp.StatusCode != 400 {
				t.Fatalf("unknown kind: %d", resp.StatusCode)
			}

			// Another tenant's user: not found.
			for _, p := range []string{bundle, timeline} {
				if resp, b := get(p, cookieB); resp.StatusCode != 404 {
					t.Fatalf("%s as tenant B: %d %.200s", p, resp.StatusCode, b)
				}
				if resp, _ := get(p, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
					t.Fatalf("%s without a session: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
		})
	}
}
