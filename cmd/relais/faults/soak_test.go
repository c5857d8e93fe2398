package faults

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// soakConnections is how many websocket connections are open at once.
const soakConnections = 500

// heapSlack is how much the live heap may grow over the soak: the pool's
// extra database connections and their statement caches (about 1.5 MiB
// after a minute, measured); a leak of even 1 KiB per connection would
// exceed it within the minute's ~17,000 connections.
const heapSlack = 4 << 20

// soakDuration is one minute in CI; RELAIS_SOAK (a Go duration such as
// 10m) runs it longer by hand, -short runs it for 10 s.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("RELAIS_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("RELAIS_SOAK=%q: %v", v, err)
		}
		return d
	}
	if testing.Short() {
		return 10 * time.Second
	}
	return time.Minute
}

// TestWebsocketSoak keeps 500 websocket connections coming and going on
// one instance for a minute: each connects, reads its welcome, sometimes
// sends a message and waits for the ack, stays a moment and leaves, half
// of them with a close frame and half by dropping the TCP connection.
// Afterwards the server's goroutines and live heap (read from its pprof
// listener, after a GC) are back to their baseline.
func TestWebsocketSoak(t *testing.T) {
	dur := soakDuration(t)
	dbURL := storetest.URL(t, store.Postgres)
	cred := newCreditor(t, dbURL)
	// The chat limits per session, address and minute (issue 26.9) would
	// refuse most of this load from one machine: the soak measures leaks,
	// so they are off here (TestChatConnectionLimits checks them).
	in := startInstance(t, serveConfig{DatabaseURL: dbURL, KeyFile: filepath.Join(t.TempDir(), "signing.key"), Env: noChatLimits})
	// A few debtors, each with many tabs (links are limited per IP).
	var sessions []*debtor
	lastSeq := make([]atomic.Int64, 8)
	for i := range len(lastSeq) {
		sessions = append(sessions, openPortal(t, in, cred.newClaim(t, in, fmt.Sprintf("SOAK-%d", i))))
	}
	// Warm up pools, caches and templates before the baseline.
	for i, d := range sessions {
		ch, err := d.dialChat(0)
		if err != nil {
			t.Fatal(err)
		}
		ch.send(map[string]any{"type": "text", "id": fmt.Sprintf("warm-%d", i), "text": "warm up"})
		if f := ch.next("ack", 10*time.Second); f == nil {
			t.Fatal("no ack while warming up")
		} else {
			lastSeq[i].Store(int64(f["seq"].(float64)))
		}
		ch.close()
	}
	time.Sleep(time.Second)
	baseG, baseHeap := in.runtimeStats()
	in.saveHeapProfile(t, "soak-baseline.pb.gz")

	var connections, messages, dialErrors, refused atomic.Int64
	var peakG atomic.Int64
	var peakHeap atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range soakConnections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for k := 0; time.Now().Before(deadline); k++ {
				i := r.IntN(len(sessions))
				ch, err := sessions[i].dialChat(lastSeq[i].Load())
				if err != nil {
					dialErrors.Add(1)
					if isRefusal(err) {
						refused.Add(1)
					}
					time.Sleep(100 * time.Millisecond)
					continue
				}
				connections.Add(1)
				if ch.next("welcome", 10*time.Second) == nil {
					dialErrors.Add(1)
				}
				if r.IntN(10) == 0 {
					id := fmt.Sprintf("soak-%d-%d", w, k)
					if ch.send(map[string]any{"type": "text", "id": id, "text": "soak " + id}) == nil {
						if f := ch.next("ack", 15*time.Second); f != nil {
							messages.Add(1)
							if s := int64(f["seq"].(float64)); s > lastSeq[i].Load() {
								lastSeq[i].Store(s)
							}
						}
					}
				}
				time.Sleep(time.Duration(500+r.IntN(2500)) * time.Millisecond)
				if r.IntN(2) == 0 {
					ch.goodbye()
				} else {
					ch.close()
				}
			}
		}()
	}
	// Sample the server while the churn runs: the measurement must see the
	// connections, or a "return to baseline" would prove nothing.
	sampler := time.NewTicker(5 * time.Second)
	for time.Now().Before(deadline) {
		<-sampler.C
		g, h := in.runtimeStats()
		if int64(g) > peakG.Load() {
			peakG.Store(int64(g))
		}
		if h > peakHeap.Load() {
			peakHeap.Store(h)
		}
	}
	sampler.Stop()
	wg.Wait()

	var g int
	var heap int64
	settled := time.Now().Add(30 * time.Second)
	for {
		g, heap = in.runtimeStats()
		if (g <= baseG+10 && heap <= baseHeap+heapSlack) || time.Now().After(settled) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	in.saveHeapProfile(t, "soak-after.pb.gz")
	t.Logf("soak %s, %d at once: %d connections, %d messages acknowledged, %d dial errors (%d refused)", dur, soakConnections,
		connections.Load(), messages.Load(), dialErrors.Load(), refused.Load())
	t.Logf("goroutines: baseline %d, peak %d, after %d; live heap: baseline %.1f MiB, peak %.1f MiB, after %.1f MiB",
		baseG, peakG.Load(), g, mib(baseHeap), mib(peakHeap.Load()), mib(heap))
	if peakG.Load() < int64(baseG+soakConnections) {
		t.Errorf("peak of %d goroutines for %d connections: the churn did not reach the server", peakG.Load(), soakConnections)
	}
	// The slack is fasthttp's idle workers, kept up to 10 s after their
	// last request (the settle loop above waits that out).
	if g > baseG+10 {
		t.Errorf("goroutines did not return to baseline: %d, baseline %d (a leak per connection?)", g, baseG)
	}
	if heap > baseHeap+heapSlack {
		t.Errorf("live heap did not return to baseline: %.1f MiB, baseline %.1f MiB", mib(heap), mib(baseHeap))
	}
	if refused.Load() > 0 {
		t.Errorf("%d connections were refused by the server", refused.Load())
	}
	if dialErrors.Load() > connections.Load()/100 {
		t.Errorf("%d of %d connections failed", dialErrors.Load(), connections.Load())
	}
}

// saveHeapProfile writes the server's heap profile (for `go tool pprof
// -base`) and a goroutine dump into the directory named by
// RELAIS_SOAK_PROFILE, if set.
func (in *instance) saveHeapProfile(t *testing.T, name string) {
	dir := os.Getenv("RELAIS_SOAK_PROFILE")
	if dir == "" {
		return
	}
	body := fetch(t, "http://"+in.debug+"/debug/pprof/heap?gc=1")
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	body = fetch(t, "http://"+in.debug+"/debug/pprof/goroutine?debug=1")
	if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".pb.gz")+"-goroutines.txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
