package server

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestPortalPromise (issue 20): the debtor promises an amount by a date on
// the portal, in their language; a date beyond the creditor's horizon is
// refused (400, the form as typed, nothing stored); once recorded the
// page says what was promised and offers no second promise (409).
func TestPortalPromise(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.srv.deps.Promises = e.db
			b := e.verified(e.fr, "69002")
			p := b.get("/p")
			mustContain(t, "claim page", p.body, `id="promise"`, `action="/p/promise"`, "Promettre de payer", `max="2026-06-14"`)
			csrf := csrfOf(t, p)

			r := b.post("/p/promise", url.Values{"csrf": {csrf}, "amount": {"300,00"}, "due_on": {"2026-07-01"}})
			if r.status != 400 {
				t.Fatalf("beyond the horizon: %d", r.status)
			}
			mustContain(t, "refused promise", html.UnescapeString(r.body), `id="promise-error"`, "Choisissez une date d'aujourd'hui au 14\u00a0juin 2026", `value="300,00"`)
			r = b.post("/p/promise", url.Values{"csrf": {csrf}, "amount": {"abc"}, "due_on": {"2026-06-01"}})
			if r.status != 400 || !strings.Contains(r.body, "au plus ce que vous devez") {
				t.Fatalf("bad amount: %d", r.status)
			}
			if r := b.post("/p/promise", url.Values{"csrf": {"forged"}, "amount": {"300,00"}, "due_on": {"2026-06-01"}}); r.status != 403 {
				t.Fatalf("forged csrf: %d", r.status)
			}
			if ps, _ := e.db.ClaimPromises(t.Context(), e.tenantA, e.fr.ID); len(ps) != 0 {
				t.Fatalf("refused promises stored: %d", len(ps))
			}

			if r := b.post("/p/promise", url.Values{"csrf": {csrf}, "amount": {"300,00"}, "due_on": {"2026-06-01"}}); r.status != 303 {
				t.Fatalf("promise: %d %s", r.status, r.body)
			}
			ps, err := e.db.ClaimPromises(t.Context(), e.tenantA, e.fr.ID)
			if err != nil || len(ps) != 1 || ps[0].Amount != 30000 || ps[0].Source != portal.PromiseFromPortal || ps[0].ByKind != portal.ActorDebtor {
				t.Fatalf("stored: %v %+v", err, ps)
			}
			if k := kinds(e.events(e.fr.ID)); k[portal.EventPromiseRecorded] != 1 {
				t.Fatalf("events %v", k)
			}
			p = b.get("/p")
			mustContain(t, "page after the promise", p.body, `id="promise-status"`, "Vous avez promis de payer 300,00")
			mustNotContain(t, "page after the promise", p.body, `action="/p/promise"`)
			if r := b.post("/p/promise", url.Values{"csrf": {csrf}, "amount": {"100,00"}, "due_on": {"2026-06-02"}}); r.status != 409 {
				t.Fatalf("second promise: %d", r.status)
			}
		})
	}
}
