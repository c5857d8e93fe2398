// Package store implements the portal services on GORM, over PostgreSQL
// (production, several instances) or an embedded pure-Go SQLite file (the
// zero-configuration default). The schema comes from the versioned SQL in
// package migrations, never from AutoMigrate.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/datakey"
	"github.com/relais/relais/portal/rules"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// DB is an open database with the clock every row's times come from.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	Dialect string
	// URL is the connection string as given (it may hold a password: never log it).
	URL   string
	clock portal.Clock
	log   *slog.Logger
	// rates compute a claim's balance after a payment, to settle it when
	// nothing is left to pay (settle.go).
	rates *rules.Rates
	// group commits standalone events together (groupcommit.go).
	group *groupWriter
	// keys seal the secrets kept in the database (secrets.go).
	keys *datakey.Keyring
	// pages keeps the claim page's rows, checked against the database's
	// version on every view (pagecache.go).
	pages *pageCache
}

// Options tune Open.
type Options struct {
	Clock  portal.Clock
	Logger *slog.Logger
	// MaxOpenConns bounds the PostgreSQL pool of this instance (default 20).
	MaxOpenConns int
	// Rates are the interest rates a payment's effect on the balance is
	// computed with (settle.go): the instance the server computes with, so
	// that the claim is settled exactly when the portal shows nothing to
	// pay. rules.Default() when nil.
	Rates *rules.Rates
	// DataKeys seal and open the secrets kept in the database (webhook
	// signing secrets, secrets.go); without them those secrets can be
	// neither written nor read.
	DataKeys *datakey.Keyring
	// PageCacheClaims bounds the claim page's read cache of this instance
	// (pagecache.go): how many claims it keeps, 10,000 when 0; negative
	// turns it off.
	PageCacheClaims int
}

// Open connects to databaseURL: a postgres:// URL, or else a SQLite file
// path (optionally prefixed with sqlite: or file:).
func Open(databaseURL string, opt Options) (*DB, error) {
	if opt.Clock == nil {
		opt.Clock = portal.SystemClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Rates == nil {
		r, err := rules.Default()
		if err != nil {
			return nil, fmt.Errorf("open database: interest rates: %w", err)
		}
		opt.Rates = r
	}
	db := &DB{URL: databaseURL, clock: opt.Clock, log: opt.Logger, rates: opt.Rates, keys: opt.DataKeys}
	db.group = &groupWriter{db: db}
	db.pages = newPageCache(opt.PageCacheClaims, opt.Clock.Now)
	cfg := &gorm.Config{
		TranslateError: true,
		NowFunc:        func() time.Time { return opt.Clock.Now().UTC().Truncate(time.Microsecond) },
		Logger:         gormLogger{log: opt.Logger},
		// Each write here is one statement or an explicit Tx; GORM's implicit
		// transaction per statement would only add round trips.
		SkipDefaultTransaction: true,
	}
	var dialector gorm.Dialector
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		db.Dialect = Postgres
		dialector = postgres.Open(databaseURL)
	} else {
		db.Dialect = SQLite
		dialector = sqlite.Open(sqliteDSN(databaseURL))
	}
	g, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", db.Dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if db.Dialect == Postgres {
		max := opt.MaxOpenConns
		if max <= 0 {
			max = 20
		}
		sqlDB.SetMaxOpenConns(max)
		sqlDB.SetMaxIdleConns(max / 2)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// SQLite has one writer; a few connections let readers run beside it
		// under WAL, and immediate transactions queue writers on busy_timeout.
		sqlDB.SetMaxOpenConns(8)
		// Keep them all open: database/sql keeps two idle by default, and
		// each new SQLite connection parses the whole schema again (3 % of
		// the claim page benchmark's CPU, issue 22).
		sqlDB.SetMaxIdleConns(8)
	}
	db.gorm, db.sql = g, sqlDB
	return db, nil
}

// sqliteDSN turns a file path into a DSN with WAL, a busy timeout, foreign
// keys on, and transactions that take the write lock at BEGIN (so that two
// read-then-write transactions queue instead of failing with SQLITE_BUSY).
func sqliteDSN(path string) string {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "sqlite:"), "file:")
	if path == "" {
		path = "relais.db"
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return "file:" + path + sep + q.Encode()
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return db.sql.PingContext(ctx)
}

// SQL exposes the underlying pool for migrations and benchmarks.
func (db *DB) SQL() *sql.DB { return db.sql }

// Now returns the store clock's time, truncated to what both databases keep.
func (db *DB) Now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }

// tx runs fn in a transaction bound to ctx.
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.gorm.WithContext(ctx).Transaction(fn)
}

// conn returns the GORM handle bound to ctx.
func (db *DB) conn(ctx context.Context) *gorm.DB { return db.gorm.WithContext(ctx) }

// translate maps database errors to domain errors, naming the operation.
func translate(op string, err error) error {
	var pe *portal.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return &portal.Error{Code: portal.ENOTFOUND, Message: "Not found.", Err: fmt.Errorf("%s: %w", op, err)}
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &portal.Error{Code: portal.ECONFLICT, Message: "Already exists.", Err: fmt.Errorf("%s: %w", op, err)}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return &portal.Error{Code: portal.EINVALID, Message: "Refers to something that does not exist.", Err: fmt.Errorf("%s: %w", op, err)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &portal.Error{Code: portal.EUNAVAILABLE, Message: "The request took too long; try again.", Err: fmt.Errorf("%s: %w", op, err)}
	case unstorable(err):
		// Validation refuses these first; this keeps any path it missed a
		// 400 rather than a 500.
		return &portal.Error{Code: portal.EINVALID, Message: "A value cannot be stored: it holds a character or a date the database refuses.", Err: fmt.Errorf("%s: %w", op, err)}
	case concurrent(err):
		// PostgreSQL chose this transaction to break a deadlock or a
		// serialization conflict: nothing of it was stored.
		return &portal.Error{Code: portal.ECONFLICT, Message: "The claim was changed by someone else at the same time; try again.", Err: fmt.Errorf("%s: %w", op, err)}
	case unreachable(err):
		return &portal.Error{Code: portal.EUNAVAILABLE, Message: "The service is briefly unavailable; try again in a moment.", Err: fmt.Errorf("%s: %w", op, err)}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unstorable reports whether PostgreSQL refused a value itself: a NUL
// character (22P05, 22021) or a date out of its range (22008, 22007).
func unstorable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "22P05", "22021", "22008", "22007":
		return true
	}
	return false
}

// unreachable reports whether err means the database could not be reached
// or dropped the connection (a restart, a failover). Such a request may
// succeed a moment later, so it is EUNAVAILABLE (503, "try again"), not an
// internal error; database/sql reconnects by itself.
// concurrent reports a PostgreSQL deadlock (40P01) or serialization
// failure (40001): the transaction was rolled back and may be retried.
func concurrent(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

func unreachable(err error) bool {
	var connect *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down, crashed, or not accepting connections yet.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	return pgconn.SafeToRetry(err)
}

// gormLogger sends GORM's errors to slog; statements are not logged because
// they may carry personal data.
type gormLogger struct{ log *slog.Logger }

func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l gormLogger) Info(context.Context, string, ...any)     {}
func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "gorm", "msg", fmt.Sprintf(msg, args...))
}
func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "gorm", "msg", fmt.Sprintf(msg, args...))
}
func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if err == nil || errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, gorm.ErrDuplicatedKey) {
		return
	}
	if slow := time.Since(begin); slow > 0 {
		l.log.DebugContext(ctx, "query failed", "err", err, "ms", slow.Milliseconds())
	}
}
