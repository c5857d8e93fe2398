package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
)

// TestServeTrustedProxies (issue 26.4): --trusted-proxies (or
// RELAIS_TRUSTED_PROXIES) names the proxies whose X-Forwarded-For serve
// believes; a value that is not addresses and CIDR ranges stops serve at
// start; without it a rotated header does not make a client many.
func TestServeTrustedProxies(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "serve", "--database-url", filepath.Join(dir, "r.db"), "--key-file", filepath.Join(dir, "k"),
		"--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8,proxy.example")
	if code != 1 || !strings.Contains(errOut, `--trusted-proxies: trusted proxy "proxy.example" is not an address or a CIDR range`) {
		t.Fatalf("bad list: %d %q", code, errOut)
	}

	// guesses sends 11 wrong link tokens (the limit is 10 a minute per
	// client), each with another X-Forwarded-For, and returns the statuses.
	guesses := func(t *testing.T, env string, args ...string) []int {
		t.Helper()
		if env != "" {
			t.Setenv("RELAIS_TRUSTED_PROXIES", env)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		d := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var stderr bytes.Buffer
		go func() {
			done <- runServe(ctx, append([]string{"--database-url", filepath.Join(d, "r.db"), "--key-file", filepath.Join(d, "k"),
				"--addr", addr, "--rates-update", "off", "--reminders", "off"}, args...), &bytes.Buffer{}, &stderr)
		}()
		defer func() {
			cancel()
			<-done
		}()
		for deadline := time.Now().Add(20 * time.Second); ; {
			if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve not ready:\n%s", stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		var out []int
		for i := 0; i < 11; i++ {
			req, _ := http.NewRequest("GET", "http://"+addr+"/p/"+portal.NewSecret(), nil)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			out = append(out, resp.StatusCode)
		}
		return out
	}
	t.Run("Default", func(t *testing.T) {
		if st := guesses(t, ""); st[10] != http.StatusTooManyRequests {
			t.Fatalf("statuses %v: the 11th guess, with its own X-Forwarded-For, is not limited", st)
		}
	})
	t.Run("Flag", func(t *testing.T) {
		if st := guesses(t, "", "--trusted-proxies", "127.0.0.1"); st[10] != http.StatusNotFound {
			t.Fatalf("statuses %v: behind a trusted proxy each forwarded client has its own limit", st)
		}
	})
	t.Run("Env", func(t *testing.T) {
		if st := guesses(t, "127.0.0.0/8, ::1"); st[10] != http.StatusNotFound {
			t.Fatalf("statuses %v: RELAIS_TRUSTED_PROXIES is not applied", st)
		}
	})
}
