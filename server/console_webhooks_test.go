package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestConsoleWebhooks: an owner registers an endpoint from the console
// (kinds as checkboxes) and sees its secret once; the delivery log shows a
// failed attempt's status and answer, and "send again" sends it; the
// owner rotates the secret (shown once), disables, enables and deletes
// the endpoint. A viewer reads the pages (in French, their language) but
// gets 403 on every form, an agent too; a form without the CSRF token is
// 403 and changes nothing; another tenant's owner gets 404.
func TestConsoleWebhooks(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newChatEnv(t, dialect)
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			ownerB := otherTenantOwner(t, e)
			if err := e.db.SetUserLanguage(ctx, e.tenantID, e.viewer.ID, "fr"); err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int32
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if calls.Add(1) == 1 {
					w.WriteHeader(500)
					io.WriteString(w, "<b>ERP down</b>")
					return
				}
				io.WriteString(w, "ok")
			}))
			defer rc.Close()

			list := owner.get("/console/webhooks")
			if list.status != 200 || !strings.Contains(list.body, `href="/console/webhooks"`) || !strings.Contains(list.body, `name="kinds" value="checkpoint.signed"`) {
				t.Fatalf("list page: %d\n%s", list.status, list.body)
			}
			form := url.Values{"url": {rc.URL + "/hooks"}, "description": {"ERP <main>"}, "kinds": {"note.written", "payment.recorded"}}
			if r := owner.do("POST", "/console/webhooks", form); r.status != 403 {
				t.Fatalf("no CSRF token: %d", r.status)
			}
			if eps, _ := e.db.ListWebhookEndpoints(ctx, e.tenantID); len(eps) != 0 {
				t.Fatalf("created without the CSRF token: %v", eps)
			}
			form.Set("csrf", owner.csrf())
			for _, who := range []consoleAs{viewer, agent} {
				f := url.Values{"url": {rc.URL}, "csrf": {who.csrf()}}
				if r := who.do("POST", "/console/webhooks", f); r.status != 403 {
					t.Fatalf("viewer or agent creates: %d", r.status)
				}
			}
			bad := url.Values{"url": {"http://erp.example/relais"}, "csrf": form["csrf"], "kinds": {"note.written"}}
			if r := owner.do("POST", "/console/webhooks", bad); r.status != 400 || !strings.Contains(r.body, "url must be https") ||
				!strings.Contains(r.body, `value="note.written" checked`) {
				t.Fatalf("refused form: %d\n%s", r.status, r.body)
			}
			created := owner.do("POST", "/console/webhooks", form)
			secret := regexp.MustCompile(`value="(whsec_[^"]+)"`).FindStringSubmatch(created.body)
			eps, _ := e.db.ListWebhookEndpoints(ctx, e.tenantID)
			if created.status != 201 || secret == nil || len(eps) != 1 || strings.Join(kindStrings(eps[0].Kinds), ",") != "note.written,payment.recorded" ||
				!strings.Contains(created.body, "ERP &lt;main&gt;") {
				t.Fatalf("create: %d %v\n%s", created.status, eps, created.body)
			}
			page := "/console/webhooks/" + eps[0].ID
			if p := owner.get(page); p.status != 200 || strings.Contains(p.body, "whsec_") {
				t.Fatalf("the secret is shown again: %d", p.status)
			}

			// A delivery that fails, in the log; sent again from it.
			if _, err := e.db.AppendEvent(ctx, e.tenantID, e.claim.ID, portal.EventNoteWritten, map[string]any{"n": 1}); err != nil {
				t.Fatal(err)
			}
			w := &webhooks.Worker{Store: e.db, Clock: e.clock, Owner: "test", AllowPrivate: true, Log: slog.New(slog.DiscardHandler)}
			if rep, err := w.RunOnce(ctx); err != nil || rep.Retried != 1 {
				t.Fatalf("%+v %v", rep, err)
			}
			vp := viewer.get(page)
			if vp.status != 200 || !strings.Contains(vp.body, "Journal des envois") || !strings.Contains(vp.body, "&lt;b&gt;ERP down&lt;/b&gt;") ||
				!strings.Contains(vp.body, ">500<") || strings.Contains(vp.body, "/resend") || strings.Contains(vp.body, "/rotate") {
				t.Fatalf("viewer's page: %d\n%s", vp.status, vp.body)
			}
			resend := regexp.MustCompile(`action="(` + page + `/deliveries/[^"]+/resend)"`).FindStringSubmatch(owner.get(page).body)
			if resend == nil {
				t.Fatal("no resend form")
			}
			if r := viewer.do("POST", resend[1], url.Values{"csrf": {viewer.csrf()}}); r.status != 403 {
				t.Fatalf("viewer resends: %d", r.status)
			}
			if r := ownerB.do("POST", resend[1], url.Values{"csrf": {ownerB.csrf()}}); r.status != 404 {
				t.Fatalf("other tenant resends: %d", r.status)
			}
			if r := owner.do("POST", resend[1], url.Values{"csrf": form["csrf"]}); r.status != 303 {
				t.Fatalf("resend: %d", r.status)
			}
			if rep, _ := w.RunOnce(ctx); rep.Delivered != 1 || calls.Load() != 2 {
				t.Fatalf("after the resend: %+v, %d calls", rep, calls.Load())
			}

			// Rotate: the new secret once.
			rot := owner.do("POST", page+"/rotate", url.Values{"csrf": form["csrf"], "previous_secret_hours": {"12"}})
			newSecret := regexp.MustCompile(`value="(whsec_[^"]+)"`).FindStringSubmatch(rot.body)
			if rot.status != 200 || newSecret == nil || newSecret[1] == secret[1] {
				t.Fatalf("rotate: %d\n%s", rot.status, rot.body)
			}
			if r := owner.do("POST", page+"/rotate", url.Values{"csrf": form["csrf"], "previous_secret_hours": {"500"}}); r.status != 400 || !strings.Contains(r.body, "0 to 168 hours") {
				t.Fatalf("rotate 500 hours: %d", r.status)
			}
			// Disable, enable, delete; other tenants and lower roles cannot.
			for _, path := range []string{page + "/disable", page + "/enable", page + "/delete", page + "/rotate"} {
				if r := viewer.do("POST", path, url.Values{"csrf": {viewer.csrf()}}); r.status != 403 {
					t.Fatalf("viewer %s: %d", path, r.status)
				}
				if r := ownerB.do("POST", path, url.Values{"csrf": {ownerB.csrf()}}); r.status != 404 {
					t.Fatalf("other tenant %s: %d", path, r.status)
				}
				if r := owner.do("POST", path, url.Values{}); r.status != 403 {
					t.Fatalf("%s without CSRF: %d", path, r.status)
				}
			}
			if r := ownerB.get(page); r.status != 404 {
				t.Fatalf("other tenant reads: %d", r.status)
			}
			if r := owner.do("POST", page+"/disable", url.Values{"csrf": form["csrf"]}); r.status != 303 {
				t.Fatalf("disable: %d", r.status)
			}
			if p := owner.get(page); !strings.Contains(p.body, "Disabled since") || !strings.Contains(p.body, page+"/enable") {
				t.Fatalf("disabled page:\n%s", p.body)
			}
			if r := owner.do("POST", page+"/enable", url.Values{"csrf": form["csrf"]}); r.status != 303 {
				t.Fatalf("enable: %d", r.status)
			}
			if ep, _ := e.db.FindWebhookEndpoint(ctx, e.tenantID, eps[0].ID); ep.DisabledAt != nil {
				t.Fatalf("still disabled: %+v", ep)
			}
			if r := owner.do("POST", page+"/delete", url.Values{"csrf": form["csrf"]}); r.status != 303 {
				t.Fatalf("delete: %d", r.status)
			}
			if eps, _ := e.db.ListWebhookEndpoints(ctx, e.tenantID); len(eps) != 0 || owner.get(page).status != 404 {
				t.Fatalf("not deleted: %v", eps)
			}
			// The owner's changes are in the account log, by the owner;
			// nothing of the refused ones.
			entries, err := e.db.AccountLog(ctx, e.tenantID, 50)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, en := range entries {
				if !strings.HasPrefix(en.Kind, "webhook.") {
					continue // the fixture's creditor
				}
				if en.Actor.Kind != portal.ActorUser || en.Actor.ID != e.owner.ID || en.Actor.IP == "" {
					t.Fatalf("entry %+v", en)
				}
				kinds = append(kinds, en.Kind)
			}
			if strings.Join(kinds, " ") != "webhook.deleted webhook.enabled webhook.disabled webhook.secret_rotated webhook.delivery_resent webhook.created" {
				t.Fatalf("account log %v", kinds)
			}
		})
	}
}

func kindStrings(ks []portal.EventKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}
