package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestResolveAndSurvey: an agent resolves a conversation through a CSRF
// form (viewer 403, another tenant 404, twice 409); the debtor's open chat
// gets the closing message at once, in French; the portal page asks the
// question in French and takes one answer (a score outside 1–5 is 400 and
// changes nothing, a second answer 409, a forged form 403); the answer is
// evidence by the debtor and shows on the satisfaction page.
func TestResolveAndSurvey(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Merci, c'est réglé."})
			debtor.until("text")
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			ownerB := otherTenantOwner(t, e)
			resolve := "/console/conversations/" + convID + "/resolve"

			page := agent.get("/console/conversations/" + convID)
			mustContain(t, "conversation page", page.body, `action="`+resolve+`"`, `name="survey" value="1" checked`, "ask the debtor how satisfied they are (in French)")
			if r := viewer.do("POST", resolve, url.Values{"csrf": {viewer.csrf()}, "survey": {"1"}}); r.status != 403 {
				t.Fatalf("viewer resolves: %d", r.status)
			}
			if r := ownerB.do("POST", resolve, url.Values{"csrf": {ownerB.csrf()}, "survey": {"1"}}); r.status != 404 {
				t.Fatalf("another tenant resolves: %d", r.status)
			}
			if r := agent.do("POST", resolve, url.Values{"survey": {"1"}}); r.status != 403 {
				t.Fatalf("resolve without CSRF: %d", r.status)
			}
			token := agent.csrf()
			if r := agent.do("POST", resolve, url.Values{"csrf": {token}, "survey": {"1"}}); r.status != 303 || r.header.Get("Location") != "/console/conversations/"+convID {
				t.Fatalf("resolve: %d %s", r.status, r.body)
			}
			m := debtor.until("system")
			if !strings.HasPrefix(m["text"].(string), "Cette conversation est clôturée.") || !strings.Contains(m["text"].(string), "satisfaction") {
				t.Fatalf("debtor's closing message: %v", m)
			}
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.State != negotiation.StateClosed {
				t.Fatalf("state after resolve: %s", conv.State)
			}
			if r := agent.do("POST", resolve, url.Values{"csrf": {token}}); r.status != 409 {
				t.Fatalf("resolved twice: %d", r.status)
			}
			if p := agent.get("/console/conversations/" + convID); strings.Contains(p.body, `action="`+resolve+`"`) {
				t.Fatal("a resolved conversation still offers to resolve it")
			}

			// The debtor's portal page asks the question.
			portalDo := func(method, path string, form url.Values) (int, string, string) {
				t.Helper()
				var body io.Reader
				if form != nil {
					body = strings.NewReader(form.Encode())
				}
				req, _ := http.NewRequest(method, e.base+path, body)
				if form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Origin", e.base)
				}
				req.Header.Set("Cookie", cookieSession+"="+e.debtorCookie)
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b), resp.Header.Get("Location")
			}
			st, body, _ := portalDo("GET", "/p", nil)
			if st != 200 {
				t.Fatalf("portal page: %d %s", st, body)
			}
			mustContain(t, "portal survey", body, `id="survey"`, `action="/p/survey"`, "Êtes-vous satisfait de la façon dont votre demande a été traitée ?", "Très satisfait", "Très insatisfait")
			csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
			surveyID := regexp.MustCompile(`name="survey" value="([0-9a-z]+)"`).FindStringSubmatch(body)[1]
			if st, _, _ := portalDo("POST", "/p/survey", url.Values{"csrf": {"0000"}, "survey": {surveyID}, "score": {"5"}}); st != 403 {
				t.Fatalf("forged answer: %d", st)
			}
			if st, _, _ := portalDo("POST", "/p/survey", url.Values{"csrf": {csrf}, "survey": {surveyID}, "score": {"9"}}); st != 400 {
				t.Fatalf("score 9: %d", st)
			}
			if open, _ := e.db.OpenSurvey(ctx, e.tenantID, e.claim.ID); open == nil {
				t.Fatal("a refused answer closed the question")
			}
			if st, _, loc := portalDo("POST", "/p/survey", url.Values{"csrf": {csrf}, "survey": {surveyID}, "score": {"4"}}); st != 303 || loc != "/p?survey=thanks#survey" {
				t.Fatalf("answer: %d %s", st, loc)
			}
			if st, _, _ := portalDo("POST", "/p/survey", url.Values{"csrf": {csrf}, "survey": {surveyID}, "score": {"1"}}); st != 409 {
				t.Fatalf("second answer: %d", st)
			}
			_, body, _ = portalDo("GET", "/p?survey=thanks", nil)
			mustContain(t, "portal after the answer", body, "Merci pour votre réponse.")
			mustNotContain(t, "portal after the answer", body, `action="/p/survey"`)
			evs, _ := e.db.ListEvents(ctx, e.tenantID, e.claim.ID, 0, 0)
			var resolved, answered *portal.Event
			for _, ev := range evs {
				switch ev.Kind {
				case portal.EventConversationResolved:
					resolved = ev
				case portal.EventSurveyAnswered:
					answered = ev
				}
			}
			if resolved == nil || resolved.Actor.Kind != portal.ActorUser || resolved.Actor.ID != e.agent.ID {
				t.Fatalf("conversation.resolved: %+v", resolved)
			}
			if answered == nil || answered.Actor.Kind != portal.ActorDebtor || !strings.Contains(answered.Payload, `"score":4`) {
				t.Fatalf("survey.answered: %+v", answered)
			}

			// The satisfaction page, for any user of the tenant only.
			sat := viewer.get("/console/satisfaction")
			mustContain(t, "satisfaction page", sat.body, "Average 4.00 out of 5", "1 answers to 1 questions asked", "R-1", "Satisfied")
			if b := ownerB.get("/console/satisfaction"); b.status != 200 || strings.Contains(b.body, "R-1") {
				t.Fatalf("another tenant's satisfaction page: %d", b.status)
			}
		})
	}
}
