package portal

import (
	"context"
	"log/slog"
	"time"
)

// Leases are the named job leases that let one instance at a time run a
// job (portal/store implements them, in the shared database).
type Leases interface {
	// AcquireLease takes or renews the named lease for holder until
	// now+ttl, unless another holder has it unexpired.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives it back.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// UnderLease runs fn if holder gets the named lease, and gives the lease
// back after it, even when ctx is cancelled, so that another instance can
// go on at once rather than after ttl. ran is false, and fn not called,
// when another holder has it.
func UnderLease(ctx context.Context, l Leases, name, holder string, ttl time.Duration, log *slog.Logger, fn func() error) (ran bool, err error) {
	ok, err := l.AcquireLease(ctx, name, holder, ttl)
	if err != nil || !ok {
		return false, err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := l.ReleaseLease(rctx, name, holder); err != nil && log != nil {
			log.WarnContext(ctx, "release job lease", "lease", name, "err", err)
		}
	}()
	return true, fn()
}
