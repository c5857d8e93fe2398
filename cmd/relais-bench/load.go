package main

import (
	"context"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what one load run measured.
type loadResult struct {
	Requests int
	Errors   int
	Duration time.Duration
	P50, P99 time.Duration
}

// RPS is successful requests per second.
func (r loadResult) RPS() float64 {
	if r.Duration == 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Duration.Seconds()
}

// runLoad sends requests built by newReq from `clients` concurrent
// keep-alive clients for d, after a short warm-up, and records every
// latency. A non-200 answer counts as an error.
func runLoad(ctx context.Context, clients int, d time.Duration, newReq func() *http.Request) loadResult {
	transport := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, MaxConnsPerHost: clients * 2}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func() (time.Duration, bool) {
		start := time.Now()
		resp, err := client.Do(newReq().WithContext(ctx))
		if err != nil {
			return time.Since(start), false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), resp.StatusCode == http.StatusOK
	}
	// Warm-up: connections, caches, prepared plans.
	warm := time.Now().Add(d / 5)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(warm) {
				do()
			}
		}()
	}
	wg.Wait()

	var errors atomic.Int64
	lat := make([][]time.Duration, clients)
	start := time.Now()
	stop := start.Add(d)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(stop) {
				l, ok := do()
				if !ok {
					errors.Add(1)
				}
				lat[i] = append(lat[i], l)
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return loadResult{Requests: len(all), Errors: int(errors.Load()), Duration: elapsed, P50: percentile(all, 50), P99: percentile(all, 99)}
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	idx := (len(ds)*p + 99) / 100
	if idx < 1 {
		idx = 1
	}
	return ds[idx-1]
}
