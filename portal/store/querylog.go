package store

import (
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// QueryLog records the SQL statements a DB runs, as text without their
// values (which may be personal data), so that tests and benchmarks can
// count what a page costs in round trips. BEGIN and COMMIT are not
// statements here: Transactions counts the transactions instead.
type QueryLog struct {
	mu    sync.Mutex
	stmts []string
	txs   map[gorm.ConnPool]bool
}

// LogQueries starts recording every statement db runs into a new log. It
// adds GORM callbacks to db for the rest of its life: for tests and
// benchmarks only.
func (db *DB) LogQueries() (*QueryLog, error) {
	l := &QueryLog{txs: map[gorm.ConnPool]bool{}}
	name := fmt.Sprintf("relais:querylog:%p", l)
	cb := db.gorm.Callback()
	err := errors.Join(
		cb.Create().After("*").Register(name, l.record),
		cb.Query().After("*").Register(name, l.record),
		cb.Update().After("*").Register(name, l.record),
		cb.Delete().After("*").Register(name, l.record),
		cb.Row().After("*").Register(name, l.record),
		cb.Raw().After("*").Register(name, l.record),
	)
	if err != nil {
		return nil, fmt.Errorf("log queries: %w", err)
	}
	return l, nil
}

func (l *QueryLog) record(tx *gorm.DB) {
	sql := tx.Statement.SQL.String()
	if sql == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stmts = append(l.stmts, sql)
	if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); inTx {
		l.txs[tx.Statement.ConnPool] = true
	}
}

// Reset forgets what was recorded.
func (l *QueryLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stmts, l.txs = nil, map[gorm.ConnPool]bool{}
}

// Statements returns the statements recorded, in order.
func (l *QueryLog) Statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stmts...)
}

// Transactions returns how many transactions the statements ran in.
func (l *QueryLog) Transactions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.txs)
}
