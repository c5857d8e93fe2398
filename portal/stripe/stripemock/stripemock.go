// Package stripemock runs stripe-mock for tests, so that the real stripe-go
// client is exercised against Stripe's OpenAPI description.
//
// RELAIS_TEST_STRIPE_MOCK, when set, is the URL of a running stripe-mock
// (e.g. http://127.0.0.1:12111). Otherwise the stripe-mock binary (on PATH
// or in $(go env GOPATH)/bin) is started on a free port by Start, usually
// from TestMain. When neither is available the tests that need it skip, or
// fail under CI=true.
package stripemock

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// EnvURL names the variable holding the URL of a running stripe-mock.
const EnvURL = "RELAIS_TEST_STRIPE_MOCK"

// Mock is a running (or missing) stripe-mock.
type Mock struct {
	URL string
	Err error
	cmd *exec.Cmd
	// bin and port, for Restart.
	bin  string
	port int
}

// Start finds or starts stripe-mock. It never fails: a missing mock is
// reported by Require.
func Start() *Mock {
	if u := os.Getenv(EnvURL); u != "" {
		m := &Mock{URL: u}
		m.Err = waitUp(u, 5*time.Second)
		return m
	}
	return StartPrivate()
}

// StartPrivate starts a stripe-mock of the caller's own on a free port,
// even when RELAIS_TEST_STRIPE_MOCK names a shared one: a test that stops
// and restarts Stripe must not stop it under other tests.
func StartPrivate() *Mock {
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			if home, herr := os.UserHomeDir(); herr == nil {
				gopath = filepath.Join(home, "go")
			}
		}
		cand := filepath.Join(gopath, "bin", "stripe-mock")
		if _, serr := os.Stat(cand); serr == nil {
			bin, err = cand, nil
		}
	}
	if err != nil {
		return &Mock{Err: errors.New("stripe-mock is not installed (go install github.com/stripe/stripe-mock@latest) and " + EnvURL + " is not set")}
	}
	port, err := freePort()
	if err != nil {
		return &Mock{Err: err}
	}
	m := &Mock{URL: fmt.Sprintf("http://127.0.0.1:%d", port), bin: bin, port: port}
	m.Err = m.Restart()
	return m
}

// Restart starts a mock of StartPrivate again, on the same port, after
// Stop.
func (m *Mock) Restart() error {
	if m.bin == "" {
		return errors.New("stripemock: only a mock started by this process can be restarted")
	}
	if m.cmd != nil {
		return nil
	}
	cmd := exec.Command(m.bin, "-http-port", strconv.Itoa(m.port))
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start stripe-mock: %w", err)
	}
	m.cmd = cmd
	if err := waitUp(m.URL, 20*time.Second); err != nil {
		m.Stop()
		return err
	}
	return nil
}

// Stop ends a stripe-mock started by Start.
func (m *Mock) Stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		m.cmd.Process.Kill()
		m.cmd.Wait()
		m.cmd = nil
	}
}

// Require returns the mock's URL, or skips tb (fails it under CI=true).
func (m *Mock) Require(tb testing.TB) string {
	tb.Helper()
	if m == nil {
		tb.Fatal("stripemock: Start was not called in TestMain")
	}
	if m.Err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("stripe-mock is required under CI: %v", m.Err)
		}
		tb.Skipf("stripe-mock unavailable: %v", m.Err)
	}
	return m.URL
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitUp(u string, d time.Duration) error {
	deadline := time.Now().Add(d)
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequest(http.MethodGet, u+"/v1/customers", nil)
		req.SetBasicAuth("sk_test_123", "")
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stripe-mock at %s did not answer: %w", u, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
