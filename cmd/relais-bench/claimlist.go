package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server"
)

// benchClaimList measures GET /api/v1/claims (a page of 50 from a random
// cursor) with o.claims claims loaded, at o.clients concurrent clients.
// The ceiling is the same keyset query run directly on the pool.
func benchClaimList(ctx context.Context, o options) ([]row, error) {
	var rows []row
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		db, err := openBenchDB(ctx, o, dialect)
		if err != nil {
			return nil, err
		}
		r, err := claimListOn(ctx, o, db, dialect)
		db.cleanup()
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func claimListOn(ctx context.Context, o options, db *benchDB, dialect string) (row, error) {
	tenant, key, err := seedTenant(ctx, db.DB)
	if err != nil {
		return row{}, err
	}
	start := time.Now()
	if err := seedClaims(ctx, db.DB, tenant, o.claims); err != nil {
		return row{}, err
	}
	o.log.Warn("seeded", "claims", o.claims, "dialect", dialect, "took", time.Since(start).Round(time.Millisecond))
	var ids []string
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM claims").Scan(new(int)); err != nil {
		return row{}, err
	}
	sqlRows, err := db.SQL().QueryContext(ctx, "SELECT id FROM claims ORDER BY id")
	if err != nil {
		return row{}, err
	}
	for sqlRows.Next() {
		var id string
		sqlRows.Scan(&id)
		ids = append(ids, id)
	}
	sqlRows.Close()

	srv := server.New(server.Config{BaseURL: "http://bench.test"}, server.Deps{Claims: db.DB, Tenants: db.DB, Events: db.DB, DB: db.DB, Logger: o.log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return row{}, err
	}
	go srv.App().Listener(ln)
	defer srv.Shutdown(5 * time.Second)
	base := "http://" + ln.Addr().String()
	res := runLoad(ctx, o.clients, o.duration, func() *http.Request {
		req, _ := http.NewRequest("GET", base+"/api/v1/claims?limit=50&cursor="+ids[rand.IntN(len(ids))], nil)
		req.Header.Set("Authorization", "Bearer "+key)
		return req
	})
	if res.Errors > 0 {
		return row{}, fmt.Errorf("%d of %d requests failed", res.Errors, res.Requests)
	}
	return row{
		Measurement: fmt.Sprintf("API claim list, page of 50, %d claims, %d clients", o.claims, o.clients),
		Database:    dialect,
		Figure:      fmt.Sprintf("%.0f req/s, p99 %s", res.RPS(), res.P99.Round(100*time.Microsecond)),
		Ceiling:     "-",
		Ratio:       "-",
		Target:      "p99 reported",
	}, nil
}

var _ = portal.NewID
