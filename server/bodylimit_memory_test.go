package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal/store"
)

// memoryBound is what a flood of large bodies without credentials may add
// to the heap (HeapInuse) of the process serving it. Before per-route
// limits and streaming the server took 1.5 GB for the webhooks below and
// 2.5 GB for the slow claims.
const memoryBound = 64 << 20

// TestBodyLimitMemory sends, over a real listener and without any
// credential, 24 parallel 50 MB POSTs to /webhooks/stripe; then 40 slow
// 50 MB POSTs to /api/v1/claims that trickle their body; then 12 parallel
// 30 MB CSV imports and 12 parallel 50 MB dispute uploads. Each time the
// peak heap of the process must stay within memoryBound of where it was,
// and every request be refused: 413 over the route's limit, 401 for an
// upload route (whose body is read only after authentication).
func TestBodyLimitMemory(t *testing.T) {
	e := newAPIEnv(t, store.SQLite)
	srv := New(Config{BaseURL: "http://relais.test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Logger: e.srv.log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.Shutdown(time.Second) })
	addr := ln.Addr().String()
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	post := func(path, contentType string, body io.Reader, size int) string {
		req, _ := http.NewRequest("POST", "http://"+addr+path, io.NopCloser(body))
		req.ContentLength = int64(size)
		req.Header.Set("Content-Type", contentType)
		resp, err := client.Do(req)
		if err != nil {
			return "error: " + err.Error()
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return strconv.Itoa(resp.StatusCode)
	}

	t.Run("Webhooks", func(t *testing.T) {
		statuses, peak := flood(t, 24, func(int) string {
			return post("/webhooks/stripe", "application/json", &zeros{n: 50 << 20}, 50<<20)
		})
		checkPeak(t, peak, statuses, "413")
	})
	t.Run("SlowClaims", func(t *testing.T) {
		statuses, peak := flood(t, 40, func(int) string {
			return slowPost(addr, "/api/v1/claims", 50<<20, 2*time.Second)
		})
		checkPeak(t, peak, statuses, "413")
	})
	t.Run("Uploads", func(t *testing.T) {
		head := "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
		tail := "\r\n--b--\r\n"
		statuses, peak := flood(t, 24, func(i int) string {
			if i%2 == 0 {
				return post("/api/v1/claims/import", "text/csv", &zeros{n: 30 << 20}, 30<<20)
			}
			body := io.MultiReader(strings.NewReader(head), &zeros{n: 50 << 20}, strings.NewReader(tail))
			return post("/p/contest", "multipart/form-data; boundary=b", body, len(head)+50<<20+len(tail))
		})
		checkPeak(t, peak, statuses, "401")
	})
}

// flood runs n requests at once and returns their answers and the peak
// memory growth meanwhile.
func flood(t *testing.T, n int, do func(i int) string) ([]string, memPeak) {
	t.Helper()
	statuses := make([]string, n)
	peak := peakMemory(t, func() {
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = do(i)
			}()
		}
		wg.Wait()
	})
	return statuses, peak
}

// memPeak is the growth of the heap in use and of the resident set over
// their values before a load, at their highest during it.
type memPeak struct{ heap, rss int64 }

// peakMemory runs load while sampling the process's memory every 10 ms.
func peakMemory(t *testing.T, load func()) memPeak {
	t.Helper()
	runtime.GC()
	runtime.GC() // twice: sync.Pool keeps buffers for one cycle
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap0, rss0 := int64(ms.HeapInuse), vmRSS()
	var peak memPeak
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak.heap = max(peak.heap, int64(ms.HeapInuse)-heap0)
		peak.rss = max(peak.rss, vmRSS()-rss0)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	load()
	close(done)
	<-stopped
	sample()
	return peak
}

func checkPeak(t *testing.T, peak memPeak, statuses []string, want string) {
	t.Helper()
	counts := map[string]int{}
	for _, s := range statuses {
		if strings.HasPrefix(s, "error: ") {
			t.Log(s)
			s = "error"
		}
		counts[s]++
	}
	t.Logf("peak growth: heap in use %d MiB, RSS %d MiB (bound %d MiB); answers %v",
		peak.heap>>20, peak.rss>>20, memoryBound>>20, counts)
	if peak.heap > memoryBound {
		t.Errorf("heap in use grew by %d MiB, more than %d MiB", peak.heap>>20, memoryBound>>20)
	}
	if counts[want] != len(statuses) {
		t.Errorf("answers %v, want %d × %s", counts, len(statuses), want)
	}
}

// slowPost announces a body of size bytes and sends it 4 KiB every 20 ms
// for at most d; it returns the status code the server answered, or the
// error that ended it.
func slowPost(addr, path string, size int, d time.Duration) string {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return "error: " + err.Error()
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: relais.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, size)
	answered := make(chan string, 1)
	go func() {
		conn.SetReadDeadline(time.Now().Add(d + time.Second))
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			answered <- "error: " + err.Error()
			return
		}
		if f := strings.Fields(line); len(f) >= 2 {
			answered <- f[1]
			return
		}
		answered <- "error: bad status line " + line
	}()
	chunk := make([]byte, 4<<10)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		select {
		case s := <-answered:
			return s
		case <-time.After(20 * time.Millisecond):
		}
		if _, err := conn.Write(chunk); err != nil {
			break
		}
	}
	conn.(*net.TCPConn).CloseWrite()
	return <-answered
}

// zeros reads as n zero bytes without holding them.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), z.n)]
	clear(p)
	z.n -= len(p)
	return len(p), nil
}

// vmRSS is the resident set of this process in bytes, from /proc (0
// where there is none).
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
