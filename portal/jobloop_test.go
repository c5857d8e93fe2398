package portal_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
)

// syncBuffer lets the loop's goroutine log while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunEvery: the loop runs at once and then on its interval, records
// each run's outcome in the job's health, logs failures and reports, and
// stops when its context ends.
func TestRunEvery(t *testing.T) {
	var out syncBuffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	health := portal.NewJobHealth("test")
	clock := &portal.FixedClock{T: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	runs := make(chan int, 10)
	n := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		portal.RunEvery(ctx, 10*time.Millisecond, clock, health, log, "test job", func(context.Context) ([]any, error) {
			n++
			runs <- n
			switch n {
			case 1:
				return nil, nil // nothing done: no line
			case 2:
				return nil, errors.New("database away")
			default:
				return []any{"sent", n}, nil
			}
		})
	}()
	for want := 1; want <= 3; want++ {
		select {
		case got := <-runs:
			if got != want {
				t.Fatalf("run %d, want %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d never came", want)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not stop with its context")
	}
	st := health.Status()
	if st.Runs < 3 || st.Failing != 0 || st.LastSuccess.IsZero() {
		t.Errorf("health %+v: want at least 3 runs, the last successful", st)
	}
	logged := out.String()
	if !strings.Contains(logged, "level=ERROR msg=\"test job\" err=\"database away\"") {
		t.Errorf("failure not logged: %s", logged)
	}
	if !strings.Contains(logged, "level=INFO msg=\"test job\" sent=3") {
		t.Errorf("report not logged: %s", logged)
	}
	if strings.Count(logged, "level=INFO") != strings.Count(logged, "sent=") {
		t.Errorf("a run that did nothing was logged: %s", logged)
	}
}
