package store

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/relais/relais/migrations"
)

func (db *DB) provider() (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several instances starting together: one migrates, the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.sql, migrations.FS(db.Dialect), opts...)
}

// MigrationState says where the schema stands against this binary.
type MigrationState struct {
	Current int64 // version applied in the database
	Latest  int64 // newest version this binary knows
	Pending []int64
}

// SchemaState reads the applied version. ECONFLICT-free: callers decide.
func (db *DB) SchemaState(ctx context.Context) (*MigrationState, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st := &MigrationState{}
	statuses, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	for _, s := range statuses {
		if s.Source.Version > st.Latest {
			st.Latest = s.Source.Version
		}
		if s.State == goose.StatePending {
			st.Pending = append(st.Pending, s.Source.Version)
		}
	}
	if st.Current, err = p.GetDBVersion(ctx); err != nil {
		return nil, fmt.Errorf("schema version: %w", err)
	}
	return st, nil
}

// ErrSchemaTooNew is returned when the database was migrated by a newer
// Relais: running an older binary against it could corrupt data.
type ErrSchemaTooNew struct{ Database, Binary int64 }

func (e ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("the database schema is at version %d but this Relais binary only knows up to %d: upgrade Relais instead of running an older one", e.Database, e.Binary)
}

// Migrate applies pending migrations and refuses a schema newer than the
// binary.
func (db *DB) Migrate(ctx context.Context) error {
	st, err := db.SchemaState(ctx)
	if err != nil {
		return err
	}
	if st.Current > st.Latest {
		return ErrSchemaTooNew{Database: st.Current, Binary: st.Latest}
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}
