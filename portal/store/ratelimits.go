package store

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/relais/relais/portal"
)

// Limiter is the portal.Limiter kept in the rate_limits table (issue
// 26.5): every instance on the database takes from the same buckets, so
// that N instances behind a load balancer do not give N times the
// attempts. A take is one statement (an upsert that refills, takes and
// returns the result), atomic on both databases: of two instances taking
// the last token at once, one gets it. Buckets that are full again are
// deleted, at most once a minute per instance, so the table holds only the
// keys that were limited recently.
type Limiter struct {
	db *DB
	// pruneEvery is how often this handle deletes full buckets.
	pruneEvery time.Duration
	lastPrune  atomic.Int64 // unix microseconds
}

var _ portal.Limiter = (*Limiter)(nil)

// Limiter returns the database limiter (on the store's clock).
func (db *DB) Limiter() *Limiter { return &Limiter{db: db, pruneEvery: time.Minute} }

type takeRow struct {
	Tokens  float64
	AtUs    int64
	Granted int
}

// Take implements portal.Limiter.
func (l *Limiter) Take(ctx context.Context, key string, b portal.Bucket, n int) (bool, time.Duration, error) {
	if err := portal.CheckTake(key, b, n); err != nil {
		return false, 0, err
	}
	now := l.db.Now().UnixMicro()
	l.prune(ctx, now)
	burst, need, every := float64(b.Burst), float64(n), float64(b.Every.Microseconds())
	fresh := min(burst, burst-need) // n <= burst: a new bucket always grants
	least, greatest := "LEAST", "GREATEST"
	if l.db.Dialect == SQLite {
		least, greatest = "MIN", "MAX" // SQLite's scalar forms
	}
	const (
		pBurst = "CAST(@burst AS DOUBLE PRECISION)"
		pNeed  = "CAST(@need AS DOUBLE PRECISION)"
		pEvery = "CAST(@every AS DOUBLE PRECISION)"
		pNow   = "CAST(@now AS BIGINT)"
	)
	// refilled is the bucket now; left what it holds after the take.
	refilled := fmt.Sprintf("%s(%s, rate_limits.tokens + CAST(%s(0, %s - rate_limits.at_us) AS DOUBLE PRECISION) / %s)",
		least, pBurst, greatest, pNow, pEvery)
	left := fmt.Sprintf("CASE WHEN %[1]s >= %[2]s THEN %[3]s(%[4]s, %[1]s - %[2]s) ELSE %[1]s END", refilled, pNeed, least, pBurst)
	at := fmt.Sprintf("%s(rate_limits.at_us, %s)", greatest, pNow)
	query := fmt.Sprintf(`INSERT INTO rate_limits (limit_key, tokens, at_us, full_us, granted)
VALUES (@key, %[1]s, %[2]s, CAST(@fresh_full AS BIGINT), 1)
ON CONFLICT (limit_key) DO UPDATE SET
  tokens = %[3]s,
  at_us = %[4]s,
  full_us = %[4]s + CAST((%[5]s - (%[3]s)) * %[6]s AS BIGINT) + 1,
  granted = CASE WHEN %[7]s >= %[8]s THEN 1 ELSE 0 END
RETURNING tokens, at_us, granted`,
		"CAST(@fresh AS DOUBLE PRECISION)", pNow, left, at, pBurst, pEvery, refilled, pNeed)
	var rows []takeRow
	err := l.db.conn(ctx).Raw(query, map[string]any{
		"key": key, "fresh": fresh, "fresh_full": now + int64((burst-fresh)*every) + 1,
		"burst": burst, "need": need, "every": every, "now": now,
	}).Scan(&rows).Error
	if err != nil {
		return false, 0, translate("take from rate limit", err)
	}
	if len(rows) != 1 {
		return false, 0, fmt.Errorf("take from rate limit: %d rows returned", len(rows))
	}
	r := rows[0]
	if r.Granted == 1 {
		return true, 0, nil
	}
	wait := time.Duration(max(0, r.AtUs-now))*time.Microsecond + time.Duration(math.Ceil((need-r.Tokens)*every))*time.Microsecond
	return false, portal.RetryAfter(wait), nil
}

// prune deletes the buckets that are full again (no different from no
// row), at most once per pruneEvery on this handle. A failure is logged:
// the take goes on.
func (l *Limiter) prune(ctx context.Context, now int64) {
	last := l.lastPrune.Load()
	if now-last < l.pruneEvery.Microseconds() || !l.lastPrune.CompareAndSwap(last, now) {
		return
	}
	if err := l.db.conn(ctx).Exec("DELETE FROM rate_limits WHERE full_us <= ?", now).Error; err != nil {
		l.db.log.WarnContext(ctx, "prune rate limits", "err", translate("prune rate limits", err))
	}
}

// LimitBuckets counts the rows of rate_limits, for tests and metrics.
func (db *DB) LimitBuckets(ctx context.Context) (int64, error) {
	var n int64
	err := db.conn(ctx).Raw("SELECT COUNT(*) FROM rate_limits").Scan(&n).Error
	return n, translate("count rate limits", err)
}
