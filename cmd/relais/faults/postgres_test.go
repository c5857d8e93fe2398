package faults

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPostgresRestart restarts PostgreSQL under two instances serving
// traffic. Meanwhile /readyz answers 503 on both, requests fail at once
// with a clear 503 (in French for the debtor), a chat frame is refused with
// `unavailable` and stores nothing, and the schedulers report failures.
// Afterwards both recover with no manual action: pages and API answer,
// the schedulers succeed again, and chat messages cross instances through
// the re-established LISTEN/NOTIFY subscriptions.
func TestPostgresRestart(t *testing.T) {
	pg := startPostgres(t)
	dbURL := pg.url("relais")
	cred := newCreditor(t, dbURL)
	key := filepath.Join(t.TempDir(), "signing.key")
	a := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: key})
	b := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: key})
	claim := cred.newClaim(t, a, "PG-1")
	onA := openPortal(t, a, claim)
	onB := onA.on(b)
	chA, chB := mustDial(t, onA), mustDial(t, onB)
	relay(t, chA, chB, "before-restart")

	// Background traffic on both instances: every request ends, with 200
	// or a clean 503, never a hang or another error.
	stopTraffic := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var slowest time.Duration
	for _, d := range []*debtor{onA, onB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopTraffic:
					return
				case <-time.After(50 * time.Millisecond):
				}
				t0 := time.Now()
				status, _ := d.do(t, "GET", "/p", nil)
				mu.Lock()
				statuses[status]++
				slowest = max(slowest, time.Since(t0))
				mu.Unlock()
			}
		}()
	}

	pg.stop()
	waitFor(t, 20*time.Second, "both instances report the database down on /readyz", func() bool {
		sa, _ := a.get("/readyz")
		sb, _ := b.get("/readyz")
		return sa == 503 && sb == 503
	})
	if status, page := onA.do(t, "GET", "/p", nil); status != 503 || !strings.Contains(page, `<html lang="fr"`) || !strings.Contains(page, "indisponible") {
		t.Errorf("debtor page while the database is down: %d %.400s", status, page)
	}
	if status, body := cred.api(t, a, "GET", "/api/v1/claims/"+claim.ID, nil); status != 503 || errCode(body) != "unavailable" {
		t.Errorf("API while the database is down: %d %v", status, body)
	}
	if err := chA.send(map[string]any{"type": "text", "id": "during-outage", "text": "hello?"}); err != nil {
		t.Fatalf("the chat socket did not survive the outage: %v", err)
	}
	if f := chA.next("error", 20*time.Second); f == nil || f["id"] != "during-outage" || f["code"] != "unavailable" {
		t.Errorf("chat frame while the database is down: %v", f)
	}
	waitFor(t, 20*time.Second, "the schedulers report failing runs", func() bool {
		return a.jobs()["instalments"].Failing > 0 && b.jobs()["instalments"].Failing > 0
	})

	pg.start()
	restarted := time.Now()
	waitFor(t, 30*time.Second, "both instances ready again", func() bool {
		sa, _ := a.get("/readyz")
		sb, _ := b.get("/readyz")
		return sa == 200 && sb == 200
	})
	for _, d := range []*debtor{onA, onB} {
		if status, page := d.do(t, "GET", "/p", nil); status != 200 || !strings.Contains(page, claim.Reference) {
			t.Errorf("claim page after the restart: %d", status)
		}
	}
	if status, body := cred.api(t, b, "GET", "/api/v1/claims/"+claim.ID, nil); status != 200 {
		t.Errorf("API after the restart: %d %v", status, body)
	}
	waitFor(t, 20*time.Second, "both schedulers succeed after the restart", func() bool {
		ja, jb := a.jobs()["instalments"], b.jobs()["instalments"]
		return ja.LastSuccess.After(restarted) && ja.Failing == 0 && jb.LastSuccess.After(restarted) && jb.Failing == 0
	})
	// The frame refused during the outage was not stored; sent again it is,
	// and the re-established subscriptions carry it across instances.
	relay(t, chA, chB, "during-outage")
	relay(t, chB, chA, "after-restart")

	close(stopTraffic)
	wg.Wait()
	t.Logf("traffic during the test: statuses %v, slowest request %s", statuses, slowest)
	for status := range statuses {
		if status != 200 && status != 503 {
			t.Errorf("a request ended with %d: only 200 and a clean 503 are expected", status)
		}
	}
	if statuses[503] == 0 || statuses[200] == 0 {
		t.Errorf("traffic saw no outage or no service: %v", statuses)
	}
	if slowest > 15*time.Second {
		t.Errorf("a request hung for %s", slowest)
	}
}

func mustDial(t *testing.T, d *debtor) *chat {
	t.Helper()
	ch, err := d.dialChat(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch.close)
	if ch.next("welcome", 10*time.Second) == nil {
		t.Fatal("no welcome frame")
	}
	return ch
}

// relay sends a text frame with id on from, retrying while the server
// answers `unavailable`, and waits for the message to reach to, which may
// be a socket on another instance.
func relay(t *testing.T, from, to *chat, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := from.send(map[string]any{"type": "text", "id": id, "text": "text " + id}); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
		f := from.nextOf(10*time.Second, "ack", "error")
		if f != nil && f["type"] == "ack" && f["id"] == id {
			break
		}
		if f == nil || f["code"] != "unavailable" || time.Now().After(deadline) {
			t.Fatalf("send %s: %v", id, f)
		}
		time.Sleep(500 * time.Millisecond)
	}
	waitFrame := time.After(30 * time.Second)
	for {
		select {
		case f := <-to.frames:
			if m, _ := f["msg"].(map[string]any); f["type"] == "message" && m["client_id"] == id {
				return
			}
		case <-to.closed:
			t.Fatalf("the receiving socket closed before %s arrived", id)
		case <-waitFrame:
			t.Fatalf("message %s did not reach the other socket in 30 s", id)
		}
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}
