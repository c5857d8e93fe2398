package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
)

var _ portal.RateLineStore = (*DB)(nil)

// rateLineRow is the rate_lines table (append-only).
type rateLineRow struct {
	ID         string
	Series     string
	FromDate   portal.Date
	ToDate     portal.Date
	RateBP     int64 `gorm:"column:rate_bp"`
	Status     string
	Source     string
	Origin     string
	RecordedBy string
	TenantID   string
	RecordedAt timeUTC
}

func (rateLineRow) TableName() string { return "rate_lines" }

// RateLines implements portal.RateLineStore.
func (db *DB) RateLines(ctx context.Context) ([]portal.RateLine, error) {
	var rows []rateLineRow
	if err := db.conn(ctx).Order("recorded_at, id").Find(&rows).Error; err != nil {
		return nil, translate("list rate lines", err)
	}
	out := make([]portal.RateLine, len(rows))
	for i, r := range rows {
		out[i] = portal.RateLine{ID: r.ID, Series: r.Series, From: r.FromDate, To: r.ToDate, RateBP: r.RateBP, Status: r.Status,
			Source: r.Source, Origin: r.Origin, RecordedBy: r.RecordedBy, TenantID: r.TenantID, RecordedAt: r.RecordedAt.Time()}
	}
	return out, nil
}

// AddRateLines implements portal.RateLineStore. The lines share one
// recording time; their IDs keep their order.
func (db *DB) AddRateLines(ctx context.Context, lines []portal.RateLine) error {
	if len(lines) == 0 {
		return nil
	}
	now := db.Now()
	return db.tx(ctx, func(tx *gorm.DB) error {
		for i := range lines {
			l := &lines[i]
			l.ID, l.RecordedAt = portal.NewID(now), now
			row := rateLineRow{ID: l.ID, Series: l.Series, FromDate: l.From, ToDate: l.To, RateBP: l.RateBP, Status: l.Status,
				Source: l.Source, Origin: l.Origin, RecordedBy: l.RecordedBy, TenantID: l.TenantID, RecordedAt: timeUTC(now)}
			if err := tx.Create(&row).Error; err != nil {
				return translate("record rate line", err)
			}
		}
		return nil
	})
}

// RateLinesVersion implements portal.RateLineStore: the count of lines
// and the greatest ID (the table is append-only, so the count alone
// would do; the ID also tells two instances' writes apart).
func (db *DB) RateLinesVersion(ctx context.Context) (string, error) {
	var v struct {
		N   int64
		Max *string
	}
	if err := db.conn(ctx).Raw("SELECT COUNT(*) AS n, MAX(id) AS max FROM rate_lines").Scan(&v).Error; err != nil {
		return "", translate("rate lines version", err)
	}
	max := ""
	if v.Max != nil {
		max = *v.Max
	}
	return fmt.Sprintf("%d/%s", v.N, max), nil
}
