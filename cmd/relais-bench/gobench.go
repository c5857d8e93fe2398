package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// The chat and evidence measurements live as Go benchmarks beside the code
// they measure (server/ws_bench_test.go, portal/evidence/bench_test.go);
// the harness runs them with `go test -bench` and puts their metrics in the
// same table. Run from the repository root.

// goBench runs one benchmark and returns the metrics of each of its lines
// (keyed by benchmark name, then unit).
func goBench(ctx context.Context, pkg, pattern string, env ...string) (map[string]map[string]float64, error) {
	cmd := exec.CommandContext(ctx, "go", "test", pkg, "-run", "^$", "-bench", pattern, "-benchtime", "1x", "-count", "1", "-timeout", "30m")
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test %s -bench %s: %w\n%s", pkg, pattern, err, out.String())
	}
	res := map[string]map[string]float64{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				m[f[i+1]] = v
			}
		}
		res[f[0]] = m
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("go test %s -bench %s printed no result:\n%s", pkg, pattern, out.String())
	}
	return res, nil
}

// benchChat: debtor→agent latency with 1,000 live conversations and memory
// per idle connection, against a bare echo server on the same websocket
// library and against an echo that first does the chat's durable write
// (the message's transaction), on SQLite and PostgreSQL.
func benchChat(ctx context.Context, o options) ([]row, error) {
	var rows []row
	for _, dialect := range []string{"sqlite", "postgres"} {
		res, err := goBench(ctx, "./server", "^BenchmarkChatVsEcho$", "RELAIS_BENCH_DB="+dialect, "RELAIS_TEST_POSTGRES="+o.postgresURL)
		if err != nil {
			return nil, err
		}
		for _, m := range res {
			rows = append(rows,
				row{fmt.Sprintf("chat debtor→agent latency, %.0f conversations", m["conversations"]), dialect,
					fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", m["chat_p50_µs"]/1000, m["chat_p99_µs"]/1000),
					fmt.Sprintf("echo p50 %.2f ms, p99 %.2f ms", m["echo_p50_µs"]/1000, m["echo_p99_µs"]/1000),
					fmt.Sprintf("p99 ×%.1f", m["p99_ratio"]), "p99 ≤ 2 × echo"},
				row{fmt.Sprintf("chat debtor→agent latency, %.0f conversations, vs an echo doing the same durable write", m["conversations"]), dialect,
					fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", m["chat_p50_µs"]/1000, m["chat_p99_µs"]/1000),
					fmt.Sprintf("durable echo p50 %.2f ms, p99 %.2f ms", m["durable_p50_µs"]/1000, m["durable_p99_µs"]/1000),
					fmt.Sprintf("p99 ×%.1f", m["p99_vs_durable"]), "p99 ≤ 2 × durable echo, < 10 ms"},
				row{"memory per idle websocket connection (server alone, clients in another process)", dialect,
					fmt.Sprintf("%.1f KiB", m["chat_B/idle_conn"]/1024), fmt.Sprintf("echo %.1f KiB", m["echo_B/idle_conn"]/1024),
					fmt.Sprintf("×%.2f", m["mem_ratio"]), "< 20 KiB"})
		}
	}
	return rows, nil
}

// benchIdle10k: memory per idle connection at 10,000 chat connections
// (5,000 conversations, a debtor and an agent each), against as many echo
// connections. The benchmark's idle clients run in a child process, so
// each process needs a descriptor per idle connection (10,000), and the
// server's also two per connection of the latency run (2,000 in this
// process, both sides): the harness raises its limit first, and the go
// test it runs (and its child) inherit it.
func benchIdle10k(ctx context.Context, o options) ([]row, error) {
	const slack = 1000
	latency := 4 * 1000 // 1,000 latency conversations: 2,000 connections, both sides here
	convs, why := 5000, "< 20 KiB"
	want := uint64(2*convs + latency + slack)
	if limit, err := raiseFileLimit(want); limit < want {
		// Measure at the highest count the limit allows, and say so.
		convs = (int(limit) - latency - slack) / 2 / 500 * 500
		why = fmt.Sprintf("< 20 KiB (10,000 not reachable: open-file limit %d, raising it: %v)", limit, err)
	}
	if convs <= 0 {
		return nil, fmt.Errorf("the open-file limit is too low for this measurement")
	}
	res, err := goBench(ctx, "./server", "^BenchmarkChatVsEcho$", "RELAIS_BENCH_DB=sqlite", fmt.Sprintf("RELAIS_BENCH_CONVS=%d", convs))
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, m := range res {
		rows = append(rows, row{fmt.Sprintf("memory per idle connection, %.0f connections (clients in another process)", 2*m["conversations"]), "sqlite",
			fmt.Sprintf("%.1f KiB", m["chat_B/idle_conn"]/1024), fmt.Sprintf("echo %.1f KiB", m["echo_B/idle_conn"]/1024),
			fmt.Sprintf("×%.2f", m["mem_ratio"]), why})
	}
	return rows, nil
}

// raiseFileLimit lifts the open-file limit toward want (up to the hard
// limit, or beyond it when the process may) and returns the new soft limit.
func raiseFileLimit(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	next := lim
	next.Cur = want
	if next.Max < want {
		next.Max = want
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err != nil {
		next = lim
		next.Cur = lim.Max
		if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err2 != nil {
			return lim.Cur, err
		}
		return next.Cur, err
	}
	return want, nil
}

// benchBundle: the evidence bundle of a claim with 10,000 events.
func benchBundle(ctx context.Context, o options) ([]row, error) {
	res, err := goBench(ctx, "./portal/evidence", "^BenchmarkBundle10k$", "RELAIS_TEST_POSTGRES="+o.postgresURL)
	if err != nil {
		return nil, err
	}
	var rows []row
	for name, m := range res {
		db := "sqlite"
		if strings.Contains(name, "postgres") {
			db = "postgres"
		}
		rows = append(rows, row{"evidence bundle, 10,000 events", db,
			fmt.Sprintf("%.2f s, peak heap %.0f MB, %.1f MB zip", m["ns/op"]/1e9, m["peak-heap-MB"], m["bundle-MB"]),
			"-", "-", "< 2 s, memory not growing with events"})
	}
	return rows, nil
}
