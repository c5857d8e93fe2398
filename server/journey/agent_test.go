package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal"
)

const agentPassword = "correct horse battery staple 42"

// agentSignsIn creates an agent of the creditor's tenant and signs in to
// the console in a second browser context at desktop size; it leaves the
// tab on the queue.
func (j *journey) agentSignsIn(t *testing.T) *tab {
	t.Helper()
	u := &portal.User{TenantID: j.env.tenant, Email: "agent@martin.example", Name: "Claire Agent", Role: portal.RoleAgent}
	if err := j.env.db.CreateUser(context.Background(), u, agentPassword); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t, j.top, j.browser, "agent", j.env.base, "en-GB,en;q=0.9", desktop, j.shots)
	tb.do(t, chromedp.Navigate(j.env.base+"/console"), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
	if p := tb.path(t); p != "/console/login" {
		t.Fatalf("the console without a session is %s, want the sign-in page", p)
	}
	tb.do(t,
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), u.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), agentPassword),
	)
	tb.submit(t, `form[action="/console/login"] button[type=submit]`)
	if p := tb.path(t); p != "/console" && p != "/console/" {
		t.Fatalf("after signing in the agent is on %s, want the queue", p)
	}
	if h := tb.text(t, "h1"); !strings.Contains(h, "conversations") {
		t.Fatalf("queue title %q", h)
	}
	return tb
}

// instalments is the plan the agent counter-offers: the policy's longest
// (12 months for a balance of a few thousand euros).
const instalments = 12

// Step 3: the debtor proposes a plan outside the creditor's policy in the
// chat; the agent, in the console, sees it in the queue and counter-offers;
// the debtor accepts, acknowledges the debt and gets the agreement PDF.
func (j *journey) negotiate(t *testing.T) {
	d := j.debtor
	d.do(t, chromedp.Navigate(j.env.base+"/p"), chromedp.WaitVisible(chromedp.CSS(`#chat [data-chat-offer] button[type=submit]`)))
	// The chat connects: its status leaves "connecting".
	connecting := j.fr.Text("chat.connecting")
	d.do(t, chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent !== `+jsString(connecting)))

	// 24 monthly instalments: twice what the policy allows for this balance.
	long := (j.total + 23) / 24
	d.do(t,
		chromedp.ScrollIntoView(chromedp.CSS(`#chat [data-chat-offer]`)),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] select[name=kind]`), "plan"),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] input[name=count]`), "24"),
		chromedp.SendKeys(chromedp.CSS(`#chat [data-chat-offer] input[name=amount]`), frAmount(long)),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] input[name=first_date]`), date(7)),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] select[name=method]`), "transfer"),
		chromedp.Click(chromedp.CSS(`#chat [data-chat-offer] button[type=submit]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#chat .msg-offer .offer-state`)),
	)
	if st := d.text(t, "#chat .msg-offer .offer-state"); st != j.fr.Text("chat.waiting") {
		t.Fatalf("the debtor's offer says %q, want %q (outside the policy, it waits for an agent)", st, j.fr.Text("chat.waiting"))
	}
	d.do(t, chromedp.ScrollIntoView(chromedp.CSS(`#chat`)))
	d.shotTop(t, "debtor-chat-offer")
	d.check(t)

	a := j.agentSignsIn(t)
	j.agent = a
	if q := a.text(t, "main"); !strings.Contains(q, "JRN-0001") || !strings.Contains(q, "Dupont Traiteur") {
		t.Fatalf("the queue does not list the debtor's conversation: %q", q)
	}
	a.shot(t, "console-queue")
	a.clean(t)
	a.submit(t, `main a[href^="/console/conversations/"]`)
	if strings.Contains(a.text(t, "main"), "Take this conversation") {
		a.submit(t, `form[action$="/take"] button[type=submit]`)
	}
	a.do(t, chromedp.WaitVisible(chromedp.CSS(`#chat .msg-offer .offer-card`)))
	if terms := a.text(t, "#chat .msg-offer .offer-terms"); !strings.Contains(terms, "24") || strings.Contains(terms, "kind.") {
		t.Fatalf("the agent sees the offer as %q", terms)
	}
	// The counter-offer: the policy's 12 months, paid by card.
	j.instalment = (j.total + instalments - 1) / instalments
	a.do(t,
		chromedp.Click(chromedp.CSS(`#chat details summary`), chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] select[name=kind]`), "plan"),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] input[name=count]`), fmt.Sprint(instalments)),
		chromedp.SendKeys(chromedp.CSS(`#chat [data-chat-offer] input[name=amount]`), fmt.Sprintf("%d.%02d", j.instalment/100, j.instalment%100)),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] input[name=first_date]`), date(7)),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] select[name=frequency]`), "monthly"),
		chromedp.SetValue(chromedp.CSS(`#chat [data-chat-offer] select[name=method]`), "card"),
		chromedp.Click(chromedp.CSS(`#chat [data-chat-offer] button[type=submit]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#chat .msg-counter_offer .offer-card`)),
	)
	a.do(t, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	a.shotTop(t, "console-counter-offer")
	a.clean(t)

	// The debtor sees it without a reload, accepts and signs.
	d.do(t, chromedp.WaitVisible(chromedp.CSS(`#chat .msg-counter_offer .offer-actions button`)))
	if terms := d.text(t, "#chat .msg-counter_offer .offer-terms"); !strings.Contains(terms, "12") || strings.Contains(terms, "kind.") {
		t.Fatalf("the debtor sees the counter-offer as %q", terms)
	}
	d.do(t, chromedp.ScrollIntoView(chromedp.CSS(`#chat .msg-counter_offer`)))
	d.shotTop(t, "debtor-chat-counter-offer")
	d.check(t)
	d.do(t,
		chromedp.Click(chromedp.CSS(`#chat .msg-counter_offer .offer-actions button:first-child`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#chat .sign-card input[type=checkbox]`)),
	)
	d.check(t)
	d.do(t,
		chromedp.Click(chromedp.CSS(`#chat .sign-card input[type=checkbox]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`#chat .sign-card button[type=submit]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#chat a[href^="/p/agreements/"]`)),
	)
	href := run(t, d, chromedp.AttributeValue(chromedp.CSS(`#chat a[href^="/p/agreements/"]`), "href")).Value
	// The PDF, fetched by the debtor's own browser (session cookie).
	got := run(t, d, chromedp.Evaluate[string](`fetch(`+jsString(href)+`).then(r => r.arrayBuffer().then(b =>
		r.status + "|" + r.headers.get("content-type") + "|" + String.fromCharCode(...new Uint8Array(b.slice(0, 5)))))`, chromedp.EvalAwaitPromise))
	if got != "200|application/pdf|%PDF-" {
		t.Fatalf("agreement PDF: %q", got)
	}
	d.shotTop(t, "debtor-chat-signed")
	d.check(t)

	var c claimOut
	j.env.mustAPI(t, 200, "GET", "/api/v1/claims/"+j.claimID, nil, &c)
	if c.Status != "in_plan" {
		t.Fatalf("claim status %q after signing, want in_plan", c.Status)
	}
}

// frAmount writes minor units the French way ("93,18").
func frAmount(v int64) string { return fmt.Sprintf("%d,%02d", v/100, v%100) }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
