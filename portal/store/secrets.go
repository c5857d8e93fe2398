package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/relais/relais/portal/datakey"
)

// Secrets Relais must keep reversibly (a webhook endpoint's signing
// secrets: Relais signs with them, so they cannot be hashed) are sealed
// with the data key (package datakey, --data-key-file) before they are
// written, each bound to its table, column and row: a database dump
// holds no usable secret, and a ciphertext copied to another row does not
// open. Every other credential in the database is a hash (API keys,
// console sessions, portal links and sessions, one-time codes,
// unsubscribe links, passwords).

// sealedColumns are the columns holding sealed values, by table.
var sealedColumns = map[string][]string{
	"webhook_endpoints": {"secret", "previous_secret"},
}

// UseDataKeys sets the keys that seal and open the secrets kept in the
// database. Without them, writing or reading such a secret fails.
func (db *DB) UseDataKeys(k *datakey.Keyring) {
	if k != nil {
		db.keys = k
	}
}

// sealAD binds a sealed value to where it is stored.
func sealAD(table, column, id string) string { return table + "." + column + "/" + id }

var errNoDataKey = errors.New("no data key: the store was opened without --data-key-file")

// seal encrypts plain for table.column of row id ("" stays "").
func (db *DB) seal(table, column, id, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if db.keys == nil {
		return "", fmt.Errorf("seal %s.%s: %w", table, column, errNoDataKey)
	}
	s, err := db.keys.Seal([]byte(plain), sealAD(table, column, id))
	if err != nil {
		return "", fmt.Errorf("seal %s.%s: %w", table, column, err)
	}
	return s, nil
}

// open decrypts the value of table.column of row id ("" stays ""). A
// value that does not open is an error naming the row, never a garbage
// secret.
func (db *DB) open(table, column, id, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if db.keys == nil {
		return "", fmt.Errorf("%s.%s of row %s: %w", table, column, id, errNoDataKey)
	}
	b, err := db.keys.Open(sealed, sealAD(table, column, id))
	if err != nil {
		return "", fmt.Errorf("%s.%s of row %s %w", table, column, id, err)
	}
	return string(b), nil
}

// SealReport is what SealSecrets changed.
type SealReport struct {
	// Encrypted are the values found in clear (written before the
	// secrets were sealed) now sealed.
	Encrypted int
	// Resealed are the values sealed under a former data key now sealed
	// under the current one (after `relais data-key rotate`).
	Resealed int
}

// SealSecrets seals the secrets still in clear and re-seals those sealed
// under a retired key with the current one, in one transaction per table:
// the rows are locked (FOR UPDATE on PostgreSQL, the write lock on
// SQLite) and each update checks the value it replaces, so instances
// starting at once seal each value once. Serve runs it at every start; a
// value under a key this instance does not hold stops it with an error
// saying so (every instance needs the same data key file).
func (db *DB) SealSecrets(ctx context.Context) (SealReport, error) {
	var rep SealReport
	if db.keys == nil {
		return rep, fmt.Errorf("seal secrets: %w", errNoDataKey)
	}
	current := datakey.Prefix + db.keys.CurrentID() + ":%"
	for _, table := range []string{"webhook_endpoints"} {
		cols := sealedColumns[table]
		err := db.tx(ctx, func(tx *gorm.DB) error {
			q := "SELECT id"
			where := ""
			args := []any{}
			for i, c := range cols {
				q += ", " + c
				if i > 0 {
					where += " OR "
				}
				where += "(" + c + " <> '' AND " + c + " NOT LIKE ?)"
				args = append(args, current)
			}
			q += " FROM " + table + " WHERE " + where + " ORDER BY id"
			if db.Dialect == Postgres {
				q += " FOR UPDATE"
			}
			rows, err := tx.Raw(q, args...).Rows()
			if err != nil {
				return translate("find secrets to seal", err)
			}
			type change struct {
				id       string
				old, new []string
			}
			var changes []change
			for rows.Next() {
				vals := make([]string, len(cols)+1)
				ptrs := make([]any, len(vals))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return translate("read secrets to seal", err)
				}
				changes = append(changes, change{id: vals[0], old: vals[1:]})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return translate("read secrets to seal", err)
			}
			for i := range changes {
				ch := &changes[i]
				ch.new = make([]string, len(cols))
				for j, c := range cols {
					v := ch.old[j]
					switch {
					case v == "" || datakey.SealedKeyID(v) == db.keys.CurrentID():
						ch.new[j] = v
						continue
					case datakey.Sealed(v):
						plain, err := db.open(table, c, ch.id, v)
						if err != nil {
							return fmt.Errorf("seal secrets: %w; check --data-key-file (RELAIS_DATA_KEY_FILE)", err)
						}
						v = plain
						rep.Resealed++
					default:
						rep.Encrypted++
					}
					s, err := db.seal(table, c, ch.id, v)
					if err != nil {
						return err
					}
					ch.new[j] = s
				}
				set, guard := "", ""
				var args []any
				for j, c := range cols {
					if j > 0 {
						set += ", "
					}
					set += c + " = ?"
					args = append(args, ch.new[j])
				}
				args = append(args, ch.id)
				for j, c := range cols {
					guard += " AND " + c + " = ?"
					args = append(args, ch.old[j])
				}
				if err := tx.Exec("UPDATE "+table+" SET "+set+" WHERE id = ?"+guard, args...).Error; err != nil {
					return translate("seal secrets", err)
				}
			}
			return nil
		})
		if err != nil {
			return SealReport{}, err
		}
	}
	return rep, nil
}
