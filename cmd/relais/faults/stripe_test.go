package faults

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe/stripemock"
)

// TestStripeDown stops Stripe (a stripe-mock of the test's own) while a
// debtor pays by card: the debtor gets a clear page in their language
// saying nothing was charged, nothing is recorded as paid or started, and
// the same button works again once Stripe is back.
func TestStripeDown(t *testing.T) {
	mock := stripemock.StartPrivate()
	t.Cleanup(mock.Stop)
	stripeURL := mock.Require(t)
	dbURL := storetest.URL(t, store.SQLite)
	cred := newCreditor(t, dbURL)
	in := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: filepath.Join(t.TempDir(), "signing.key"), StripeBase: stripeURL})
	claim := cred.newClaim(t, in, "STRIPE-1")
	d := openPortal(t, in, claim)
	before := eventKinds(t, cred, in, claim)

	mock.Stop()
	status, location, page := d.submit(t, "/p", "/p/pay/card", nil)
	if status != 503 || location != "" || !strings.Contains(page, `<html lang="fr"`) ||
		!strings.Contains(page, "Paiement par carte indisponible") || !strings.Contains(page, "rien n&#39;a été débité") ||
		!strings.Contains(page, `href="/p#pay"`) {
		t.Fatalf("paying by card while Stripe is down: %d %q\n%.2000s", status, location, page)
	}
	if status, body := cred.api(t, in, "GET", "/api/v1/claims/"+claim.ID, nil); status != 200 || len(payments(body)) != 0 {
		t.Fatalf("payments after the failed attempt: %d %v", status, body)
	}
	if after := eventKinds(t, cred, in, claim); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("the failed attempt changed the evidence: %v, was %v", after, before)
	}
	if status, _ := in.get("/readyz"); status != 200 {
		t.Errorf("readyz depends on Stripe: %d", status)
	}

	if err := mock.Restart(); err != nil {
		t.Fatal(err)
	}
	status, location, page = d.submit(t, "/p", "/p/pay/card", nil)
	if status != 303 || !strings.HasPrefix(location, "https://") {
		t.Fatalf("paying by card once Stripe is back: %d %q %.300s", status, location, page)
	}
	// Starting a checkout is not a payment: only Stripe's signed event is.
	if _, body := cred.api(t, in, "GET", "/api/v1/claims/"+claim.ID, nil); len(payments(body)) != 0 {
		t.Errorf("a started checkout was recorded as paid: %v", payments(body))
	}
}

func payments(claim map[string]any) []any {
	p, _ := claim["payments"].([]any)
	return p
}

// eventKinds lists the kinds of a claim's evidence events, leaving out
// page views (each GET of the claim page adds one).
func eventKinds(t *testing.T, cred creditor, in *instance, c claimRef) []string {
	t.Helper()
	status, body := cred.api(t, in, "GET", "/api/v1/claims/"+c.ID+"/events", nil)
	if status != 200 {
		t.Fatalf("events: %d %v", status, body)
	}
	var kinds []string
	evs, _ := body["events"].([]any)
	for _, e := range evs {
		k, _ := e.(map[string]any)["kind"].(string)
		if k != "claim.viewed" {
			kinds = append(kinds, k)
		}
	}
	return kinds
}
