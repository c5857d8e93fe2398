package portal

import (
	"sync"
	"time"
)

// JobHealth records the runs of one background job (a scheduler) so that
// /healthz shows whether it is running and whether it recovered after an
// outage: a scheduler whose database went away keeps failing quietly in the
// logs otherwise. Safe for concurrent use; the zero value is not usable,
// use NewJobHealth.
type JobHealth struct {
	mu sync.Mutex
	st JobStatus
}

// JobStatus is a snapshot of a job's health. It holds no error text: the
// reasons are in the logs, /healthz is readable by anyone who reaches it.
type JobStatus struct {
	Name        string    `json:"name"`
	LastRun     time.Time `json:"last_run,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Failing counts the runs that failed since the last success.
	Failing int64 `json:"consecutive_failures"`
	Runs    int64 `json:"runs"`
}

// NewJobHealth returns the health record of the job called name.
func NewJobHealth(name string) *JobHealth {
	return &JobHealth{st: JobStatus{Name: name}}
}

// Record notes a run that ended at t with err (nil: success). A nil
// receiver records nothing, so jobs can carry an optional *JobHealth.
func (h *JobHealth) Record(t time.Time, err error) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.Runs++
	h.st.LastRun = t.UTC()
	if err != nil {
		h.st.Failing++
		return
	}
	h.st.Failing = 0
	h.st.LastSuccess = t.UTC()
}

// Status returns a snapshot.
func (h *JobHealth) Status() JobStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}
