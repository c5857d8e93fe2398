package store

// HoldGroupCommit makes the group writer wait before its next
// transactions until release is called, so that the events appended
// meanwhile are queued into one group (for the group commit tests of
// store_test). Call it before appending.
func (db *DB) HoldGroupCommit() (release func()) {
	hold := make(chan struct{})
	db.group.hold = hold
	return func() { close(hold) }
}

// GroupQueued is how many events wait for the group writer's next
// transaction.
func (db *DB) GroupQueued() int {
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return len(db.group.queue)
}

// PageCached reports whether this instance's claim page cache holds the
// claim, and PageCacheLen how many claims it holds.
func (db *DB) PageCached(claimID string) bool {
	db.pages.mu.Lock()
	defer db.pages.mu.Unlock()
	_, ok := db.pages.byClaim[claimID]
	return ok
}

func (db *DB) PageCacheLen() int { return db.pages.len() }
