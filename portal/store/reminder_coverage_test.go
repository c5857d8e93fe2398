package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// beConsumerClaim has four invoices falling due one after the other, the
// last one on storetest's today (2024-06-30).
func beConsumerClaim(ref string) *portal.Claim {
	d := portal.MustDate
	return &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan Peeters", Language: "nl", Postcode: "9000", Country: "BE"},
		Invoices: []*portal.Invoice{
			{Number: "A", IssueDate: d("2024-01-01"), DueDate: d("2024-01-31"), Amount: 10000},
			{Number: "B", IssueDate: d("2024-03-01"), DueDate: d("2024-03-31"), Amount: 10000},
			{Number: "C", IssueDate: d("2024-04-15"), DueDate: d("2024-05-15"), Amount: 10000},
			{Number: "D", IssueDate: d("2024-06-01"), DueDate: d("2024-06-30"), Amount: 10000},
		}}
}

// reminders sums up a claim's first reminder, then each invoice's.
func reminders(c *portal.Claim) string {
	out := []string{"claim " + c.FirstReminderOn.String() + " " + c.FirstReminderChannel}
	for _, inv := range c.Invoices {
		out = append(out, fmt.Sprintf("%s %s %s", inv.Number, inv.FirstReminderOn, inv.FirstReminderChannel))
	}
	return strings.Join(out, "; ")
}

// TestRecordDatesFirstReminder records first reminders sent before Relais
// one after the other: a date only ever moves earlier, for the claim and
// for each invoice; a reminder covers the invoices due before its day
// (not one due that very day).
func TestRecordDatesFirstReminder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		c := beConsumerClaim("BE-R1")
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			on, channel string
			want        string
			covers      string
		}{
			// The first one known: the claim's, and A's, B's, C's (due before 05-20).
			{"2024-05-20", "letter", "claim 2024-05-20 letter; A 2024-05-20 letter; B 2024-05-20 letter; C 2024-05-20 letter; D  ", "A,B,C"},
			// An earlier one replaces it for the claim, A and B; C fell due after it.
			{"2024-04-15", "email", "claim 2024-04-15 email; A 2024-04-15 email; B 2024-04-15 email; C 2024-05-20 letter; D  ", "A,B"},
			// A later one changes nothing: every invoice due before it has an earlier one.
			{"2024-06-01", "email", "claim 2024-04-15 email; A 2024-04-15 email; B 2024-04-15 email; C 2024-05-20 letter; D  ", ""},
			// One of the day D falls due does not cover D.
			{"2024-06-30", "letter", "claim 2024-04-15 email; A 2024-04-15 email; B 2024-04-15 email; C 2024-05-20 letter; D  ", ""},
		} {
			got, err := db.RecordDates(ctx, tn.ID, c.ID, portal.DatesChange{FirstReminderOn: portal.MustDate(step.on), FirstReminderChannel: step.channel, Reason: "sent before Relais"})
			if err != nil {
				t.Fatalf("%s: %v", step.on, err)
			}
			if s := reminders(got); s != step.want {
				t.Fatalf("after %s:\n got %s\nwant %s", step.on, s, step.want)
			}
			evs, _ := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
			var p struct {
				FirstReminderOn string   `json:"first_reminder_on"`
				Channel         string   `json:"first_reminder_channel"`
				Covers          []string `json:"covers_invoices"`
				By              string   `json:"by"`
			}
			last := evs[len(evs)-1]
			json.Unmarshal([]byte(last.Payload), &p)
			if last.Kind != portal.EventDatesRecorded || p.FirstReminderOn != step.on || p.Channel != step.channel || strings.Join(p.Covers, ",") != step.covers || p.By == "" {
				t.Fatalf("event of %s: %s %s", step.on, last.Kind, last.Payload)
			}
		}
		if _, err := db.RecordDates(ctx, tn.ID, c.ID, portal.DatesChange{FirstReminderOn: portal.MustDate("2024-07-01"), FirstReminderChannel: "letter", Reason: "x"}); portal.ErrorField(err) != "first_reminder_on" {
			t.Fatalf("future reminder: %v", err)
		}
		if _, err := db.RecordDates(ctx, tn.ID, c.ID, portal.DatesChange{FirstReminderOn: portal.MustDate("2024-01-31"), FirstReminderChannel: "letter", Reason: "x"}); portal.ErrorField(err) != "first_reminder_on" {
			t.Fatalf("reminder before anything fell due: %v", err)
		}
	})
}

// TestCreateClaimFirstReminder: a claim loaded with a first reminder sent
// before Relais has it cover the invoices already due that day; one in the
// future or by another channel than letter or e-mail is refused.
func TestCreateClaimFirstReminder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		c := beConsumerClaim("BE-C1")
		c.FirstReminderOn, c.FirstReminderChannel = portal.MustDate("2024-04-02"), "letter"
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		want := "claim 2024-04-02 letter; A 2024-04-02 letter; B 2024-04-02 letter; C  ; D  "
		if s := reminders(c); s != want {
			t.Fatalf("returned:\n got %s\nwant %s", s, want)
		}
		got, err := db.FindClaim(ctx, tn.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := reminders(got); s != want {
			t.Fatalf("stored:\n got %s\nwant %s", s, want)
		}
		for _, tc := range []struct {
			on, channel, field string
		}{{"2024-07-01", "letter", "first_reminder_on"}, {"2024-04-02", "sms", "first_reminder_channel"}, {"", "email", "first_reminder_on"}} {
			bad := beConsumerClaim("BE-BAD-" + tc.channel)
			if tc.on != "" {
				bad.FirstReminderOn = portal.MustDate(tc.on)
			}
			bad.FirstReminderChannel = tc.channel
			if err := db.CreateClaim(ctx, tn.ID, bad); portal.ErrorField(err) != tc.field {
				t.Fatalf("%s %s: %v", tc.on, tc.channel, err)
			}
		}
	})
}
