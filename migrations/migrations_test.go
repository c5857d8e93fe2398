package migrations

import (
	"io/fs"
	"regexp"
	"strconv"
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

// migrationName is NNNNN_words.sql: five digits, so that the order of the
// files (goose reads them sorted by name) is the order of the versions.
var migrationName = regexp.MustCompile(`^([0-9]{5})_[a-z0-9_]+\.sql$`)

// TestVersionsIncrease: in each dialect every file is named NNNNN_name.sql
// and the versions strictly increase in file order, with no number used
// twice. A migration numbered below one that has shipped would be skipped
// by databases already past it, so a new one takes a number above the
// highest (README, "Migrations").
func TestVersionsIncrease(t *testing.T) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		entries, err := fs.ReadDir(FS(dialect), ".")
		if err != nil {
			t.Fatal(err)
		}
		last, lastName := 0, ""
		for _, e := range entries {
			m := migrationName.FindStringSubmatch(e.Name())
			if m == nil {
				t.Errorf("%s/%s: name it NNNNN_words.sql (five digits, lower case)", dialect, e.Name())
				continue
			}
			v, _ := strconv.Atoi(m[1])
			if v <= last {
				t.Errorf("%s/%s: version %d does not follow %s; number a new migration above the highest", dialect, e.Name(), v, lastName)
			}
			last, lastName = v, e.Name()
		}
		if last == 0 {
			t.Errorf("%s: no migrations", dialect)
		}
	}
}

// TestEveryMigrationGoesBothWays: every file has the Up section goose
// applies and the Down section that undoes it (with the goose CLI; Relais
// itself only migrates up).
func TestEveryMigrationGoesBothWays(t *testing.T) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		entries, err := fs.ReadDir(FS(dialect), ".")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := fs.ReadFile(FS(dialect), e.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, section := range []string{"-- +goose Up", "-- +goose Down"} {
				if !strings.Contains(string(b), section) {
					t.Errorf("%s/%s has no %q section", dialect, e.Name(), section)
				}
			}
		}
	}
}
