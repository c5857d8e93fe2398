package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestChangeStageConcurrent moves one claim from many goroutines at once:
// exactly one move wins, the others get ECONFLICT, and one event is logged.
func TestChangeStageConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("RACE")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := db.ChangeStage(ctx, a.ID, c.ID, portal.StageChange{To: portal.StageFormalNotice, Reason: "race"})
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch portal.ErrorCode(err) {
			case "":
				won++
			case portal.ECONFLICT:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d moves won, want exactly 1", won)
		}
		evs, err := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		moves := 0
		for _, e := range evs {
			if e.Kind == portal.EventStageChanged {
				moves++
			}
		}
		if moves != 1 {
			t.Fatalf("%d stage.changed events, want 1", moves)
		}
	})
}
