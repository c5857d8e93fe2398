package faults

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal/store/storetest"
)

// TestKillMidBurst kills the server with SIGKILL while debtors are sending
// chat messages and Stripe is delivering webhooks. After a restart every
// message a client saw acknowledged is stored with the seq it was given,
// and once the clients retry what was not acknowledged (same ids, as
// chat.js and Stripe do), every message is stored once and every webhook
// applied once.
func TestKillMidBurst(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testKillMidBurst(t, dialect) })
	}
}

func testKillMidBurst(t *testing.T, dialect string) {
	dbURL := storetest.URL(t, dialect)
	cred := newCreditor(t, dbURL)
	// The burst is far above the chat's messages-per-minute limit on
	// purpose (it tests what is kept when the process dies mid-burst), so
	// the limits are off here.
	in := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: filepath.Join(t.TempDir(), "signing.key"),
		StripeBase: "http://127.0.0.1:1", Env: noChatLimits}) // webhooks need no call to Stripe
	const nDebtors, tabsPerDebtor, burst = 4, 3, 40
	var claims []claimRef
	var debtors []*debtor
	for i := range nDebtors {
		c := cred.newClaim(t, in, fmt.Sprintf("KILL-%d", i))
		claims = append(claims, c)
		debtors = append(debtors, openPortal(t, in, c))
	}

	var mu sync.Mutex
	sent := map[string]bool{}         // chat client ids written to a socket
	acked := map[string]int64{}       // client id -> seq the server acknowledged
	events := map[string]claimRef{}   // webhook event id -> claim, every delivery attempted
	eventAmount := map[string]int64{} // event id -> amount
	eventAcked := map[string]bool{}   // event id -> Stripe got a 2xx
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	start := make(chan struct{})
	// Each tab opens its own socket and pipelines a full burst (the chat
	// accepts 40 frames at once per connection): most are in flight when
	// the server dies.
	type tab struct {
		debtor int
		ids    []string
	}
	var tabs []*tab
	for i, d := range debtors {
		for j := range tabsPerDebtor {
			ch, err := d.dialChat(0)
			if err != nil {
				t.Fatal(err)
			}
			if ch.next("welcome", 10*time.Second) == nil {
				t.Fatal("no welcome frame")
			}
			tb := &tab{debtor: i}
			for k := range burst {
				tb.ids = append(tb.ids, fmt.Sprintf("kill-%d-%d-%d", i, j, k))
			}
			tabs = append(tabs, tb)
			wg.Add(2)
			go func() { // reader: acks
				defer wg.Done()
				for {
					f := ch.next("ack", time.Minute)
					if f == nil {
						return
					}
					mu.Lock()
					acked[f["id"].(string)] = int64(f["seq"].(float64))
					mu.Unlock()
				}
			}()
			go func() { // writer
				defer wg.Done()
				<-start
				for _, id := range tb.ids {
					mu.Lock()
					sent[id] = true
					mu.Unlock()
					if ch.send(map[string]any{"type": "text", "id": id, "text": "message " + id}) != nil {
						return
					}
				}
			}()
		}
	}
	for w := range 3 {
		wg.Add(1)
		go func() { // Stripe: deliveries one after the other per worker
			defer wg.Done()
			for k := 0; ctx.Err() == nil; k++ {
				c := claims[(w+k)%nDebtors]
				id := fmt.Sprintf("evt_kill_%d_%d", w, k)
				amount := int64(100 + 10*w + k)
				mu.Lock()
				events[id], eventAmount[id] = c, amount
				mu.Unlock()
				if k == 0 {
					<-start
				}
				status := deliverWebhook(ctx, in.Base, stripeEvent(cred.Tenant, c, id, "pi_"+id, amount))
				if status == 0 {
					return
				}
				if status != 200 {
					t.Errorf("webhook %s: status %d", id, status)
					return
				}
				mu.Lock()
				eventAcked[id] = true
				mu.Unlock()
			}
		}()
	}
	// Let traffic build up, then pull the plug while it flows.
	close(start)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		nAck, nEv := len(acked), len(eventAcked)
		mu.Unlock()
		if nAck >= 60 && nEv >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("traffic too slow before the kill: %d messages, %d webhooks acknowledged", nAck, nEv)
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.kill()
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("at the kill: %d messages sent, %d acknowledged; %d webhooks sent, %d acknowledged",
		len(sent), len(acked), len(events), len(eventAcked))

	in.start()
	// 1. Every acknowledged message survived, with its seq.
	stored := func() map[string][]int64 {
		out := map[string][]int64{}
		for _, c := range claims {
			status, body := cred.api(t, in, "GET", "/api/v1/claims/"+c.ID+"/conversation", nil)
			if status != 200 {
				t.Fatalf("conversation: %d %v", status, body)
			}
			for _, m := range body["messages"].([]any) {
				msg := m.(map[string]any)
				if cid, _ := msg["client_id"].(string); cid != "" {
					out[cid] = append(out[cid], int64(msg["seq"].(float64)))
				}
			}
		}
		return out
	}
	got := stored()
	for id, seq := range acked {
		if s := got[id]; len(s) != 1 || s[0] != seq {
			t.Errorf("acknowledged message %s (seq %d) after restart: %v", id, seq, s)
		}
	}
	// 2. Each tab reconnects and resends what it did not see acknowledged
	// (a fresh connection has a fresh burst allowance).
	retried, dup := 0, 0
	for _, tb := range tabs {
		ch, err := debtors[tb.debtor].dialChat(0)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range tb.ids {
			if _, ok := acked[id]; ok || !sent[id] {
				continue
			}
			retried++
			if err := ch.send(map[string]any{"type": "text", "id": id, "text": "message " + id}); err != nil {
				t.Fatal(err)
			}
			f := ch.next("ack", 10*time.Second)
			if f == nil || f["id"] != id {
				t.Fatalf("resend of %s: %v", id, f)
			}
			if f["duplicate"] == true {
				dup++
			}
		}
		ch.close()
	}
	t.Logf("after the restart: %d messages resent, %d of them had been stored before the kill", retried, dup)
	if retried == 0 {
		t.Errorf("the kill came after every message was acknowledged: the test proves nothing")
	}
	got = stored()
	for id := range sent {
		if len(got[id]) != 1 {
			t.Errorf("message %s stored %d times after the retries", id, len(got[id]))
		}
	}
	// 3. Stripe redelivers every event (it does so until it gets a 2xx, and
	// may repeat one it got): each is applied once.
	for id, c := range events {
		if status := deliverWebhook(context.Background(), in.Base, stripeEvent(cred.Tenant, c, id, "pi_"+id, eventAmount[id])); status != 200 {
			t.Fatalf("redelivery of %s: %d", id, status)
		}
	}
	perClaim := map[string]map[int64]int{}
	for id, c := range events {
		if perClaim[c.ID] == nil {
			perClaim[c.ID] = map[int64]int{}
		}
		perClaim[c.ID][eventAmount[id]]++
	}
	for _, c := range claims {
		status, body := cred.api(t, in, "GET", "/api/v1/claims/"+c.ID, nil)
		if status != 200 {
			t.Fatalf("claim: %d %v", status, body)
		}
		amounts := map[int64]int{}
		pays, _ := body["payments"].([]any)
		for _, p := range pays {
			amounts[int64(p.(map[string]any)["amount"].(float64))]++
		}
		if fmt.Sprint(amounts) != fmt.Sprint(perClaim[c.ID]) {
			t.Errorf("claim %s: payments by amount %v, want one per event %v", c.Reference, amounts, perClaim[c.ID])
		}
	}
	// 4. The evidence chain written across the crash verifies.
	for _, c := range claims {
		zip := filepath.Join(t.TempDir(), c.Reference+".zip")
		in.download(t, cred, "/api/v1/claims/"+c.ID+"/evidence.zip", zip)
		if out := runCLI(t, "verify", zip); !strings.Contains(out, "is intact") {
			t.Errorf("verify %s: %s", c.Reference, out)
		}
	}
}
