package portal

import (
	"math/rand/v2"
	"time"
)

// Doubling is the delay of try number n: min doubled n-1 times, at most
// max (min for n of 1 or less).
func Doubling(min, max time.Duration, n int) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return d
}

// Backoff is the delay before retry number n of a background job: Doubling
// less up to a quarter of jitter, so that instances, or deliveries that
// failed together, do not retry in step.
func Backoff(min, max time.Duration, n int) time.Duration {
	d := Doubling(min, max, n)
	if d > max {
		d = max
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}
