package datakey_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/relais/relais/portal/datakey"
)

func TestSealOpen(t *testing.T) {
	k, err := datakey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	const secret, ad = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "webhook_endpoints.secret/01A"
	s, err := k.Seal([]byte(secret), ad)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		if !strings.HasPrefix(s, datakey.Prefix+k.CurrentID()+":") || strings.Contains(s, "MfKQ9r8") || datakey.SealedKeyID(s) != k.CurrentID() {
			t.Fatalf("sealed %q", s)
		}
		again, _ := k.Seal([]byte(secret), ad)
		if again == s {
			t.Fatal("two seals of one value are equal: the nonce is not random")
		}
		if b, err := k.Open(s, ad); err != nil || string(b) != secret {
			t.Fatalf("open: %q %v", b, err)
		}
	})
	t.Run("ErrCorrupt", func(t *testing.T) {
		flipped := []byte(s)
		flipped[len(flipped)-3] ^= 1
		for name, c := range map[string]struct{ s, ad string }{
			"other row":    {s, "webhook_endpoints.secret/01B"},
			"other column": {s, "webhook_endpoints.previous_secret/01A"},
			"changed":      {string(flipped), ad},
			"truncated":    {s[:len(s)-10], ad},
			"no body":      {datakey.Prefix + k.CurrentID(), ad},
		} {
			if b, err := k.Open(c.s, c.ad); !errors.Is(err, datakey.ErrCorrupt) || b != nil {
				t.Fatalf("%s: %q %v", name, b, err)
			}
		}
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		other, _ := datakey.Generate()
		_, err := other.Open(s, ad)
		if !errors.Is(err, datakey.ErrUnknownKey) || !strings.Contains(err.Error(), k.CurrentID()) || !strings.Contains(err.Error(), other.CurrentID()) {
			t.Fatalf("another key: %v", err)
		}
	})
	t.Run("ErrNotSealed", func(t *testing.T) {
		if _, err := k.Open(secret, ad); !errors.Is(err, datakey.ErrNotSealed) {
			t.Fatalf("clear value: %v", err)
		}
	})
	t.Run("Rotated", func(t *testing.T) {
		next, err := k.Rotated()
		if err != nil {
			t.Fatal(err)
		}
		if next.CurrentID() == k.CurrentID() || len(next.IDs()) != 2 || next.IDs()[1] != k.CurrentID() {
			t.Fatalf("rotated ids %v from %s", next.IDs(), k.CurrentID())
		}
		if b, err := next.Open(s, ad); err != nil || string(b) != secret {
			t.Fatalf("the former key's value after a rotation: %v", err)
		}
		n, _ := next.Seal([]byte(secret), ad)
		if datakey.SealedKeyID(n) != next.CurrentID() {
			t.Fatal("a rotated keyring seals with a former key")
		}
		if _, err := k.Open(n, ad); !errors.Is(err, datakey.ErrUnknownKey) {
			t.Fatalf("the former keyring opened the new key's value: %v", err)
		}
	})
	if _, err := datakey.New(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "data.key")
	t.Run("ErrMissing", func(t *testing.T) {
		if _, err := datakey.Read(path); err == nil || !strings.Contains(err.Error(), "no data key") {
			t.Fatalf("read missing: %v", err)
		}
	})
	// Several instances starting at once: one key wins, all hold it.
	var wg sync.WaitGroup
	ids := make([]string, 8)
	created := make([]bool, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, c, err := datakey.Load(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], created[i] = k.CurrentID(), c
		}()
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("instances hold different keys: %v", ids)
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d instances say they created the key", n)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir} {
		info, err := os.Stat(p)
		if err != nil || info.Mode() != mode {
			t.Fatalf("%s: mode %v, want %v (%v)", p, info.Mode(), mode, err)
		}
	}
	k, created1, err := datakey.Load(path)
	if err != nil || created1 || k.CurrentID() != ids[0] {
		t.Fatalf("reload: %v %v", created1, err)
	}
	sealed, _ := k.Seal([]byte("s"), "t.c/1")

	t.Run("Rotate", func(t *testing.T) {
		r, err := datakey.Rotate(path)
		if err != nil {
			t.Fatal(err)
		}
		back, err := datakey.Read(path)
		if err != nil || strings.Join(back.IDs(), ",") != strings.Join(r.IDs(), ",") || back.IDs()[1] != k.CurrentID() {
			t.Fatalf("file after rotation: %v %v", back.IDs(), err)
		}
		if b, err := back.Open(sealed, "t.c/1"); err != nil || string(b) != "s" {
			t.Fatalf("a value of the former key after the rotation: %v", err)
		}
		if info, _ := os.Stat(path); info.Mode() != 0o600 {
			t.Fatalf("mode after rotation %v", info.Mode())
		}
	})
	t.Run("ErrBadFile", func(t *testing.T) {
		bad := filepath.Join(dir, "signing.key")
		os.WriteFile(bad, []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIK5zY2FsZWQtc2lnbmluZy1rZXktZm9yLXRlc3Rz\n-----END PRIVATE KEY-----\n"), 0o600)
		if _, _, err := datakey.Load(bad); err == nil || !strings.Contains(err.Error(), "not a data key") {
			t.Fatalf("the signing key as data key: %v", err)
		}
		b, _ := os.ReadFile(path)
		edited := strings.Replace(string(b), "Key-Id: "+k.CurrentID(), "Key-Id: 0000000000000000", 1)
		os.WriteFile(bad, []byte(edited), 0o600)
		if _, err := datakey.Read(bad); err == nil || !strings.Contains(err.Error(), "edited") {
			t.Fatalf("a key named wrongly: %v", err)
		}
		os.WriteFile(bad, []byte("nothing"), 0o600)
		if _, err := datakey.Read(bad); err == nil || !strings.Contains(err.Error(), "no data key in the file") {
			t.Fatalf("empty file: %v", err)
		}
	})
}
