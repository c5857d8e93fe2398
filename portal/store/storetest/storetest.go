// Package storetest opens fresh, migrated databases for tests: a temporary
// SQLite file, and a new schema on the real PostgreSQL named by
// RELAIS_TEST_POSTGRES (default postgres://127.0.0.1:5432/test). Under
// CI=true an unreachable PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the driver gorm's postgres dialector uses

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/datakey"
	"github.com/relais/relais/portal/store"
)

// DefaultPostgresURL is the test database every developer machine has.
const DefaultPostgresURL = "postgres://127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the databases every store test runs on.
var Dialects = []string{store.SQLite, store.Postgres}

// PostgresURL returns the base URL of the test PostgreSQL.
func PostgresURL() string {
	if u := os.Getenv("RELAIS_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// testDataKey is the data key of the test databases: every handle on one
// database must hold the same, as every instance does.
var testDataKey = []byte("relais test data key, 32 bytes..")

// DataKeys are the data keys the databases of MustOpen seal their
// secrets with.
func DataKeys() *datakey.Keyring {
	k, err := datakey.New(testDataKey)
	if err != nil {
		panic(err)
	}
	return k
}

// Each runs fn as a subtest once per dialect, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, MustOpen(t, d, nil)) })
	}
}

// MustOpen returns a migrated, empty database of the dialect with the
// given clock (a fixed default clock when nil), closed and dropped at the
// end of the test.
func MustOpen(tb testing.TB, dialect string, clock portal.Clock) *store.DB {
	tb.Helper()
	return MustOpenURL(tb, URL(tb, dialect), clock)
}

// MustOpenURL opens and migrates the database at url (from URL) with the
// given clock, closed at the end of the test. Opening one URL twice gives
// two handles on one database, as two instances have.
func MustOpenURL(tb testing.TB, url string, clock portal.Clock) *store.DB {
	tb.Helper()
	dialect := store.SQLite
	if strings.HasPrefix(url, "postgres") {
		dialect = store.Postgres
	}
	if clock == nil {
		clock = &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	}
	db, err := store.Open(url, store.Options{Clock: clock, DataKeys: DataKeys(), Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return db
}

// URL returns the URL of a fresh, empty database of the dialect: a new
// SQLite file, or a new PostgreSQL schema dropped when the test ends.
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	if dialect == store.SQLite {
		return filepath.Join(tb.TempDir(), "relais.db")
	}
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s is not reachable (required under CI): %v", base, err)
		}
		tb.Skipf("PostgreSQL at %s is not reachable: %v", base, err)
	}
	schema := fmt.Sprintf("t_%s", strings.ToLower(portal.NewID(time.Now()))[10:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
