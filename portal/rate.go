package portal

import (
	"context"
	"time"
)

// RateLine is an interest rate line recorded at run time and shared by
// every instance: derived from the ECB's data by the update, or entered
// (or confirmed) by an operator. Rate lines are never changed or deleted:
// a later line replaces what earlier ones said for its days, and the rows
// are the history of every change.
type RateLine struct {
	ID     string `json:"id"`
	Series string `json:"series"`
	// From and To bound the days the rate applies to (To exclusive).
	From   Date   `json:"from"`
	To     Date   `json:"to"`
	RateBP int64  `json:"rate_bp"`
	Status string `json:"status"` // confirmed, likely or derived
	Source string `json:"source"`
	// Origin is RateOriginECB or RateOriginOperator.
	Origin string `json:"origin"`
	// RecordedBy is who recorded it ("cli", "system", "user:<id>",
	// "api_key:<id>"), TenantID the tenant of a console user or API key.
	RecordedBy string    `json:"recorded_by"`
	TenantID   string    `json:"tenant_id,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Origins of a rate line.
const (
	RateOriginECB      = "ecb"
	RateOriginOperator = "operator"
)

// RateLineStore keeps the rate lines.
type RateLineStore interface {
	// RateLines returns every line, oldest first.
	RateLines(ctx context.Context) ([]RateLine, error)
	// AddRateLines records lines in one transaction, setting their ID and
	// RecordedAt.
	AddRateLines(ctx context.Context, lines []RateLine) error
	// RateLinesVersion changes whenever a line is added, so that an
	// instance can tell cheaply that another one recorded something.
	RateLinesVersion(ctx context.Context) (string, error)
}
