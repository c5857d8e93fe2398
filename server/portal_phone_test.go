package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/portal/stripe/stripemock"
	"github.com/relais/relais/server/browsertest"
)

// phoneEnv is the portal env served on a real port with everything a
// debtor's page shows: bank transfer details, instalments and the chat.
type phoneEnv struct {
	*portalEnv
	base string
	neg  *negotiation.Service
}

func newPhoneEnv(t *testing.T) *phoneEnv { return newPhoneEnvWith(t, nil) }

// newPhoneEnvWith is newPhoneEnv with card payment through card.
func newPhoneEnvWith(t *testing.T, card portal.CardPayments) *phoneEnv {
	t.Helper()
	e := newPortalEnv(t, store.SQLite, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	pay := &payments.Service{Claims: e.db, Store: e.db, References: e.db, Rates: e.rates, Clock: e.clock, Zone: time.UTC, Card: card}
	neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock, Location: negotiation.TenantLocation(e.db)}
	// Every window opens a link of its own: more than the default burst.
	e.srv = New(Config{BaseURL: base, TokenBurst: 100}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Links: e.db, Disputes: e.db, Rates: e.rates,
		Payments: pay, Transfers: pay, Instalments: e.db, Negotiation: neg, Conversations: e.db})
	go func() { _ = e.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.Shutdown(2 * time.Second) })
	e.addr = ln.Addr().String()
	return &phoneEnv{portalEnv: e, base: base, neg: neg}
}

// phone is one debtor's window (its own cookies) at a phone's size.
type phone struct {
	t   *testing.T
	ctx context.Context
}

// openPhone opens claim's link in a new window of w × h CSS pixels and
// passes the identity check; it leaves the window on the claim page.
func (e *phoneEnv) openPhone(t *testing.T, browser context.Context, claim *portal.Claim, answer string, w, h int64) *phone {
	t.Helper()
	p := e.window(t, browser, w, h)
	_, token := e.issue(claim.ID)
	p.do(chromedp.Navigate(e.base+"/p/"+token), chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), answer), chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("total-due")))
	return p
}

// window opens a new window of w × h CSS pixels with cookies of its own.
func (e *phoneEnv) window(t *testing.T, browser context.Context, w, h int64) *phone {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the window and must not carry a timeout (its
	// end would close the window).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, ctx: ctx}
	p.do(chromedp.EmulateViewport(w, h, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch))
	return p
}

func (p *phone) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

func phoneEval[T any](p *phone, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%v\n%s", err, js)
	}
	return v
}

// brokenWords lists the words of the elements matching css that the
// layout cut over two lines (a word given more than one line box), and
// the page's horizontal overflow.
func (p *phone) brokenWords(css string) []string {
	p.t.Helper()
	return phoneEval[[]string](p, fmt.Sprintf(`(function (sel) {
		var out = [];
		document.querySelectorAll(sel).forEach(function (el) {
			var walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), n;
			while ((n = walk.nextNode())) {
				var re = /[^\s\-\u2010\u2212]+/g, m;
				while ((m = re.exec(n.data))) {
					var r = document.createRange();
					r.setStart(n, m.index);
					r.setEnd(n, m.index + m[0].length);
					var lines = {};
					Array.prototype.forEach.call(r.getClientRects(), function (b) { if (b.width > 0) { lines[Math.round(b.top)] = true; } });
					if (Object.keys(lines).length > 1) { out.push(m[0] + " (in " + el.tagName.toLowerCase() + ")"); }
				}
			}
		});
		return out;
	})(%q)`, css))
}

func (p *phone) overflows() bool {
	p.t.Helper()
	return phoneEval[bool](p, `document.documentElement.scrollWidth > window.innerWidth + 1`)
}

// TestPortalOnPhone checks what issue 24 found on a 390 × 844 phone (and
// at 200 % zoom, a 195 px wide page), in headless Chromium.
func TestPortalOnPhone(t *testing.T) {
	bctx := browsertest.Start(t, browsertest.Phone())
	e := newPhoneEnv(t)
	claim, err := e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
	if err != nil {
		t.Fatal(err)
	}
	bal, err := e.rates.Compute(claim, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	money := func(v int64) string { return i18n.Money("fr", v, "EUR") }

	// Point 1: the transfer block keeps its labels whole, at 390 px and at
	// 200 % zoom; IBAN and reference have copy buttons.
	t.Run("TransferBlock", func(t *testing.T) {
		for _, w := range []int64{390, 195} {
			p := e.openPhone(t, bctx, e.fr, "69002", w, 844*w/390)
			p.do(chromedp.ScrollIntoView(chromedp.CSS(".transfer")))
			if broken := p.brokenWords(".transfer dt, .transfer dd"); len(broken) > 0 {
				t.Errorf("%d px: transfer block words cut over two lines: %v", w, broken)
			}
			if p.overflows() {
				t.Errorf("%d px: the claim page overflows sideways", w)
			}
			labelsAbove := phoneEval[bool](p, `Array.prototype.every.call(document.querySelectorAll(".transfer dt"), function (dt) {
				var dd = dt.nextElementSibling; return dd && dd.getBoundingClientRect().top >= dt.getBoundingClientRect().bottom - 1; })`)
			if !labelsAbove {
				t.Errorf("%d px: the transfer labels are not above their values", w)
			}
			copies := phoneEval[[]string](p, `Array.prototype.map.call(document.querySelectorAll(".transfer button[data-copy]"), function (b) { return b.getAttribute("data-copy"); })`)
			if strings.Join(copies, ",") != "iban,reference" {
				t.Errorf("%d px: copy buttons for %v, want iban and reference", w, copies)
			}
			if w == 390 {
				got := phoneEval[string](p, `new Promise(function (ok) {
					var b = document.querySelector(".transfer button[data-copy=reference]");
					b.click();
					setTimeout(function () { ok(b.parentNode.querySelector("[data-copy-status]").textContent); }, 300);
				})`)
				if got == "" {
					t.Error("the reference's copy button says nothing once pressed")
				}
			}
		}
	})

	// Point 2: the computation on a phone is one card per period, nothing
	// cut or scrolled sideways.
	t.Run("ComputationCards", func(t *testing.T) {
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.Navigate(e.base+"/p/computation"), chromedp.WaitVisible(chromedp.CSS("main table")))
		if p.overflows() {
			t.Error("the computation page overflows sideways")
		}
		if sideways := phoneEval[[]string](p, `Array.prototype.filter.call(document.querySelectorAll("main *"), function (el) {
			return el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible"; }).map(function (el) {
			return el.tagName.toLowerCase() + "." + el.className + " " + el.scrollWidth + ">" + el.clientWidth; })`); len(sideways) > 0 {
			t.Errorf("parts of the computation scroll sideways: %v", sideways)
		}
		if broken := p.brokenWords("main table th, main table td, main dt, main dd"); len(broken) > 0 {
			t.Errorf("computation words cut over two lines: %v", broken)
		}
		cards := phoneEval[bool](p, `Array.prototype.every.call(document.querySelectorAll("table.periods tbody tr"), function (tr) {
			return getComputedStyle(tr).display !== "table-row"; })`)
		if !cards || phoneEval[int](p, `document.querySelectorAll("table.periods tbody tr").length`) == 0 {
			t.Error("the periods are not shown as cards on a phone")
		}
	})

	// Point 4 on a phone: the invoice lines of the claim page, paid and due
	// side by side, cut nothing.
	t.Run("InvoiceLines", func(t *testing.T) {
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		if broken := p.brokenWords(".invoice th, .invoice td, .invoice dt, .invoice dd, .sums th, .sums td"); len(broken) > 0 {
			t.Errorf("invoice words cut over two lines: %v", broken)
		}
	})

	// Point 3: with a conversation, the page opens at the total, not at the
	// chat.
	t.Run("OpensAtTheTotal", func(t *testing.T) {
		ctx := context.Background()
		conv, err := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
		if err != nil {
			t.Fatal(err)
		}
		debtor := negotiation.Participant{Kind: portal.ActorDebtor, ID: "s", TenantID: e.tenantA, ClaimID: e.fr.ID, Language: "fr"}
		for i := 0; i < 8; i++ {
			if _, err := e.neg.Handle(ctx, debtor, conv, negotiation.Input{Type: negotiation.MsgText, ClientID: fmt.Sprintf("hello-%d", i),
				Text: fmt.Sprintf("Bonjour, message %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.Poll[chromedp.Void](`document.querySelectorAll("#chat .msg").length >= 8`))
		time.Sleep(300 * time.Millisecond)
		if y := phoneEval[float64](p, `window.scrollY`); y != 0 {
			t.Errorf("the page scrolled to %v px on load, want 0", y)
		}
		if !phoneEval[bool](p, `(function () { var r = document.getElementById("total-due").getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })()`) {
			t.Error("the total is not in view on load")
		}
	})

	// Point 7: the offer form shows only the fields of the chosen kind.
	t.Run("OfferFields", func(t *testing.T) {
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		want := map[string]string{
			"plan":       "count,amount,down_payment,first_date,frequency,method",
			"settlement": "amount,date",
			"promise":    "date",
			"callback":   "date,phone",
		}
		for _, kind := range []string{"promise", "callback", "settlement", "plan"} {
			got := phoneEval[string](p, fmt.Sprintf(`(function () {
				var f = document.querySelector("#chat [data-chat-offer]");
				f.kind.value = %q;
				f.kind.dispatchEvent(new Event("change", {bubbles: true}));
				return Array.prototype.filter.call(f.querySelectorAll("label[data-for]"), function (l) {
					return getComputedStyle(l).display !== "none" && l.getClientRects().length > 0;
				}).map(function (l) { return l.querySelector("input, select").name; }).join(",");
			})()`, kind))
			if got != want[kind] {
				t.Errorf("%s offer shows %q, want %q", kind, got, want[kind])
			}
		}
	})

	// Point 8 and 13: the debtor chooses a number of instalments and sees
	// the amounts, the last taking the rounding; the offer card writes
	// dates and money in French and says in words why it waits.
	t.Run("PlanByCount", func(t *testing.T) {
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent !== "Connexion…"`))
		const count = 12
		each := (bal.Total + count - 1) / count
		last := bal.Total - (count-1)*each
		first := portal.MustDate("2026-06-05")
		preview := phoneEval[string](p, fmt.Sprintf(`(function () {
			var f = document.querySelector("#chat [data-chat-offer]");
			f.kind.value = "plan"; f.kind.dispatchEvent(new Event("change", {bubbles: true}));
			f.count.value = "%d"; f.count.dispatchEvent(new Event("input", {bubbles: true}));
			f.first_date.value = %q; f.first_date.dispatchEvent(new Event("input", {bubbles: true}));
			var out = f.querySelector("[data-offer-preview]");
			return out ? out.textContent : "";
		})()`, count, first.String()))
		mustContain(t, "plan preview", preview, money(each), money(last), money(bal.Total))
		p.do(chromedp.Click(chromedp.CSS(`#chat [data-chat-offer] button[type=submit]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS(`#chat .msg-offer .offer-terms`)))
		offers, err := e.db.ClaimOffers(context.Background(), e.tenantA, e.fr.ID)
		if err != nil || len(offers) == 0 {
			t.Fatalf("offers: %v %d", err, len(offers))
		}
		o := offers[len(offers)-1].Terms
		if o.Count != count || o.Amount != each {
			t.Fatalf("offer sent: %d × %d, want %d × %d", o.Count, o.Amount, count, each)
		}
		if s := negotiation.ScheduleFor(o, bal.Total); s.Total != bal.Total || s.Instalments[count-1].Amount != last {
			t.Fatalf("schedule of the offer sent: %+v", s)
		}
		terms := phoneEval[string](p, `document.querySelector("#chat .msg-offer:last-of-type .offer-terms").textContent`)
		mustContain(t, "offer card", terms, i18n.Date("fr", first), money(each))
		if regexp.MustCompile(`\d{4}-\d{2}-\d{2}|EUR|\(`).MatchString(terms) {
			t.Errorf("offer card %q has an ISO date, a currency code or a parenthesis", terms)
		}
	})

	t.Run("WhyItWaits", func(t *testing.T) {
		ctx := context.Background()
		conv, err := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 6 monthly instalments rounded down: two cents short.
		const count = 6
		each := bal.Total / count
		short := bal.Total - count*each
		if short == 0 {
			t.Fatal("fixture: the balance divides evenly")
		}
		debtor := negotiation.Participant{Kind: portal.ActorDebtor, ID: "s", TenantID: e.tenantA, ClaimID: e.fr.ID, Language: "fr"}
		out, err := e.neg.Handle(ctx, debtor, conv, negotiation.Input{Type: negotiation.MsgOffer, ClientID: "short-offer",
			Offer: &negotiation.Offer{Kind: negotiation.KindPlan, Count: count, Amount: each, FirstDate: portal.MustDate("2026-05-20"),
				Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}})
		if err != nil {
			t.Fatal(err)
		}
		if v := out.Messages[0].Verdict; v.Accepted || len(v.Breaches) != 1 || v.Breaches[0].Bound != negotiation.BoundCoversBalance {
			t.Fatalf("fixture: verdict %+v", v)
		}
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.Poll[chromedp.Void](`document.querySelectorAll("#chat .msg-offer").length > 0`))
		why := phoneEval[string](p, `(function () { var ms = document.querySelectorAll("#chat .msg-offer"); var w = ms[ms.length - 1].querySelector(".offer-why"); return w ? w.textContent : ""; })()`)
		mustContain(t, "why the offer waits", why, money(short), money(bal.Total))
		mustNotContain(t, "why the offer waits", why, "covers_balance")
	})

	// Point 12: a double tap on "send the offer" sends one offer.
	t.Run("DoubleTap", func(t *testing.T) {
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent !== "Connexion…"`))
		before, err := e.db.ClaimOffers(context.Background(), e.tenantA, e.fr.ID)
		if err != nil {
			t.Fatal(err)
		}
		phoneEval[bool](p, `(function () {
			var f = document.querySelector("#chat [data-chat-offer]");
			f.kind.value = "promise"; f.kind.dispatchEvent(new Event("change", {bubbles: true}));
			f.date.value = "2026-05-29";
			var b = f.querySelector("button[type=submit]");
			b.click(); b.click();
			return true;
		})()`)
		time.Sleep(1500 * time.Millisecond)
		after, err := e.db.ClaimOffers(context.Background(), e.tenantA, e.fr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(after) - len(before); n != 1 {
			t.Errorf("a double tap sent %d offers, want 1", n)
		}
		// The promise is within the policy: accepted at once, so the
		// "no agent online" notice gives way.
		if st := phoneEval[string](p, `document.querySelector("[data-chat-status]").textContent`); st != "Votre proposition est acceptée : il reste à confirmer l'accord ci-dessous." {
			t.Errorf("after an automatic acceptance the chat status says %q", st)
		}
	})

	// Point 12: a message shows at once, marked as being sent, until the
	// server has stored it; then it is shown once.
	t.Run("TextWhileSending", func(t *testing.T) {
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent !== "Connexion…"`))
		sending := phoneEval[bool](p, `(function () {
			var f = document.querySelector("#chat [data-chat-form]");
			f.text.value = "Je paierai vendredi.";
			f.requestSubmit();
			var li = document.querySelector("#chat .msg.sending");
			return !!li && li.textContent.indexOf("Je paierai vendredi.") >= 0 && li.textContent.indexOf("Envoi") >= 0;
		})()`)
		if !sending {
			t.Error("the message is not shown as being sent")
		}
		p.do(chromedp.Poll[chromedp.Void](`document.querySelectorAll("#chat .msg.sending").length === 0`))
		if n := phoneEval[int](p, `Array.prototype.filter.call(document.querySelectorAll("#chat .msg"), function (li) { return li.textContent.indexOf("Je paierai vendredi.") >= 0; }).length`); n != 1 {
			t.Errorf("the message is shown %d times once stored, want 1", n)
		}
	})

	// Points 9, 10 and 12: the debtor accepts an agent's counter-offer and
	// sees, before signing, the schedule the agreement holds; replaced
	// offers lose their buttons; after signing and a reload there is no
	// stale card, a permanent link to the agreement and the transfer block
	// asks for the next instalment.
	t.Run("SignAndAfter", func(t *testing.T) {
		ctx := context.Background()
		agent := &portal.User{TenantID: e.tenantA, Email: "agent@martin.example", Name: "Claire Agent", Role: portal.RoleAgent}
		if err := e.db.CreateUser(ctx, agent, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		conv, err := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 10 × 200 € for a balance of 1 911,38 €: the last is smaller.
		who := negotiation.Participant{Kind: portal.ActorUser, ID: agent.ID, Name: agent.Name, TenantID: e.tenantA, Role: portal.RoleAgent}
		if _, err := e.neg.Handle(ctx, who, conv, negotiation.Input{Type: negotiation.MsgCounterOffer, ClientID: "counter-1",
			Offer: &negotiation.Offer{Kind: negotiation.KindPlan, Count: 10, Amount: 20_000, FirstDate: portal.MustDate("2026-06-01"),
				Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer},
			// Ten months where the policy allows six: the agent confirms it.
			ConfirmOutsidePolicy: true, PolicyReason: "Revenus saisonniers, accord du créancier"}); err != nil {
			t.Fatal(err)
		}
		p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
		p.do(chromedp.WaitVisible(chromedp.CSS(`#chat .msg-counter_offer .offer-actions button`)))
		if n := phoneEval[int](p, `document.querySelectorAll("#chat .msg-offer .offer-actions, #chat .msg-offer .offer-nearest button").length`); n != 0 {
			t.Errorf("%d replaced offers still have buttons", n)
		}
		p.do(chromedp.Click(chromedp.CSS(`#chat .msg-counter_offer .offer-actions button:first-child`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS(`#chat .sign-card input[type=checkbox]`)))
		id := phoneEval[string](p, `document.querySelector("#chat .sign-card").getAttribute("data-agreement")`)
		a, err := e.db.FindAgreement(ctx, e.tenantA, id)
		if err != nil {
			t.Fatalf("agreement %q: %v", id, err)
		}
		var want []string
		for _, in := range a.Schedule.Instalments {
			want = append(want, i18n.Date("fr", in.DueOn)+" — "+money(in.Amount))
		}
		shown := phoneEval[[]string](p, `Array.prototype.map.call(document.querySelectorAll("#chat .sign-card .schedule li"), function (li) { return li.textContent; })`)
		if strings.Join(shown, "\n") != strings.Join(want, "\n") {
			t.Errorf("before signing the debtor sees\n%s\nthe agreement holds\n%s", strings.Join(shown, "\n"), strings.Join(want, "\n"))
		}
		mustContain(t, "sign card", phoneEval[string](p, `document.querySelector("#chat .sign-card").textContent`), money(a.Schedule.Total))
		p.do(chromedp.Click(chromedp.CSS(`#chat .sign-card input[type=checkbox]`), chromedp.NodeVisible),
			chromedp.Click(chromedp.CSS(`#chat .sign-card button[type=submit]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS(`#chat a[href="/p/agreements/`+id+`/pdf"]`)))

		p.do(chromedp.Navigate(e.base+"/p"), chromedp.WaitVisible(chromedp.ID("total-due")),
			chromedp.Poll[chromedp.Void](`Array.prototype.some.call(document.querySelectorAll("#chat .msg-system"), function (li) { return li.querySelector("a"); })`))
		if n := phoneEval[int](p, `document.querySelectorAll("#chat .sign-card").length`); n != 0 {
			t.Errorf("after signing and a reload, %d signing cards are shown", n)
		}
		waiting := phoneEval[int](p, `Array.prototype.filter.call(document.querySelectorAll("#chat .offer-state"), function (s) { return s.textContent === "En attente de la réponse d'un conseiller"; }).length`)
		if waiting != 0 {
			t.Errorf("after signing, %d offers still say they wait for an agent", waiting)
		}
		if n := phoneEval[int](p, `document.querySelectorAll('main a[href="/p/agreements/`+id+`/pdf"]:not(#chat a)').length`); n != 1 {
			t.Errorf("%d permanent links to the signed agreement, want 1", n)
		}
		next := a.Schedule.Instalments[0].Amount
		if got := phoneEval[string](p, `document.getElementById("pay-amount").textContent`); !strings.Contains(got, money(next)) {
			t.Errorf("the transfer block asks for %q, want the next instalment %s", got, money(next))
		}
	})
}

// TestPayReturnUpdatesItself (issue 24, small things): the payment return
// page shows the confirmation once the webhook recorded it, without the
// debtor reloading it (and without a meta refresh, which axe-core flags).
func TestPayReturnUpdatesItself(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIBase: base})
	if err != nil {
		t.Fatal(err)
	}
	bctx := browsertest.Start(t, browsertest.Phone())
	e := newPhoneEnvWith(t, sc)
	p := e.openPhone(t, bctx, e.fr, "69002", 390, 844)
	// The card form, posted from the page (Stripe's hosted page is not
	// visited: the test plays its redirect back).
	if st := phoneEval[int](p, `(function () {
		var f = document.querySelector("form.pay-card");
		return fetch(f.action, {method: "POST", body: new URLSearchParams(new FormData(f)), redirect: "manual"}).then(function (r) { return r.status; });
	})()`); st != 0 {
		t.Fatalf("card form: status %d, want an opaque redirect", st)
	}
	var id string
	var amount int64
	if err := e.db.SQL().QueryRow("SELECT provider_id, amount FROM checkout_sessions WHERE claim_id = ?", e.fr.ID).Scan(&id, &amount); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Navigate(e.base+"/p/pay/return?session_id="+id), chromedp.WaitVisible(chromedp.CSS(`#pay-status[data-status="pending"]`)))
	phoneEval[bool](p, `window.sameDocument = true`)
	if !phoneEval[bool](p, `!document.querySelector("[data-poll]").hidden`) {
		t.Error("the page does not say it updates itself")
	}
	body, _ := json.Marshal(map[string]any{"id": "evt_return_1", "object": "event", "api_version": "2023-10-16", "created": e.clock.T.Unix(),
		"type": "checkout.session.completed", "data": map[string]any{"object": map[string]any{
			"id": id, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": amount,
			"currency": "eur", "payment_intent": "pi_return_1", "metadata": map[string]string{"claim_id": e.fr.ID, "tenant_id": e.tenantA}}}})
	req, _ := http.NewRequest("POST", e.base+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret}).Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", err, resp)
	}
	resp.Body.Close()
	p.do(chromedp.Poll[chromedp.Void](`document.querySelector('#pay-status[data-status="confirmed"]') !== null`, chromedp.WithPollingTimeout(15*time.Second)))
	if !phoneEval[bool](p, `window.sameDocument === true`) {
		t.Error("the page was reloaded, want it updated in place")
	}
	mustContain(t, "confirmation", phoneEval[string](p, `document.getElementById("pay-status").textContent`), i18n.Money("fr", amount, "EUR"))
}

// TestChatTimesInPortalZone (issue 24, point 13): the chat writes the time
// an agent answers by in the portal's zone (France and Belgium), not in the
// phone's or the server's (UTC here).
func TestChatTimesInPortalZone(t *testing.T) {
	bctx := browsertest.Start(t, browsertest.Phone())
	e := newChatEnv(t, store.SQLite)
	_, token, err := e.db.IssueLink(context.Background(), e.tenantID, e.claim.ID, portal.ChannelLetter, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, ctx: ctx}
	p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "UTC"})
		return err
	}), chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.base+"/p/"+token), chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "75011"), chromedp.Submit(chromedp.ID("answer")), chromedp.WaitVisible(chromedp.ID("chat")),
		chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent.indexOf("Aucun conseiller") === 0`))
	// Sunday 30 June 2024, 10:00 UTC: agents (hours in UTC) are back on
	// Monday at 9:00 UTC, 11:00 in Paris.
	status := phoneEval[string](p, `document.querySelector("[data-chat-status]").textContent`)
	mustContain(t, "chat status", status, "lundi", "11:00")
}
