package journey

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/server/servertest"
)

// TestRatePublishedLater is issue 16's acceptance: on a fresh install with
// the embedded rates alone, on 3 December 2026, a French B2B claim due on
// 31 May 2026 shows a total counted to 30 June 2026 (the fr_b2b rate of
// the second half-year is not in the data), can be paid by card on
// stripe-mock at that total, and its letter is generated; once the rate is
// entered through the API on one instance, both instances sharing the
// PostgreSQL database show the full total without a restart.
func TestRatePublishedLater(t *testing.T) {
	stripeURL := mock.Require(t)
	clock := &portal.FixedClock{T: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, store.Postgres, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Atelier Durand SARL"}
	must(t, db.CreateTenant(ctx, tn))
	must(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Atelier Durand SARL", Country: "FR",
		Address: "3 rue des Lilas, 69003 Lyon", IBAN: "FR1420041010050500013M02606", BIC: "PSSTFRPPPAR"}))
	_, key, err := db.CreateAPIKey(ctx, tn.ID, "rates")
	must(t, err)
	card, err := stripe.New(stripe.Config{SecretKey: "sk_test_rates", WebhookSecret: webhookSecret, APIBase: stripeURL})
	must(t, err)

	// Two instances, each with its own copy of the embedded rates, on one
	// database: what one records the other must pick up.
	var inst [2]*servertest.Running
	for i := range inst {
		rates, err := rules.Default()
		must(t, err)
		inst[i] = servertest.Start(t, db, servertest.Options{Clock: clock, Rates: rates, Card: card, RateEditors: []string{tn.ID},
			Logger: slog.New(slog.DiscardHandler)})
	}
	call := func(i int, method, path string, in any, out any) int {
		t.Helper()
		var body io.Reader
		if in != nil {
			b, _ := json.Marshal(in)
			body = strings.NewReader(string(b))
		}
		req, _ := http.NewRequest(method, inst[i].Base+path, body)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if out != nil && resp.StatusCode < 300 {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, raw)
			}
		}
		if resp.StatusCode >= 300 {
			t.Logf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return resp.StatusCode
	}

	var c claimOut
	if st := call(0, "POST", "/api/v1/claims", map[string]any{
		"reference": "DUR-2026-17", "currency": "EUR", "jurisdiction": "FR", "identity_check": "postcode",
		"debtor":   map[string]any{"kind": "business", "name": "Garage Lefèvre", "language": "fr", "postcode": "69007", "country": "FR"},
		"invoices": []map[string]any{{"number": "F-2026-051", "issue_date": "2026-05-01", "due_date": "2026-05-31", "amount": 100_000}},
	}, &c); st != 201 {
		t.Fatalf("create claim: %d", st)
	}

	type balance struct {
		Total, Interest int64
		Complete        bool
		ComputedTo      string                          `json:"computed_to"`
		MissingRates    []struct{ Series, From string } `json:"missing_rates"`
	}
	var partial balance
	for i := range inst {
		var b balance
		if st := call(i, "GET", "/api/v1/claims/"+c.ID+"/balance", nil, &b); st != 200 {
			t.Fatalf("instance %d balance: %d", i, st)
		}
		// 1 000.00 at 12.15 % for the 30 days from 1 to 30 June: 9.99,
		// plus the EUR 40 recovery indemnity.
		if b.Complete || b.ComputedTo != "2026-06-30" || b.Interest != 999 || b.Total != 100_000+999+4_000 ||
			len(b.MissingRates) != 1 || b.MissingRates[0].Series != "fr_b2b" || b.MissingRates[0].From != "2026-07-01" {
			t.Fatalf("instance %d, rate missing: %+v", i, b)
		}
		partial = b
	}

	// The letter is generated, on the same total.
	var letter struct {
		ID    string
		Total int64
	}
	if st := call(0, "POST", "/api/v1/claims/"+c.ID+"/letters", map[string]any{"kind": "reminder"}, &letter); st != 201 || letter.Total != partial.Total {
		t.Fatalf("letter: %d %+v", st, letter)
	}

	// The debtor sees that total and that it is counted to 30 June, and pays
	// it by card on stripe-mock.
	var link linkOut
	if st := call(0, "POST", "/api/v1/claims/"+c.ID+"/links", map[string]any{"channel": "email"}, &link); st != 201 {
		t.Fatalf("link: %d", st)
	}
	d := &debtorClient{t: t, base: inst[1].Base}
	d.open(link.URL, "69007")
	page := d.get("/p")
	for _, want := range []string{"1\u00a0049,99\u00a0€", "Intérêts comptés jusqu&#39;au 30\u00a0juin 2026", "second semestre 2026"} {
		if !strings.Contains(page, want) {
			t.Errorf("the debtor's page lacks %q", want)
		}
	}
	resp := d.post("/p/pay/card", url.Values{"csrf": {d.csrf(page)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "http") {
		t.Fatalf("card payment: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
	must(t, err)
	last := evs[len(evs)-1]
	var p struct{ Amount int64 }
	json.Unmarshal([]byte(last.Payload), &p)
	if last.Kind != portal.EventPaymentStarted || p.Amount != partial.Total {
		t.Fatalf("card checkout: %s %s", last.Kind, last.Payload)
	}

	// The rate is published: an owner enters it on instance 0. Without
	// --rate-editors a tenant could not; a bad entry changes nothing.
	var line portal.RateLine
	if st := call(0, "PUT", "/api/v1/rates/fr_b2b/2026-07-01", map[string]any{"rate": "12,15 %"}, nil); st != 400 {
		t.Errorf("a bad rate: %d", st)
	}
	if st := call(0, "PUT", "/api/v1/rates/fr_b2b/2026-07-01", map[string]any{"rate": "12.15",
		"source": "ECB main refinancing rate 2.15 % on 1 July 2026 + 10 points (Code de commerce L441-10)"}, &line); st != 201 ||
		line.RateBP != 1215 || line.RecordedBy == "" || line.TenantID != tn.ID {
		t.Fatalf("set rate: %d %+v", st, line)
	}
	// Instance 1 loads it at its next refresh (serve runs it every 30 s;
	// the test calls it), without a restart.
	if ok, err := inst[1].RateFeed.Refresh(ctx); err != nil || !ok {
		t.Fatalf("refresh: %v %v", ok, err)
	}
	for i := range inst {
		var b balance
		call(i, "GET", "/api/v1/claims/"+c.ID+"/balance", nil, &b)
		// 1 000.00 at 12.15 % from 1 June to 3 December 2026: 186 days.
		if !b.Complete || b.ComputedTo != "2026-12-03" || b.Interest != 6192 || len(b.MissingRates) != 0 {
			t.Errorf("instance %d after the rate: %+v", i, b)
		}
	}
	if page := d.get("/p"); strings.Contains(page, "rate-pending") || !strings.Contains(page, "1\u00a0101,92\u00a0€") {
		t.Errorf("the debtor's page after the rate is published does not show the full total")
	}
	var listed struct {
		Changes []portal.RateLine
	}
	if call(1, "GET", "/api/v1/rates", nil, &listed); len(listed.Changes) != 1 || listed.Changes[0].ID != line.ID {
		t.Errorf("changes listed: %+v", listed.Changes)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// debtorClient is a debtor's browser without JavaScript: it keeps the
// portal cookies itself (the server's clock is fixed, a cookie jar would
// judge their expiry by the wall clock).
type debtorClient struct {
	t       *testing.T
	base    string
	cookies map[string]string
}

func (d *debtorClient) do(req *http.Request) *http.Response {
	d.t.Helper()
	for k, v := range d.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	must(d.t, err)
	if d.cookies == nil {
		d.cookies = map[string]string{}
	}
	for _, c := range resp.Cookies() {
		d.cookies[c.Name] = c.Value
	}
	return resp
}

func (d *debtorClient) get(path string) string {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.base+path, nil)
	resp := d.do(req)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		d.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

func (d *debtorClient) post(path string, form url.Values) *http.Response {
	d.t.Helper()
	req, _ := http.NewRequest("POST", d.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := d.do(req)
	resp.Body.Close()
	return resp
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (d *debtorClient) csrf(page string) string {
	d.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		d.t.Fatal("no csrf field on the page")
	}
	return m[1]
}

// open follows a portal link (on this client's instance) and answers the
// identity check.
func (d *debtorClient) open(link, postcode string) {
	d.t.Helper()
	u, err := url.Parse(link)
	must(d.t, err)
	req, _ := http.NewRequest("GET", d.base+u.Path, nil)
	if resp := d.do(req); resp.StatusCode != http.StatusSeeOther {
		d.t.Fatalf("open link: %d", resp.StatusCode)
	}
	form := d.get("/p")
	if resp := d.post("/p/identity", url.Values{"csrf": {d.csrf(form)}, "answer": {postcode}}); resp.StatusCode != http.StatusSeeOther {
		d.t.Fatalf("identity: %d", resp.StatusCode)
	}
}
