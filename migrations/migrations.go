// Package migrations holds the versioned SQL schema, one directory per
// database dialect, embedded in the binary and applied with goose.
//
// Both directories hold the same version numbers; a test checks it. Add a
// migration by writing NNNNN_name.sql in both, numbered above the highest
// one on main, with "-- +goose Up" and "-- +goose Down" sections (README,
// "Migrations"). Never edit a migration that has shipped.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migrations of a dialect ("postgres" or "sqlite").
func FS(dialect string) fs.FS {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		panic(err)
	}
	return sub
}
