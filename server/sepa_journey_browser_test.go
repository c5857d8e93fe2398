package server

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store"
)

// TestSEPAPlanJourneyInBrowser is issue 20's "done when", in headless
// Chromium against stripe-mock, once with the mandate given by IBAN and
// once through Bancontact on the Belgian claim: the debtor signs a plan
// paid by SEPA Direct Debit in the chat and goes to Stripe's setup page;
// the signed setup_intent.succeeded records the mandate, which the claim
// page then shows; the scheduler pre-notifies the first debit by e-mail 14
// days ahead and debits it on its date; the bank fails it
// (payment_intent.payment_failed): by the plan policy it is announced
// again and presented again, and succeeds; weeks later the debtor's bank
// disputes it (charge.dispute.created): the money goes back and the
// instalment is owed again. The evidence bundle lists the mandate and
// every debit. On both databases.
func TestSEPAPlanJourneyInBrowser(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		for _, via := range []string{portal.MandateViaSEPADebit, portal.MandateViaBancontact} {
			t.Run(dialect+"/"+via, func(t *testing.T) { testSEPAPlanJourney(t, dialect, via) })
		}
	}
}

func testSEPAPlanJourney(t *testing.T, dialect, via string) {
	sb := startSEPABrowser(t, dialect)
	e, rec, ctx := sb.e, sb.rec, context.Background()
	be, _ := e.db.FindClaim(ctx, e.tenantA, e.be.ID)
	if _, err := e.db.SQL().Exec("UPDATE debtors SET email = $1 WHERE id = $2", "boekhouding@dehoek.example", be.DebtorID); err != nil {
		t.Fatal(err)
	}
	// Stripe's answers stripe-mock's card fixtures stand for.
	rec.answer = func(req *http.Request, form url.Values, obj map[string]any) {
		switch {
		case req.Method == "GET" && strings.HasPrefix(req.URL.Path, "/v1/setup_intents/") && via == portal.MandateViaBancontact:
			obj["payment_method"] = map[string]any{"id": "pm_bcmc", "object": "payment_method", "type": "bancontact"}
			obj["mandate"] = nil
			obj["latest_attempt"] = map[string]any{"id": "setatt_1", "object": "setup_attempt", "payment_method_details": map[string]any{
				"type": "bancontact", "bancontact": map[string]any{"generated_sepa_debit": "pm_gen_sepa", "generated_sepa_debit_mandate": "mandate_gen",
					"bank_code": "VAPE", "iban_last4": "7061"}}}
		case req.Method == "GET" && strings.HasPrefix(req.URL.Path, "/v1/setup_intents/"):
			obj["payment_method"] = map[string]any{"id": "pm_sepa_j", "object": "payment_method", "type": "sepa_debit",
				"sepa_debit": map[string]any{"last4": "7061", "bank_code": "VAPE", "country": "BE"}}
		case req.Method == "POST" && req.URL.Path == "/v1/payment_intents":
			obj["status"] = "processing" // a SEPA debit settles days later
		}
	}
	hook := func(id, typ string, o map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16", "created": e.clock.T.Unix(), "type": typ,
			"data": map[string]any{"object": o}})
		req, _ := http.NewRequest("POST", "http://"+e.addr+"/webhooks/stripe", bytes.NewReader(body))
		req.Header.Set("Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret}).Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("webhook %s: %v", typ, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("webhook %s: %d", typ, resp.StatusCode)
		}
	}
	at := func(day string) { e.clock.T = portal.MustDate(day).Time().Add(9 * time.Hour) }

	// Signing, and the mandate's set-up at Stripe.
	_, agreementID := sb.signInChat(t, via)
	sb.giveMandate(t)
	if f := rec.last(); f.Get("mode") != "setup" || f.Get("payment_method_types[0]") != via {
		t.Fatalf("setup session %v", f)
	}
	customer, _, _ := e.db.StripeCustomer(ctx, e.tenantA, be.DebtorID)
	hook("evt_seti_j", "setup_intent.succeeded", map[string]any{"id": "seti_j", "object": "setup_intent", "status": "succeeded", "customer": customer,
		"payment_method": "pm_x", "mandate": "mandate_j", "payment_method_types": []string{via},
		"metadata": map[string]string{"tenant_id": e.tenantA, "claim_id": be.ID, "via": via}})
	ms, err := e.db.ClaimMandates(ctx, e.tenantA, be.ID)
	if err != nil || len(ms) != 1 || ms[0].Via != via || ms[0].IBANLast4 != "7061" || ms[0].Reference == "" {
		t.Fatalf("mandate %+v %v", ms, err)
	}
	m := ms[0]
	sb.must(t, chromedp.Do(sb.ctx, chromedp.Navigate("http://"+e.addr+"/p#pay"), chromedp.WaitVisible(chromedp.ID("mandate-active"))))
	shown, err := chromedp.Run(sb.ctx, chromedp.Evaluate[string](`document.getElementById("mandate-active").textContent`))
	sb.must(t, err)
	if !strings.Contains(shown, "7061") || !strings.Contains(shown, m.Reference) {
		t.Fatalf("the claim page says %q", shown)
	}
	annex, err := chromedp.Run(sb.ctx, chromedp.Evaluate[string](`document.querySelector("a.mandate-pdf").getAttribute("href")`))
	sb.must(t, err)
	if annex != "/p/agreements/"+agreementID+"/mandate.pdf" {
		t.Fatalf("annex link %q", annex)
	}

	// The scheduler: a pre-notification by e-mail, then the debit.
	mail := smtptest.Start(t, smtptest.Options{})
	texts, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	n := &payments.ChannelNotifier{Texts: texts, Email: &smtp.Mailer{Host: mail.Host, Port: mail.Port, From: "plans@alpha.example", TLS: smtp.TLSNone, Clock: e.clock}}
	sched := &payments.Scheduler{Store: e.db, Card: sb.svc.Card, Clock: e.clock, Owner: "journey", Zone: time.UTC, Mandates: e.db, Notifier: n,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ins, _ := e.db.ListInstalments(ctx, e.tenantA, be.ID)
	first := ins[0]
	at(first.DueOn.AddDays(-14).String())
	if rep, err := sched.RunOnce(ctx); err != nil || rep.Notified != 1 {
		t.Fatalf("pre-notification: %+v %v", rep, err)
	}
	if got := mail.Messages(); len(got) != 1 || got[0].To[0] != "boekhouding@dehoek.example" || !bytes.Contains(got[0].Data, []byte(m.Reference)) {
		t.Fatalf("pre-notification mail %+v", got)
	}
	debit := func(day string, attempt int) string {
		t.Helper()
		at(day)
		if rep, err := sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
			t.Fatalf("debit on %s: %+v %v", day, rep, err)
		}
		var pi string
		if err := e.db.SQL().QueryRow("SELECT payment_intent FROM instalment_charges WHERE instalment_id = $1", first.ID).Scan(&pi); err != nil || pi == "" {
			t.Fatalf("payment intent %q %v", pi, err)
		}
		if in, _ := e.db.ListInstalments(ctx, e.tenantA, be.ID); in[0].Status != portal.InstalmentProcessing || in[0].Attempts != attempt {
			t.Fatalf("after the debit %+v", in[0])
		}
		return pi
	}
	meta := func(attempt string) map[string]string {
		return map[string]string{"tenant_id": e.tenantA, "claim_id": be.ID, "instalment_id": first.ID, "attempt": attempt, "mandate": m.ProviderID}
	}
	pi := debit(first.DueOn.String(), 1)

	// The bank returns it: by the policy, announced again, then presented again.
	at(first.DueOn.AddDays(2).String())
	hook("evt_fail_j", "payment_intent.payment_failed", map[string]any{"id": pi, "object": "payment_intent", "status": "requires_payment_method",
		"amount": first.Amount, "currency": "eur", "metadata": meta("1"),
		"last_payment_error": map[string]any{"type": "card_error", "code": "insufficient_funds", "message": "Insufficient funds."}})
	if in, _ := e.db.ListInstalments(ctx, e.tenantA, be.ID); in[0].Status != portal.InstalmentFailed || in[0].LastCode != "insufficient_funds" {
		t.Fatalf("after the returned debit %+v", in[0])
	}
	if rep, err := sched.RunOnce(ctx); err != nil || rep.Notified != 1 || len(mail.Messages()) != 2 {
		t.Fatalf("second pre-notification: %+v %v", rep, err)
	}
	ns, _ := e.db.DebitNotices(ctx, e.tenantA, be.ID)
	retryOn := ns[len(ns)-1].DebitOn
	pi = debit(retryOn.String(), 2)
	hook("evt_ok_j", "payment_intent.succeeded", map[string]any{"id": pi, "object": "payment_intent", "status": "succeeded", "amount": first.Amount,
		"amount_received": first.Amount, "currency": "eur", "latest_charge": "py_j", "metadata": meta("2")})
	if in, _ := e.db.ListInstalments(ctx, e.tenantA, be.ID); in[0].Status != portal.InstalmentPaid {
		t.Fatalf("after the second debit %+v", in[0])
	}

	// Weeks later the debtor's bank disputes the debit.
	at(retryOn.AddDays(40).String())
	hook("evt_dp_j", "charge.dispute.created", map[string]any{"id": "dp_j", "object": "dispute", "amount": first.Amount, "currency": "eur",
		"charge": "py_j", "payment_intent": pi, "reason": "general", "status": "lost"})
	if in, _ := e.db.ListInstalments(ctx, e.tenantA, be.ID); in[0].Status != portal.InstalmentFailed || in[0].LastCode != "debit_disputed" || in[0].Paid != 0 {
		t.Fatalf("after the dispute %+v", in[0])
	}
	// Weeks later the portal session has ended: the debtor opens a new link.
	_, token := e.issue(be.ID)
	sb.must(t, chromedp.Do(sb.ctx, chromedp.Navigate("http://"+e.addr+"/p/"+token), chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "K-20417"), chromedp.Submit(chromedp.ID("answer")), chromedp.WaitVisible(chromedp.CSS("table.instalments"))))
	status, err := chromedp.Run(sb.ctx, chromedp.Evaluate[string](`(document.querySelector("table.instalments tbody tr") || document.body).textContent`))
	sb.must(t, err)
	if want := texts.For("nl").Text("pay.instalment.failed"); !strings.Contains(status, want) {
		t.Errorf("the plan says %q, want %q", status, want)
	}

	// The evidence bundle: the mandate and every debit.
	_, priv, _ := ed25519.GenerateKey(nil)
	var bundle bytes.Buffer
	if err := (&evidence.Builder{Source: e.db, Signer: evidence.NewSigner(priv), Rates: e.rates, Version: "test",
		Attachments: []portal.AttachmentSource{store.AgreementFiles{DB: e.db}, store.MandateAnnexes{DB: e.db}}}).WriteBundle(ctx, e.tenantA, be.ID, &bundle); err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.VerifyBundle(bytes.NewReader(bundle.Bytes()), int64(bundle.Len())); err != nil {
		t.Fatalf("the bundle does not verify: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(bundle.Bytes()), int64(bundle.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	count := map[portal.EventKind]int{}
	for _, line := range bytes.Split(bytes.TrimSpace(files["events.jsonl"]), []byte("\n")) {
		var ev struct{ Kind portal.EventKind }
		json.Unmarshal(line, &ev)
		count[ev.Kind]++
	}
	// Two debits of the first instalment, each announced (the second
	// instalment's notice went out meanwhile), the return, the payment and
	// the dispute (a returned and a disputed debit are each payment.failed).
	for k, want := range map[portal.EventKind]int{portal.EventMandateRecorded: 1, portal.EventDebitPrenotified: 3, portal.EventDebitSubmitted: 2,
		portal.EventPaymentFailed: 2, portal.EventPaymentRecorded: 1, portal.EventChargeback: 1} {
		if count[k] != want {
			t.Errorf("the bundle has %d %s, want %d", count[k], k, want)
		}
	}
	if dossier := pdftest.Joined(t, files["dossier.pdf"]); !strings.Contains(dossier, m.Reference) || !strings.Contains(dossier, "7061") ||
		!strings.Contains(dossier, "SEPA-domiciliëringsmandaten") {
		t.Error("the dossier does not show the mandate")
	}
	// The mandate annex, beside the signed agreement, in the manifest
	// with its SHA-256 (the court reads Dutch for this debtor).
	var annexFile string
	for name := range files {
		if strings.HasPrefix(name, "attachments/agreements/") && strings.HasSuffix(name, "-agreement-"+strings.ToLower(agreementID)+"-mandate.pdf") {
			annexFile = name
		}
	}
	if annexFile == "" {
		t.Fatal("the bundle has no mandate annex")
	}
	if txt := pdftest.Joined(t, files[annexFile]); !strings.Contains(txt, m.Reference) || !strings.Contains(txt, "IBAN **** 7061") ||
		!strings.Contains(txt, "SEPA-domiciliëringsmandaat") {
		t.Errorf("the annex does not state the mandate: %s", txt)
	}
	var man evidence.Manifest
	if err := json.Unmarshal(files["manifest.json"], &man); err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, f := range man.Files {
		listed = listed || f.Name == annexFile && f.SHA256 == portal.SHA256Hex(files[annexFile])
	}
	if !listed {
		t.Error("the annex is not in the manifest with its SHA-256")
	}
}
