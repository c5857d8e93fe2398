package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/portal/stripe/stripemock"
	"github.com/relais/relais/server"
	"github.com/relais/relais/server/servertest"
)

// mock is the stripe-mock of the run, started once for the package.
var mock *stripemock.Mock

func TestMain(m *testing.M) {
	mock = stripemock.Start()
	code := m.Run()
	mock.Stop()
	os.Exit(code)
}

const webhookSecret = "whsec_relais_journey"

// env is a running Relais: PostgreSQL or SQLite, stripe-mock and the server on a
// random loopback port, wired as cmd/relais build() wires it.
type env struct {
	db      *store.DB
	srv     *server.Server
	base    string // http://127.0.0.1:port, the only origin pages may use
	tenant  string
	apiKey  string
	clock   portal.Clock
	signer  *evidence.Signer
	stripe  *stripe.Client
	payment *payments.Service
	letters *store.LetterStore
	logs    *servertest.LogBuffer
}

// newEnv is a running Relais on PostgreSQL.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, store.Postgres)
}

// newEnvOn is a running Relais on the dialect's database (store.SQLite or
// store.Postgres).
func newEnvOn(t *testing.T, dialect string) *env {
	t.Helper()
	stripeURL := mock.Require(t)
	// The browser keeps cookies by the wall clock, so the server's clock
	// must be the real one (a fixed 2024 clock would expire every session
	// cookie at once).
	clock := portal.SystemClock{}
	db := storetest.MustOpen(t, dialect, clock)
	logs := &servertest.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	e := &env{db: db, clock: clock, logs: logs}

	ctx := context.Background()
	tn := &portal.Tenant{Name: "Boulangerie Martin SAS"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Boulangerie Martin SAS", Country: "FR",
		Address: "12 rue des Lilas, 75011 Paris", Email: "compta@martin.example", Phone: "+33140000000",
		IBAN: "FR1420041010050500013M02606", BIC: "PSSTFRPPPAR"}); err != nil {
		t.Fatal(err)
	}
	var err error
	if _, e.apiKey, err = db.CreateAPIKey(ctx, tn.ID, "journey"); err != nil {
		t.Fatal(err)
	}
	e.tenant = tn.ID

	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The embedded rates stop at the last published period; the test runs
	// on the wall clock, so it adds the French B2B rate up to a year ahead
	// the way an operator's --rates-file does.
	if err := rates.ExtendFrom(strings.NewReader(fmt.Sprintf(`{"format": "relais-rates/1", "series": [{"name": "fr_b2b",
		"periods": [{"from": "2026-07-01", "to": %q, "rate_bp": 1215, "status": "likely", "source": "journey test: H1 2026 rate carried forward"}]}]}`,
		date(365))), "journey rates"); err != nil {
		t.Fatal(err)
	}
	if e.stripe, err = stripe.New(stripe.Config{SecretKey: "sk_test_journey", WebhookSecret: webhookSecret, APIBase: stripeURL}); err != nil {
		t.Fatal(err)
	}
	// The same services as cmd/relais build(), with a fresh signing key
	// and card payments on stripe-mock.
	run := servertest.Start(t, db, servertest.Options{Version: "journey", Clock: clock, Logger: log, Rates: rates, Card: e.stripe})
	e.srv, e.base, e.payment, e.signer, e.letters = run.Server, run.Base, run.Payments, run.Evidence.Signer, run.Letters
	return e
}

// api calls the creditor API with the tenant's key. A JSON answer is
// decoded into out when out is not nil; the raw body is returned.
func (e *env) api(t *testing.T, method, path string, in, out any) (int, []byte) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.apiKey)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode < 300 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// mustAPI is api that fails the test on any status but want.
func (e *env) mustAPI(t *testing.T, want int, method, path string, in, out any) []byte {
	t.Helper()
	status, raw := e.api(t, method, path, in, out)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	return raw
}

// date is a date n days from today, as the API takes it.
func date(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }
