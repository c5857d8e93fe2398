package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server/servertest"
)

// boEnv is the whole server (servertest) on a real database with two
// tenants: A with an owner, an agent and a viewer signed in, two claims
// and a creditor; B with its owner, a creditor and a claim. The rules and
// money pages of the console are driven through real HTTP.
type boEnv struct {
	t                    *testing.T
	db                   *store.DB
	run                  *servertest.Running
	clock                *portal.FixedClock
	tenantA, tenantB     string
	creditorA, creditorB *portal.Creditor
	claimA, claimA2      *portal.Claim
	claimB               *portal.Claim
	owner, agent, viewer *boUser
	ownerB               *boUser
}

// boUser is a signed-in console user: the session cookie, and the CSRF
// token read from a page.
type boUser struct {
	*portal.User
	cookie, csrf string
}

var csrfInPage = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newBOEnv(t *testing.T, dialect string) *boEnv {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	e := &boEnv{t: t, db: db, clock: clock}
	ctx := context.Background()
	mkTenant := func(name string) (string, *portal.Creditor, *portal.Claim) {
		tn := &portal.Tenant{Name: name, Timezone: "Europe/Paris"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		cr := &portal.Creditor{TenantID: tn.ID, LegalName: name + " SAS", Country: "FR", Address: "1 rue de la Paix, 75002 Paris", IBAN: "FR7630006000011234567890189"}
		if err := db.CreateCreditor(ctx, cr); err != nil {
			t.Fatal(err)
		}
		return tn.ID, cr, e.claim(tn.ID, "R-"+name, "Dupont "+name)
	}
	e.tenantA, e.creditorA, e.claimA = mkTenant("Alpha")
	e.claimA2 = e.claim(e.tenantA, "R-Alpha-2", "Martin SARL")
	e.tenantB, e.creditorB, e.claimB = mkTenant("Beta")
	e.run = servertest.Start(t, db, servertest.Options{Clock: clock})
	e.owner = e.user(e.tenantA, portal.RoleOwner)
	e.agent = e.user(e.tenantA, portal.RoleAgent)
	e.viewer = e.user(e.tenantA, portal.RoleViewer)
	e.ownerB = e.user(e.tenantB, portal.RoleOwner)
	return e
}

func (e *boEnv) claim(tenantID, ref, debtor string) *portal.Claim {
	e.t.Helper()
	c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: debtor, Language: "fr", Postcode: "75011", Address: "3 rue Oberkampf, 75011 Paris", Email: "compta@" + strings.ToLower(strings.Fields(debtor)[0]) + ".test"},
		Invoices: []*portal.Invoice{{Number: "F-" + ref, IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
	if err := e.db.CreateClaim(context.Background(), tenantID, c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// user creates a user of the tenant with the role and a console session,
// and reads the session's CSRF token from the console's home page.
func (e *boEnv) user(tenantID string, role portal.Role) *boUser {
	e.t.Helper()
	u := &portal.User{TenantID: tenantID, Email: string(role) + "@" + tenantID[len(tenantID)-6:] + ".test", Name: string(role), Role: role, Language: "en"}
	if err := e.db.CreateUser(context.Background(), u, "correct horse battery"); err != nil {
		e.t.Fatal(err)
	}
	_, tok, err := e.db.CreateConsoleSession(context.Background(), u, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	bu := &boUser{User: u, cookie: tok}
	status, page, _ := e.do(bu, "GET", "/console/claims", nil)
	m := csrfInPage.FindStringSubmatch(page)
	if status != 200 || m == nil {
		e.t.Fatalf("console page as %s: %d, no CSRF token", role, status)
	}
	bu.csrf = m[1]
	return bu
}

// do sends a request as u (no session when nil) and returns the status,
// the body and the redirect target. A form gets u's CSRF token unless it
// has a "csrf" entry already (empty: none sent).
func (e *boEnv) do(u *boUser, method, path string, form url.Values) (int, string, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["csrf"]; !ok && u != nil {
			form.Set("csrf", u.csrf)
		}
		if form.Get("csrf") == "" {
			form.Del("csrf")
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.run.Base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if u != nil {
		req.AddCookie(&http.Cookie{Name: "relais_console", Value: u.cookie})
	}
	return e.send(req)
}

func (e *boEnv) send(req *http.Request) (int, string, string) {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		e.t.Errorf("%s %s: no strict CSP", req.Method, req.URL.Path)
	}
	body := string(b)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		// Non-breaking spaces (in dates and amounts) read as spaces here.
		body = strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(body)
	}
	return resp.StatusCode, body, resp.Header.Get("Location")
}

// policyForm is the policy form as an owner fills it in.
func policyForm(creditorID string) url.Values {
	return url.Values{"creditor_id": {creditorID}, "do": {"save"},
		"band_up_to": {"500", "3 000,00", ""}, "band_months": {"4", "10", "18"},
		"min_instalment": {"25.00"}, "min_down_payment": {"10"}, "max_discount": {"5"}, "max_promise_days": {"20"},
		"interest_during_plan": {"1"}, "days": {"1", "2", "3", "4"}, "open": {"08:30"}, "close": {"18:00"},
		"max_missed": {"3"}, "max_days_late": {"20"}, "retry_after_days": {"0"}, "max_attempts": {"0"}, "balance": {"2400"}}
}

func TestConsolePolicyEditor(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			// Every user reads the policy and its preview; only the owner
			// gets the form.
			status, page, _ := e.do(e.viewer, "GET", "/console/policy?balance=1500", nil)
			if status != 200 || !strings.Contains(page, "For a balance of 1,500.00 EUR, the policy accepts:") ||
				!strings.Contains(page, "a payment plan over 6 months at most") || strings.Contains(page, `id="policy-form"`) ||
				!strings.Contains(page, "No policy saved: Relais&#39; default applies.") {
				t.Fatalf("policy page as viewer: %d\n%s", status, page)
			}
			if _, page, _ := e.do(e.owner, "GET", "/console/policy", nil); !strings.Contains(page, `id="policy-form"`) || !strings.Contains(page, `name="band_up_to" inputmode="decimal" value="500.00"`) {
				t.Fatalf("the owner has no form filled with the default policy")
			}
			unchanged := func(why string) {
				t.Helper()
				if _, custom, err := e.db.CreditorPolicy(ctx, e.tenantA, e.creditorA.ID); err != nil || custom {
					t.Fatalf("%s: a policy was saved (%v)", why, err)
				}
				if chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountPolicySet, "", 10); len(chs) != 0 {
					t.Fatalf("%s: %d changes recorded", why, len(chs))
				}
			}
			// Refused: no CSRF token, an agent, a viewer, another tenant's
			// creditor, and a policy the rules refuse (each problem beside
			// its field, in words).
			noCSRF := policyForm(e.creditorA.ID)
			noCSRF.Set("csrf", "")
			if status, _, _ := e.do(e.owner, "POST", "/console/policy", noCSRF); status != 403 {
				t.Errorf("no CSRF token: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", "/console/policy", policyForm(e.creditorA.ID)); status != 403 {
				t.Errorf("agent saves a policy: %d", status)
			}
			if status, _, _ := e.do(e.viewer, "POST", "/console/policy", policyForm(e.creditorA.ID)); status != 403 {
				t.Errorf("viewer saves a policy: %d", status)
			}
			if status, _, _ := e.do(e.owner, "POST", "/console/policy", policyForm(e.creditorB.ID)); status != 404 {
				t.Errorf("A's owner saves B's creditor's policy: %d", status)
			}
			if p, custom, _ := e.db.CreditorPolicy(ctx, e.tenantB, e.creditorB.ID); custom || p.MinInstalment != 2000 {
				t.Errorf("B's policy changed: %+v", p)
			}
			bad := policyForm(e.creditorA.ID)
			bad["band_up_to"] = []string{"3000", "500", ""}
			bad.Set("min_down_payment", "ten")
			status, page, _ = e.do(e.owner, "POST", "/console/policy", bad)
			if status != 400 || !strings.Contains(page, `id="err-min_down_payment_bp">Enter a percentage from 0 to 100, such as 10 or 2.5.`) ||
				!strings.Contains(page, `value="ten"`) || !strings.Contains(page, "Nothing was saved") {
				t.Fatalf("bad percentage: %d\n%s", status, page)
			}
			bad.Set("min_down_payment", "10")
			status, page, _ = e.do(e.owner, "POST", "/console/policy", bad)
			if status != 400 || !strings.Contains(page, `id="err-bands.1">The ceiling is an amount, higher than the line before`) || !strings.Contains(page, `aria-describedby="err-bands.1"`) {
				t.Fatalf("bands out of order: %d\n%s", status, page)
			}
			bad = policyForm(e.creditorA.ID)
			bad.Set("open", "19:00")
			if status, page, _ = e.do(e.owner, "POST", "/console/policy", bad); status != 400 || !strings.Contains(page, `id="err-business_hours">Opening comes before closing`) {
				t.Fatalf("hours: %d", status)
			}
			unchanged("refused forms")

			// Preview of the typed values: nothing saved.
			pv := policyForm(e.creditorA.ID)
			pv.Set("do", "preview")
			status, page, _ = e.do(e.owner, "POST", "/console/policy", pv)
			if status != 200 {
				t.Fatalf("preview: %d", status)
			}
			for _, want := range []string{"What the policy typed would accept (not saved)", "For a balance of 2,400.00 EUR, the policy accepts:",
				"a payment plan over 10 months at most (last instalment by 30 April 2025), instalments of at least 25.00 EUR",
				"a down payment of at least 240.00 EUR", "a one-off settlement of at least 2,280.00 EUR (a discount of 120.00 EUR at most)",
				"a promise to pay in full by 20 July 2024 (20 days)", "the rest waits for an agent: Monday, Tuesday, Wednesday, Thursday, 08:30 to 18:00"} {
				if !strings.Contains(page, want) {
					t.Errorf("the preview does not say %q", want)
				}
			}
			unchanged("preview")

			// Saved: the store holds it, with the owner in the account log
			// (one entry for one change).
			status, _, loc := e.do(e.owner, "POST", "/console/policy", policyForm(e.creditorA.ID))
			if status != 303 || !strings.HasPrefix(loc, "/console/policy?saved=1") {
				t.Fatalf("save: %d %s", status, loc)
			}
			p, custom, err := e.db.CreditorPolicy(ctx, e.tenantA, e.creditorA.ID)
			want := negotiation.Policy{Bands: []negotiation.Band{{UpTo: 50000, MaxMonths: 4}, {UpTo: 300000, MaxMonths: 10}, {MaxMonths: 18}},
				MinInstalment: 2500, MinDownPaymentBP: 1000, MaxDiscountBP: 500, MaxPromiseDays: 20, InterestDuringPlan: true,
				Hours: negotiation.BusinessHours{Days: []int{1, 2, 3, 4}, Open: 510, Close: 1080}, Plan: portal.PlanPolicy{MaxMissed: 3, MaxDaysLate: 20}}
			if err != nil || !custom || mustJSONText(p) != mustJSONText(want) {
				t.Fatalf("stored policy %+v (%v), want %+v", p, err, want)
			}
			if cp, _ := e.db.Policy(ctx, e.tenantA, e.claimA.ID); cp.MinInstalment != 2500 {
				t.Errorf("the claim does not follow its creditor's new policy: %+v", cp)
			}
			chs, err := e.db.AccountChanges(ctx, e.tenantA, portal.AccountPolicySet, e.creditorA.ID, 10)
			if err != nil || len(chs) != 1 || chs[0].Actor.Kind != portal.ActorUser || chs[0].Actor.ID != e.owner.ID || chs[0].SubjectID != e.creditorA.ID ||
				chs[0].Actor.IP == "" || !strings.Contains(string(chs[0].Payload), `"min_instalment":2500`) {
				t.Fatalf("account log entry: %+v %v", chs, err)
			}
			if all, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountPolicySet, "", 100); len(all) != 1 || all[0].ID != chs[0].ID {
				t.Fatalf("one policy change, policy entries %+v", all)
			}
			if chs, _ := e.db.AccountChanges(ctx, e.tenantB, portal.AccountPolicySet, "", 10); len(chs) != 0 {
				t.Errorf("B sees A's change")
			}
			status, page, _ = e.do(e.agent, "GET", loc, nil)
			if status != 200 || !strings.Contains(page, "Policy saved.") || !strings.Contains(page, e.owner.Email) || !strings.Contains(page, "up to 3,000.00 EUR: 10 months") {
				t.Fatalf("saved page: %d", status)
			}
			// In French, with the same words beside the fields.
			if err := e.db.SetUserLanguage(ctx, e.tenantA, e.owner.ID, "fr"); err != nil {
				t.Fatal(err)
			}
			bad = policyForm(e.creditorA.ID)
			bad.Set("max_discount", "150")
			if status, page, _ = e.do(e.owner, "POST", "/console/policy", bad); status != 400 || !strings.Contains(page, "Indiquez un pourcentage de 0 à 100") {
				t.Fatalf("French error: %d", status)
			}
			if _, page, _ = e.do(e.owner, "GET", "/console/policy?balance=100", nil); !strings.Contains(page, "Pour un solde de 100,00") {
				t.Errorf("French preview missing")
			}
		})
	}
}

func mustJSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
