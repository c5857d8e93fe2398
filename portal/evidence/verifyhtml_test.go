package evidence_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// checkInBrowser opens verify.html from disk, gives it files and returns
// the verdict (data-status) and the text shown.
func checkInBrowser(t *testing.T, ctx context.Context, page string, files ...string) (status, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.SetUploadFiles(chromedp.ID("files"), files),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-status="intact"], #result[data-status="tampered"], #result[data-status="unverified"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("result"), "data-status"))
	if err != nil {
		t.Fatal(err)
	}
	if text, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("result"))); err != nil {
		t.Fatal(err)
	}
	return attr.Value, text
}

func TestVerifyHTML(t *testing.T) {
	ctx := browsertest.Start(t)
	f := newFixture(t, store.SQLite, portal.JurisdictionFR, 3)
	b := f.bundle(t)
	names, files := entries(t, b)
	dir := t.TempDir()
	page := filepath.Join(dir, "verify.html")
	if err := os.WriteFile(page, files["verify.html"], 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	with := func(name string, data []byte) []byte {
		c := map[string][]byte{}
		for k, v := range files {
			c[k] = v
		}
		c[name] = data
		return rezip(t, names, c)
	}
	lines := strings.SplitAfter(string(files["events.jsonl"]), "\n")
	lines = lines[:len(lines)-1]

	t.Run("CanonicalJSONMatchesGo", func(t *testing.T) {
		h := portal.HashedHeader{ClaimID: "c", Seq: 12, At: "2024-06-03T09:30:00.123456Z", Kind: "message.sent", ActorKind: "debtor",
			ActorID: "s", IP: "::1", UserAgent: trickyUA + "\x00\x08\x0c\x0b\u2029\u00e9\U0001F600<>&'", PayloadHash: "p", PrevHash: "q"}
		want, _ := portal.CanonicalJSON(h)
		arg, _ := json.Marshal(h)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string]("window.relaisCanonical("+string(arg)+")"))
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Fatalf("JS canonical JSON differs from Go:\n js %q\n go %q", got, want)
		}
	})
	t.Run("IntactZip", func(t *testing.T) {
		status, text := checkInBrowser(t, ctx, page, write("good.zip", b))
		if status != "intact" || !strings.Contains(text, "INTACT") {
			t.Fatalf("%s: %s", status, text)
		}
	})
	t.Run("IntactFiles", func(t *testing.T) {
		var paths []string
		for _, n := range names {
			paths = append(paths, write(filepath.Join("unzipped", n), files[n]))
		}
		if status, text := checkInBrowser(t, ctx, page, paths...); status != "intact" {
			t.Fatalf("%s: %s", status, text)
		}
	})
	other, _ := evidence.GenerateSigner()
	var m evidence.Manifest
	json.Unmarshal(files["manifest.json"], &m)
	m.Signature.Value = base64.StdEncoding.EncodeToString(other.Sign(evidence.SignedMessage(m.ChainHead, m.Files)))
	otherSig, _ := json.MarshalIndent(m, "", "  ")
	pdf := append([]byte(nil), files["dossier.pdf"]...)
	pdf[len(pdf)/2] ^= 1
	tampered := []struct{ name, zip, want string }{
		{"ForgedMessage", string(with("events.jsonl", []byte(strings.Replace(strings.Join(lines, ""), "moitié", "totalité", 1)))), "event 4 "},
		{"Dropped", string(with("events.jsonl", []byte(strings.Join(append(append([]string{}, lines[:5]...), lines[6:]...), "")))), "event 6 "},
		{"Reordered", string(with("events.jsonl", []byte(strings.Join(append(append([]string{}, lines[:2]...), lines[3], lines[2]), "")+strings.Join(lines[4:], "")))), "event 3 "},
		{"Truncated", string(with("events.jsonl", []byte(strings.Join(lines[:len(lines)-2], "")))), "truncated"},
		{"ChangedPDF", string(with("dossier.pdf", pdf)), "dossier.pdf"},
		{"OtherKeySignature", string(with("manifest.json", otherSig)), "signature"},
	}
	for _, tc := range tampered {
		t.Run(tc.name, func(t *testing.T) {
			status, text := checkInBrowser(t, ctx, page, write(tc.name+".zip", []byte(tc.zip)))
			if status != "tampered" || !strings.Contains(text, tc.want) {
				t.Fatalf("%s: %s (want %q)", status, text, tc.want)
			}
			// The Go verifier agrees.
			if _, err := verify([]byte(tc.zip)); err == nil {
				t.Fatal("VerifyBundle accepts it")
			}
		})
	}
	_ = bytes.MinRead
}
