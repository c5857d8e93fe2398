package ratelimit

// SetMaxKeys lowers the bound on buckets kept, for tests.
func (l *Limiter) SetMaxKeys(n int) { l.maxKeys = n }

// Len is the number of buckets kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
