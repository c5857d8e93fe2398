package faults

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal/store/storetest"
)

// TestKillWebhookSender: relais serve is killed with SIGKILL while it
// delivers webhooks to a slow receiver on loopback. After a restart every
// event of the claims reaches the receiver, each claim's in seq order, and
// an event delivered twice (its attempt cut by the kill) carries the same
// webhook-id and body both times; every request is signed, verified here
// from the Standard Webhooks specification alone.
func TestKillWebhookSender(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testKillWebhookSender(t, dialect) })
	}
}

// hookRequest is a request the receiver got.
type hookRequest struct {
	id, claimID string
	seq         int64
	body        string
}

func testKillWebhookSender(t *testing.T, dialect string) {
	dbURL := storetest.URL(t, dialect)
	cred := newCreditor(t, dbURL)
	var mu sync.Mutex
	var got []hookRequest
	var secret string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		mu.Unlock()
		m := hmac.New(sha256.New, key)
		m.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "."))
		m.Write(body)
		if r.Header.Get("webhook-signature") != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
			t.Errorf("bad signature on %s", body)
			w.WriteHeader(400)
			return
		}
		var ev struct {
			ClaimID string `json:"claim_id"`
			Seq     int64  `json:"seq"`
		}
		json.Unmarshal(body, &ev)
		time.Sleep(150 * time.Millisecond) // slow: deliveries are in flight when the sender dies
		mu.Lock()
		got = append(got, hookRequest{id: r.Header.Get("webhook-id"), claimID: ev.ClaimID, seq: ev.Seq, body: string(body)})
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer rc.Close()
	received := func() []hookRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]hookRequest(nil), got...)
	}

	in := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: filepath.Join(t.TempDir(), "signing.key"),
		Env: []string{"RELAIS_WEBHOOKS_ALLOW_PRIVATE=on", "RELAIS_WEBHOOKS_LEASE=3s"}})
	status, ep := cred.api(t, in, "POST", "/api/v1/webhooks", map[string]any{"url": rc.URL + "/hook"})
	if status != 201 {
		t.Fatalf("register: %d %v", status, ep)
	}
	mu.Lock()
	secret, _ = ep["secret"].(string)
	mu.Unlock()
	const nClaims, nPayments = 4, 8
	var claims []string
	for i := range nClaims {
		c := cred.newClaim(t, in, fmt.Sprintf("HOOK-%d", i))
		claims = append(claims, c.ID)
		for j := range nPayments {
			if status, body := cred.api(t, in, "POST", "/api/v1/claims/"+c.ID+"/payments",
				map[string]any{"amount": 1000 + j, "received_on": "2026-03-01", "reference": fmt.Sprintf("VIR-%d-%d", i, j)}); status != 201 {
				t.Fatalf("payment: %d %v", status, body)
			}
		}
	}
	// Kill it mid-delivery: some events received, most not yet.
	deadline := time.Now().Add(30 * time.Second)
	for len(received()) < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d deliveries before the kill", len(received()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.kill()
	before := len(received())
	in.start()

	// Every event of the claims, delivered.
	want := map[string][]int64{} // claim -> seqs of its events
	wantIDs := map[string]bool{}
	for _, id := range claims {
		status, body := cred.api(t, in, "GET", "/api/v1/claims/"+id+"/events", nil)
		evs, _ := body["events"].([]any)
		if status != 200 || len(evs) < nPayments+1 {
			t.Fatalf("events of %s: %d %d", id, status, len(evs))
		}
		for _, e := range evs {
			m := e.(map[string]any)
			want[id] = append(want[id], int64(m["seq"].(float64)))
			wantIDs[m["id"].(string)] = true
		}
	}
	deadline = time.Now().Add(90 * time.Second)
	for {
		seen := map[string]bool{}
		for _, r := range received() {
			seen[r.id] = true
		}
		missing := 0
		for id := range wantIDs {
			if !seen[id] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events never delivered after the restart", missing, len(wantIDs))
		}
		time.Sleep(100 * time.Millisecond)
	}
	all := received()
	first := map[string]hookRequest{}
	order := map[string][]int64{}
	dups := 0
	for _, r := range all {
		if !wantIDs[r.id] {
			t.Errorf("a delivery of an unknown event %s", r.id)
		}
		if f, ok := first[r.id]; ok {
			dups++
			if f.body != r.body {
				t.Errorf("event %s sent twice with different bodies", r.id)
			}
			continue
		}
		first[r.id] = r
		order[r.claimID] = append(order[r.claimID], r.seq)
	}
	for id, seqs := range want {
		if fmt.Sprint(order[id]) != fmt.Sprint(seqs) {
			t.Errorf("claim %s: delivered in order %v, events %v", id, order[id], seqs)
		}
	}
	t.Logf("%d deliveries before the kill, %d in all, %d duplicates of %d events", before, len(all), dups, len(wantIDs))
}
