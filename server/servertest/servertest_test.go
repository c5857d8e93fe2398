package servertest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server/servertest"
)

// TestStart wires every service of server.Deps, as cmd/relais build() does,
// and serves the creditor API with the evidence key it was given.
func TestStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		signer, err := evidence.GenerateSigner()
		if err != nil {
			t.Fatal(err)
		}
		run := servertest.Start(t, db, servertest.Options{Signer: signer})

		// A service added to server.Deps and to build() must be added
		// here too; only the chat bus is PostgreSQL's alone, and the
		// second factor's senders exist only where SMTP or SMS is set
		// (an instance without them asks no code, as build() does).
		sqlite := db.ChatBus() == nil
		optional := map[string]bool{"CodeEmail": true, "CodeSMS": true}
		deps := reflect.ValueOf(run.Deps)
		for i := range deps.NumField() {
			f, name := deps.Field(i), deps.Type().Field(i).Name
			switch f.Kind() {
			case reflect.Interface, reflect.Pointer:
				if f.IsNil() && !(name == "ChatBus" && sqlite) && !optional[name] {
					t.Errorf("Deps.%s is not wired: wire it in servertest.Wire as cmd/relais build() does", name)
				}
			}
		}
		if run.Payments.CardEnabled() {
			t.Error("card payment is on without Options.Card")
		}

		ctx := context.Background()
		tn := &portal.Tenant{Name: "Servertest"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		_, key, err := db.CreateAPIKey(ctx, tn.ID, "servertest")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", run.Base+"/api/v1/evidence/public-key", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			PublicKey string `json:"public_key"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("public key: status %d, %v", resp.StatusCode, err)
		}
		if want := signer.PublicKeyBase64(); got.PublicKey != want {
			t.Errorf("public key %q, want the given signer's %q", got.PublicKey, want)
		}
	})
}
