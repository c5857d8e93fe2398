package server

import (
	"context"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// TestConsoleNotifyInBrowser: an agent's conversation page in Chromium,
// in the background, counts what the debtor writes in its title and beside
// the chat and raises a browser notification (permission granted) with
// the text; the agents' own messages and what the page showed on opening
// count for nothing; coming back to the page reads them. The "Sound"
// toggle beside it is off by default: a debtor's message then plays no
// tone; on (clicked: the gesture browsers want before audio), the next
// one plays a tone (data-sound-played counts them), and the choice
// survives a reload; turned off again, a message plays none.
func TestConsoleNotifyInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(1366, 900))
	e := newChatEnv(t, store.SQLite)
	ctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	defer cancelT()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
	debtor.until("text")

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must(chromedp.Do(ctx, chromedp.Navigate("about:blank"))) // starts the browser
	_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: e.base})
	must(err)
	must(chromedp.Do(ctx,
		browsertest.ConsoleSignIn(e.base, e.agent.Email, "correct horse battery"),
		chromedp.WaitVisible(css(`#waiting`)),
		chromedp.Navigate(e.base+"/console/conversations/"+convID),
		chromedp.WaitVisible(css(`#chat .msg`)),
		chromedp.WaitVisible(css(`[data-notify-on]`)),
	))
	title := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
		must(err)
		return s
	}
	if got := title(); strings.HasPrefix(got, "(") {
		t.Fatalf("the history counts as unread: %q", got)
	}
	// sound reads the toggle: pressed, its state text, the tones played.
	sound := func(pressed, state, played string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
			var b = document.querySelector("[data-sound]");
			return b.getAttribute("aria-pressed") + "|" + document.querySelector("[data-sound-state]").textContent + "|" + (b.getAttribute("data-sound-played") || "0");
		})()`))
		must(err)
		if want := pressed + "|" + state + "|" + played; got != want {
			t.Fatalf("sound toggle: %q, want %q", got, want)
		}
	}
	const soundOn = "On: a short tone when the debtor writes while this page is in the background."
	must(chromedp.Do(ctx, chromedp.WaitVisible(css(`[data-sound]`))))
	sound("false", "Off: no sound.", "0")
	// The page goes to the background; notifications are recorded.
	background := `(function () {
		window.notes = [];
		var N = window.Notification;
		window.Notification = function (title, o) { window.notes.push(title + "|" + o.body); return { close: function () {} }; };
		window.Notification.permission = N.permission;
		Object.defineProperty(document, "hidden", { configurable: true, get: function () { return true; } });
		document.hasFocus = function () { return false; };
		return true;
	})()`
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](background))
	must(err)
	other := e.agentClient(t, e.owner, convID, 0)
	other.expect("welcome")
	other.send(map[string]any{"type": "text", "id": "o-1", "text": "Je regarde."})
	other.until("text")
	debtor.send(map[string]any{"type": "text", "id": "d-2", "text": "Vous êtes là ?"})
	debtor.until("text")
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.title.indexOf("(1) ") === 0`, chromedp.WithPollingTimeout(10*time.Second))))
	notes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.notes`))
	must(err)
	if len(notes) != 1 || notes[0] != "The debtor wrote · R-1|Vous êtes là ?" {
		t.Fatalf("notifications: %q", notes)
	}
	unread, err := chromedp.Run(ctx, chromedp.Text(css(`[data-notify-unread]`)))
	must(err)
	if unread != "1 new unread messages" {
		t.Fatalf("unread beside the chat: %q", unread)
	}
	if m, _ := e.db.UnreadCounts(context.Background(), e.tenantID, e.agent.ID, []string{convID}); m[convID] != 1 {
		t.Fatalf("unread while in the background: %v", m)
	}
	sound("false", "Off: no sound.", "0") // off by default: no tone
	// Sound on: the debtor's next message plays a tone.
	must(chromedp.Do(ctx, chromedp.Click(css(`[data-sound]`))))
	sound("true", soundOn, "0")
	debtor.send(map[string]any{"type": "text", "id": "d-3", "text": "Allô ?"})
	debtor.until("text")
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.title.indexOf("(2) ") === 0`, chromedp.WithPollingTimeout(10*time.Second))))
	sound("true", soundOn, "1")
	// Back to the page: read.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		Object.defineProperty(document, "hidden", { configurable: true, get: function () { return false; } });
		document.hasFocus = function () { return true; };
		window.dispatchEvent(new Event("focus"));
		return true;
	})()`))
	must(err)
	if got := title(); strings.HasPrefix(got, "(") || !strings.Contains(got, "R-1") {
		t.Fatalf("title after coming back: %q", got)
	}
	// Coming back marked the message read for the queue's counts.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		m, err := e.db.UnreadCounts(context.Background(), e.tenantID, e.agent.ID, []string{convID})
		must(err)
		if m[convID] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still unread after coming back: %v", m)
		}
	}
	// The choice survives a reload; turned off there, a message plays no tone.
	must(chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css(`#chat .msg`)), chromedp.WaitVisible(css(`[data-sound]`))))
	sound("true", soundOn, "0")
	must(chromedp.Do(ctx, chromedp.Click(css(`[data-sound]`))))
	sound("false", "Off: no sound.", "0")
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](background))
	must(err)
	debtor.send(map[string]any{"type": "text", "id": "d-4", "text": "Toujours là ?"})
	debtor.until("text")
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.title.indexOf("(1) ") === 0`, chromedp.WithPollingTimeout(10*time.Second))))
	sound("false", "Off: no sound.", "0")
	if stored, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.localStorage.getItem("relais.console.sound")`)); err != nil || stored != "off" {
		t.Fatalf("kept in localStorage: %q %v", stored, err)
	}
}
