package migrations

import (
	"io/fs"
	"strings"
	"testing"
)

// TestDialectsHaveSameVersions: every migration exists for both databases,
// so that SQLite and PostgreSQL schemas never drift apart in version.
func TestDialectsHaveSameVersions(t *testing.T) {
	versions := func(dialect string) map[string]string {
		out := map[string]string{}
		entries, err := fs.ReadDir(FS(dialect), ".")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			v, _, _ := strings.Cut(e.Name(), "_")
			if prev, dup := out[v]; dup {
				t.Errorf("%s: version %s used twice (%s, %s)", dialect, v, prev, e.Name())
			}
			out[v] = e.Name()
		}
		return out
	}
	pg, lite := versions("postgres"), versions("sqlite")
	for v, name := range pg {
		if lite[v] != name {
			t.Errorf("postgres has %s but sqlite has %q", name, lite[v])
		}
	}
	for v, name := range lite {
		if pg[v] != name {
			t.Errorf("sqlite has %s but postgres has %q", name, pg[v])
		}
	}
	if len(pg) == 0 {
		t.Fatal("no migrations")
	}
}
