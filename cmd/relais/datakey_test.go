package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/datakey"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestDataKeyCommands drives an upgrade and a rotation on both
// databases: an endpoint whose secret an older version kept in clear; the
// first start creates the data key file (0600) beside the signing key and
// seals the secret; `relais data-key show` and `rotate` (the secret
// re-sealed under the new key, the file keeping the former one); an
// instance with another data key file does not start.
func TestDataKeyCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			db := storetest.MustOpenURL(t, url, nil)
			tn := &portal.Tenant{Name: "Alpha"}
			if err := db.CreateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
			ep, err := db.CreateWebhookEndpoint(ctx, tn.ID, webhooks.EndpointInput{URL: "https://erp.alpha.example/hooks"})
			if err != nil {
				t.Fatal(err)
			}
			// As an older version wrote it.
			if _, err := db.SQL().Exec(rebindArgs(db, "UPDATE webhook_endpoints SET secret = ? WHERE id = ?"), ep.Secret, ep.ID); err != nil {
				t.Fatal(err)
			}
			stored := func() string {
				t.Helper()
				var s string
				if err := db.SQL().QueryRow(rebindArgs(db, "SELECT secret FROM webhook_endpoints WHERE id = ?"), ep.ID).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			dir := t.TempDir()
			cfg := config{DatabaseURL: url, KeyFile: filepath.Join(dir, "keys", "signing.key")}
			keyFile := filepath.Join(dir, "keys", "data.key")
			start := func(cfg config) error {
				h, err := store.Open(url, store.Options{Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				defer h.Close()
				return useDataKeys(ctx, cfg, slog.New(slog.DiscardHandler), h)
			}
			opens := func(keys *datakey.Keyring, v string) bool {
				b, err := keys.Open(v, "webhook_endpoints.secret/"+ep.ID)
				return err == nil && string(b) == ep.Secret
			}

			if err := start(cfg); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(keyFile)
			if err != nil || info.Mode() != 0o600 {
				t.Fatalf("data key file beside the signing key: %v %v", info, err)
			}
			keys, err := datakey.Read(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			first := stored()
			if datakey.SealedKeyID(first) != keys.CurrentID() || strings.Contains(first, strings.TrimPrefix(ep.Secret, "whsec_")) || !opens(keys, first) {
				t.Fatalf("after the first start the secret is stored as %q", first)
			}
			if err := start(cfg); err != nil || stored() != first {
				t.Fatalf("a second start changed the sealed secret: %v", err)
			}

			code, out, errOut := runCLI(t, "data-key", "show", "--key-file", cfg.KeyFile)
			if code != 0 || !strings.Contains(out, "current        "+keys.CurrentID()) {
				t.Fatalf("show: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, "data-key", "rotate", "--database-url", url, "--key-file", cfg.KeyFile)
			if code != 0 || !strings.Contains(out, "Re-sealed 1 secret(s)") {
				t.Fatalf("rotate: %d %q %q", code, out, errOut)
			}
			rotated, err := datakey.Read(keyFile)
			if err != nil || len(rotated.IDs()) != 2 || rotated.IDs()[1] != keys.CurrentID() || !strings.Contains(out, rotated.CurrentID()) {
				t.Fatalf("key file after the rotation: %v %v", rotated.IDs(), err)
			}
			now := stored()
			if datakey.SealedKeyID(now) != rotated.CurrentID() || !opens(rotated, now) || opens(keys, now) {
				t.Fatalf("after the rotation the secret is stored as %q", now)
			}

			other := cfg
			other.DataKeyFile = filepath.Join(t.TempDir(), "other.key")
			if err := start(other); err == nil || !strings.Contains(err.Error(), "every instance needs the same data key file") {
				t.Fatalf("a start with another data key file: %v", err)
			}
			if stored() != now {
				t.Fatal("the refused start changed the secret")
			}
		})
	}
}

// rebindArgs turns ? placeholders into PostgreSQL's $n.
func rebindArgs(db *store.DB, q string) string {
	if db.Dialect != store.Postgres {
		return q
	}
	for n := 1; strings.Contains(q, "?"); n++ {
		q = strings.Replace(q, "?", "$"+string(rune('0'+n)), 1)
	}
	return q
}
