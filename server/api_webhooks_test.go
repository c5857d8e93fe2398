package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestWebhookAPI: a tenant registers, lists and deletes its endpoints; the
// secret is shown once; another tenant sees and deletes none of them.
func TestWebhookAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			status, body := e.do(t, "GET", "/api/v1/webhooks", e.keyA, "", "")
			if status != 200 || fmt.Sprint(body["webhooks"]) != "[]" {
				t.Fatalf("empty list: %d %v", status, body)
			}
			status, body = e.do(t, "POST", "/api/v1/webhooks", e.keyA, "application/json",
				`{"url": "https://erp.alpha.example/relais", "kinds": ["payment.recorded", "dispute.filed"], "description": "ERP"}`)
			secret, _ := body["secret"].(string)
			id, _ := body["id"].(string)
			if status != 201 || !strings.HasPrefix(secret, "whsec_") || !portal.ValidID(id) || body["url"] != "https://erp.alpha.example/relais" ||
				fmt.Sprint(body["kinds"]) != "[payment.recorded dispute.filed]" {
				t.Fatalf("create: %d %v", status, body)
			}
			status, body = e.do(t, "GET", "/api/v1/webhooks", e.keyA, "", "")
			list := body["webhooks"].([]any)
			if status != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != id {
				t.Fatalf("list: %d %v", status, body)
			}
			if _, has := list[0].(map[string]any)["secret"]; has {
				t.Fatalf("the secret is listed: %v", list[0])
			}
			if _, body := e.do(t, "GET", "/api/v1/webhooks", e.keyB, "", ""); len(body["webhooks"].([]any)) != 0 {
				t.Fatalf("B sees A's endpoints: %v", body)
			}
			for _, bad := range []string{
				`{"url": "http://erp.example/relais"}`, `{"url": "ftp://erp.example/"}`, `{"url": ""}`,
				`{"url": "https://erp.example/", "kinds": ["nope"]}`, `{"url": "https://erp.example/", "extra": 1}`,
			} {
				if status, body := e.do(t, "POST", "/api/v1/webhooks", e.keyA, "application/json", bad); status != 400 {
					t.Errorf("%s: %d %v", bad, status, body)
				}
			}
			if status, _ := e.do(t, "DELETE", "/api/v1/webhooks/"+id, e.keyB, "", ""); status != 404 {
				t.Fatalf("B deletes A's endpoint: %d", status)
			}
			if status, _ := e.do(t, "DELETE", "/api/v1/webhooks/"+id, e.keyA, "", ""); status != 204 {
				t.Fatalf("delete: %d", status)
			}
			if status, _ := e.do(t, "DELETE", "/api/v1/webhooks/"+id, e.keyA, "", ""); status != 404 {
				t.Fatalf("deleted twice: %d", status)
			}
			if status, _ := e.do(t, "GET", "/api/v1/webhooks", "", "", ""); status != 401 {
				t.Fatalf("no key: %d", status)
			}
		})
	}
}

// TestWebhookEndToEnd: an endpoint registered through the API receives a
// payment recorded through the API, signed with the secret the
// registration showed, and another tenant's endpoint gets nothing.
func TestWebhookEndToEnd(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			var mu sync.Mutex
			var bodies []string
			var sigs []string
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies, sigs = append(bodies, string(b)), append(sigs, r.Header.Get(webhooks.SignatureHeader))
				mu.Unlock()
			}))
			defer rc.Close()
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("tenant B's endpoint got %s", r.URL)
			}))
			defer other.Close()
			_, ep := e.do(t, "POST", "/api/v1/webhooks", e.keyA, "application/json", `{"url": "`+rc.URL+`/hooks", "kinds": ["payment.recorded"]}`)
			if _, epB := e.do(t, "POST", "/api/v1/webhooks", e.keyB, "application/json", `{"url": "`+other.URL+`"}`); epB["id"] == nil {
				t.Fatal(epB)
			}
			_, claim := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "1"))
			id := claim["id"].(string)
			status, pay := e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json",
				`{"amount": 2500, "received_on": "2024-06-01", "reference": "VIR-1"}`)
			if status != 201 {
				t.Fatal(status, pay)
			}
			w := &webhooks.Worker{Store: e.db, Clock: e.clock, Owner: "test", AllowPrivate: true, Log: slog.New(slog.DiscardHandler)}
			if rep, err := w.RunOnce(context.Background()); err != nil || rep.Delivered != 1 {
				t.Fatalf("%+v %v", rep, err)
			}
			if len(bodies) != 1 {
				t.Fatalf("%d deliveries", len(bodies))
			}
			if err := webhooks.VerifyAt(ep["secret"].(string), sigs[0], []byte(bodies[0]), time.Minute, e.clock.T); err != nil {
				t.Fatal(err)
			}
			var got webhooks.Body
			if err := json.Unmarshal([]byte(bodies[0]), &got); err != nil {
				t.Fatal(err)
			}
			var payload map[string]any
			json.Unmarshal(got.Payload, &payload)
			if got.Kind != portal.EventPaymentRecorded || got.ClaimID != id || payload["payment_id"] != pay["id"] || payload["amount"] != float64(2500) ||
				got.Actor.Kind != portal.ActorAPIKey {
				t.Fatalf("body %s", bodies[0])
			}
		})
	}
}
