package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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
	v := checkPage(t, ctx, page, "", "", files...)
	return v.Status, v.Text
}

// verdict is what verify.html shows: data-status and data-signer of
// #result, the fingerprint in #fingerprint (computed by the page from the
// key that signed) and the text of #result.
type verdict struct {
	Status      string `json:"status"`
	Signer      string `json:"signer"`
	Fingerprint string `json:"fingerprint"`
	Text        string `json:"text"`
}

const readVerdict = `(() => { const r = document.getElementById("result"), f = document.getElementById("fingerprint");
	return { status: r.dataset.status || "", signer: r.dataset.signer || "", fingerprint: f ? f.textContent : "", text: r.innerText }; })()`

const waitVerdict = `#result[data-status="intact"], #result[data-status="tampered"], #result[data-status="unverified"]`

// setKey pastes key into the page's "operator's published key" box as a
// person would (an input event follows).
func setKey(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	arg, _ := json.Marshal(key)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.getElementById("opkey"); if (!e) return false;
		e.value = `+string(arg)+`; e.dispatchEvent(new Event("input")); return true; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("verify.html has no box for the operator's key (#opkey)")
	}
}

// checkPage opens verify.html, supplies the operator's key (pasted text
// and/or a key file loaded through #keyfile, either may be empty), then the
// bundle's files, and returns the verdict.
func checkPage(t *testing.T, ctx context.Context, page, key, keyFile string, files ...string) verdict {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	if key != "" {
		setKey(t, ctx, key)
	}
	if keyFile != "" {
		has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById("keyfile")`))
		if err != nil {
			t.Fatal(err)
		}
		if !has {
			t.Fatal("verify.html has no input for the operator's key file (#keyfile)")
		}
		// Wait until the key is read, so that the bundle is checked with it.
		if err := chromedp.Do(ctx,
			chromedp.SetUploadFiles(chromedp.ID("keyfile"), []string{keyFile}),
			chromedp.WaitVisible(chromedp.CSS(`#keystate[data-state="ok"], #keystate[data-state="bad"]`)),
		); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("files"), files),
		chromedp.WaitVisible(chromedp.CSS(waitVerdict)),
	); err != nil {
		t.Fatal(err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[verdict](readVerdict))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// forge drops event 6 of a bundle, re-chains the events after it, updates
// the manifest's head and file list and re-signs it all with signer: an
// internally consistent bundle that the operator never made. Its manifest
// states fingerprint as public_key_fingerprint.
func forge(t *testing.T, names []string, files map[string][]byte, signer *evidence.Signer, fingerprint string) []byte {
	t.Helper()
	var events []evidence.EventLine
	for _, line := range strings.SplitAfter(string(files["events.jsonl"]), "\n") {
		if line == "" {
			continue
		}
		var l evidence.EventLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		events = append(events, l)
	}
	events = append(events[:5:5], events[6:]...)
	var out bytes.Buffer
	prev := portal.GenesisHash
	for i := range events {
		l := &events[i]
		l.Seq, l.PrevHash = int64(i+1), prev
		l.Hash = l.ComputeHash()
		prev = l.Hash
		b, err := portal.CanonicalJSON(l)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(append(b, '\n'))
	}
	var m evidence.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	m.ChainHead = evidence.Head{ClaimID: m.ClaimID, Seq: last.Seq, Hash: last.Hash, At: last.At}
	for i := range m.Files {
		if m.Files[i].Name == "events.jsonl" {
			m.Files[i].SHA256, m.Files[i].Size = portal.SHA256Hex(out.Bytes()), int64(out.Len())
		}
	}
	m.Signature = evidence.Signature{Algorithm: "Ed25519", PublicKey: signer.PublicKeyBase64(), Fingerprint: fingerprint}
	m.Signature.Value = base64.StdEncoding.EncodeToString(signer.Sign(evidence.SignedManifest(m)))
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	c := map[string][]byte{}
	for k, v := range files {
		c[k] = v
	}
	c["events.jsonl"], c["manifest.json"] = out.Bytes(), append(mb, '\n')
	return rezip(t, names, c)
}

// withSignature returns the manifest with its signature changed by edit.
func withSignature(t *testing.T, manifest []byte, edit func(*evidence.Signature)) []byte {
	t.Helper()
	var m evidence.Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m.Signature)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestVerifyHTMLCSP checks that the page's Content-Security-Policy allows
// its own inline script and style by their SHA-256 and nothing else inline:
// an edit of either without updating the hash would leave a page that
// checks nothing. The message gives the hashes to write.
func TestVerifyHTMLCSP(t *testing.T) {
	page := string(evidence.VerifyHTML())
	meta := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if meta == nil {
		t.Fatal("verify.html has no Content-Security-Policy meta tag")
	}
	hash := func(tag string) string {
		parts := regexp.MustCompile(`(?s)<`+tag+`>(.*?)</`+tag+`>`).FindAllStringSubmatch(page, -1)
		if len(parts) != 1 {
			t.Fatalf("verify.html has %d <%s> elements, want 1", len(parts), tag)
		}
		sum := sha256.Sum256([]byte(parts[0][1]))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	want := "default-src 'none'; script-src " + hash("script") + "; style-src " + hash("style") +
		"; connect-src 'none'; base-uri 'none'; form-action 'none'"
	if meta[1] != want {
		t.Fatalf("verify.html's Content-Security-Policy is\n  %s\nwant\n  %s", meta[1], want)
	}
	if regexp.MustCompile(`<[^>]+\s(style|on[a-z]+)=`).MatchString(page) {
		t.Fatal("verify.html has an inline style or event attribute, which its policy blocks")
	}
}

func TestVerifyHTML(t *testing.T) {
	ctx := browsertest.Start(t, chromedp.Flag("lang", "en-US"))
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
	m.Signature.Value = base64.StdEncoding.EncodeToString(other.Sign(evidence.SignedManifest(m)))
	otherSig, _ := json.MarshalIndent(m, "", "  ")
	// The signature covers the whole manifest: a changed Relais version is
	// as much a tampering as a changed event.
	var mv evidence.Manifest
	json.Unmarshal(files["manifest.json"], &mv)
	mv.RelaisVersion = "9.9.9"
	otherVersion, _ := json.MarshalIndent(mv, "", "  ")
	pdf := append([]byte(nil), files["dossier.pdf"]...)
	pdf[len(pdf)/2] ^= 1
	tampered := []struct{ name, zip, want string }{
		{"ForgedMessage", string(with("events.jsonl", []byte(strings.Replace(strings.Join(lines, ""), "moitié", "totalité", 1)))), "event 4 "},
		{"Dropped", string(with("events.jsonl", []byte(strings.Join(append(append([]string{}, lines[:5]...), lines[6:]...), "")))), "event 6 "},
		{"Reordered", string(with("events.jsonl", []byte(strings.Join(append(append([]string{}, lines[:2]...), lines[3], lines[2]), "")+strings.Join(lines[4:], "")))), "event 3 "},
		{"Truncated", string(with("events.jsonl", []byte(strings.Join(lines[:len(lines)-2], "")))), "truncated"},
		{"ChangedPDF", string(with("dossier.pdf", pdf)), "dossier.pdf"},
		{"OtherKeySignature", string(with("manifest.json", otherSig)), "signature"},
		{"ChangedRelaisVersion", string(with("manifest.json", otherVersion)), "signature"},
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

	// The operator's key, as a court would obtain it from the instance.
	op := f.signer
	opFP := op.Fingerprint()
	published, _ := json.Marshal(evidence.Published(op, nil))
	publishedFile := write("public-key.json", published)
	good := write("genuine.zip", b)
	if lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("navigator.language")); !strings.HasPrefix(lang, "en") {
		t.Fatalf("the browser's language is %q; the checks below read the English texts", lang)
	}

	t.Run("FingerprintMatchesGo", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			s, _ := evidence.GenerateSigner()
			arg, _ := json.Marshal(s.PublicKeyBase64())
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string]("window.relaisFingerprint("+string(arg)+")", chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if got != s.Fingerprint() {
				t.Fatalf("JS fingerprint %q, Go %q", got, s.Fingerprint())
			}
		}
	})

	// (a) A genuine bundle with the operator's key: intact, and signed by
	// the operator, whichever way the key is given.
	for _, tc := range []struct{ name, key, keyFile string }{
		{"GenuineWithOperatorKey", op.PublicKeyBase64(), ""},
		{"GenuineWithOperatorFingerprint", opFP, ""},
		{"GenuineWithPublishedKeyFile", "", publishedFile},
		{"GenuineWithPublishedJSONPasted", string(published), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := checkPage(t, ctx, page, tc.key, tc.keyFile, good)
			if v.Status != "intact" || v.Signer != "operator" || !strings.Contains(v.Text, "Signed by the operator's key") {
				t.Fatalf("%+v", v)
			}
			if v.Fingerprint != opFP {
				t.Fatalf("fingerprint shown %q, want the operator's %q", v.Fingerprint, opFP)
			}
		})
	}
	t.Run("GenuineWithoutKey", func(t *testing.T) {
		v := checkPage(t, ctx, page, "", "", good)
		if v.Status != "intact" || v.Signer != "bundle" || strings.Contains(v.Text, "Signed by the operator") ||
			!strings.Contains(v.Text, "for the key inside the bundle only") || !strings.Contains(v.Text, "proves nothing about who signed it") {
			t.Fatalf("%+v", v)
		}
		if v.Fingerprint != opFP {
			t.Fatalf("fingerprint shown %q, want %q", v.Fingerprint, opFP)
		}
	})
	t.Run("KeyPastedAfterTheBundle", func(t *testing.T) {
		if v := checkPage(t, ctx, page, "", "", good); v.Signer != "bundle" {
			t.Fatalf("%+v", v)
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		setKey(t, ctx, op.PublicKeyBase64())
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#result[data-status="intact"][data-signer="operator"]`))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("GenuineSignedByRetiredKey", func(t *testing.T) {
		// The operator rotated on 2024-06-03 at 09:00, before the bundle's
		// last event, and retired the key as compromised.
		keys := evidence.Published(other, &evidence.KeyHistory{Retired: []evidence.RetiredKey{{
			PublicKey: op.PublicKeyBase64(), Fingerprint: opFP, Compromised: true,
			From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)}}})
		j, _ := json.Marshal(keys)
		v := checkPage(t, ctx, page, "", write("history.json", j), good)
		if v.Status != "intact" || v.Signer != "retired" || !strings.Contains(v.Text, "retired key of the operator") ||
			!strings.Contains(v.Text, "after this key was retired") || !strings.Contains(v.Text, "compromised") {
			t.Fatalf("%+v", v)
		}
		if rep, err := verify(b, evidence.TrustedKeys(&keys)); err != nil || len(rep.Warnings) != 2 {
			t.Fatalf("VerifyBundle: %v, %v", rep, err)
		}
	})
	t.Run("UnreadableSuppliedKey", func(t *testing.T) {
		v := checkPage(t, ctx, page, "not a key", "", good)
		if v.Status != "unverified" || v.Signer != "bundle" || !strings.Contains(v.Text, "The key you supplied cannot be read") {
			t.Fatalf("%+v", v)
		}
	})

	// (b) A forged bundle: event 6 dropped, the chain rebuilt and re-signed
	// with a new key. The Go verifier accepts it for its own key and
	// refuses it for the operator's; the page must never show it as the
	// operator's, and must show the NEW key's fingerprint.
	forger, _ := evidence.GenerateSigner()
	copied := write("forged-copied.zip", forge(t, names, files, forger, opFP))
	honest := write("forged-honest.zip", forge(t, names, files, forger, forger.Fingerprint()))
	// The honest forgery is self-consistent; the one that copies the
	// operator's fingerprint text is refused by the Go verifier too.
	for _, p := range []string{copied, honest} {
		zb, _ := os.ReadFile(p)
		if _, err := verify(zb); (err != nil) != (p == copied) {
			t.Fatalf("%s alone: %v", p, err)
		}
		if _, err := verify(zb, evidence.TrustedKey(op.PublicKey())); err == nil {
			t.Fatal("VerifyBundle accepts the forgery with the operator's key")
		}
	}
	for _, tc := range []struct {
		name, bundle, key, keyFile string
		want                       []string
	}{
		{"ForgedCopiedFingerprintWithOperatorKey", copied, op.PublicKeyBase64(), "", []string{"NOT signed by the key you supplied", "public_key_fingerprint"}},
		{"ForgedCopiedFingerprintWithKeyFile", copied, "", publishedFile, []string{"NOT signed by the key you supplied"}},
		{"ForgedCopiedFingerprintWithoutKey", copied, "", "", []string{"TAMPERED", "public_key_fingerprint"}},
		{"ForgedWithOperatorKey", honest, op.PublicKeyBase64(), "", []string{"NOT signed by the key you supplied"}},
		{"ForgedWithOperatorFingerprint", honest, opFP, "", []string{"NOT signed by the key you supplied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := checkPage(t, ctx, page, tc.key, tc.keyFile, tc.bundle)
			if v.Status != "tampered" || v.Signer == "operator" || strings.Contains(v.Text, "Signed by the operator") {
				t.Fatalf("%+v", v)
			}
			for _, w := range tc.want {
				if !strings.Contains(v.Text, w) {
					t.Fatalf("%+v (want %q)", v, w)
				}
			}
			if v.Fingerprint != forger.Fingerprint() {
				t.Fatalf("fingerprint shown %q, want the forger's key's %q (the operator's is %q)", v.Fingerprint, forger.Fingerprint(), opFP)
			}
		})
	}
	t.Run("ForgedWithoutKey", func(t *testing.T) {
		// Consistent for its own key: intact for that key only, and said so.
		v := checkPage(t, ctx, page, "", "", honest)
		if v.Status != "intact" || v.Signer != "bundle" || !strings.Contains(v.Text, "proves nothing about who signed it") ||
			strings.Contains(v.Text, "Signed by the operator") {
			t.Fatalf("%+v", v)
		}
		if v.Fingerprint != forger.Fingerprint() {
			t.Fatalf("fingerprint shown %q, want %q", v.Fingerprint, forger.Fingerprint())
		}
	})

	// (c) A key or signature that cannot be used: TAMPERED, as the Go
	// verifier says, not "unverified".
	notAPoint := make([]byte, 32)
	for i := range notAPoint {
		notAPoint[i] = 0xff
	}
	for _, tc := range []struct {
		name string
		edit func(*evidence.Signature)
		want string
	}{
		{"GarbageKey", func(s *evidence.Signature) { s.PublicKey = "not a key!" }, "public key"},
		{"ShortKey", func(s *evidence.Signature) { s.PublicKey = base64.StdEncoding.EncodeToString(make([]byte, 31)) }, "public key"},
		{"KeyNotAPoint", func(s *evidence.Signature) { s.PublicKey = base64.StdEncoding.EncodeToString(notAPoint) }, "public key"},
		{"GarbageSignature", func(s *evidence.Signature) { s.Value = "%%%" }, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zb := with("manifest.json", withSignature(t, files["manifest.json"], tc.edit))
			for _, key := range []string{"", op.PublicKeyBase64()} {
				v := checkPage(t, ctx, page, key, "", write(tc.name+".zip", zb))
				if v.Status != "tampered" || !strings.Contains(v.Text, "TAMPERED") || !strings.Contains(v.Text, tc.want) || v.Signer == "operator" {
					t.Fatalf("key %q: %+v (want %q)", key, v, tc.want)
				}
			}
			if _, err := verify(zb); err == nil {
				t.Fatal("VerifyBundle accepts it")
			}
		})
	}
}

// verify.html speaks the reader's language, French, Dutch, English or
// German, from the browser's languages (or ?lang=, or its language menu),
// and names the claim by its reference (issue 24.18).
func TestVerifyHTMLLanguages(t *testing.T) {
	f := newFixture(t, store.SQLite, portal.JurisdictionFR, 3)
	b := f.bundle(t)
	names, files := entries(t, b)
	dir := t.TempDir()
	page := filepath.Join(dir, "verify.html")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("verify.html", files["verify.html"])
	good := write("good.zip", b)
	c := map[string][]byte{}
	for k, v := range files {
		c[k] = v
	}
	c["events.jsonl"] = []byte(strings.Replace(string(files["events.jsonl"]), "moitié", "totalité", 1))
	forged := write("forged.zip", rezip(t, names, c))

	type texts struct{ h1, summary, intact, tampered, culprit string }
	want := map[string]texts{
		"fr": {"Vérification du dossier de preuve Relais", "Créance R-2024-001 (identifiant Relais " + f.claim.ID + ")", "INTACT pour la seule clé", "MODIFIÉ", "événement 4 (events.jsonl ligne 4) : son contenu ne correspond pas"},
		"nl": {"Een Relais-bewijsdossier controleren", "Vordering R-2024-001 (Relais-kenmerk " + f.claim.ID + ")", "INTACT, maar alleen voor de sleutel", "GEWIJZIGD", "gebeurtenis 4 (events.jsonl regel 4): haar inhoud klopt niet"},
		"en": {"Check a Relais evidence bundle", "Claim R-2024-001 (Relais id " + f.claim.ID + ")", "INTACT for the key inside the bundle only", "TAMPERED", "event 4 (events.jsonl line 4): its payload does not match"},
		"de": {"Ein Relais-Beweisdossier prüfen", "Forderung R-2024-001 (Relais-Kennung " + f.claim.ID + ")", "INTAKT nur für den Schlüssel", "VERÄNDERT", "Ereignis 4 (events.jsonl Zeile 4): sein Inhalt passt nicht"},
	}
	others := func(lang string) []string {
		var out []string
		for l, w := range want {
			if l != lang {
				out = append(out, w.h1, w.tampered)
			}
		}
		return out
	}
	type shown struct {
		Lang, H1, Title, Summary, Reference string
	}
	read := func(t *testing.T, ctx context.Context) shown {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`({lang: document.documentElement.lang, h1: document.querySelector("h1").innerText,
			title: document.title, summary: document.getElementById("summary").innerText, reference: document.getElementById("result").dataset.reference || ""})`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(t *testing.T, ctx context.Context, url, lang string) {
		t.Helper()
		w := want[lang]
		for _, tc := range []struct{ file, verdict, text string }{{good, "intact", w.intact}, {forged, "tampered", w.culprit}} {
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
				t.Fatal(err)
			}
			if s := read(t, ctx); s.Lang != lang || s.H1 != w.h1 {
				t.Fatalf("page in %q with heading %q, want %s %q", s.Lang, s.H1, lang, w.h1)
			}
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("files"), []string{tc.file}), chromedp.WaitVisible(chromedp.CSS(waitVerdict))); err != nil {
				t.Fatal(err)
			}
			v, err := chromedp.Run(ctx, chromedp.Evaluate[verdict](readVerdict))
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tc.verdict || !strings.Contains(v.Text, tc.text) {
				t.Errorf("%s: %s %q, want %s with %q", lang, v.Status, v.Text, tc.verdict, tc.text)
			}
			for _, o := range others(lang) {
				if strings.Contains(v.Text, o) {
					t.Errorf("%s: the verdict has %q, another language's", lang, o)
				}
			}
			if tc.verdict == "intact" {
				s := read(t, ctx)
				if !strings.Contains(s.Summary, w.summary) || s.Reference != "R-2024-001" || !strings.HasPrefix(s.Title, "R-2024-001 - ") {
					t.Errorf("%s: the claim is not named by its reference: %+v", lang, s)
				}
			} else if !strings.Contains(v.Text, w.tampered) {
				t.Errorf("%s: %q lacks %q", lang, v.Text, w.tampered)
			}
		}
	}
	// The browser's languages, as its settings give them.
	for _, tc := range []struct{ browser, lang string }{{"fr-FR,fr", "fr"}, {"nl-BE,nl,fr", "nl"}, {"de-DE,de", "de"}, {"es-ES,en-GB,en", "en"}} {
		t.Run(tc.browser, func(t *testing.T) {
			ctx := browsertest.Start(t, chromedp.Flag("accept-lang", tc.browser))
			check(t, ctx, "file://"+page, tc.lang)
			if tc.lang != "en" {
				return
			}
			// ?lang= chooses, and so does the language menu.
			check(t, ctx, "file://"+page+"?lang=de", "de")
			if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById("lang"); s.value = "nl";
				s.dispatchEvent(new Event("change")); return true; })()`)); err != nil {
				t.Fatal(err)
			}
			if s := read(t, ctx); s.Lang != "nl" || s.H1 != want["nl"].h1 {
				t.Fatalf("after choosing Dutch: %+v", s)
			}
		})
	}
}
