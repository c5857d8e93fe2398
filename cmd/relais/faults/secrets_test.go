package faults

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestLogsHoldNoSecret starts the binary with every secret an operator
// gives it (database password, Stripe keys, SMTP password, SMS token),
// runs the CLI, serves requests (good and bad credentials, a forged
// webhook), shuts down, and finds none of them, nor the API key or the
// portal token, in anything it wrote.
func TestLogsHoldNoSecret(t *testing.T) {
	const (
		dbPassword    = "dbpw-Zq8k2m9xT"
		stripeKey     = "sk_test_faultsSECRETk4242"
		webhookSecret = "whsec_faultsSECRETw4242"
		smtpPassword  = "smtp-pw-7y6t5rEWQ"
		smsToken      = "sms-token-1q2w3eRTY"
	)
	u, err := url.Parse(storetest.URL(t, store.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(me.Username, dbPassword) // trust auth: any password is accepted
	dbURL := u.String()
	tenant, tenantLog := runCLIFull(t, "tenant", "add", "--database-url", dbURL, "--name", "Secret Keepers", "--country", "FR")
	key, keyLog := runCLIFull(t, "apikey", "create", "--database-url", dbURL, "--tenant", tenant)
	cred := creditor{Tenant: tenant, Key: key}
	in := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: filepath.Join(t.TempDir(), "signing.key"), StripeBase: "http://127.0.0.1:1",
		Env: []string{"STRIPE_SECRET_KEY=" + stripeKey, "STRIPE_WEBHOOK_SECRET=" + webhookSecret,
			"SMTP_HOST=127.0.0.1", "SMTP_PORT=1", "SMTP_TLS=none", "SMTP_USER=relais", "SMTP_PASSWORD=" + smtpPassword,
			"SMTP_FROM=Relais <relances@example.fr>", "SMS_ENDPOINT=http://127.0.0.1:1/sms", "SMS_TOKEN=" + smsToken, "SMS_SENDER=Relais",
			"RELAIS_LOG_LEVEL=debug"}})
	claim := cred.newClaim(t, in, "SECRET-1")
	token := claim.Link[strings.LastIndex(claim.Link, "/")+1:]
	openPortal(t, in, claim)
	if status, _ := (creditor{Tenant: tenant, Key: key + "x"}).api(t, in, "GET", "/api/v1/claims", nil); status != 401 {
		t.Errorf("a wrong key: %d", status)
	}
	req, _ := http.NewRequest("POST", in.Base+"/webhooks/stripe", bytes.NewReader([]byte(`{"id":"evt_forged"}`)))
	req.Header.Set("Stripe-Signature", "t=1,v1="+strings.Repeat("ab", 32))
	if resp, err := httpClient.Do(req); err != nil || resp.StatusCode != 400 {
		t.Errorf("a forged webhook: %v %v", err, resp)
	}
	if status := deliverWebhook(context.Background(), in.Base, stripeEvent(tenant, claim, "evt_x", "pi_x", 100)); status != 400 {
		t.Errorf("a webhook signed with another secret: %d", status)
	}
	in.stop()

	written := in.logs.String() + tenantLog + keyLog
	if !strings.Contains(written, "relais serving") || !strings.Contains(written, "card payment on") || !strings.Contains(written, "shutting down") {
		t.Fatalf("the logs do not show a start and a shutdown:\n%s", tail(written, 40))
	}
	for name, secret := range map[string]string{"database password": dbPassword, "Stripe secret key": stripeKey,
		"Stripe webhook secret": webhookSecret, "SMTP password": smtpPassword, "SMS token": smsToken,
		"API key": key, "portal token": token} {
		if strings.Contains(written, secret) {
			t.Errorf("the %s appears in the logs", name)
		}
	}
}
