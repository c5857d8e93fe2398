package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestDatesAPIFirstReminder: a first reminder sent before Relais (Book
// XIX) is recorded with its channel through POST /dates, as evidence with
// who recorded it. An earlier one than the claim's becomes the claim's
// and that of the invoices already due on its day; a later one leaves the
// claim's and covers only the invoices that had none. Today: 2024-06-30.
func TestDatesAPIFirstReminder(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newEscFixture(t, dialect)
			ctx := context.Background()
			d := portal.MustDate
			// Loaded with a first reminder e-mailed on 2024-05-10: it covers
			// A (due 01-31) and B (due 03-31), not C (due 06-15).
			c := &portal.Claim{Reference: "FR1-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
				FirstReminderOn: d("2024-05-10"), FirstReminderChannel: "email",
				Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan Peeters", Language: "nl", Postcode: "9000", Country: "BE"},
				Invoices: []*portal.Invoice{
					{Number: "A", IssueDate: d("2024-01-01"), DueDate: d("2024-01-31"), Amount: 10000},
					{Number: "B", IssueDate: d("2024-03-01"), DueDate: d("2024-03-31"), Amount: 20000},
					{Number: "C", IssueDate: d("2024-05-16"), DueDate: d("2024-06-15"), Amount: 30000},
				}}
			if err := f.db.CreateClaim(ctx, f.tenant.ID, c); err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/claims/" + c.ID + "/dates"
			// reminders reads the claim's first reminder, then each invoice's.
			reminders := func(b []byte) string {
				t.Helper()
				var got portal.Claim
				if err := json.Unmarshal(b, &got); err != nil {
					t.Fatalf("%s: %v", b, err)
				}
				out := []string{got.FirstReminderOn.String() + " " + got.FirstReminderChannel}
				for _, inv := range got.Invoices {
					out = append(out, inv.Number+" "+inv.FirstReminderOn.String()+" "+inv.FirstReminderChannel)
				}
				return strings.Join(out, "; ")
			}
			if _, b := f.do("GET", "/api/v1/claims/"+c.ID, nil); reminders(b) != "2024-05-10 email; A 2024-05-10 email; B 2024-05-10 email; C  " {
				t.Fatalf("loaded: %s", reminders(b))
			}

			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
				msg   string
			}{
				{"in the future", map[string]any{"first_reminder_on": "2024-07-01", "first_reminder_channel": "letter", "reason": "x"}, "first_reminder_on", "in the future"},
				{"without channel", map[string]any{"first_reminder_on": "2024-04-02", "reason": "x"}, "first_reminder_channel", "required"},
				{"channel without date", map[string]any{"first_reminder_channel": "letter", "reason": "x"}, "first_reminder_on", "required"},
				{"by post", map[string]any{"first_reminder_on": "2024-04-02", "first_reminder_channel": "post", "reason": "x"}, "first_reminder_channel", "letter or email"},
				{"before anything fell due", map[string]any{"first_reminder_on": "2024-01-31", "first_reminder_channel": "letter", "reason": "x"}, "first_reminder_on", "not after the due date"},
				{"not a date", map[string]any{"first_reminder_on": "02/04/2024", "first_reminder_channel": "letter", "reason": "x"}, "first_reminder_on", "YYYY-MM-DD"},
			} {
				code, b := f.do("POST", path, tc.body)
				if e := decode[apiErr](t, b); code != 400 || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, tc.msg) {
					t.Fatalf("%s: %d %s", tc.name, code, b)
				}
			}

			// Posted on 2024-04-02, before the e-mail: the claim's first
			// reminder, and A's and B's (due before it); C fell due later.
			code, b := f.do("POST", path, map[string]any{"first_reminder_on": "2024-04-02", "first_reminder_channel": "letter", "reason": "reminder posted before Relais"})
			if got, want := reminders(b), "2024-04-02 letter; A 2024-04-02 letter; B 2024-04-02 letter; C  "; code != 200 || got != want {
				t.Fatalf("earlier reminder: %d %s\nwant %s", code, got, want)
			}
			evs, _ := f.db.ListEvents(ctx, f.tenant.ID, c.ID, 0, 0)
			last := evs[len(evs)-1]
			var p map[string]any
			json.Unmarshal([]byte(last.Payload), &p)
			if last.Kind != portal.EventDatesRecorded || p["first_reminder_on"] != "2024-04-02" || p["first_reminder_channel"] != "letter" ||
				p["previous_first_reminder_on"] != "2024-05-10" || p["previous_first_reminder_channel"] != "email" ||
				p["by"] != "api_key:"+f.keyID || p["reason"] != "reminder posted before Relais" || strings.Join(strs(p["covers_invoices"]), ",") != "A,B" {
				t.Fatalf("event: %s %s", last.Kind, last.Payload)
			}

			// E-mailed on 2024-06-20, after the claim's: the claim and A, B
			// keep 2024-04-02; C, due 06-15, gets its own.
			code, b = f.do("POST", path, map[string]any{"first_reminder_on": "2024-06-20", "first_reminder_channel": "email", "reason": "reminder for C"})
			if got, want := reminders(b), "2024-04-02 letter; A 2024-04-02 letter; B 2024-04-02 letter; C 2024-06-20 email"; code != 200 || got != want {
				t.Fatalf("later reminder: %d %s\nwant %s", code, got, want)
			}
			evs, _ = f.db.ListEvents(ctx, f.tenant.ID, c.ID, 0, 0)
			json.Unmarshal([]byte(evs[len(evs)-1].Payload), &p)
			if strings.Join(strs(p["covers_invoices"]), ",") != "C" || p["first_reminder_on"] != "2024-06-20" {
				t.Fatalf("event: %s", evs[len(evs)-1].Payload)
			}
		})
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
