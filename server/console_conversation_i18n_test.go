package server

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store/storetest"
)

// offerOutsidePolicy has the debtor offer 12 months where the policy
// allows 6; it returns the conversation.
func offerOutsidePolicy(t *testing.T, e *chatEnv) string {
	t.Helper()
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "offer", "id": "d-1", "offer": map[string]any{
		"kind": "plan", "count": 12, "amount": (e.balance + 11) / 12, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
	debtor.until("offer")
	return convID
}

// TestConsoleConversationTranslated: a French agent's conversation page
// and a Dutch agent's queue are in their language, the offer and how it
// leaves the policy in words and their money, with no English left of
// what the pages say and never a signed zero.
func TestConsoleConversationTranslated(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	ctx := context.Background()
	convID := offerOutsidePolicy(t, e)
	agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
	nb := "\u00a0"

	if err := e.db.SetUserLanguage(ctx, e.tenantID, e.agent.ID, "fr"); err != nil {
		t.Fatal(err)
	}
	r := agent.get("/console/conversations/" + convID)
	if r.status != 200 {
		t.Fatalf("conversation: %d\n%s", r.status, r.body)
	}
	mustContain(t, "fr conversation", r.body, `<html lang="fr">`, "<title>Conversation R-1", "Conversation · R-1", "en attente d&#39;un agent",
		"Prendre cette conversation", "Contre-proposition", "Envoyer la contre-proposition", "Note interne (jamais montrée au débiteur)",
		"Confier à", "Refuser cette offre : le débiteur lit le motif (en français)", "Le montant proposé est trop faible",
		"Offres", "Politique", "Échéance minimale", "Total dû", "Notes de crédit</td><td class=\"num\">0,00 EUR</td>",
		"un échéancier sur 12 mois demandé, la politique permet 6 mois au plus",
		"échéancier de 12 × ", "mensuelles à partir du 15"+nb+"juillet 2024 par virement", "<strong>proposée</strong>", "le débiteur",
		`data-lang="fr"`, `data-t="internal_note">Note interne, non vue par le débiteur<`)
	// (the script's texts, keyed by bound codes, aside)
	mustNotContain(t, "fr conversation", consoleConfigAttr.ReplaceAllString(r.body, ""), "Counter-offer", "Send counter-offer", "Internal note", "Hand over to", "Take this conversation",
		"Refuse this offer", "The amount offered is too low", "Minimum instalment", "Total due", "Credit notes", "outside the policy", "None yet",
		"Waiting for an agent", "The debtor is typing", "State:", "plan_length", "−0,00", "−0.00", "months asked")
	// The script's texts come translated with the page (no English in
	// static/js/console-chat.js).
	cfg := consoleConfigOf(t, r.body)
	if cfg.Lang != "fr" || cfg.Group != nb || cfg.Decimal != "," || cfg.Zone != "UTC" || cfg.ZoneLabel != "UTC" || cfg.Months[5] != "juin" ||
		cfg.Texts["breach.plan_length"] != "un échéancier sur {got} demandé, la politique permet {limit} au plus" ||
		cfg.Texts["unit.month.many"] != "{count} mois" || !strings.HasPrefix(cfg.Texts["outside"], "Hors de la politique") {
		t.Errorf("script texts: %+v", cfg)
	}

	if err := e.db.SetUserLanguage(ctx, e.tenantID, e.agent.ID, "nl"); err != nil {
		t.Fatal(err)
	}
	r = agent.get("/console")
	mustContain(t, "nl queue", r.body, "Wachtrij: open betwistingen en wachtende gesprekken", "Wachtende gesprekken", "Wacht sinds", "30"+nb+"juni 2024 10:00 UTC", ">Openen</a>", "Geen open betwisting.")
	mustNotContain(t, "nl queue", r.body, "Waiting conversations", "Waiting since", "Open disputes", "No open dispute", ">Open</a>", "2024-06-30 10:00")
	r = agent.get("/console/conversations/" + convID)
	mustContain(t, "nl conversation", r.body, "Gesprek · R-1", "Tegenvoorstel", "Buiten het beleid", "een afbetalingsplan over 12 maanden gevraagd, het beleid staat hoogstens 6 maanden toe",
		"(in het Frans)", "Minimale termijn", "Totaal verschuldigd")
	mustNotContain(t, "nl conversation", r.body, "Counter-offer", "Minimum instalment", "outside the policy", "−0,00")
	if cfg := consoleConfigOf(t, r.body); cfg.Group != "." || cfg.Texts["breach.covers_balance"] != "het afbetalingsplan laat {short} onbetaald (het betaalt {got} van {limit})" {
		t.Errorf("nl script texts: %+v", cfg)
	}
}

type consoleConfig struct {
	Lang      string            `json:"lang"`
	Texts     map[string]string `json:"texts"`
	Group     string            `json:"group"`
	Decimal   string            `json:"decimal"`
	Months    []string          `json:"months"`
	Zone      string            `json:"zone"`
	ZoneLabel string            `json:"zone_label"`
}

var consoleConfigAttr = regexp.MustCompile(`data-console="([^"]*)"`)

func consoleConfigOf(t *testing.T, page string) consoleConfig {
	t.Helper()
	m := consoleConfigAttr.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data-console on the conversation page")
	}
	var cfg consoleConfig
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &cfg); err != nil {
		t.Fatalf("data-console: %v\n%s", err, m[1])
	}
	return cfg
}

// TestConsoleBreachesInDutch: the breach sentences in Dutch, their money
// in words with Dutch separators, a real minus only for a real negative.
func TestConsoleBreachesInDutch(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	nl, nb := b.For("nl"), "\u00a0"
	v := negotiation.Verdict{Balance: 342660, Breaches: []negotiation.Breach{
		{Bound: negotiation.BoundCoversBalance, Limit: 49957, Got: 49956},
		{Bound: negotiation.BoundMaxDiscount, Limit: 342660 - 34266, Got: 342660 - 250000},
		{Bound: negotiation.BoundMinDownPayment, Limit: 10000, Got: 0},
		{Bound: negotiation.BoundPromiseTooFar, Limit: 1, Got: 45},
		{Bound: negotiation.BoundNoPlan, Got: 1},
	}}
	got := breachesText(nl, v, "EUR")
	for _, want := range []string{
		"het afbetalingsplan laat 0,01 EUR onbetaald (het betaalt 499,56 EUR van 499,57 EUR)",
		"een korting van 2.500,00 EUR gevraagd (een schikking van 926,60 EUR), het beleid staat hoogstens 342,66 EUR toe (een schikking van minstens 3.083,94 EUR)",
		"geen voorschot aangeboden, het beleid vraagt minstens 100,00 EUR",
		"betaling beloofd binnen 45 dagen, het beleid staat hoogstens 1 dag toe",
		"1 termijn gevraagd, het beleid staat geen afbetalingsplan toe voor een saldo van 3.426,60 EUR",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "covers_balance") || strings.Contains(got, "49956") {
		t.Errorf("codes or minor units: %s", got)
	}
	if s := offerSummary(nl, negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 250000}, "EUR"); s != "schikking van 2.500,00 EUR" {
		t.Errorf("settlement: %q", s)
	}

	// The Dutch claim panel: no deduction is 0,00 EUR, a real one −1,50 EUR.
	claim := &portal.Claim{Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Creditor: &portal.Creditor{LegalName: "Brouwerij BV"}, Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl"}}
	bal := &rules.Balance{AsOf: portal.MustDate("2024-06-30"), Principal: 100000, Total: 100000, Complete: true}
	data := map[string]any{"Claim": claim, "Balance": bal, "Policy": negotiation.DefaultPolicy(), "Offers": []*negotiation.OfferRecord{
		{MadeBy: negotiation.Author{Kind: "debtor"}, Status: negotiation.OfferProposed, CreatedAt: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC),
			Terms: negotiation.Offer{Kind: negotiation.KindPromise, Date: portal.MustDate("2024-08-14")}, Verdict: v}}}
	var buf bytes.Buffer
	if err := consolePagesIn["nl"]["claim"].ExecuteTemplate(&buf, "claim_panel", data); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	mustContain(t, "nl panel", page, "<td>Creditnota&#39;s</td><td class=\"num\">0,00 EUR</td>", "<td>Betaald</td><td class=\"num\">0,00 EUR</td>",
		"buiten het beleid: het afbetalingsplan laat 0,01 EUR onbetaald", "belofte te betalen uiterlijk op 14"+nb+"augustus 2024", "<strong>voorgesteld</strong>",
		"tot 500,00 EUR: 3 maanden", "(consument, Nederlands)")
	mustNotContain(t, "nl panel", page, "−0,00", "−0.00", "Credit notes", "Offers", "Policy")
	bal.Paid = 150
	buf.Reset()
	if err := consolePagesIn["nl"]["claim"].ExecuteTemplate(&buf, "claim_panel", data); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "nl panel with a payment", buf.String(), "<td>Betaald</td><td class=\"num\">−1,50 EUR</td>")
}

// TestConsoleAgreementLinks: once an agreement is signed, the claim
// page's panel and the conversation link its PDF and schedule; the PDF is
// served to the claim's tenant and is not found for another tenant.
func TestConsoleAgreementLinks(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
	conv, err := e.db.OpenConversation(context.Background(), e.tenantID, e.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	convPage := "/console/conversations/" + conv.ID
	if r := agent.get(convPage); r.status != 200 || strings.Contains(r.body, "/console/agreements/") {
		t.Fatalf("conversation before any agreement: %d", r.status)
	}
	a := signTestPlan(t, e)
	pdf := "/console/agreements/" + a.ID + "/pdf"
	schedule := "/console/claims/" + e.claim.ID + "#agreement-" + a.ID
	for _, path := range []string{convPage, "/console/claims/" + e.claim.ID} {
		r := agent.get(path)
		if r.status != 200 {
			t.Fatalf("%s: %d", path, r.status)
		}
		mustContain(t, path, r.body, `id="panel-agreements"`, `href="`+pdf+`"`, `href="`+schedule+`"`, "Instalment schedule")
	}
	if r := agent.get(pdf); r.status != 200 || !strings.HasPrefix(r.body, "%PDF-") || r.header.Get("X-Content-SHA256") != a.PDFSHA256 {
		t.Fatalf("agreement PDF for its tenant: %d", r.status)
	}
	stranger := otherTenantOwner(t, e)
	if r := stranger.get(pdf); r.status != 404 || strings.Contains(r.body, "%PDF-") {
		t.Fatalf("agreement PDF for another tenant: %d", r.status)
	}
	if r := stranger.get(convPage); r.status != 404 || strings.Contains(r.body, pdf) {
		t.Fatalf("conversation for another tenant: %d", r.status)
	}
}

// TestConsoleChatZone: the conversation's script dates messages in the
// tenant's time zone, labelled with its name, else in UTC.
func TestConsoleChatZone(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, tc := range []struct {
		zone        *time.Location
		name, label string
	}{{brussels, "Europe/Brussels", "Europe/Brussels"}, {time.UTC, "UTC", "UTC"}, {nil, "UTC", "UTC"}} {
		var cfg consoleConfig
		if err := json.Unmarshal([]byte(consoleChatTexts(b.For("de"), tc.zone)), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Zone != tc.name || cfg.ZoneLabel != tc.label || cfg.Months[2] != "März" || cfg.Texts["unit.day.one"] != "{count} Tag" {
			t.Errorf("%v: %+v", tc.zone, cfg)
		}
	}
}

// TestConsoleConversationWordsComplete: every code the queue, the
// conversation and the claim panel name in words has its words in every
// language.
func TestConsoleConversationWordsComplete(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	add := func(prefix string, codes ...string) {
		for _, c := range codes {
			keys = append(keys, prefix+c)
		}
	}
	add("console.conv.state.", string(negotiation.StateWaiting), string(negotiation.StateActive), string(negotiation.StateClosed))
	add("console.offer.status.", string(negotiation.OfferProposed), string(negotiation.OfferAccepted), string(negotiation.OfferRefused),
		string(negotiation.OfferCountered), string(negotiation.OfferSuperseded))
	add("console.actor.", string(portal.ActorDebtor), string(portal.ActorUser), string(portal.ActorAPIKey), string(portal.ActorSystem))
	add("console.frequency.", string(negotiation.Monthly), string(negotiation.Weekly))
	add("console.method.", string(negotiation.MethodCard), string(negotiation.MethodTransfer))
	add("console.channel.", string(portal.ChannelLetter), string(portal.ChannelEmail), string(portal.ChannelSMS))
	add("console.debtorkind.", string(portal.DebtorBusiness), string(portal.DebtorConsumer))
	add("console.lang.", portal.Languages...)
	add("console.breach.", consoleBreachKeys...)
	add("console.unit.", "month.one", "month.many", "day.one", "day.many", "instalment.one", "instalment.many")
	for _, r := range refuseReasonTexts {
		keys = append(keys, "console.refuse.reason."+r.label)
	}
	for _, lang := range portal.Languages {
		for _, k := range keys {
			if !b.Has(lang, k) {
				t.Errorf("%s: no message %s", lang, k)
			}
		}
	}
}

// TestConsoleLoginProblemTranslated: a wrong password is said in the
// browser's language.
func TestConsoleLoginProblemTranslated(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	do := func(method, path string, form url.Values) string {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, e.base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept-Language", "nl-BE")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	page := do("GET", "/console/login", nil)
	page = do("POST", "/console/login", url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "email": {e.agent.Email}, "password": {"wrong"}})
	mustContain(t, "nl login", page, "Verkeerd e-mailadres of wachtwoord.", "<title>Aanmelden")
	mustNotContain(t, "nl login", page, "Wrong e-mail")
}
