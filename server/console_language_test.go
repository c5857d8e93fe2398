package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/portal/store/storetest"
)

// TestConsoleLanguage: the console speaks the browser's language until the
// user picks one, keeps the pick across sessions (it is stored with the
// user), refuses a language it does not speak, and never redirects out of
// the console.
func TestConsoleLanguage(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			do := func(method, path, accept string, form url.Values) (int, string, http.Header) {
				t.Helper()
				var body io.Reader
				if form != nil {
					body = strings.NewReader(form.Encode())
				}
				req, _ := http.NewRequest(method, e.base+path, body)
				if form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if accept != "" {
					req.Header.Set("Accept-Language", accept)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b), resp.Header
			}
			login := func() string {
				_, page, _ := do("GET", "/console/login", "", nil)
				status, _, _ := do("POST", "/console/login", "", url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "email": {e.agent.Email}, "password": {"correct horse battery"}})
				if status != http.StatusSeeOther {
					t.Fatalf("login: %d", status)
				}
				_, page, _ = do("GET", "/console", "", nil)
				return csrfField.FindStringSubmatch(page)[1]
			}

			// Signed out, the browser decides.
			if _, page, _ := do("GET", "/console/login", "de-BE,de;q=0.9", nil); !strings.Contains(page, `<html lang="de">`) || !strings.Contains(page, "Passwort") {
				t.Fatalf("German sign-in page expected:\n%s", page)
			}
			csrf := login()
			if _, page, _ := do("GET", "/console", "nl-BE", nil); !strings.Contains(page, `<html lang="nl">`) || !strings.Contains(page, ">Wachtrij</a>") {
				t.Fatalf("Dutch console from the browser expected:\n%s", page)
			}
			// A language it does not speak: 400, nothing stored.
			if status, page, _ := do("POST", "/console/language", "en", url.Values{"csrf": {csrf}, "language": {"it"}}); status != http.StatusBadRequest || !strings.Contains(page, "fr, nl, en, de") {
				t.Fatalf("unknown language: %d\n%s", status, page)
			}
			// The pick wins over the browser, and an outside back address
			// falls back to the console.
			status, _, h := do("POST", "/console/language", "en", url.Values{"csrf": {csrf}, "language": {"fr"}, "back": {"//evil.test/x"}})
			if status != http.StatusSeeOther || h.Get("Location") != "/console" {
				t.Fatalf("set language: %d %v", status, h)
			}
			status, _, h = do("POST", "/console/language", "en", url.Values{"csrf": {csrf}, "language": {"fr"}, "back": {"/console/claims"}})
			if status != http.StatusSeeOther || h.Get("Location") != "/console/claims" {
				t.Fatalf("set language back to the page: %d %v", status, h)
			}
			if _, page, _ := do("GET", "/console/nowhere", "en", nil); !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, "Cette page de la console n&#39;existe pas.") {
				t.Fatalf("French error page expected:\n%s", page)
			}
			// Stored with the user: a new session keeps it.
			if status, _, _ := do("POST", "/console/logout", "", url.Values{"csrf": {csrf}}); status != http.StatusSeeOther {
				t.Fatalf("logout: %d", status)
			}
			login()
			if _, page, _ := do("GET", "/console", "en", nil); !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, ">Se déconnecter</button>") {
				t.Fatalf("French console after signing in again expected:\n%s", page)
			}
		})
	}
}
