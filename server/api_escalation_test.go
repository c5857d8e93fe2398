package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server"
)

// escFixture is a real server on a real database with one tenant, its
// creditor and an API key, under a fixed clock.
type escFixture struct {
	t      *testing.T
	db     *store.DB
	clock  *portal.FixedClock
	srv    *server.Server
	lt     *store.LetterStore
	tenant *portal.Tenant
	key    string
	keyID  string
}

func newEscFixture(t *testing.T, dialect string) *escFixture {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Recouvra SAS"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	cr := &portal.Creditor{TenantID: tn.ID, LegalName: "Boulangerie Martin SARL", CompanyNumber: "552 100 554", Address: "3 rue des Lilas, 69003 Lyon", Country: "FR", IBAN: "FR7630006000011234567890189"}
	if err := db.CreateCreditor(ctx, cr); err != nil {
		t.Fatal(err)
	}
	k, secret, err := db.CreateAPIKey(ctx, tn.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	letters := &store.LetterStore{DB: db, Rates: rates, PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
		l, token, err := db.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, 0)
		if err != nil {
			return "", "", err
		}
		return l.ID, server.PortalURL("https://relais.example", token), nil
	}}
	srv := server.New(server.Config{BaseURL: "https://relais.example"}, server.Deps{
		Claims: db, Tenants: db, Events: db, DB: db, Clock: clock, Escalation: db, Timelines: db, Letters: letters,
		Links: db, Rates: rates,
	})
	return &escFixture{t: t, db: db, clock: clock, srv: srv, lt: letters, tenant: tn, key: secret, keyID: k.ID}
}

// claim stores a claim of the fixture's tenant.
func (f *escFixture) claim(ref string, j portal.Jurisdiction, kind portal.DebtorKind, lang string) *portal.Claim {
	f.t.Helper()
	c := &portal.Claim{
		Reference: ref, Currency: "EUR", Jurisdiction: j,
		Debtor: &portal.Debtor{Kind: kind, Name: "Dupont & Fils", Language: lang, Address: "12 avenue Foch", Postcode: "75016", Country: string(j)},
		Invoices: []*portal.Invoice{
			{Number: "F-2024-001", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000},
		},
	}
	if err := f.db.CreateClaim(context.Background(), f.tenant.ID, c); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// do sends a request with the API key and returns the status and body.
func (f *escFixture) do(method, path string, body any) (int, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+f.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type apiErr struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestStageAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newEscFixture(t, dialect)
			c := f.claim("ST-1", portal.JurisdictionFR, portal.DebtorBusiness, "fr")
			stage := "/api/v1/claims/" + c.ID + "/stage"
			status := "/api/v1/claims/" + c.ID + "/status"

			refused := []struct {
				name   string
				path   string
				body   map[string]any
				code   int
				field  string
				phrase string
			}{
				{"skip formal notice", stage, map[string]any{"to": "litigation", "procedure": "injonction_de_payer", "reason": "no answer"}, 400, "stage", "send the formal notice first"},
				{"enforcement without judgment", stage, map[string]any{"to": "enforcement", "reason": "go"}, 400, "stage", "without a judgment"},
				{"reason missing", stage, map[string]any{"to": "formal_notice"}, 400, "reason", "reason is required"},
				{"unknown stage", stage, map[string]any{"to": "court", "reason": "x"}, 400, "stage", "unknown stage"},
				{"future date", stage, map[string]any{"to": "formal_notice", "reason": "x", "formal_notice_on": "2024-07-01"}, 400, "formal_notice_on", "in the future"},
				{"bad date", stage, map[string]any{"to": "formal_notice", "reason": "x", "formal_notice_on": "30/06/2024"}, 400, "formal_notice_on", "not a valid date"},
				{"unknown field", stage, map[string]any{"to": "formal_notice", "reason": "x", "when": "now"}, 400, "when", "unknown field"},
				{"same status", status, map[string]any{"to": "open", "reason": "x"}, 409, "", "already open"},
				{"unknown status", status, map[string]any{"to": "paused", "reason": "x"}, 400, "status", "unknown status"},
			}
			for _, tt := range refused {
				t.Run(tt.name, func(t *testing.T) {
					code, b := f.do("POST", tt.path, tt.body)
					e := decode[apiErr](t, b)
					if code != tt.code || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.phrase) {
						t.Fatalf("got %d %s, want %d field %q mentioning %q", code, b, tt.code, tt.field, tt.phrase)
					}
				})
			}
			// Nothing was half-saved by the refusals.
			if got, _ := f.db.FindClaim(context.Background(), f.tenant.ID, c.ID); got.Stage != portal.StageAmicable || !got.FormalNoticeOn.IsZero() {
				t.Fatalf("refused moves changed the claim: %s %s", got.Stage, got.FormalNoticeOn)
			}

			t.Run("OK", func(t *testing.T) {
				code, b := f.do("POST", stage, map[string]any{"to": "formal_notice", "reason": "two reminders unanswered", "formal_notice_on": "2024-06-28"})
				if code != 200 {
					t.Fatalf("formal notice: %d %s", code, b)
				}
				got := decode[portal.Claim](t, b)
				if got.Stage != portal.StageFormalNotice || got.FormalNoticeOn != portal.MustDate("2024-06-28") {
					t.Fatalf("claim after move: %s %s", got.Stage, got.FormalNoticeOn)
				}
				evs, _ := f.db.ListEvents(context.Background(), f.tenant.ID, c.ID, 0, 0)
				last := evs[len(evs)-1]
				var p map[string]any
				json.Unmarshal([]byte(last.Payload), &p)
				if last.Kind != portal.EventStageChanged || p["from"] != "amicable" || p["to"] != "formal_notice" ||
					p["reason"] != "two reminders unanswered" || p["by"] != "api_key:"+f.keyID || last.Actor.Kind != portal.ActorAPIKey {
					t.Fatalf("event: %s %s actor %+v", last.Kind, last.Payload, last.Actor)
				}
			})
			t.Run("Disputed", func(t *testing.T) {
				if code, b := f.do("POST", status, map[string]any{"to": "disputed", "reason": "debtor says goods were faulty"}); code != 200 {
					t.Fatalf("dispute: %d %s", code, b)
				}
				code, b := f.do("POST", stage, map[string]any{"to": "pre_litigation", "reason": "x"})
				if e := decode[apiErr](t, b); code != 409 || e.Error.Message != "cannot escalate a disputed claim: resolve the dispute first" {
					t.Fatalf("escalating a disputed claim: %d %s", code, b)
				}
				if code, b := f.do("POST", status, map[string]any{"to": "in_plan", "reason": "x"}); code != 400 || !strings.Contains(string(b), "resolve the dispute first") {
					t.Fatalf("disputed → in plan: %d %s", code, b)
				}
				if code, b := f.do("POST", status, map[string]any{"to": "open", "reason": "dispute rejected: delivery note signed"}); code != 200 {
					t.Fatalf("reopen: %d %s", code, b)
				}
				evs, _ := f.db.ListEvents(context.Background(), f.tenant.ID, c.ID, 0, 0)
				var kinds []string
				for _, e := range evs {
					kinds = append(kinds, string(e.Kind))
				}
				if got := strings.Join(kinds, " "); got != "claim.created stage.changed status.changed status.changed" {
					t.Fatalf("events: %s", got)
				}
			})
			t.Run("Litigation", func(t *testing.T) {
				code, b := f.do("POST", stage, map[string]any{"to": "litigation", "reason": "x"})
				if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "procedure" || !strings.Contains(e.Error.Message, "injonction_de_payer") {
					t.Fatalf("litigation without procedure: %d %s", code, b)
				}
				code, b = f.do("POST", stage, map[string]any{"to": "litigation", "procedure": "uncontested_b2b", "reason": "x"})
				if code != 400 || !strings.Contains(string(b), "only in BE law") {
					t.Fatalf("Belgian procedure in France: %d %s", code, b)
				}
				code, b = f.do("POST", stage, map[string]any{"to": "litigation", "procedure": "injonction_de_payer", "reason": "notice period over",
					"order_on": "2024-06-20", "served_on": "2024-06-25"})
				got := decode[portal.Claim](t, b)
				if code != 200 || got.Procedure != "injonction_de_payer" || got.OrderOn != portal.MustDate("2024-06-20") || got.ServedOn != portal.MustDate("2024-06-25") {
					t.Fatalf("litigation: %d %s", code, b)
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				other := &portal.Tenant{Name: "Other"}
				f.db.CreateTenant(context.Background(), other)
				f.db.CreateCreditor(context.Background(), &portal.Creditor{TenantID: other.ID, LegalName: "Other SA"})
				oc := &portal.Claim{Reference: "O-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "X", Language: "fr", Postcode: "1000"},
					Invoices: []*portal.Invoice{{Number: "1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-02"), Amount: 100}}}
				if err := f.db.CreateClaim(context.Background(), other.ID, oc); err != nil {
					t.Fatal(err)
				}
				for _, p := range []string{"/stage", "/status"} {
					code, _ := f.do("POST", "/api/v1/claims/"+oc.ID+p, map[string]any{"to": "formal_notice", "reason": "x"})
					if code != 404 {
						t.Fatalf("another tenant's claim %s: %d", p, code)
					}
				}
				if code, _ := f.do("GET", "/api/v1/claims/"+oc.ID+"/timeline", nil); code != 404 {
					t.Fatalf("another tenant's timeline: %d", code)
				}
			})
		})
	}
}

// TestTimelineAPI follows a French B2B claim from amicable to an
// injonction de payer and checks the bands and the deadlines, computed by
// hand below.
func TestTimelineAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newEscFixture(t, dialect)
			c := f.claim("TL-1", portal.JurisdictionFR, portal.DebtorBusiness, "fr") // created 2024-06-30 10:00 UTC
			stage := "/api/v1/claims/" + c.ID + "/stage"

			f.clock.T = time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC)
			if code, b := f.do("POST", stage, map[string]any{"to": "formal_notice", "reason": "unanswered"}); code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			f.clock.T = time.Date(2024, 8, 5, 14, 30, 0, 0, time.UTC)
			if code, b := f.do("POST", stage, map[string]any{"to": "litigation", "procedure": "injonction_de_payer", "reason": "no payment",
				"order_on": "2024-07-20", "served_on": "2024-08-02"}); code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			// Monday 26 August 2024, 08:00 in Paris.
			f.clock.T = time.Date(2024, 8, 26, 6, 0, 0, 0, time.UTC)

			type timeline struct {
				Today  string
				Events []portal.Event
				Bands  []struct {
					Stage, Procedure string
					From             time.Time
					To               *time.Time
				}
				Deadlines []struct {
					Kind, Due, Status, Rule, Explanation string
					WarnFrom                             string `json:"warn_from"`
				}
			}
			code, b := f.do("GET", "/api/v1/claims/"+c.ID+"/timeline", nil)
			if code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			var tl timeline
			if err := json.Unmarshal(b, &tl); err != nil {
				t.Fatal(err)
			}
			if tl.Today != "2024-08-26" || len(tl.Events) != 3 {
				t.Fatalf("today %s, %d events", tl.Today, len(tl.Events))
			}
			t1, t2 := time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC), time.Date(2024, 8, 5, 14, 30, 0, 0, time.UTC)
			if len(tl.Bands) != 3 {
				t.Fatalf("bands: %+v", tl.Bands)
			}
			for i, want := range []struct {
				stage, proc string
				from        time.Time
				to          *time.Time
			}{
				{"amicable", "", time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC), &t1},
				{"formal_notice", "", t1, &t2},
				{"litigation", "injonction_de_payer", t2, nil},
			} {
				got := tl.Bands[i]
				if got.Stage != want.stage || got.Procedure != want.proc || !got.From.Equal(want.from) ||
					(want.to == nil) != (got.To == nil) || (want.to != nil && !got.To.Equal(*want.to)) {
					t.Errorf("band %d = %+v, want %+v", i, got, want)
				}
			}
			// By hand:
			//  - formal notice sent 2024-07-01 (today then), 8 days by default
			//    in France: due 2024-07-09, passed;
			//  - the order of 2024-07-20 was served on 2024-08-02, within six
			//    months: no "serve the order" deadline;
			//  - opposition within one month of service: 2024-09-02 (a
			//    Monday), warned from 7 days before, 2024-08-26 = today;
			//  - prescription: interrupted by the injonction de payer (order of
			//    2024-07-20) while the proceedings run (Code civil 2241,
			//    2242): no date shown.
			want := []string{
				"formal_notice_period 2024-07-09 2024-07-02 passed",
				"order_opposition 2024-09-02 2024-08-26 warning",
			}
			var got []string
			for _, d := range tl.Deadlines {
				got = append(got, strings.Join([]string{d.Kind, d.Due, d.WarnFrom, d.Status}, " "))
				if d.Rule == "" || d.Explanation == "" {
					t.Errorf("deadline %s has no rule or explanation", d.Kind)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("deadlines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}

			t.Run("FilterByKind", func(t *testing.T) {
				code, b := f.do("GET", "/api/v1/claims/"+c.ID+"/timeline?kind=stage.changed", nil)
				var tl timeline
				json.Unmarshal(b, &tl)
				if code != 200 || len(tl.Events) != 2 || tl.Events[0].Kind != portal.EventStageChanged || len(tl.Bands) != 3 {
					t.Fatalf("filtered: %d %d events %d bands", code, len(tl.Events), len(tl.Bands))
				}
				code, b = f.do("GET", "/api/v1/claims/"+c.ID+"/timeline?kind=claim.created,stage.changed", nil)
				json.Unmarshal(b, &tl)
				if code != 200 || len(tl.Events) != 3 {
					t.Fatalf("two kinds: %d %d", code, len(tl.Events))
				}
				code, b = f.do("GET", "/api/v1/claims/"+c.ID+"/timeline?kind=stage.moved", nil)
				if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "kind" || !strings.Contains(e.Error.Message, `"stage.moved"`) {
					t.Fatalf("unknown kind: %d %s", code, b)
				}
			})
		})
	}
}

// TestDatesAPI records an order's service after the move to litigation and
// an acknowledgement of the debt, and checks the deadlines they change
// (computed by hand in the comments).
func TestDatesAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newEscFixture(t, dialect) // today: Sunday 30 June 2024
			c := f.claim("DT-1", portal.JurisdictionFR, portal.DebtorBusiness, "fr")
			id := "/api/v1/claims/" + c.ID
			deadlines := func() string {
				t.Helper()
				code, b := f.do("GET", id+"/timeline", nil)
				if code != 200 {
					t.Fatalf("%d %s", code, b)
				}
				var tl struct {
					Deadlines []struct {
						Kind, Due, Status string
						WarnFrom          string `json:"warn_from"`
					}
				}
				json.Unmarshal(b, &tl)
				var out []string
				for _, d := range tl.Deadlines {
					if d.Kind != "formal_notice_period" {
						out = append(out, d.Kind+" "+d.Due+" "+d.WarnFrom+" "+d.Status)
					}
				}
				return strings.Join(out, "; ")
			}

			code, b := f.do("POST", id+"/dates", map[string]any{"served_on": "2024-06-28", "reason": "served"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "served_on" || !strings.Contains(e.Error.Message, "in litigation") {
				t.Fatalf("service before litigation: %d %s", code, b)
			}
			if code, b := f.do("POST", id+"/dates", map[string]any{"reason": "nothing"}); code != 400 || !strings.Contains(string(b), "at least one") {
				t.Fatalf("no date: %d %s", code, b)
			}
			f.do("POST", id+"/stage", map[string]any{"to": "formal_notice", "reason": "x", "formal_notice_on": "2024-06-01"})
			if code, b := f.do("POST", id+"/stage", map[string]any{"to": "litigation", "procedure": "injonction_de_payer", "reason": "x", "order_on": "2024-06-20"}); code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			// The order of 2024-06-20 must be served within 6 months: by
			// 2024-12-20, warned 30 days before (2024-11-20). It interrupts
			// prescription while the proceedings run: no date shown.
			if got, want := deadlines(), "serve_order 2024-12-20 2024-11-20 upcoming"; got != want {
				t.Fatalf("before service: %s\nwant %s", got, want)
			}
			code, b = f.do("POST", id+"/dates", map[string]any{"served_on": "2024-06-19", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "served_on" || !strings.Contains(e.Error.Message, "before the order") {
				t.Fatalf("service before the order: %d %s", code, b)
			}
			code, b = f.do("POST", id+"/dates", map[string]any{"judgment_on": "2024-06-25", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "judgment_on" {
				t.Fatalf("judgment in litigation: %d %s", code, b)
			}
			if code, b := f.do("POST", id+"/dates", map[string]any{"served_on": "2024-06-28", "reason": "served by Me Martin", "last_acknowledgement_on": "2024-06-29"}); code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			// Served 2024-06-28: one month to oppose ends Sunday 2024-07-28,
			// so Monday 2024-07-29, warned from 2024-07-22. Prescription is
			// still interrupted by the proceedings.
			if got, want := deadlines(), "order_opposition 2024-07-29 2024-07-22 upcoming"; got != want {
				t.Fatalf("after service: %s\nwant %s", got, want)
			}
			code, b = f.do("POST", id+"/dates", map[string]any{"last_acknowledgement_on": "2024-06-29", "reason": "again"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "last_acknowledgement_on" {
				t.Fatalf("same acknowledgement again: %d %s", code, b)
			}
			evs, _ := f.db.ListEvents(context.Background(), f.tenant.ID, c.ID, 0, 0)
			last := evs[len(evs)-1]
			if last.Kind != portal.EventDatesRecorded || !strings.Contains(last.Payload, `"served_on":"2024-06-28"`) || !strings.Contains(last.Payload, `"reason":"served by Me Martin"`) {
				t.Fatalf("event: %s %s", last.Kind, last.Payload)
			}
			// The end of the proceedings: not before the service, not in
			// the future, then recorded with its event.
			code, b = f.do("POST", id+"/dates", map[string]any{"proceedings_ended_on": "2024-06-27", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "proceedings_ended_on" || !strings.Contains(e.Error.Message, "before the service") {
				t.Fatalf("end before the service: %d %s", code, b)
			}
			code, b = f.do("POST", id+"/dates", map[string]any{"proceedings_ended_on": "2024-07-01", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "proceedings_ended_on" || !strings.Contains(e.Error.Message, "future") {
				t.Fatalf("end in the future: %d %s", code, b)
			}
			code, b = f.do("POST", id+"/dates", map[string]any{"proceedings_ended_on": "2024-06-30", "reason": "order executed by the bailiff"})
			if got := decode[map[string]any](t, b); code != 200 || got["proceedings_ended_on"] != "2024-06-30" {
				t.Fatalf("end of proceedings: %d %s", code, b)
			}
			evs, _ = f.db.ListEvents(context.Background(), f.tenant.ID, c.ID, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventDatesRecorded || !strings.Contains(last.Payload, `"proceedings_ended_on":"2024-06-30"`) {
				t.Fatalf("event: %s %s", last.Kind, last.Payload)
			}
			// Once they end (2024-06-30), a full 5 years runs again from then
			// (the acknowledgement of 2024-06-29 is older): 2029-06-30,
			// warned from 2029-05-31.
			if got, want := deadlines(), "order_opposition 2024-07-29 2024-07-22 upcoming; prescription 2029-06-30 2029-05-31 upcoming"; got != want {
				t.Fatalf("after the proceedings: %s\nwant %s", got, want)
			}
			other := f.claim("DT-2", portal.JurisdictionFR, portal.DebtorBusiness, "fr")
			code, b = f.do("POST", "/api/v1/claims/"+other.ID+"/dates", map[string]any{"proceedings_ended_on": "2024-06-30", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "proceedings_ended_on" {
				t.Fatalf("end of proceedings of an amicable claim: %d %s", code, b)
			}
		})
	}
}

// The day a judgment became enforceable is recorded once the claim is at
// the judgment stage, not before the judgment; from two months after it a
// French consumer's legal interest is increased by 5 points (CMF L313-3).
func TestDatesEnforceable(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newEscFixture(t, dialect) // today: Sunday 30 June 2024
			c := f.claim("EX-1", portal.JurisdictionFR, portal.DebtorConsumer, "fr")
			id := "/api/v1/claims/" + c.ID
			f.do("POST", id+"/stage", map[string]any{"to": "formal_notice", "reason": "x", "formal_notice_on": "2024-02-01"})
			if code, b := f.do("POST", id+"/stage", map[string]any{"to": "litigation", "procedure": "injonction_de_payer", "reason": "x", "order_on": "2024-03-01"}); code != 200 {
				t.Fatalf("litigation: %d %s", code, b)
			}
			code, b := f.do("POST", id+"/dates", map[string]any{"enforceable_on": "2024-04-15", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "enforceable_on" || !strings.Contains(e.Error.Message, "judgment stage") {
				t.Fatalf("enforceable in litigation: %d %s", code, b)
			}
			if code, b := f.do("POST", id+"/stage", map[string]any{"to": "judgment", "reason": "order made enforceable", "judgment_on": "2024-04-10"}); code != 200 {
				t.Fatalf("judgment: %d %s", code, b)
			}
			code, b = f.do("POST", id+"/dates", map[string]any{"enforceable_on": "2024-04-01", "reason": "x"})
			if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "enforceable_on" || !strings.Contains(e.Error.Message, "before the judgment") {
				t.Fatalf("enforceable before the judgment: %d %s", code, b)
			}
			if code, b := f.do("POST", id+"/dates", map[string]any{"enforceable_on": "2024-04-15", "reason": "formule exécutoire apposée"}); code != 200 ||
				decode[map[string]any](t, b)["enforceable_on"] != "2024-04-15" {
				t.Fatalf("enforceable: %d %s", code, b)
			}
			code, b = f.do("GET", id+"/balance", nil)
			if code != 200 || !strings.Contains(string(b), `"rule":"fr.legal.increased"`) || !strings.Contains(string(b), `"from":"2024-06-15"`) {
				t.Fatalf("balance after enforceability: %d %s", code, b)
			}
		})
	}
}
