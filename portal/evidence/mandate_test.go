package evidence_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestBundleMandateAnnex (issue 20, "the evidence bundle shows the mandate
// and every debit"): a plan debited by SEPA Direct Debit has, beside its
// signed agreement, its mandate annex in the bundle, in the court's
// language, with the mandate's reference and the last four digits of the
// IBAN, listed in the manifest with its SHA-256; the dossier lists the
// mandate (reference, date, IBAN, how it was accepted, never the IP
// address) and names the annex; the bundle verifies and stays
// deterministic. A plan by transfer has no annex.
func TestBundleMandateAnnex(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect, portal.JurisdictionFR, 0)
			ctx := context.Background()
			db := f.db
			f.builder.Attachments = []portal.AttachmentSource{store.AgreementFiles{DB: db}, store.MandateAnnexes{DB: db}}
			conv, err := db.OpenConversation(ctx, f.tenantID, f.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Hour)
			o := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 33334, FirstDate: portal.MustDate("2024-07-15"), Frequency: negotiation.Monthly,
				Method: negotiation.MethodSEPADebit}
			sch := negotiation.ScheduleFor(o, 100000)
			sch.Currency = "EUR"
			msgs, _, err := db.MakeOffer(ctx, &negotiation.Message{TenantID: f.tenantID, ConversationID: conv.ID, ClientID: "o-sepa", Kind: negotiation.MsgOffer,
				Author: negotiation.Author{Kind: portal.ActorDebtor}, Offer: &o, Verdict: &negotiation.Verdict{Accepted: true, Balance: 100000}},
				&negotiation.Decision{Accept: true, Agreement: &negotiation.Agreement{ClaimID: f.claim.ID, Balance: 100000, Schedule: sch}})
			if err != nil || len(msgs) != 2 {
				t.Fatalf("offer: %v %+v", err, msgs)
			}
			agreementID := msgs[1].AgreementID
			f.clock.Advance(time.Hour)
			signedPDF := []byte("%PDF-1.4 accord signé")
			if _, err := db.SignAgreement(ctx, f.tenantID, agreementID, false, "fr", signedPDF,
				negotiation.PayChoice{Method: negotiation.MethodSEPADebit, MandateVia: negotiation.PaySEPADebit, NoticeDays: 14}); err != nil {
				t.Fatal(err)
			}

			// Signed, no mandate yet: no annex.
			_, files := entries(t, f.bundle(t))
			for name := range files {
				if strings.HasSuffix(name, "-mandate.pdf") {
					t.Fatalf("an annex without a mandate: %s", name)
				}
			}

			f.clock.Advance(time.Hour)
			if err := db.SaveStripeCustomer(ctx, f.tenantID, f.claim.DebtorID, "cus_bundle"); err != nil {
				t.Fatal(err)
			}
			const ip = "198.51.100.23"
			if _, err := db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_bundle_seti", Type: portal.CardSetupSucceeded, RawType: "setup_intent.succeeded",
				Mode: "mandate", SetupIntentID: "seti_bundle", CustomerID: "cus_bundle", PaymentMethodID: "pm_sepa_bundle", TenantID: f.tenantID, ClaimID: f.claim.ID,
				Mandate: &portal.Mandate{ProviderID: "mandate_bundle", PaymentMethodID: "pm_sepa_bundle", Via: portal.MandateViaSEPADebit, Reference: "RLS-BUNDLE-7",
					Status: portal.MandateActive, IBANLast4: "3000", Country: "FR", AcceptedAt: f.clock.Now(),
					Acceptance: `{"type":"online","online":{"ip_address":"` + ip + `","user_agent":"Mozilla/5.0"}}`}}); err != nil {
				t.Fatal(err)
			}

			b := f.bundle(t)
			if _, err := verify(b, evidence.TrustedKey(f.signer.PublicKey())); err != nil {
				t.Fatalf("the bundle does not verify: %v", err)
			}
			_, files = entries(t, b)
			var annexName, agreementName string
			for name := range files {
				switch {
				case strings.HasPrefix(name, "attachments/agreements/") && strings.HasSuffix(name, "-agreement-"+strings.ToLower(agreementID)+"-mandate.pdf"):
					annexName = name
				case strings.HasPrefix(name, "attachments/agreements/") && strings.HasSuffix(name, "-agreement-"+strings.ToLower(agreementID)+".pdf"):
					agreementName = name
				}
			}
			if annexName == "" || agreementName == "" || string(files[agreementName]) != string(signedPDF) {
				t.Fatalf("agreement %q and its annex %q beside it", agreementName, annexName)
			}
			annex := pdftest.Joined(t, files[annexName])
			for _, w := range []string{"Annexe à l'accord de paiement : mandat de prélèvement SEPA", "RLS-BUNDLE-7", "IBAN **** 3000", agreementID, "en ligne"} {
				if !strings.Contains(annex, w) {
					t.Errorf("annex lacks %q", w)
				}
			}
			if strings.Contains(annex, ip) {
				t.Error("the annex shows the IP address")
			}
			var m evidence.Manifest
			if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, fe := range m.Files {
				if fe.Name == annexName {
					listed = fe.SHA256 == portal.SHA256Hex(files[annexName]) && fe.Size == int64(len(files[annexName]))
				}
			}
			if !listed {
				t.Fatalf("the annex is not in the manifest with its SHA-256: %+v", m.Files)
			}

			// The dossier lists the mandate and names the annex, without
			// the IP address.
			txt := pdftest.Joined(t, files["dossier.pdf"])
			start := strings.Index(txt, "Mandats de prélèvement SEPA")
			end := strings.Index(txt, "mandate_bundle")
			if start < 0 || end < start {
				t.Fatalf("the dossier lists no mandate:\n%s", txt)
			}
			section := txt[start:end]
			for _, w := range []string{"RLS-BUNDLE-7", "IBAN **** 3000", "en ligne, sur la page sécurisée de Stripe", "actif", "Donné le"} {
				if !strings.Contains(section, w) {
					t.Errorf("the dossier's mandate lacks %q: %s", w, section)
				}
			}
			if strings.Contains(section, ip) {
				t.Errorf("the dossier's mandate shows the IP address: %s", section)
			}
			if !strings.Contains(strings.Join(strings.Fields(txt), ""), strings.TrimPrefix(annexName, "attachments/")) || !strings.Contains(txt, "annexe à l'accord de paiement : mandat de prélèvement SEPA") {
				t.Errorf("the dossier does not name the annex %s:\n%s", annexName, txt)
			}
			if m := machineWords.FindAllString(section, -1); len(m) > 0 {
				t.Errorf("the dossier's mandate shows field names or codes: %q", m)
			}

			f.clock.Advance(24 * time.Hour)
			if again := f.bundle(t); string(again) != string(b) {
				t.Fatal("two bundles of the same claim state differ")
			}
		})
	}
}
