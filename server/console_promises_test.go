package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsolePromises (issue 20): an agent records a promise to pay from
// the claim's back-office page (a bad date refused beside its field, a
// viewer refused); the claim page shows it expected; once broken, the
// queue lists it to follow.
func TestConsolePromises(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			base := "/console/claims/" + e.claim.ID

			r := agent.post(base+"/promises", url.Values{"promise.amount": {"50,00"}, "promise.due_on": {"2024-06-01"}})
			if r.status != 400 || !strings.Contains(r.body, `id="e-promise.due_on">Required: a date YYYY-MM-DD from today`) || !strings.Contains(r.body, `value="50,00"`) {
				t.Fatalf("past date: %d", r.status)
			}
			if r := viewer.post(base+"/promises", url.Values{"promise.amount": {"50,00"}, "promise.due_on": {"2024-07-10"}}); r.status != 403 {
				t.Fatalf("viewer: %d", r.status)
			}
			// The debtor's open chat receives the promise card at once.
			debtor := e.debtorClient(t, 0)
			debtor.expect("welcome")
			r = agent.post(base+"/promises", url.Values{"promise.amount": {"50,00"}, "promise.due_on": {"2024-07-10"}, "promise.note": {"called on Monday"}})
			if r.status != 303 || !strings.Contains(r.header.Get("Location"), "done=promise") {
				t.Fatalf("record: %d %s", r.status, r.body)
			}
			if m := debtor.until("system"); !strings.HasPrefix(m["text"].(string), "promise.expected|5000|EUR|2|2024-07-10|0") {
				t.Fatalf("live promise card: %v", m)
			}
			ev := lastEvent(t, e, e.claim.ID)
			if ev.Kind != portal.EventPromiseRecorded || ev.Actor.Kind != portal.ActorUser || ev.Actor.ID != e.agent.ID || !strings.Contains(ev.Payload, `"amount":5000`) {
				t.Fatalf("event %s by %+v: %s", ev.Kind, ev.Actor, ev.Payload)
			}
			if r := agent.get(base + "/manage?done=promise"); !strings.Contains(r.body, "The promise to pay was recorded.") || !strings.Contains(r.body, `id="promise-list"`) {
				t.Fatalf("manage page after recording: %d", r.status)
			}
			page := agent.get(base)
			if !strings.Contains(page.body, `class="promise-line promise-expected"`) || !strings.Contains(page.body, "called on Monday") || !strings.Contains(page.body, `id="promise-link"`) {
				t.Fatalf("claim page: %d %s", page.status, page.body)
			}
			if q := agent.get("/console/"); !strings.Contains(q.body, `<tr class="promise-expected">`) {
				t.Fatalf("queue without the expected promise: %s", q.body)
			}

			// Past the date and grace the job breaks it: the queue shows it.
			e.clock.T = time.Date(2024, 7, 14, 10, 0, 0, 0, time.UTC)
			defer func() { e.clock.T = testClock }()
			ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorSystem, ID: "promises"})
			if rep, err := e.db.SweepPromises(ctx); err != nil || rep.Broken != 1 {
				t.Fatalf("sweep: %+v %v", rep, err)
			}
			// The hour-long session ended meanwhile: the agent signs in again.
			_, tok, err := e.db.CreateConsoleSession(ctx, e.agent, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			agent = consoleAs{t, e.base, tok}
			q := agent.get("/console/")
			if !strings.Contains(q.body, `<tr class="promise-broken">`) || !strings.Contains(q.body, e.claim.Reference) {
				t.Fatalf("queue without the broken promise: %s", q.body)
			}
			if page := agent.get(base); !strings.Contains(page.body, `class="promise-line promise-broken"`) {
				t.Fatalf("claim page after the break: %s", page.body)
			}
		})
	}
}
