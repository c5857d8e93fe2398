// Package browsertest starts headless Chromium for tests that drive pages
// through chromedp. A missing browser skips the test on a developer's
// machine and fails it under CI=true, so CI never passes without running it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium returns the path of the browser: $RELAIS_CHROMIUM, else
// Debian's chromium. Without one it fails the test under CI=true and skips
// it otherwise.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("RELAIS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is required under CI=true (apt-get install -y chromium)")
	}
	t.Skip("chromium not installed (apt-get install -y chromium)")
	return ""
}

// Start starts headless Chromium with a fresh profile and returns the
// browser's context; the browser stops when the test ends. Every browser
// runs without sandbox (CI runs as root), GPU, first-run pages or
// background networking; extra adds to these flags (a window size,
// Isolated).
func Start(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser and must not carry a timeout (a
	// timeout there would stop the whole browser when it expires).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Phone asks for the window of a 320 × 640 phone. Chromium keeps a window
// at least 500 px wide, so a test that needs 320 px also sets the
// viewport (chromedp.EmulateViewport).
func Phone() chromedp.ExecAllocatorOption { return chromedp.WindowSize(320, 640) }

// Isolated are chromedp's default flags plus everything that keeps the
// browser from calling another host by itself (QUIC, component updates,
// sync, domain reliability reports, hyperlink pings): for tests that fail
// on any request to another origin.
func Isolated() []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
}

// ConsoleSignIn signs a console user in from the sign-in page of the
// server at base: the e-mail and password typed, the form submitted, and
// the sign-in page gone (owners land on the dashboard, agents on the
// queue).
func ConsoleSignIn(base, email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name="password"]`)),
	)
}
