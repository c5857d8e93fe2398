package server

import (
	"context"
	"net/url"
	"regexp"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

// TestPortalPlanMove (issue 20, plans the debtor manages): the plan on the
// claim page lets the debtor move one due date, within the policy's days;
// the move changes the schedule and is evidence; a second move and a date
// out of bounds are refused with a page that says what is allowed, and
// change nothing.
func TestPortalPlanMove(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, "")
			ctx := context.Background()
			claim, _ := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
			bal, err := e.rates.Compute(claim, portal.MustDate("2026-05-15"))
			if err != nil {
				t.Fatal(err)
			}
			neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock}
			conv, _ := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
			out, err := neg.Handle(ctx, negotiation.Participant{Kind: portal.ActorDebtor, ID: "s", TenantID: e.tenantA, ClaimID: e.fr.ID}, conv,
				negotiation.Input{Type: negotiation.MsgOffer, ClientID: "plan-3", Offer: &negotiation.Offer{Kind: negotiation.KindPlan, Count: 3,
					Amount: (bal.Total + 2) / 3, FirstDate: portal.MustDate("2026-05-20"), Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}})
			if err != nil || len(out.Messages) != 2 {
				t.Fatalf("fixture: %v", err)
			}
			if _, err := e.db.SignAgreement(ctx, e.tenantA, out.Messages[1].AgreementID, true, "fr", pdfFile, negotiation.PayChoice{}); err != nil {
				t.Fatal(err)
			}
			ins, _ := e.db.ListInstalments(ctx, e.tenantA, e.fr.ID)
			b := e.verified(e.fr, "69002")
			claimPage := b.get("/p")
			mustContain(t, "plan with a move left", claimPage.body, `id="plan-moves"`, `action="/p/plan/move"`, `min="2026-05-21" max="2026-06-03"`,
				"de 14 jours au plus")
			csrf := csrfOf(t, claimPage)
			move := func(id, date string) page {
				return b.post("/p/plan/move", url.Values{"csrf": {csrf}, "instalment": {id}, "date": {date}})
			}
			if p := move(ins[0].ID, "2026-06-04"); p.status != 400 || !regexp.MustCompile(`ne peut pas être reportée`).MatchString(p.body) {
				t.Fatalf("15 days later: %d %s", p.status, p.body)
			}
			if p := b.post("/p/plan/move", url.Values{"instalment": {ins[0].ID}, "date": {"2026-05-25"}}); p.status != 403 {
				t.Fatalf("without CSRF: %d", p.status)
			}
			if p := move(ins[0].ID, "2026-06-03"); p.status != 303 {
				t.Fatalf("move: %d %s", p.status, p.body)
			}
			after, _ := e.db.ListInstalments(ctx, e.tenantA, e.fr.ID)
			if after[0].DueOn.String() != "2026-06-03" || after[1].DueOn != ins[1].DueOn {
				t.Fatalf("schedule after the move: %+v", after)
			}
			evs, _ := e.db.ListEvents(ctx, e.tenantA, e.fr.ID, 0, 0)
			last := evs[len(evs)-1]
			if last.Kind != portal.EventInstalmentMoved || last.Actor.Kind != portal.ActorDebtor {
				t.Fatalf("last event %s by %+v", last.Kind, last.Actor)
			}
			if p := move(ins[1].ID, "2026-06-25"); p.status != 409 {
				t.Fatalf("second move: %d", p.status)
			}
			mustNotContain(t, "plan with no move left", b.get("/p").body, `action="/p/plan/move"`)
			if again, _ := e.db.ListInstalments(ctx, e.tenantA, e.fr.ID); again[1].DueOn != ins[1].DueOn {
				t.Fatalf("a refused move changed the schedule: %+v", again[1])
			}
		})
	}
}
