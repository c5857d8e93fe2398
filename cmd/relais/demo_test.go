package main

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/server/servertest"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDemo runs `relais demo` as a user would: it must print the address,
// one portal link per claim, the console sign-in and the API key, serve
// /readyz, answer 200 on every printed link, and stop cleanly on cancel.
func TestDemo(t *testing.T) {
	addr := freeAddr(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb servertest.LogBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", addr, "--db", filepath.Join(dir, "demo.db"), "--key-file", filepath.Join(dir, "signing.key")}, &out, &errb)
	}()
	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready: %v\n%s\n%s", err, out.String(), errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	printed := out.String()
	if !strings.HasPrefix(printed, "Relais demo serving at "+base) || !regexp.MustCompile(`(?m)^API key: rls_\S+$`).MatchString(printed) ||
		!strings.Contains(printed, base+"/console") {
		t.Fatalf("demo output:\n%s", printed)
	}
	links := regexp.MustCompile(regexp.QuoteMeta(base)+`/p/\S+`).FindAllString(printed, -1)
	if len(links) != 5 || strings.Contains(errb.String(), "rls_") {
		t.Fatalf("want 5 portal links, got %d:\n%s", len(links), printed)
	}
	for _, l := range links {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar} // follows the redirect to /p with the session cookie
		resp, err := client.Get(l)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", l, err, resp)
		}
		resp.Body.Close()
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("demo exit %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop")
	}
}
