package journey

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/relais/relais/server/browsertest"
)

// repoRoot is the top of the repository (the test runs in server/journey).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is one person's window: its own browser context (cookies), its
// viewport and language, and a watch over everything it loads and logs.
type tab struct {
	name   string
	ctx    context.Context
	origin *url.URL
	shots  *shots

	mu       sync.Mutex
	problems []string
	// fileOK allows file: requests (verify.html opened from disk).
	fileOK bool
	// allowedHosts are other hosts the tab may ask for because the test
	// answers them itself (Stripe's hosted page): nothing leaves.
	allowedHosts []string
	// docs counts the HTML documents whose headers were checked.
	docs int
}

type viewport struct {
	w, h   int64
	mobile bool
}

var (
	phone   = viewport{390, 844, true}
	desktop = viewport{1280, 900, false}
)

// newTab opens a window in a new browser context of the browser; it
// stays open until owner ends (the whole journey, for a person who comes
// back in a later step).
func newTab(t, owner *testing.T, browser context.Context, name, origin, lang string, vp viewport, sh *shots) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	owner.Cleanup(cancel)
	o, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	tb := &tab{name: name, ctx: ctx, origin: o, shots: sh}
	if err := chromedp.Listen(ctx, tb.observe); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	tb.do(t,
		chromedp.EmulateViewport(vp.w, vp.h, opts...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": lang}}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{
				Locale: strings.ReplaceAll(strings.SplitN(lang, ",", 2)[0], "-", "_")})
			return err
		}),
	)
	return tb
}

// observe runs on the tab's event loop: it must only record.
func (tb *tab) observe(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		tb.checkURL("request", ev.Request.URL)
	case *network.EventWebSocketCreated:
		tb.checkURL("websocket", ev.URL)
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument || ev.Response == nil || !strings.HasPrefix(ev.Response.URL, "http") {
			return
		}
		csp := headerValue(ev.Response.Headers, "Content-Security-Policy")
		tb.mu.Lock()
		tb.docs++
		tb.mu.Unlock()
		switch {
		case csp == "":
			tb.problem("no Content-Security-Policy on %s", pathOf(ev.Response.URL))
		case strings.Contains(csp, "unsafe-inline"), strings.Contains(csp, "unsafe-eval"):
			tb.problem("weak Content-Security-Policy on %s: %s", pathOf(ev.Response.URL), csp)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			tb.problem("console.%s: %s", ev.Type, strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		tb.problem("uncaught exception at %s:%d: %s", pathOf(d.URL), d.LineNumber+1, text)
	case *cdplog.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == cdplog.EntryLevelError {
			tb.problem("browser log (%s) %s: %s", e.Source, pathOf(e.URL), e.Text)
		}
	}
}

func (tb *tab) checkURL(what, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		tb.problem("%s to an unparsable URL %q", what, raw)
		return
	}
	switch u.Scheme {
	case "data", "blob":
		return
	case "file":
		tb.mu.Lock()
		ok := tb.fileOK
		tb.mu.Unlock()
		if ok {
			return
		}
	case "http", "ws":
		if u.Host == tb.origin.Host {
			return
		}
	case "https":
		tb.mu.Lock()
		allowed := tb.allowedHosts
		tb.mu.Unlock()
		for _, h := range allowed {
			if u.Host == h {
				return
			}
		}
	}
	tb.problem("%s leaves the origin %s: %s://%s%s", what, tb.origin.Host, u.Scheme, u.Host, u.Path)
}

func (tb *tab) problem(format string, args ...any) {
	tb.mu.Lock()
	tb.problems = append(tb.problems, fmt.Sprintf(format, args...))
	tb.mu.Unlock()
}

// pathOf shortens a URL for messages and drops any query (tokens).
func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		if u.Scheme == "file" {
			return filepath.Base(u.Path)
		}
		if strings.HasPrefix(u.Path, "/p/") && len(u.Path) > 20 {
			return "/p/<token>"
		}
		return u.Path
	}
	return raw
}

func headerValue(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// do runs actions with a bound on how long they may take.
func (tb *tab) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
		t.Fatalf("%s at %s: %v", tb.name, pathOf(loc), err)
	}
}

// run runs one action that returns a value.
func run[T any](t *testing.T, tb *tab, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
		t.Fatalf("%s at %s: %v", tb.name, pathOf(loc), err)
	}
	return v
}

func (tb *tab) text(t *testing.T, css string) string {
	t.Helper()
	return strings.TrimSpace(run(t, tb, chromedp.Text(chromedp.CSS(css))))
}

func (tb *tab) path(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(run(t, tb, chromedp.Location()))
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// clean fails the test with every problem the tab saw since the last
// call: a request to another origin, a weak or missing CSP, a console
// error, an uncaught exception.
func (tb *tab) clean(t *testing.T) {
	t.Helper()
	tb.mu.Lock()
	problems := tb.problems
	tb.problems = nil
	docs, fileOK := tb.docs, tb.fileOK
	tb.mu.Unlock()
	for _, p := range problems {
		t.Errorf("%s: %s", tb.name, p)
	}
	if docs == 0 && !fileOK {
		t.Errorf("%s: no HTML document was seen, so no CSP was checked", tb.name)
	}
}

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

type axeResult struct {
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript reads axe.min.js: $RELAIS_AXE, or the newest copy that
// scripts/fetch-axe put under .relais/cache/axe-core/.
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		path := os.Getenv("RELAIS_AXE")
		if path == "" {
			found, _ := filepath.Glob(filepath.Join(repoRoot(t), ".relais", "cache", "axe-core", "*", "axe.min.js"))
			sort.Strings(found)
			if len(found) == 0 {
				axeErr = fmt.Errorf("axe-core is not fetched: run scripts/fetch-axe (or set RELAIS_AXE to axe.min.js)")
				return
			}
			path = found[len(found)-1]
		}
		b, err := os.ReadFile(path)
		if err != nil {
			axeErr = err
			return
		}
		axeSource = string(b)
	})
	if axeErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (required under CI=true)", axeErr)
		}
		t.Logf("accessibility check skipped: %v", axeErr)
	}
	return axeSource
}

// accessible runs axe-core on the current page and fails the test on any
// serious or critical violation. The script is injected through the
// DevTools protocol (Runtime.evaluate), which the page's CSP does not
// govern: the page itself still runs no inline script.
func (tb *tab) accessible(t *testing.T) {
	t.Helper()
	src := axeScript(t)
	if src == "" {
		return
	}
	start := time.Now()
	defer func() { t.Logf("axe on %s: %v", tb.name, time.Since(start)) }()
	loaded := run(t, tb, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if !loaded {
		tb.do(t, chromedp.Evaluate[chromedp.Void](src))
	}
	res := run(t, tb, chromedp.Evaluate[axeResult](`axe.run(document, {resultTypes: ["violations"]}).then(r => ({
		passes: r.passes.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))}))`, chromedp.EvalAwaitPromise))
	page := tb.path(t)
	if res.Passes == 0 {
		t.Fatalf("%s: axe-core checked nothing on %s", tb.name, page)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: accessibility (%s) on %s: %s: %s at %v", tb.name, v.Impact, page, v.ID, v.Help, v.Nodes)
		} else {
			t.Logf("%s: accessibility (%s) on %s: %s: %s", tb.name, v.Impact, page, v.ID, v.Help)
		}
	}
}

// allowFiles lets the tab open files from disk (verify.html).
func (tb *tab) allowFiles() {
	tb.mu.Lock()
	tb.fileOK = true
	tb.mu.Unlock()
}

// check is what every step asks of a debtor page: clean, and accessible.
func (tb *tab) check(t *testing.T) {
	t.Helper()
	tb.accessible(t)
	tb.clean(t)
}

// shots writes numbered screenshots to $RELAIS_ARTIFACTS.
type shots struct {
	dir string
	mu  sync.Mutex
	n   int
}

func newShots(t *testing.T) *shots {
	t.Helper()
	dir := os.Getenv("RELAIS_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "artifacts", "journey")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Screenshots of an earlier run would mix with this one's.
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return &shots{dir: dir}
}

// shot saves the whole page as NN-name.png.
func (tb *tab) shot(t *testing.T, name string) {
	t.Helper()
	tb.save(t, name, run(t, tb, chromedp.FullScreenshot(100)))
}

// shotTop saves what the window shows (no scrolling) as NN-name.png: the
// small pictures of the README come from these.
func (tb *tab) shotTop(t *testing.T, name string) {
	t.Helper()
	tb.save(t, name, run(t, tb, chromedp.CaptureScreenshot()))
}

func (tb *tab) save(t *testing.T, name string, png []byte) {
	t.Helper()
	tb.shots.mu.Lock()
	tb.shots.n++
	file := filepath.Join(tb.shots.dir, fmt.Sprintf("%02d-%s.png", tb.shots.n, name))
	tb.shots.mu.Unlock()
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// artifactsDir is the directory of a test's screenshots, created empty of
// an earlier run's: sub under $RELAIS_ARTIFACTS, or under artifacts/ at
// the top of the repository.
func artifactsDir(t *testing.T, sub string) *shots {
	t.Helper()
	dir := os.Getenv("RELAIS_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "artifacts")
	}
	dir = filepath.Join(dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return &shots{dir: dir}
}

// signIn signs a console user in on the tab, from the sign-in page.
func (tb *tab) signIn(t *testing.T, base, email, password string) {
	t.Helper()
	tb.do(t, browsertest.ConsoleSignIn(base, email, password))
}

// refused takes from the tab's problems the browser's note that path
// answered 400 (a form refused with its problems listed, as it should be)
// and fails the test when there is none.
func (tb *tab) refused(t *testing.T, path string) {
	t.Helper()
	want := "browser log (network) " + path + ": Failed to load resource: the server responded with a status of 400"
	tb.mu.Lock()
	defer tb.mu.Unlock()
	kept, found := tb.problems[:0], false
	for _, p := range tb.problems {
		if strings.HasPrefix(p, want) && !found {
			found = true
			continue
		}
		kept = append(kept, p)
	}
	tb.problems = kept
	if !found {
		t.Errorf("%s: %s did not answer 400", tb.name, path)
	}
}
