package reminders_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/promises"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestBrokenPromiseResumesReminders (issue 20): while a promise to pay is
// expected the claim gets no reminder, up to the last day of the grace
// after its date; the next day the promises job breaks it (nothing was
// paid), writes promise.broken, tells the agent in the conversation and
// puts it in the queue, and the reminders go out again.
func TestBrokenPromiseResumesReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		ctx := context.Background()
		c := f.claim(t, "R-PROMISE", "2024-06-01") // be-consumer: day 3 e-mail, 10 SMS
		other := f.claim(t, "R-OTHER", "2024-06-01")
		agent := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, ID: "agent-1", TenantID: f.tenant.ID})
		p, err := f.db.RecordPromise(agent, f.tenant.ID, c.ID, portal.PromiseInput{Amount: 12550, DueOn: portal.MustDate("2024-06-10"), Source: portal.PromiseFromAgent})
		if err != nil {
			t.Fatal(err)
		}
		job := &promises.Job{Store: f.db, Clock: f.clock, Owner: "a"}

		// Day 3: the other claim is reminded, the promised one waits.
		if r := f.run(t, "2024-06-04 10:00"); r.Sent != 1 || r.Paused != 1 {
			t.Fatalf("day 3: %+v, want one sent, one paused", r)
		}
		if n := len(f.sends(t, c.ID)); n != 0 || len(f.sends(t, other.ID)) != 1 {
			t.Fatalf("the promised claim has %d sends", n)
		}
		// The store refuses the send too, should a scheduler have read the
		// claim before the promise.
		seqs, err := f.db.FindSequences(ctx, f.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.BeginSend(ctx, f.tenant.ID, c.ID, seqs[0].Steps[0], portal.MustDate("2024-06-13"), ""); portal.ErrorCode(err) != portal.ECONFLICT {
			t.Fatalf("BeginSend during the promise: %v, want conflict", err)
		}
		// The last day of the grace (10 June + 3): still nothing.
		f.clock.T = local("2024-06-13 10:00")
		if rep, ran, err := job.RunOnce(ctx); err != nil || !ran || rep.Broken != 0 {
			t.Fatalf("job on the last day of grace: %+v %v %v", rep, ran, err)
		}
		if r := f.run(t, "2024-06-13 10:00"); r.Paused != 1 || len(f.sends(t, c.ID)) != 0 {
			t.Fatalf("last day of grace: %+v", r)
		}

		// The day after: broken.
		f.clock.T = local("2024-06-14 09:00")
		rep, ran, err := job.RunOnce(ctx)
		if err != nil || !ran || rep.Broken != 1 {
			t.Fatalf("job the day after: %+v %v %v", rep, ran, err)
		}
		ps, err := f.db.ClaimPromises(ctx, f.tenant.ID, c.ID)
		if err != nil || len(ps) != 1 || ps[0].ID != p.ID || ps[0].Status != portal.PromiseBroken {
			t.Fatalf("promise after the job: %v %+v", err, ps)
		}
		if evs := f.events(t, c.ID, portal.EventPromiseBroken); len(evs) != 1 || evs[0].Actor.ID != "promises" || !strings.Contains(evs[0].Payload, `"promise_id":"`+p.ID+`"`) {
			t.Fatalf("promise.broken events %+v", evs)
		}
		conv, err := f.db.OpenConversation(ctx, f.tenant.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if conv.State != negotiation.StateWaiting {
			t.Fatalf("the conversation is %s, want waiting for an agent", conv.State)
		}
		msgs, err := f.db.Messages(ctx, f.tenant.ID, conv.ID, 0, 0, true)
		if err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Kind != negotiation.MsgSystem || !strings.HasPrefix(msgs[len(msgs)-1].Text, "promise.broken|12550|EUR|2|2024-06-10|0") {
			t.Fatalf("the agent was not told: %v %+v", err, msgs)
		}
		// A second run (or another instance) judges nothing again.
		if rep, _, err := job.RunOnce(ctx); err != nil || rep.Broken != 0 {
			t.Fatalf("judged twice: %+v %v", rep, err)
		}
		// Reminders resume.
		if r := f.run(t, "2024-06-14 10:00"); r.Sent < 1 || len(f.sends(t, c.ID)) == 0 {
			t.Fatalf("after the broken promise: %+v", r)
		}
	})
}

// TestPromiseJobLease: of two instances, one judges at a time.
func TestPromiseJobLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		f := setup(t, dialectOf(t))
		ctx := context.Background()
		ok, err := f.db.AcquireLease(ctx, promises.LeaseName, "b", time.Minute)
		if err != nil || !ok {
			t.Fatalf("lease for b: %v %v", ok, err)
		}
		job := &promises.Job{Store: f.db, Clock: f.clock, Owner: "a"}
		if _, ran, err := job.RunOnce(ctx); err != nil || ran {
			t.Fatalf("a ran while b held the lease: %v %v", ran, err)
		}
	})
}
