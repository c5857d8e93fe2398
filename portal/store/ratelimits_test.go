package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ratelimit/ratelimittest"
	"github.com/relais/relais/portal/store/storetest"
)

// TestLimiter: the database limiter behaves as every portal.Limiter must
// (burst, refill on the fixed clock, give back, rounding, EINVALID), on
// both databases.
func TestLimiter(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ratelimittest.Run(t, func(t *testing.T, clock *portal.FixedClock) portal.Limiter {
				return storetest.MustOpen(t, d, clock).Limiter()
			})
		})
	}
}

// TestLimiterShared: two handles on one database (two instances) take
// from the same buckets: what one takes the other cannot, what one gives
// back the other can take, and both tell the same wait.
func TestLimiterShared(t *testing.T) {
	ctx := context.Background()
	b := portal.Bucket{Burst: 3, Every: time.Minute}
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			clock := &portal.FixedClock{T: ratelimittest.Start}
			url := storetest.URL(t, d)
			a, other := storetest.MustOpenURL(t, url, clock).Limiter(), storetest.MustOpenURL(t, url, clock).Limiter()
			key := portal.LimitKey("login-ip", "192.0.2.1")
			for i, l := range []portal.Limiter{a, other, a} {
				if ok, _, err := l.Take(ctx, key, b, 1); err != nil || !ok {
					t.Fatalf("take %d: %v %v", i+1, ok, err)
				}
			}
			clock.Advance(15 * time.Second)
			for name, l := range map[string]portal.Limiter{"A": a, "B": other} {
				if ok, wait, err := l.Take(ctx, key, b, 1); err != nil || ok || wait != 45*time.Second {
					t.Fatalf("instance %s after 3 takes: ok=%v wait=%v err=%v, want refused for 45s", name, ok, wait, err)
				}
			}
			if _, _, err := other.Take(ctx, key, b, -1); err != nil {
				t.Fatal(err)
			}
			if ok, _, err := a.Take(ctx, key, b, 1); err != nil || !ok {
				t.Fatalf("A after B gave one back: %v %v", ok, err)
			}
		})
	}
}

// TestLimiterConcurrent: 40 takes at once from two handles on a bucket of
// 10 grant exactly 10.
func TestLimiterConcurrent(t *testing.T) {
	b := portal.Bucket{Burst: 10, Every: time.Hour}
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			clock := &portal.FixedClock{T: ratelimittest.Start}
			url := storetest.URL(t, d)
			handles := []portal.Limiter{storetest.MustOpenURL(t, url, clock).Limiter(), storetest.MustOpenURL(t, url, clock).Limiter()}
			var granted atomic.Int32
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := 0; i < 40; i++ {
				wg.Add(1)
				go func(l portal.Limiter) {
					defer wg.Done()
					ok, _, err := l.Take(context.Background(), "link-ip:shared", b, 1)
					if err != nil {
						errs <- err
					} else if ok {
						granted.Add(1)
					}
				}(handles[i%2])
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := granted.Load(); n != 10 {
				t.Fatalf("%d takes granted from a bucket of 10", n)
			}
		})
	}
}

// TestLimiterPrune: buckets that refilled are deleted, so the table holds
// only the keys limited recently; a bucket still short stays.
func TestLimiterPrune(t *testing.T) {
	ctx := context.Background()
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			clock := &portal.FixedClock{T: ratelimittest.Start}
			db := storetest.MustOpen(t, d, clock)
			l := db.Limiter()
			quick := portal.Bucket{Burst: 5, Every: time.Second}
			slow := portal.Bucket{Burst: 1, Every: time.Hour}
			for i := 0; i < 50; i++ {
				if _, _, err := l.Take(ctx, fmt.Sprintf("link-ip:%d", i), quick, 1); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := l.Take(ctx, "login-acct:slow", slow, 1); err != nil {
				t.Fatal(err)
			}
			if n, err := db.LimitBuckets(ctx); err != nil || n != 51 {
				t.Fatalf("%d buckets, want 51 (%v)", n, err)
			}
			clock.Advance(2 * time.Minute)
			if _, _, err := l.Take(ctx, "link-ip:new", quick, 1); err != nil {
				t.Fatal(err)
			}
			if n, err := db.LimitBuckets(ctx); err != nil || n != 2 {
				t.Fatalf("%d buckets after the refill, want 2: the slow one and the new one (%v)", n, err)
			}
			if ok, _, err := l.Take(ctx, "login-acct:slow", slow, 1); err != nil || ok {
				t.Fatalf("the slow bucket was pruned before it refilled: ok=%v err=%v", ok, err)
			}
		})
	}
}
