package evidence_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/relais/relais/portal/evidence"
)

// TestCreateKeyConcurrent: several instances starting at once on an empty
// key directory end up with one key: exactly one creates it, every other
// reads it whole, and no temporary file is left.
func TestCreateKeyConcurrent(t *testing.T) {
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "keys")
		path := filepath.Join(dir, "signing.key")
		const n = 8
		var wg sync.WaitGroup
		fps := make([]string, n)
		created := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, c, err := evidence.LoadOrCreateKey(path)
				if err == nil {
					fps[i], created[i] = s.Fingerprint(), c
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		creators := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, instance %d: %v", round, i, errs[i])
			}
			if fps[i] != fps[0] {
				t.Fatalf("round %d: instances got different keys: %v", round, fps)
			}
			if created[i] {
				creators++
			}
		}
		if creators != 1 {
			t.Fatalf("round %d: %d instances created the key", round, creators)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "signing.key" {
				t.Fatalf("round %d: left behind %s", round, e.Name())
			}
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode: %v %v", fi.Mode(), err)
		}
	}
}
