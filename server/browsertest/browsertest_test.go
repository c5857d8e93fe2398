package browsertest_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/server/browsertest"
)

// TestStart starts a browser with the phone window and reads a page back:
// the flags reach Chromium and the context works once started.
func TestStart(t *testing.T) {
	bctx := browsertest.Start(t, browsertest.Phone())
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(`data:text/html,<title>relais</title><p id="p">ok</p>`)); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "relais" {
		t.Errorf("title %q, want relais", title)
	}
	// Chromium keeps a window at least 500 px wide, so the height shows
	// that the window size reached it.
	height, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.outerHeight`))
	if err != nil {
		t.Fatal(err)
	}
	if height != 640 {
		t.Errorf("window height %d, want 640 (Phone)", height)
	}
}
