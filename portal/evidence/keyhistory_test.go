package evidence_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store/storetest"
)

// rotateChildEnv makes the test binary a rotating process (see
// TestRotateKeyConcurrent): the value is "key file:number of rotations".
const rotateChildEnv = "RELAIS_TEST_ROTATE_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(rotateChildEnv); v != "" {
		i := strings.LastIndexByte(v, ':')
		n, _ := strconv.Atoi(v[i+1:])
		for ; n > 0; n-- {
			if _, _, err := evidence.RotateKey(v[:i], portal.SystemClock{}, evidence.RotateOptions{LockWait: time.Minute}); err != nil {
				fmt.Fprintln(os.Stderr, "rotate:", err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// onlyFiles fails unless dir holds exactly names (no temporary or lock
// file left behind).
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
}

func TestRotateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "signing.key")
	k0, created, err := evidence.LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatal(err, created)
	}
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(path, t0, t0) // the key's creation time
	oldKeyFile, _ := os.ReadFile(path)
	clock := &portal.FixedClock{T: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	t1 := clock.T
	retired, set1, err := evidence.RotateKey(path, clock, evidence.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if retired.Fingerprint != k0.Fingerprint() || !retired.From.Equal(t0) || !retired.Until.Equal(t1) || retired.Compromised {
		t.Fatalf("retired: %+v", retired)
	}
	clock.Advance(90 * 24 * time.Hour)
	t2 := clock.T
	_, set2, err := evidence.RotateKey(path, clock, evidence.RotateOptions{Compromised: true})
	if err != nil {
		t.Fatal(err)
	}
	k1, k2 := set1.Signer, set2.Signer

	t.Run("ThreeKeysInOrder", func(t *testing.T) {
		loaded, created, err := evidence.LoadKeySet(path)
		if err != nil || created {
			t.Fatal(err, created)
		}
		if !bytes.Equal(loaded.Signer.PublicKey(), k2.PublicKey()) || !loaded.History.Since.Equal(t2) {
			t.Fatalf("current key: %s since %s, want %s since %s", loaded.Signer.Fingerprint(), loaded.History.Since, k2.Fingerprint(), t2)
		}
		p := evidence.Published(loaded.Signer, &loaded.History)
		h := p.History
		if len(h) != 2 || h[0].PublicKey != k0.PublicKeyBase64() || h[1].PublicKey != k1.PublicKeyBase64() || p.PublicKey != k2.PublicKeyBase64() {
			t.Fatalf("history: %+v", p)
		}
		if !h[0].From.Equal(t0) || !h[0].Until.Equal(t1) || !h[1].From.Equal(t1) || !h[1].Until.Equal(t2) || !p.From.Equal(t2) {
			t.Fatalf("periods: %+v", p)
		}
		if h[0].Compromised || !h[1].Compromised {
			t.Fatalf("compromised flags: %+v", h)
		}
		if h[0].Fingerprint != k0.Fingerprint() || h[1].Fingerprint != k1.Fingerprint() {
			t.Fatalf("fingerprints: %+v", h)
		}
		// The file on disk is the same list, and holds no private key.
		b, _ := os.ReadFile(evidence.HistoryPath(path))
		var onDisk []evidence.RetiredKey
		if err := json.Unmarshal(b, &onDisk); err != nil || len(onDisk) != 2 || onDisk[1] != h[1] {
			t.Fatalf("history file: %v %s", err, b)
		}
		if bytes.Contains(b, []byte("PRIVATE")) || strings.Contains(string(b), "priv") {
			t.Fatalf("history file holds a private key: %s", b)
		}
	})
	t.Run("FileModes", func(t *testing.T) {
		if m := mode(t, dir); m != 0o700 {
			t.Fatalf("directory mode %v", m)
		}
		if m := mode(t, path); m != 0o600 {
			t.Fatalf("key file mode %v", m)
		}
		if m := mode(t, evidence.HistoryPath(path)); m != 0o644 {
			t.Fatalf("history file mode %v (public keys only)", m)
		}
		onlyFiles(t, dir, "signing.key", "signing.key.history.json")
	})
	t.Run("RetiredKeyCannotSign", func(t *testing.T) {
		// An operator restores the key file from an old backup.
		current, _ := os.ReadFile(path)
		os.WriteFile(path, oldKeyFile, 0o600)
		defer os.WriteFile(path, current, 0o600)
		for _, load := range []func() error{
			func() error { _, _, err := evidence.LoadOrCreateKey(path); return err },
			func() error { _, _, err := evidence.LoadKeySet(path); return err },
			func() error { _, err := evidence.ReadKeySet(path); return err },
		} {
			err := load()
			if !errors.Is(err, evidence.ErrRetiredKey) || !strings.Contains(err.Error(), k0.Fingerprint()) || !strings.Contains(err.Error(), "2025-03-01T12:00:00Z") {
				t.Fatalf("retired key loaded as the signer: %v", err)
			}
		}
	})
	t.Run("StaleLock", func(t *testing.T) {
		lock := path + ".lock"
		os.WriteFile(lock, []byte("pid 1 since 2025-01-01T00:00:00Z\n"), 0o600)
		defer os.Remove(lock)
		before, _ := os.ReadFile(path)
		_, _, err := evidence.RotateKey(path, clock, evidence.RotateOptions{LockWait: 50 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "pid 1") {
			t.Fatalf("rotation past a held lock: %v", err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Fatal("the key changed while another rotation held the lock")
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none.key")
		if _, _, err := evidence.RotateKey(missing, clock, evidence.RotateOptions{}); err == nil || !strings.Contains(err.Error(), "nothing to rotate") {
			t.Fatalf("rotate without a key: %v", err)
		}
		if _, err := evidence.ReadKeySet(missing); err == nil {
			t.Fatal("ReadKeySet created or invented a key")
		}
		onlyFiles(t, filepath.Dir(missing))
	})
}

// TestRotateKeyInterrupted: a rotation that wrote the history but not the
// key leaves the old key listed as retired; it cannot sign, and the next
// rotation completes the first, extending the old key's period to its
// real end.
func TestRotateKeyInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	k0, _, err := evidence.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	os.Chtimes(path, t0, t0)
	crash := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h, _ := json.Marshal([]evidence.RetiredKey{{PublicKey: k0.PublicKeyBase64(), Fingerprint: k0.Fingerprint(), From: t0, Until: crash}})
	os.WriteFile(evidence.HistoryPath(path), h, 0o644)
	if _, _, err := evidence.LoadKeySet(path); !errors.Is(err, evidence.ErrRetiredKey) || !strings.Contains(err.Error(), "relais key rotate") {
		t.Fatalf("half-rotated key loaded: %v", err)
	}
	clock := &portal.FixedClock{T: crash.Add(time.Hour)}
	retired, set, err := evidence.RotateKey(path, clock, evidence.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if retired.PublicKey != k0.PublicKeyBase64() || !retired.Until.Equal(clock.T) || len(set.History.Retired) != 1 {
		t.Fatalf("completed rotation: %+v %+v", retired, set.History)
	}
	loaded, _, err := evidence.LoadKeySet(path)
	if err != nil || !bytes.Equal(loaded.Signer.PublicKey(), set.Signer.PublicKey()) || !loaded.History.Since.Equal(clock.T) {
		t.Fatalf("after completing: %v", err)
	}
}

// TestRotateKeyConcurrent runs rotations in several processes at once on
// one key file while this process keeps loading it, as a starting
// instance would: every load sees a whole key that is not retired, and in
// the end every rotation is in the history, in order, each key once.
func TestRotateKeyConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "signing.key")
	first, _, err := evidence.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	const procs, each = 4, 3
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := 0; i < procs; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", rotateChildEnv, path, each))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var loads int
	var loadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, _, err := evidence.LoadKeySet(path); err != nil {
				loadErr = err
				return
			}
			loads++
		}
	}()
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	close(done)
	wg.Wait()
	if loadErr != nil || loads == 0 {
		t.Fatalf("a load during the rotations failed: %v (%d loads)", loadErr, loads)
	}

	set, _, err := evidence.LoadKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	h := set.History.Retired
	if len(h) != procs*each {
		t.Fatalf("%d retired keys, want %d", len(h), procs*each)
	}
	if h[0].PublicKey != first.PublicKeyBase64() {
		t.Fatal("the first retired key is not the original one")
	}
	seen := map[string]bool{set.Signer.PublicKeyBase64(): true}
	for i, k := range h {
		if seen[k.PublicKey] {
			t.Fatalf("key %d (%s) appears twice", i, k.Fingerprint)
		}
		seen[k.PublicKey] = true
		if k.Until.Before(k.From) || (i > 0 && !k.From.Equal(h[i-1].Until)) {
			t.Fatalf("key %d period %s..%s does not follow %s", i, k.From, k.Until, h[i-1].Until)
		}
	}
	if !set.History.Since.Equal(h[len(h)-1].Until) {
		t.Fatalf("current since %s, last retired until %s", set.History.Since, h[len(h)-1].Until)
	}
	if m := mode(t, path); m != 0o600 {
		t.Fatalf("key file mode %v", m)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Fatalf("directory mode %v", m)
	}
	onlyFiles(t, dir, "signing.key", "signing.key.history.json")
}

// TestBundleAcrossRotation: a bundle made before a rotation verifies with
// the old key and with the published history, not with the new key
// alone; one made after is signed by the new key; a bundle an instance
// not yet restarted signs with the retired key after its retirement
// verifies with a warning.
func TestBundleAcrossRotation(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d, portal.JurisdictionFR, 0)
			path := filepath.Join(t.TempDir(), "signing.key")
			set0, _, err := evidence.LoadKeySet(path)
			if err != nil {
				t.Fatal(err)
			}
			created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // before the claim
			os.Chtimes(path, created, created)
			old := set0.Signer
			f.builder.Signer = old
			before := f.bundle(t)

			// Rotate one day after the fixture's last event.
			rotation := &portal.FixedClock{T: f.clock.T.Add(24 * time.Hour)}
			if _, _, err := evidence.RotateKey(path, rotation, evidence.RotateOptions{}); err != nil {
				t.Fatal(err)
			}
			set, _, err := evidence.LoadKeySet(path)
			if err != nil {
				t.Fatal(err)
			}
			published := evidence.Published(set.Signer, &set.History)
			// What a court gets: the JSON of the public-key endpoint.
			js, _ := json.Marshal(published)
			keys, err := evidence.ParsePublishedKeys(js)
			if err != nil {
				t.Fatal(err)
			}

			if _, err := verify(before, evidence.TrustedKey(old.PublicKey())); err != nil {
				t.Fatalf("old bundle with the old key: %v", err)
			}
			rep, err := verify(before, evidence.TrustedKeys(keys))
			if err != nil {
				t.Fatalf("old bundle with the history: %v", err)
			}
			if k := rep.SignedBy; k == nil || k.Current || k.Fingerprint != old.Fingerprint() || !k.From.Equal(created) || !k.Until.Equal(rotation.T) || len(rep.Warnings) != 0 {
				t.Fatalf("old bundle signed by %+v, warnings %q", rep.SignedBy, rep.Warnings)
			}
			if _, err := verify(before, evidence.TrustedKey(set.Signer.PublicKey())); err == nil || !strings.Contains(err.Error(), "not the trusted key") {
				t.Fatalf("old bundle with the new key alone: %v", err)
			}

			// After the rotation: a new event, a bundle by the new key.
			f.clock.T = rotation.T.Add(time.Hour)
			if _, err := f.db.AppendEvent(t.Context(), f.tenantID, f.claim.ID, portal.EventNoteWritten, map[string]any{"text": "after the rotation"}); err != nil {
				t.Fatal(err)
			}
			f.builder.Signer = set.Signer
			after := f.bundle(t)
			rep, err = verify(after, evidence.TrustedKeys(keys))
			if err != nil || rep.Fingerprint != set.Signer.Fingerprint() || !rep.SignedBy.Current || !rep.SignedBy.From.Equal(rotation.T) || len(rep.Warnings) != 0 {
				t.Fatalf("new bundle: %v %+v", err, rep)
			}
			if _, err := verify(after, evidence.TrustedKey(old.PublicKey())); err == nil {
				t.Fatal("new bundle accepted with the retired key")
			}

			// An instance still running on the retired key signs the same
			// state: intact, but its time is after the key's retirement.
			f.builder.Signer = old
			stale := f.bundle(t)
			rep, err = verify(stale, evidence.TrustedKeys(keys))
			if err != nil || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "after key "+old.Fingerprint()+" was retired") {
				t.Fatalf("stale instance's bundle: %v %+v", err, rep)
			}

			// A key that is nowhere in the history.
			other, _ := evidence.GenerateSigner()
			f.builder.Signer = other
			if _, err := verify(f.bundle(t), evidence.TrustedKeys(keys)); err == nil || !strings.Contains(err.Error(), "neither the published key") {
				t.Fatalf("unknown key: %v", err)
			}
		})
	}
}

func TestParsePublishedKeys(t *testing.T) {
	s, _ := evidence.GenerateSigner()
	r, _ := evidence.GenerateSigner()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	good := evidence.RetiredKey{PublicKey: r.PublicKeyBase64(), Fingerprint: r.Fingerprint(), From: t0, Until: t0.Add(time.Hour)}
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	t.Run("OK", func(t *testing.T) {
		p, err := evidence.ParsePublishedKeys(js(evidence.Published(s, &evidence.KeyHistory{Since: t0.Add(time.Hour), Retired: []evidence.RetiredKey{good}})))
		if err != nil || p.PublicKey != s.PublicKeyBase64() || len(p.History) != 1 || p.History[0] != good {
			t.Fatalf("%v %+v", err, p)
		}
		// The bare history file is accepted too (retired keys only).
		p, err = evidence.ParsePublishedKeys(js([]evidence.RetiredKey{good}))
		if err != nil || p.PublicKey != "" || len(p.History) != 1 {
			t.Fatalf("bare history: %v %+v", err, p)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wrongFP := good
		wrongFP.Fingerprint = s.Fingerprint()
		backwards := good
		backwards.Until = t0.Add(-time.Hour)
		short := good
		short.PublicKey = "AAAA"
		for name, b := range map[string][]byte{
			"garbage":         []byte("not json"),
			"empty":           []byte("{}"),
			"wrong algorithm": []byte(`{"algorithm":"RSA","public_key":"` + s.PublicKeyBase64() + `"}`),
			"wrong fingerprint": js(evidence.PublishedKeys{Algorithm: "Ed25519", PublicKey: s.PublicKeyBase64(), Fingerprint: s.Fingerprint(),
				History: []evidence.RetiredKey{wrongFP}}),
			"until before from":   js([]evidence.RetiredKey{backwards}),
			"short key":           js([]evidence.RetiredKey{short}),
			"current fingerprint": js(evidence.PublishedKeys{Algorithm: "Ed25519", PublicKey: s.PublicKeyBase64(), Fingerprint: r.Fingerprint()}),
		} {
			if _, err := evidence.ParsePublishedKeys(b); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
	})
}
