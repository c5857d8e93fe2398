package server

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsolePreparedReplies: owners keep prepared replies on
// /console/replies through CSRF-protected forms (agents and viewers 403,
// another tenant 404 on A's replies and sees none of them); a refused form
// keeps what was typed; the conversation page offers agents the replies
// filled from the claim, the debtor's language first, with the portal's
// entry address and no token, and a reply the claim has no value for as
// refused; a message with an unfilled variable is refused by the server.
func TestConsolePreparedReplies(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			ownerB := otherTenantOwner(t, e)
			creditors, err := e.db.FindCreditors(ctx, e.tenantID)
			if err != nil || len(creditors) != 1 {
				t.Fatalf("creditors: %v %v", creditors, err)
			}
			cr := creditors[0].ID
			token := owner.csrf()

			if r := owner.get("/console/replies"); r.status != 200 || !strings.Contains(r.body, "No prepared replies yet.") ||
				!strings.Contains(r.body, `action="/console/replies"`) || !strings.Contains(r.body, "<code>{portal_link}</code>") {
				t.Fatalf("owner's empty list: %d\n%s", r.status, r.body)
			}
			for _, u := range []consoleAs{agent, viewer} {
				if r := u.get("/console/replies"); r.status != 403 {
					t.Fatalf("list as agent or viewer: %d", r.status)
				}
				if r := u.do("POST", "/console/replies", url.Values{"csrf": {u.csrf()}, "creditor_id": {cr}, "name": {"x"}, "language": {"fr"}, "body": {"x"}}); r.status != 403 {
					t.Fatalf("create as agent or viewer: %d", r.status)
				}
			}
			form := func(name, lang, body string) url.Values {
				return url.Values{"csrf": {token}, "creditor_id": {cr}, "name": {name}, "language": {lang}, "body": {body}}
			}
			noCSRF := form("hello", "fr", "Bonjour")
			noCSRF.Del("csrf")
			if r := owner.do("POST", "/console/replies", noCSRF); r.status != 403 {
				t.Fatalf("create without CSRF: %d", r.status)
			}
			// Refused forms keep what was typed.
			r := owner.do("POST", "/console/replies", form("hello", "fr", "Cher {debtor}, <b>payez</b>"))
			if r.status != 400 || !strings.Contains(r.body, "{debtor} is not a variable") || !strings.Contains(r.body, "Cher {debtor}, &lt;b&gt;payez&lt;/b&gt;</textarea>") {
				t.Fatalf("unknown variable: %d\n%s", r.status, r.body)
			}
			hello := "Bonjour {debtor_name}, il reste {balance} sur le dossier {reference} : {portal_link}"
			if r := owner.do("POST", "/console/replies", form("hello", "fr", hello)); r.status != 303 {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			if r := owner.do("POST", "/console/replies", form("hello", "fr", "Encore")); r.status != 400 || !strings.Contains(r.body, "already a reply /hello in fr") {
				t.Fatalf("same name twice: %d\n%s", r.status, r.body)
			}
			for _, f := range []url.Values{form("hello", "en", "Hello {debtor_name}."), form("plan", "fr", "Prochaine échéance le {next_due_date} : {next_due_amount}.")} {
				if r := owner.do("POST", "/console/replies", f); r.status != 303 {
					t.Fatalf("create: %d %s", r.status, r.body)
				}
			}
			rs, err := e.db.ListReplies(ctx, e.tenantID, "")
			if err != nil || len(rs) != 3 || rs[0].Name != "hello" || rs[0].Language != "en" || rs[0].UpdatedBy != e.owner.ID {
				t.Fatalf("stored replies: %+v %v", rs, err)
			}
			enID := rs[0].ID
			list := owner.get("/console/replies")
			mustContain(t, "list", list.body, "<code>/hello</code>", "<code>/plan</code>", "Alpha SAS", `href="/console/replies/`+enID+`"`, `action="/console/replies/`+enID+`/delete"`)

			// Another tenant sees none of them and changes none.
			if r := ownerB.get("/console/replies"); r.status != 200 || strings.Contains(r.body, "/hello") {
				t.Fatalf("other tenant's list: %d", r.status)
			}
			tokB := ownerB.csrf()
			for _, path := range []string{"/console/replies/" + enID, "/console/replies/" + enID + "/delete"} {
				if r := ownerB.do("POST", path, url.Values{"csrf": {tokB}, "creditor_id": {cr}, "name": {"x"}, "language": {"fr"}, "body": {"pris"}}); r.status != 404 {
					t.Fatalf("POST %s as another tenant: %d", path, r.status)
				}
			}
			if r := ownerB.get("/console/replies/" + enID); r.status != 404 {
				t.Fatalf("edit page as another tenant: %d", r.status)
			}
			// Edit, then delete the English one.
			if r := owner.get("/console/replies/" + enID); r.status != 200 || !strings.Contains(r.body, "Hello {debtor_name}.</textarea>") || !strings.Contains(r.body, `action="/console/replies/`+enID+`"`) {
				t.Fatalf("edit page: %d\n%s", r.status, r.body)
			}
			if r := owner.do("POST", "/console/replies/"+enID, form("hello", "en", "Dear {debtor_name}.")); r.status != 303 {
				t.Fatalf("edit: %d %s", r.status, r.body)
			}
			if got, _ := e.db.FindReply(ctx, e.tenantID, enID); got == nil || got.Body != "Dear {debtor_name}." {
				t.Fatalf("after edit: %+v", got)
			}

			// The conversation page offers them filled, French (the debtor's) first.
			conv, err := e.db.OpenConversation(ctx, e.tenantID, e.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			page := agent.get("/console/conversations/" + conv.ID)
			if page.status != 200 {
				t.Fatalf("conversation: %d", page.status)
			}
			filled := "Bonjour Dupont SARL, il reste " + i18n.Money("fr", e.balance, "EUR") + " sur le dossier R-1 : " + e.base + "/p/"
			body := html.UnescapeString(page.body)
			mustContain(t, "composer", body, `data-name="hello" data-lang="fr" data-text="`+filled+`"`, `data-name="hello" data-lang="en" data-text="Dear Dupont SARL."`,
				`data-name="plan" data-lang="fr" data-missing="This claim has no value for {next_due_date}, {next_due_amount}: the reply /plan cannot be inserted."`,
				`src="/static/js/console-replies.js"`)
			if strings.Index(body, `data-name="hello" data-lang="fr"`) > strings.Index(body, `data-name="hello" data-lang="en"`) {
				t.Error("the debtor's language is not first")
			}
			if v := viewer.get("/console/conversations/" + conv.ID); v.status != 200 || strings.Contains(v.body, "data-replies") {
				t.Fatalf("viewer's composer offers replies: %d", v.status)
			}

			// A message with an unfilled variable is refused and not stored.
			ws := e.agentClient(t, e.agent, conv.ID, 0)
			ws.expect("welcome")
			ws.send(map[string]any{"type": "text", "id": "a-braces", "text": "Il reste {balance} à payer."})
			if er := ws.expect("error", "presence", "typing", "message"); er["field"] != "text" || er["code"] != portal.EINVALID {
				t.Fatalf("unfilled variable: %v", er)
			}
			if ms, _ := e.db.Messages(ctx, e.tenantID, conv.ID, 0, 0, true); len(ms) != 0 {
				t.Fatalf("stored despite the variable: %+v", ms[0])
			}

			if r := owner.do("POST", "/console/replies/"+enID+"/delete", url.Values{"csrf": {token}}); r.status != 303 {
				t.Fatalf("delete: %d", r.status)
			}
			if _, err := e.db.FindReply(ctx, e.tenantID, enID); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("after delete: %v", err)
			}
		})
	}
}
