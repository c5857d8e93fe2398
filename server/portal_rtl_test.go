package server

import "testing"

// TestPortalUserTextDirection (issue 24.13): what people type keeps its
// own direction inside the left-to-right pages: the chat's and the
// contest's text boxes follow what is typed (dir=auto), the creditor's
// name and the contact address are isolated (bdi, dir=auto).
func TestPortalUserTextDirection(t *testing.T) {
	e := newPortalEnv(t, "sqlite", Config{})
	b := e.verified(e.fr, "69002")
	claim := b.get("/p").body
	mustContain(t, "claim page", claim, `<p class="brand"><bdi>Boulangerie Martin SAS</bdi></p>`,
		`<textarea name="text" rows="2" maxlength="4000" dir="auto"></textarea>`)
	mustContain(t, "contest page", b.get("/p/contest").body, `aria-describedby="text-hint" dir="auto">`)
}
