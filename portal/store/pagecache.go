package store

import (
	"container/list"
	"sync"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

// The claim page's read cache (issue 22). Every view of a debtor's page
// read the claim with its creditor and debtor, its invoices, payments and
// credit notes, disputes, payment reference and instalments: six
// statements for rows that rarely change between two views. The session
// statement the page runs first (FindSession) also returns the page's
// version (portal.PageVersion: counters the database moves in the
// transaction of every change to those rows, migration 00133); this
// instance answers the page's reads from its cache when it holds them
// under exactly that version, and reads and keeps them otherwise.
//
// It can never serve a stale page, whichever instance wrote: a change
// commits with its counter's move, so a session read after the commit
// carries a version no entry made before it has. And an entry's rows were
// read after the version it is kept under, so they are at least as recent.
// Amounts that depend on the day (interest, rates) are computed at render,
// never kept. Each entry holds copies, and each hit hands out copies: a
// caller may change what it gets.

// defaultPageCacheClaims bounds the cache: claims kept, least recently
// viewed evicted first (a claim with a few invoices is a few KiB).
// pageCacheIdle is how long a claim not viewed stays (dropped at the next
// lookup or keep after that): its personal data does not linger in a
// serving instance after a purge, which moves the debtor's version so that
// nothing of it is served again.
const (
	defaultPageCacheClaims = 10_000
	pageCacheIdle          = 15 * time.Minute
)

// pageCache is a bounded LRU of claim pages' rows, by claim id.
type pageCache struct {
	mu      sync.Mutex
	now     func() time.Time
	max     int
	lru     *list.List // of *pageEntry, most recently used first
	byClaim map[string]*list.Element
}

// pageEntry is what the cache holds of one claim's page, at version v.
// A part not read yet at v is nil or unset.
type pageEntry struct {
	tenantID, claimID string
	v                 portal.PageVersion
	claim             *portal.Claim
	disputes          []*portal.Dispute
	ref               *banking.PaymentReference
	instalments       []*portal.Instalment
	hasInstalments    bool
	// used is when the entry was last read or written.
	used time.Time
}

func newPageCache(max int, now func() time.Time) *pageCache {
	if max == 0 {
		max = defaultPageCacheClaims
	}
	return &pageCache{max: max, now: now, lru: list.New(), byClaim: map[string]*list.Element{}}
}

// expire drops the entries not used for pageCacheIdle, least recent
// first, and those beyond the bound; under the lock.
func (pc *pageCache) expire(now time.Time) {
	for last := pc.lru.Back(); last != nil; last = pc.lru.Back() {
		if e := last.Value.(*pageEntry); pc.lru.Len() <= pc.max && !e.used.Before(now.Add(-pageCacheIdle)) {
			return
		}
		pc.lru.Remove(last)
		delete(pc.byClaim, last.Value.(*pageEntry).claimID)
	}
}

// lookup calls read with the claim's entry when it is kept under exactly
// v (and the claim is the tenant's), under the cache's lock; read copies
// out what it needs and says whether it found it.
func (pc *pageCache) lookup(tenantID, claimID string, v portal.PageVersion, read func(*pageEntry) bool) bool {
	if pc == nil || pc.max < 0 || !v.Known {
		return false
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := pc.now()
	pc.expire(now)
	el, ok := pc.byClaim[claimID]
	if !ok {
		return false
	}
	e := el.Value.(*pageEntry)
	if e.v != v || e.tenantID != tenantID || !read(e) {
		return false
	}
	e.used = now
	pc.lru.MoveToFront(el)
	return true
}

// keep calls write with the claim's entry at v, under the cache's lock:
// the entry kept at v, or a new one replacing an entry of an older
// version. Rows read under an older version than the entry's are not
// kept (a newer view has replaced them).
func (pc *pageCache) keep(tenantID, claimID string, v portal.PageVersion, write func(*pageEntry)) {
	if pc == nil || pc.max < 0 || !v.Known {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if el, ok := pc.byClaim[claimID]; ok {
		e := el.Value.(*pageEntry)
		switch {
		case e.v == v && e.tenantID == tenantID:
		case e.tenantID == tenantID && olderVersion(e.v, v):
			*e = pageEntry{tenantID: tenantID, claimID: claimID, v: v}
		default:
			return
		}
		write(e)
		e.used = pc.now()
		pc.lru.MoveToFront(el)
		return
	}
	e := &pageEntry{tenantID: tenantID, claimID: claimID, v: v, used: pc.now()}
	write(e)
	pc.byClaim[claimID] = pc.lru.PushFront(e)
	pc.expire(e.used)
}

// len is how many claims the cache holds.
func (pc *pageCache) len() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.lru.Len()
}

// olderVersion reports whether a is older than b: no counter ahead, one
// behind (counters only move forward).
func olderVersion(a, b portal.PageVersion) bool {
	return a != b && a.Claim <= b.Claim && a.Creditor <= b.Creditor && a.Debtor <= b.Debtor
}

// cloneClaim copies a claim with its parties and children.
func cloneClaim(c *portal.Claim) *portal.Claim {
	out := *c
	if c.Creditor != nil {
		cr := *c.Creditor
		out.Creditor = &cr
	}
	if c.Debtor != nil {
		d := *c.Debtor
		out.Debtor = &d
	}
	if c.ContractRateBP != nil {
		r := *c.ContractRateBP
		out.ContractRateBP = &r
	}
	if c.PersonalDataErasedAt != nil {
		t := *c.PersonalDataErasedAt
		out.PersonalDataErasedAt = &t
	}
	out.Invoices = cloneAll(c.Invoices)
	out.Payments = cloneAll(c.Payments)
	out.CreditNotes = cloneAll(c.CreditNotes)
	out.Files = nil
	return &out
}

// cloneDisputes copies disputes with their files' descriptions.
func cloneDisputes(ds []*portal.Dispute) []*portal.Dispute {
	out := cloneAll(ds)
	for _, d := range out {
		if d.ResolvedAt != nil {
			t := *d.ResolvedAt
			d.ResolvedAt = &t
		}
		d.Files = cloneAll(d.Files)
	}
	return out
}

// cloneAll copies a list of flat structs (nil stays nil).
func cloneAll[T any](in []*T) []*T {
	if in == nil {
		return nil
	}
	out := make([]*T, len(in))
	for i, p := range in {
		v := *p
		out[i] = &v
	}
	return out
}
