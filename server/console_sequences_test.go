package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/store/storetest"
)

func TestConsoleSequences(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			count := func(tenantID string) int {
				seqs, err := e.db.FindSequences(ctx, tenantID)
				if err != nil {
					t.Fatal(err)
				}
				return len(seqs)
			}
			builtins := count(e.tenantA)
			status, page, _ := e.do(e.viewer, "GET", "/console/sequences", nil)
			if status != 200 || !strings.Contains(page, "shipped with Relais") || strings.Contains(page, `action="/console/sequences"`) {
				t.Fatalf("sequences as viewer: %d", status)
			}
			form := func() url.Values {
				return url.Values{"name": {"Douce"}, "creditor_id": {""},
					"day": {"3", "10", "", "25"}, "template": {"friendly", "sms_reminder", "", "formal_notice"}}
			}
			if status, page, _ := e.do(e.owner, "GET", "/console/sequences/templates/friendly", nil); status != 200 ||
				!strings.Contains(page, `<section class="template-preview" id="preview-nl" lang="nl">`) || !strings.Contains(page, "Alpha SAS") ||
				!strings.Contains(page, "R-2024-0042") || !strings.Contains(page, "Bonjour Dupont SARL") {
				t.Fatalf("template preview: %d\n%s", status, page)
			}
			if status, _, _ := e.do(e.viewer, "GET", "/console/sequences/templates/nope", nil); status != 404 {
				t.Errorf("unknown template: %d", status)
			}
			// Refused: no CSRF, an agent, B's creditor, days out of order.
			f := form()
			f.Set("csrf", "")
			if status, _, _ := e.do(e.owner, "POST", "/console/sequences", f); status != 403 {
				t.Errorf("no CSRF: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", "/console/sequences", form()); status != 403 {
				t.Errorf("agent creates a sequence: %d", status)
			}
			f = form()
			f.Set("creditor_id", e.creditorB.ID)
			if status, page, _ := e.do(e.owner, "POST", "/console/sequences", f); status != 400 || !strings.Contains(page, "This creditor is not one of the account&#39;s.") {
				t.Errorf("B's creditor: %d", status)
			}
			f = form()
			f["day"] = []string{"10", "3", "", "25"}
			status, page, _ = e.do(e.owner, "POST", "/console/sequences", f)
			if status != 400 || !strings.Contains(page, `id="err-steps.1">A number of days from 0 to 365, not before the step above.`) || !strings.Contains(page, `value="Douce"`) {
				t.Fatalf("days out of order: %d\n%s", status, page)
			}
			f = form()
			f["template"] = []string{"", "", "", ""}
			f["day"] = []string{"", "", "", ""}
			if status, page, _ := e.do(e.owner, "POST", "/console/sequences", f); status != 400 || !strings.Contains(page, `id="err-steps">A sequence has 1 to 20 steps`) {
				t.Errorf("no step: %d", status)
			}
			if n := count(e.tenantA); n != builtins {
				t.Fatalf("refused forms stored sequences: %d", n-builtins)
			}
			if chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountSequenceCreated, "", 10); len(chs) != 0 {
				t.Fatalf("refused forms recorded changes")
			}
			// Saved: three steps on the channels of their templates.
			status, _, loc := e.do(e.owner, "POST", "/console/sequences", form())
			if status != 303 || !strings.Contains(loc, "created=") {
				t.Fatalf("create: %d %s", status, loc)
			}
			seqs, _ := e.db.FindSequences(ctx, e.tenantA)
			var made *portal.ReminderSequence
			for _, s := range seqs {
				if s.Name == "Douce" {
					made = s
				}
			}
			if made == nil || len(made.Steps) != 3 || made.Steps[1].DayOffset != 10 || made.Steps[1].Channel != portal.ChannelSMS || made.Steps[2].Channel != portal.ChannelLetter {
				t.Fatalf("stored sequence: %+v", made)
			}
			if count(e.tenantB) != builtins {
				t.Errorf("B got A's sequence")
			}
			chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountSequenceCreated, made.ID, 10)
			if len(chs) != 1 || chs[0].SubjectID != made.ID || chs[0].Actor.ID != e.owner.ID || !strings.Contains(string(chs[0].Payload), `"Douce"`) {
				t.Fatalf("account log entry: %+v", chs)
			}
			// Edit: the form filled from it, saved as a new sequence.
			_, page, _ = e.do(e.owner, "GET", "/console/sequences?from="+made.ID, nil)
			if !strings.Contains(page, `value="Douce (edited)"`) || !strings.Contains(page, `<option value="sms_reminder" selected>`) {
				t.Fatalf("edit form not filled")
			}
		})
	}
}

func TestConsoleRetention(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			if status, page, _ := e.do(e.viewer, "GET", "/console/retention", nil); status != 200 || !strings.Contains(page, "60 months") || strings.Contains(page, `action="/console/retention"`) {
				t.Fatalf("retention as viewer: %d", status)
			}
			ok := url.Values{"no_prescription_months": {"72"}, "grace_months": {"18"}}
			noCSRF := url.Values{"csrf": {""}, "no_prescription_months": {"72"}, "grace_months": {"18"}}
			if status, _, _ := e.do(e.owner, "POST", "/console/retention", noCSRF); status != 403 {
				t.Errorf("no CSRF: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", "/console/retention", url.Values{"no_prescription_months": {"72"}, "grace_months": {"18"}}); status != 403 {
				t.Errorf("agent: %d", status)
			}
			status, page, _ := e.do(e.owner, "POST", "/console/retention", url.Values{"no_prescription_months": {"6"}, "grace_months": {"18"}})
			if status != 400 || !strings.Contains(page, `id="err-no_prescription_months">A whole number of months from 12 to 360.`) || !strings.Contains(page, `value="6"`) {
				t.Fatalf("too short: %d\n%s", status, page)
			}
			if p, _ := e.run.Deps.Privacy.Retention(ctx, e.tenantA); p.NoPrescriptionMonths != 60 {
				t.Fatalf("refused form changed the retention: %+v", p)
			}
			if status, _, loc := e.do(e.owner, "POST", "/console/retention", ok); status != 303 || loc != "/console/retention?saved=1" {
				t.Fatalf("save: %d %s", status, loc)
			}
			if p, _ := e.run.Deps.Privacy.Retention(ctx, e.tenantA); p.NoPrescriptionMonths != 72 || p.GraceMonths != 18 {
				t.Fatalf("stored: %+v", p)
			}
			if p, _ := e.run.Deps.Privacy.Retention(ctx, e.tenantB); p.NoPrescriptionMonths != 60 {
				t.Fatalf("B's retention changed: %+v", p)
			}
			chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountRetentionSet, "", 10)
			if len(chs) != 1 || chs[0].Actor.ID != e.owner.ID || chs[0].SubjectID != "" || !strings.Contains(string(chs[0].Payload), `"grace_months":18`) {
				t.Fatalf("account log entry: %+v", chs)
			}
			if _, page, _ := e.do(e.agent, "GET", "/console/retention", nil); !strings.Contains(page, e.owner.Email) || !strings.Contains(page, "72 months") {
				t.Errorf("the change is not shown with its author")
			}
		})
	}
}

// TestConsoleClaimSequence: agents and owners choose the sequence a claim
// follows on its back-office page, among the account's sequences for
// every creditor or the claim's (another tenant's sequence is refused in
// words beside the field); the choice is in the account log with the
// user, and the scheduler follows it.
func TestConsoleClaimSequence(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			mine := &portal.ReminderSequence{Name: "Lettre", Steps: []*portal.ReminderStep{{DayOffset: 0, Channel: portal.ChannelLetter, TemplateKey: "formal_notice"}}}
			theirs := &portal.ReminderSequence{Name: "Beta's", Steps: []*portal.ReminderStep{{DayOffset: 0, Channel: portal.ChannelLetter, TemplateKey: "formal_notice"}}}
			if err := e.db.CreateSequence(ctx, e.tenantA, mine); err != nil {
				t.Fatal(err)
			}
			if err := e.db.CreateSequence(ctx, e.tenantB, theirs); err != nil {
				t.Fatal(err)
			}
			path := "/console/claims/" + e.claimA.ID + "/sequence"
			_, page, _ := e.do(e.agent, "GET", "/console/claims/"+e.claimA.ID+"/manage", nil)
			if !strings.Contains(page, `<option value="`+mine.ID+`">Lettre</option>`) || strings.Contains(page, theirs.ID) {
				t.Fatalf("the page's sequences")
			}
			if _, page, _ := e.do(e.viewer, "GET", "/console/claims/"+e.claimA.ID+"/manage", nil); strings.Contains(page, `action="`+path+`"`) {
				t.Errorf("a viewer gets the form")
			}
			if status, _, _ := e.do(e.viewer, "POST", path, url.Values{"sequence.sequence_id": {mine.ID}}); status != 403 {
				t.Errorf("viewer: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", path, url.Values{"csrf": {""}, "sequence.sequence_id": {mine.ID}}); status != 403 {
				t.Errorf("no CSRF: %d", status)
			}
			if status, _, _ := e.do(e.ownerB, "POST", path, url.Values{"sequence.sequence_id": {theirs.ID}}); status != 404 {
				t.Errorf("B's owner on A's claim: %d", status)
			}
			status, page, _ := e.do(e.agent, "POST", path, url.Values{"sequence.sequence_id": {theirs.ID}})
			if status != 400 || !strings.Contains(page, "is not one of this account") {
				t.Fatalf("B's sequence: %d", status)
			}
			if chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountSequenceChosen, "", 10); len(chs) != 0 {
				t.Fatalf("a refused choice was logged")
			}
			status, _, loc := e.do(e.agent, "POST", path, url.Values{"sequence.sequence_id": {mine.ID}})
			if status != 303 || !strings.HasSuffix(loc, "/manage?done=sequence#sequence") {
				t.Fatalf("choose: %d %s", status, loc)
			}
			chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountSequenceChosen, e.claimA.ID, 10)
			if len(chs) != 1 || chs[0].Actor.ID != e.agent.ID || !strings.Contains(string(chs[0].Payload), mine.ID) {
				t.Fatalf("account log: %+v", chs)
			}
			if _, page, _ := e.do(e.agent, "GET", loc, nil); !strings.Contains(page, "The claim&#39;s reminder sequence was chosen.") {
				t.Errorf("no confirmation")
			}
		})
	}
}

// TestConsoleSequenceEditInPlace: an owner changes the name and steps of
// a sequence no reminder was sent from, keeping its ID (the claims that
// follow it keep following it), with sequence.updated in the account log;
// a built-in sequence and one a reminder was sent from are refused in
// words and offer only "edit as a new sequence"; agents, a missing CSRF
// token and another tenant's owner are refused.
func TestConsoleSequenceEditInPlace(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			seq := &portal.ReminderSequence{Name: "Douce", Steps: []*portal.ReminderStep{{DayOffset: 3, Channel: portal.ChannelEmail, TemplateKey: "friendly"}}}
			if err := e.db.CreateSequence(ctx, e.tenantA, seq); err != nil {
				t.Fatal(err)
			}
			path := "/console/sequences/" + seq.ID
			_, page, _ := e.do(e.owner, "GET", "/console/sequences", nil)
			if n := strings.Count(page, `class="sequence-edit"`); n != 1 || !strings.Contains(page, `href="/console/sequences?edit=`+seq.ID+`#sequence-form"`) {
				t.Fatalf("edit links: %d", n)
			}
			_, page, _ = e.do(e.owner, "GET", "/console/sequences?edit="+seq.ID, nil)
			if !strings.Contains(page, `action="`+path+`"`) || !strings.Contains(page, `value="Douce"`) || !strings.Contains(page, `<option value="friendly" selected>`) {
				t.Fatalf("edit form not filled from the sequence")
			}
			form := func() url.Values {
				return url.Values{"name": {"Douce puis ferme"}, "day": {"5", "20"}, "template": {"friendly", "formal_notice"}}
			}
			f := form()
			f.Set("csrf", "")
			if status, _, _ := e.do(e.owner, "POST", path, f); status != 403 {
				t.Errorf("no CSRF: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", path, form()); status != 403 {
				t.Errorf("agent: %d", status)
			}
			if status, _, _ := e.do(e.ownerB, "POST", path, form()); status != 404 {
				t.Errorf("B's owner: %d", status)
			}
			f = form()
			f["day"] = []string{"20", "5"}
			if status, page, _ := e.do(e.owner, "POST", path, f); status != 400 || !strings.Contains(page, `action="`+path+`"`) ||
				!strings.Contains(page, `id="err-steps.1">A number of days from 0 to 365, not before the step above.`) {
				t.Fatalf("days out of order: %d", status)
			}
			status, _, loc := e.do(e.owner, "POST", path, form())
			if status != 303 || loc != "/console/sequences?updated="+seq.ID+"#sequence-"+seq.ID {
				t.Fatalf("update: %d %s", status, loc)
			}
			seqs, _ := e.db.FindSequences(ctx, e.tenantA)
			var got *portal.ReminderSequence
			for _, s := range seqs {
				if s.ID == seq.ID {
					got = s
				}
			}
			if got == nil || got.Name != "Douce puis ferme" || len(got.Steps) != 2 || got.Steps[1].DayOffset != 20 || got.Steps[1].Channel != portal.ChannelLetter {
				t.Fatalf("stored: %+v", got)
			}
			chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountSequenceUpdated, seq.ID, 10)
			if len(chs) != 1 || chs[0].Actor.ID != e.owner.ID || !strings.Contains(string(chs[0].Payload), `"Douce"`) || !strings.Contains(string(chs[0].Payload), `"Douce puis ferme"`) {
				t.Fatalf("account log: %+v", chs)
			}
			// A built-in sequence stays as shipped.
			var builtin *portal.ReminderSequence
			for _, s := range seqs {
				if s.Builtin != "" {
					builtin = s
				}
			}
			if status, page, _ := e.do(e.owner, "POST", "/console/sequences/"+builtin.ID, form()); status != 409 || !strings.Contains(page, `id="sequence-fixed">The steps of this sequence are fixed`) {
				t.Errorf("built-in: %d", status)
			}
			// Once a reminder was sent from it, its steps are fixed.
			if err := e.db.SetClaimSequence(ctx, e.tenantA, e.claimA.ID, seq.ID); err != nil {
				t.Fatal(err)
			}
			sched := &reminders.Scheduler{Store: e.db, Links: e.db, Letters: e.run.Letters, Clock: e.clock, BaseURL: e.run.Base, Holder: "test"}
			if _, err := sched.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if sent, _ := e.db.SequencesSent(ctx, e.tenantA); !sent[seq.ID] {
				t.Fatalf("no reminder sent from the sequence: %v", sent)
			}
			if status, page, _ := e.do(e.owner, "POST", path, form()); status != 409 || !strings.Contains(page, "The steps of this sequence are fixed") {
				t.Errorf("after a send: %d", status)
			}
			_, page, _ = e.do(e.owner, "GET", "/console/sequences?edit="+seq.ID, nil)
			if strings.Contains(page, `class="sequence-edit"`) || strings.Contains(page, `action="`+path+`"`) {
				t.Errorf("a sequence reminders were sent from is offered in place")
			}
		})
	}
}
