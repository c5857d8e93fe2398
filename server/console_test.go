package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestConsoleSignIn(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			get := func(path string) (int, string) {
				resp, err := client.Get(e.base + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
					t.Fatalf("CSP missing on %s", path)
				}
				return resp.StatusCode, string(b)
			}
			post := func(path string, form url.Values) (int, string, http.Header) {
				resp, err := client.PostForm(e.base+path, form)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b), resp.Header
			}
			login := func(email, password string) (int, http.Header) {
				_, page := get("/console/login")
				m := csrfField.FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("no CSRF field in the sign-in form")
				}
				status, _, h := post("/console/login", url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}})
				return status, h
			}
			if status, _ := get("/console"); status != http.StatusSeeOther {
				t.Fatalf("console without a session: %d", status)
			}
			// The form's token is required.
			if status, _, _ := post("/console/login", url.Values{"email": {e.agent.Email}, "password": {"correct horse battery"}}); status != http.StatusForbidden {
				t.Fatalf("login without CSRF token: %d", status)
			}
			if status, _ := login(e.agent.Email, "wrong password!"); status != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", status)
			}
			status, h := login(e.agent.Email, "correct horse battery")
			if status != http.StatusSeeOther || h.Get("Location") != "/console" {
				t.Fatalf("login: %d %v", status, h)
			}
			if c := h.Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
				t.Fatalf("session cookie flags: %s", c)
			}
			status, page := get("/console")
			if status != 200 || !strings.Contains(page, "Waiting conversations") {
				t.Fatalf("queue page: %d", status)
			}
			if status, page := get("/console/claims?q=dupont"); status != 200 || !strings.Contains(page, "R-1") {
				t.Fatalf("claim search: %d %s", status, page)
			}
			status, page = get("/console/claims/" + e.claim.ID)
			if status != 200 || !strings.Contains(page, "Total due") || !strings.Contains(page, "Minimum instalment") {
				t.Fatalf("claim page: %d %s", status, page)
			}
			// A state-changing form without the session's token is refused.
			if status, _, _ := post("/console/claims/"+e.claim.ID+"/conversation", url.Values{}); status != http.StatusForbidden {
				t.Fatalf("form without CSRF: %d", status)
			}
			token := csrfField.FindStringSubmatch(page)[1]
			status, _, h = post("/console/claims/"+e.claim.ID+"/conversation", url.Values{"csrf": {token}})
			if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/console/conversations/") {
				t.Fatalf("open conversation: %d %v", status, h)
			}
			if status, page := get(h.Get("Location")); status != 200 || !strings.Contains(page, `data-ws="/console/chat/`) || strings.Contains(page, "<script>") {
				t.Fatalf("conversation page: %d", status)
			}
			// The transfer picker lists the other agents and owners of the
			// tenant: not the signed-in agent, not a viewer, nobody of
			// another tenant.
			other := &portal.Tenant{Name: "Beta"}
			if err := e.db.CreateTenant(context.Background(), other); err != nil {
				t.Fatal(err)
			}
			stranger := &portal.User{TenantID: other.ID, Email: "zed@beta.test", Name: "Zed Beta", Role: portal.RoleAgent}
			if err := e.db.CreateUser(context.Background(), stranger, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			_, page = get(h.Get("Location"))
			if !strings.Contains(page, `<option value="`+e.owner.ID+`">Ann owner (owner)</option>`) ||
				strings.Contains(page, `value="`+e.agent.ID+`"`) || strings.Contains(page, `value="`+e.viewer.ID+`"`) ||
				strings.Contains(page, stranger.ID) || strings.Contains(page, "Zed Beta") {
				t.Fatalf("transfer picker:\n%s", page[strings.Index(page, "<details><summary>Transfer"):])
			}
			// Sign out ends the session.
			if status, _, _ := post("/console/logout", url.Values{"csrf": {token}}); status != http.StatusSeeOther {
				t.Fatalf("logout: %d", status)
			}
			if status, _ := get("/console"); status != http.StatusSeeOther {
				t.Fatalf("console after logout: %d", status)
			}
		})
	}
}

func TestConsoleLoginRateLimit(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	tryAs := func(email, password string) int {
		resp, err := client.Get(e.base + "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok := csrfField.FindStringSubmatch(string(b))[1]
		resp, err = client.PostForm(e.base+"/console/login", url.Values{"csrf": {tok}, "email": {email}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	try := func(password string) int { return tryAs(e.owner.Email, password) }
	for i := 0; i < loginFailsPerEmail; i++ {
		if s := try("nope nope nope"); s != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, s)
		}
	}
	// Locked for this account, even with the right password.
	if s := try("correct horse battery"); s != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d", loginFailsPerEmail, s)
	}
	// The account is the address, whatever its case or spaces, and the
	// lock holds after other requests reused the server's buffers.
	for i := 0; i < 20; i++ {
		tryAs(fmt.Sprintf("o%04d@alpha.test", i), "nope nope nope") // the length of the owner's address
	}
	for _, variant := range []string{strings.ToUpper(e.owner.Email), "  " + e.owner.Email + " ", e.owner.Email} {
		if s := tryAs(variant, "correct horse battery"); s != http.StatusTooManyRequests {
			t.Errorf("%q after the lock: %d", variant, s)
		}
	}
}
