package ratelimit_test

import (
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ratelimit"
)

func TestLimiter(t *testing.T) {
	clock := &portal.FixedClock{T: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	l := ratelimit.New(3, time.Minute, clock)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("1.2.3.4"); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("1.2.3.4")
	if ok {
		t.Fatal("4th attempt allowed beyond the burst")
	}
	if wait != time.Minute {
		t.Fatalf("retry after %v, want 1m", wait)
	}
	if ok, _ := l.Allow("5.6.7.8"); !ok {
		t.Fatal("another key is limited by the first one")
	}
	clock.Advance(30 * time.Second)
	if ok, wait := l.Allow("1.2.3.4"); ok || wait != 30*time.Second {
		t.Fatalf("after 30s: ok=%v wait=%v, want refused with 30s", ok, wait)
	}
	clock.Advance(30 * time.Second)
	if ok, _ := l.Allow("1.2.3.4"); !ok {
		t.Fatal("refused after a refill period")
	}
	if ok, _ := l.Allow("1.2.3.4"); ok {
		t.Fatal("one refill allowed two attempts")
	}
	clock.Advance(time.Hour)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("1.2.3.4"); !ok {
			t.Fatalf("after an hour attempt %d refused: the bucket did not refill to the burst", i+1)
		}
	}
	if ok, _ := l.Allow("1.2.3.4"); ok {
		t.Fatal("bucket refilled beyond the burst")
	}
}
