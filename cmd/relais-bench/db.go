package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

// benchDB is a migrated database for one measurement, removed afterwards.
type benchDB struct {
	*store.DB
	cleanup func()
}

// openBenchDB opens a fresh SQLite file or a fresh PostgreSQL schema.
func openBenchDB(ctx context.Context, o options, dialect string) (*benchDB, error) {
	var url string
	cleanup := func() {}
	if dialect == store.SQLite {
		dir, err := os.MkdirTemp("", "relais-bench")
		if err != nil {
			return nil, err
		}
		url = filepath.Join(dir, "bench.db")
		cleanup = func() { os.RemoveAll(dir) }
	} else {
		admin, err := sql.Open("pgx", o.postgresURL)
		if err != nil {
			return nil, err
		}
		schema := "bench_" + strings.ToLower(portal.NewID(time.Now()))[14:]
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			return nil, fmt.Errorf("PostgreSQL at %s: %w", o.postgresURL, err)
		}
		sep := "?"
		if strings.Contains(o.postgresURL, "?") {
			sep = "&"
		}
		url = o.postgresURL + sep + "search_path=" + schema
		cleanup = func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }
	}
	db, err := store.Open(url, store.Options{Logger: o.log, MaxOpenConns: 32})
	if err != nil {
		cleanup()
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		cleanup()
		return nil, err
	}
	return &benchDB{DB: db, cleanup: func() { db.Close(); cleanup() }}, nil
}

// seedTenant creates a tenant with one creditor and an API key.
func seedTenant(ctx context.Context, db *store.DB) (tenantID, key string, err error) {
	t := &portal.Tenant{Name: "Bench"}
	if err = db.CreateTenant(ctx, t); err != nil {
		return
	}
	if err = db.CreateCreditor(ctx, &portal.Creditor{TenantID: t.ID, LegalName: "Bench SAS", Country: "FR", IBAN: "FR1420041010050500013M02606"}); err != nil {
		return
	}
	_, key, err = db.CreateAPIKey(ctx, t.ID, "bench")
	return t.ID, key, err
}

// seedClaims loads n claims of two invoices each, in batches.
func seedClaims(ctx context.Context, db *store.DB, tenantID string, n int) error {
	const batch = 1000
	for done := 0; done < n; done += batch {
		var claims []*portal.Claim
		for i := done; i < done+batch && i < n; i++ {
			claims = append(claims, benchClaim(i))
		}
		if err := db.ImportClaims(ctx, tenantID, claims); err != nil {
			return err
		}
	}
	return nil
}

func benchClaim(i int) *portal.Claim {
	return &portal.Claim{
		Reference: fmt.Sprintf("B-%07d", i), Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: fmt.Sprintf("Débiteur %d SARL", i), Language: "fr", Postcode: "75011", Country: "FR"},
		Invoices: []*portal.Invoice{
			{Number: "F-1", IssueDate: portal.MustDate("2025-01-01"), DueDate: portal.MustDate("2025-01-31"), Amount: int64(10_000 + i%90_000)},
			{Number: "F-2", IssueDate: portal.MustDate("2025-02-01"), DueDate: portal.MustDate("2025-03-03"), Amount: 25_000},
		},
	}
}
