package privacy

import (
	"context"
	"log/slog"

	"github.com/relais/relais/portal"
)

// Store is the storage port of this package, implemented by portal/store.
// Every method is scoped to a tenant: another tenant's claim is ENOTFOUND.
type Store interface {
	FindTenant(ctx context.Context, id string) (*portal.Tenant, error)
	// SetRetention stores a tenant's policy (already validated). ENOTFOUND.
	SetRetention(ctx context.Context, tenantID string, p portal.RetentionPolicy) error
	// TenantIDs lists every tenant, oldest first.
	TenantIDs(ctx context.Context) ([]string, error)
	// Today is the current date in the tenant's time zone, on the store's
	// clock.
	Today(ctx context.Context, tenantID string) portal.Date
	// RetentionCandidates returns the facts of up to limit claims of the
	// tenant with a final status (settled, written off, closed) whose
	// personal data is still held, in ID order after the ID after.
	RetentionCandidates(ctx context.Context, tenantID, after string, limit int) ([]*Facts, error)
	// ErasePersonalData erases one claim's personal data in one
	// transaction, and records claim.personal_data_erased, when Decide,
	// applied inside that transaction to fresh facts, the tenant's policy
	// and its today, says so; otherwise ECONFLICT naming the hold or the
	// date. With dryRun everything is rolled back: the answer says what
	// would be erased. ENOTFOUND.
	ErasePersonalData(ctx context.Context, tenantID, claimID string, dryRun bool) (*Erasure, error)
	// DebtorExport gathers everything held on the debtor q names in the
	// tenant's claims. ENOTFOUND when no claim matches; EINVALID when too
	// many do.
	DebtorExport(ctx context.Context, tenantID string, q portal.DebtorQuery) (*Export, error)
}

// Service implements portal.PrivacyService and the purge.
type Service struct {
	Store Store
	Clock portal.Clock
	Log   *slog.Logger
}

var _ portal.PrivacyService = (*Service)(nil)

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Retention implements portal.PrivacyService.
func (s *Service) Retention(ctx context.Context, tenantID string) (portal.RetentionPolicy, error) {
	t, err := s.Store.FindTenant(ctx, tenantID)
	if err != nil {
		return portal.RetentionPolicy{}, err
	}
	return t.Retention, nil
}

// SetRetention implements portal.PrivacyService.
func (s *Service) SetRetention(ctx context.Context, tenantID string, p portal.RetentionPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.Store.SetRetention(ctx, tenantID, p)
}
