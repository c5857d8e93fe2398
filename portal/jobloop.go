package portal

import (
	"context"
	"log/slog"
	"time"
)

// RunEvery is the loop every background job shares: run once at once,
// then every interval until ctx ends, recording each run in health (nil:
// not recorded) and logging it as name. run returns the attributes of a
// run worth an info line (nil when it did nothing) and its error; an
// error is logged unless ctx has ended, since a shutdown interrupts runs.
func RunEvery(ctx context.Context, interval time.Duration, clock Clock, health *JobHealth, log *slog.Logger, name string,
	run func(ctx context.Context) (report []any, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		report, err := run(ctx)
		if ctx.Err() == nil {
			health.Record(clock.Now(), err)
		}
		if log != nil {
			if err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, name, "err", err)
			} else if err == nil && report != nil {
				log.InfoContext(ctx, name, report...)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
