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
			var sigs []http.Header
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies, sigs = append(bodies, string(b)), append(sigs, r.Header.Clone())
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
			if err := webhooks.VerifyAt(ep["secret"].(string), sigs[0], []byte(bodies[0]), time.Minute, e.clock.T); err != nil || sigs[0].Get("webhook-id") != got0ID(bodies[0]) {
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

// TestWebhookAPILifecycle: through the API a tenant rotates an endpoint's
// secret (both signatures during the overlap, verified with the secret
// each answer showed), reads the delivery log, resends a delivery,
// disables and enables the endpoint, and lists the event kinds; another
// tenant gets 404 on each; bad input is 400 and changes nothing.
func TestWebhookAPILifecycle(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			var mu sync.Mutex
			var got []http.Header
			var bodies [][]byte
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got, bodies = append(got, r.Header.Clone()), append(bodies, b)
				mu.Unlock()
				io.WriteString(w, "thanks")
			}))
			defer rc.Close()
			_, ep := e.do(t, "POST", "/api/v1/webhooks", e.keyA, "application/json", `{"url": "`+rc.URL+`/hooks"}`)
			id, first := ep["id"].(string), ep["secret"].(string)
			base := "/api/v1/webhooks/" + id
			if status, body := e.do(t, "GET", base, e.keyA, "", ""); status != 200 || body["id"] != id || body["secret"] != nil || body["disabled_at"] != nil {
				t.Fatalf("show: %d %v", status, body)
			}
			for _, bad := range []string{`{"previous_secret_hours": -1}`, `{"previous_secret_hours": 169}`, `{"previous_secret_hours": "a day"}`, `{"keep": 1}`} {
				if status, body := e.do(t, "POST", base+"/rotate", e.keyA, "application/json", bad); status != 400 {
					t.Errorf("rotate %s: %d %v", bad, status, body)
				}
			}
			status, rot := e.do(t, "POST", base+"/rotate", e.keyA, "application/json", `{"previous_secret_hours": 2}`)
			second, _ := rot["secret"].(string)
			if status != 200 || !strings.HasPrefix(second, "whsec_") || second == first || rot["previous_secret_expires_at"] != "2024-06-30T12:00:00Z" {
				t.Fatalf("rotate: %d %v", status, rot)
			}
			_, claim := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "1"))
			w := &webhooks.Worker{Store: e.db, Clock: e.clock, Owner: "test", AllowPrivate: true, Log: slog.New(slog.DiscardHandler)}
			if rep, err := w.RunOnce(context.Background()); err != nil || rep.Delivered != 1 {
				t.Fatalf("%+v %v", rep, err)
			}
			for _, secret := range []string{first, second} {
				if err := webhooks.VerifyAt(secret, got[0], bodies[0], time.Minute, e.clock.T); err != nil {
					t.Fatalf("overlap, secret %s: %v", secret, err)
				}
			}
			status, log := e.do(t, "GET", base+"/deliveries", e.keyA, "", "")
			ds, _ := log["deliveries"].([]any)
			if status != 200 || len(ds) != 1 {
				t.Fatalf("log: %d %v", status, log)
			}
			d := ds[0].(map[string]any)
			atts := d["attempts"].([]any)
			att := atts[0].(map[string]any)
			if d["claim_id"] != claim["id"] || d["status"] != "delivered" || len(atts) != 1 || att["status"] != float64(200) || att["response_body"] != "thanks" {
				t.Fatalf("log entry %v", d)
			}
			if status, _ := e.do(t, "GET", base+"/deliveries?limit=0", e.keyA, "", ""); status != 400 {
				t.Fatalf("limit 0: %d", status)
			}
			did := d["id"].(string)
			if status, _ := e.do(t, "POST", base+"/deliveries/"+did+"/resend", e.keyB, "", ""); status != 404 {
				t.Fatalf("B resends A's delivery: %d", status)
			}
			if status, _ := e.do(t, "POST", base+"/deliveries/"+did+"/resend", e.keyA, "", ""); status != 202 {
				t.Fatalf("resend: %d", status)
			}
			if rep, _ := w.RunOnce(context.Background()); rep.Delivered != 1 || len(got) != 2 || got[1].Get("webhook-id") != got[0].Get("webhook-id") {
				t.Fatalf("resent: %+v, %d requests", rep, len(got))
			}
			for _, path := range []string{base, base + "/deliveries"} {
				if status, _ := e.do(t, "GET", path, e.keyB, "", ""); status != 404 {
					t.Fatalf("B reads %s: %d", path, status)
				}
			}
			for _, path := range []string{base + "/rotate", base + "/disable", base + "/enable"} {
				if status, _ := e.do(t, "POST", path, e.keyB, "", ""); status != 404 {
					t.Fatalf("B posts %s: %d", path, status)
				}
			}
			status, body := e.do(t, "POST", base+"/disable", e.keyA, "", "")
			if status != 200 || body["disabled_at"] == nil || body["disabled_reason"] != "disabled by the account" {
				t.Fatalf("disable: %d %v", status, body)
			}
			e.do(t, "POST", "/api/v1/claims/"+claim["id"].(string)+"/payments", e.keyA, "application/json", `{"amount": 100, "received_on": "2024-06-01"}`)
			if rep, _ := w.RunOnce(context.Background()); rep.Claimed != 0 {
				t.Fatalf("sent while disabled: %+v", rep)
			}
			if status, body := e.do(t, "POST", base+"/enable", e.keyA, "", ""); status != 200 || body["disabled_at"] != nil {
				t.Fatalf("enable: %d %v", status, body)
			}
			if rep, _ := w.RunOnce(context.Background()); rep.Delivered != 1 {
				t.Fatalf("after enabling: %+v", rep)
			}
			// Every change is in the account log with its actor, the API key;
			// B's log holds none of A's.
			status, alog := e.do(t, "GET", "/api/v1/account-log", e.keyA, "", "")
			var got2 []string
			for _, x := range alog["entries"].([]any) {
				en := x.(map[string]any)
				if !strings.HasPrefix(en["kind"].(string), "webhook.") {
					continue // the fixture's creditor
				}
				actor := en["actor"].(map[string]any)
				if actor["kind"] != "api_key" || actor["id"] == "" || en["payload"].(map[string]any)["endpoint_id"] != id {
					t.Fatalf("account log entry %v", en)
				}
				if strings.Contains(fmt.Sprint(en), "whsec_") {
					t.Fatalf("a secret in the account log: %v", en)
				}
				got2 = append(got2, en["kind"].(string))
			}
			if status != 200 || strings.Join(got2, " ") != "webhook.enabled webhook.disabled webhook.delivery_resent webhook.secret_rotated webhook.created" {
				t.Fatalf("account log: %d %v", status, got2)
			}
			if _, blog := e.do(t, "GET", "/api/v1/account-log", e.keyB, "", ""); strings.Contains(fmt.Sprint(blog), id) {
				t.Fatalf("B's account log: %v", blog)
			}
			status, kinds := e.do(t, "GET", "/api/v1/event-kinds", e.keyA, "", "")
			list, _ := kinds["kinds"].([]any)
			if status != 200 || len(list) != len(portal.EventKinds())+1 {
				t.Fatalf("kinds: %d %v", status, kinds)
			}
			last := list[len(list)-1].(map[string]any)
			if last["kind"] != "checkpoint.signed" || last["explicit"] != true || list[0].(map[string]any)["explicit"] != false {
				t.Fatalf("kinds %v", list)
			}
		})
	}
}

// got0ID is the id of a delivery's JSON body.
func got0ID(body string) string {
	var b webhooks.Body
	json.Unmarshal([]byte(body), &b)
	return b.ID
}

// TestOpenAPIWebhooks: the OpenAPI document's webhooks section has an
// entry per kind an endpoint may ask for, each naming its kind and the
// schema of its payload, with the Standard Webhooks headers; the payloads
// of real events (a claim created, a payment recorded through the API)
// hold only documented fields.
func TestOpenAPIWebhooks(t *testing.T) {
	var doc struct {
		Webhooks   map[string]map[string]map[string]any `json:"webhooks"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
			Parameters map[string]struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	for ref, name := range map[string]string{"WebhookId": "webhook-id", "WebhookTimestamp": "webhook-timestamp", "WebhookSignature": "webhook-signature"} {
		if p := doc.Components.Parameters[ref]; p.Name != name || p.In != "header" {
			t.Errorf("parameter %s: %+v", ref, p)
		}
	}
	if len(doc.Webhooks) != len(webhooks.Kinds()) {
		t.Errorf("%d webhooks documented, %d kinds", len(doc.Webhooks), len(webhooks.Kinds()))
	}
	for _, k := range webhooks.Kinds() {
		post, ok := doc.Webhooks[string(k)]["post"]
		if !ok {
			t.Errorf("kind %s is not in the webhooks section", k)
			continue
		}
		raw, _ := json.Marshal(post)
		for _, want := range []string{`"const":"` + string(k) + `"`, `"#/components/parameters/WebhookId"`, `"#/components/parameters/WebhookTimestamp"`, `"#/components/parameters/WebhookSignature"`} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("webhook %s lacks %s", k, want)
			}
		}
		if k != webhooks.KindCheckpointSigned && !strings.Contains(string(raw), `"#/components/schemas/Payload_`+strings.ReplaceAll(string(k), ".", "_")+`"`) {
			t.Errorf("webhook %s names no payload schema", k)
		}
	}
	e := newAPIEnv(t, storetest.Dialects[0])
	_, claim := e.do(t, "POST", "/api/v1/claims", e.keyA, "application/json", fmt.Sprintf(validClaimJSON, "1"))
	id := claim["id"].(string)
	e.do(t, "POST", "/api/v1/claims/"+id+"/payments", e.keyA, "application/json", `{"amount": 2500, "received_on": "2024-06-01", "reference": "VIR-1"}`)
	evs, err := e.db.ListEvents(context.Background(), e.tenantA, id, 0, 0)
	if err != nil || len(evs) < 2 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	for _, ev := range evs {
		var payload map[string]any
		if err := json.Unmarshal([]byte(ev.Payload), &payload); err != nil {
			t.Fatal(err)
		}
		props := doc.Components.Schemas["Payload_"+strings.ReplaceAll(string(ev.Kind), ".", "_")].Properties
		for field := range payload {
			if _, ok := props[field]; !ok {
				t.Errorf("%s: payload field %q is not documented", ev.Kind, field)
			}
		}
	}
}
