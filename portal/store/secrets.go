package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/relais/relais/portal/datakey"
)

// Secrets Relais must keep reversibly (a webhook endpoint's signing
// secrets: Relais signs with them, so they cannot be hashed; a letter's
// copy to print, which carries the debtor's working portal link) are sealed
// with the data key (package datakey, --data-key-file) before they are
// written, each bound to its table, column and row: a database dump
// holds no usable secret, and a ciphertext copied to another row does not
// open. Every other credential in the database is a hash (API keys,
// console sessions, portal links and sessions, one-time codes,
// unsubscribe links, passwords).

// sealedTable is a table with sealed columns: text, or bytes (blob).
type sealedTable struct {
	table string
	cols  []string
	blob  bool
}

// sealedTables are the columns holding sealed values.
var sealedTables = []sealedTable{
	{table: "webhook_endpoints", cols: []string{"secret", "previous_secret"}},
	// A letter's copy to print holds the debtor's working portal link
	// until the letter is sent (then it is dropped).
	{table: "letters", cols: []string{"print_pdf"}, blob: true},
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
	for _, t := range sealedTables {
		r, err := db.sealTable(ctx, t)
		if err != nil {
			return SealReport{}, fmt.Errorf("seal %s: %w", t.table, err)
		}
		rep.Encrypted += r.Encrypted
		rep.Resealed += r.Resealed
	}
	return rep, nil
}

// sealTable seals what SealSecrets must in one table, in one transaction.
func (db *DB) sealTable(ctx context.Context, t sealedTable) (SealReport, error) {
	prefix := datakey.Prefix + db.keys.CurrentID() + ":"
	var rep SealReport
	err := db.tx(ctx, func(tx *gorm.DB) error {
		q, where := "SELECT id", ""
		var args []any
		for i, c := range t.cols {
			q += ", " + c
			if i > 0 {
				where += " OR "
			}
			if t.blob {
				// substr and length work on SQLite blobs and PostgreSQL bytea.
				where += "(length(" + c + ") > 0 AND substr(" + c + ", 1, ?) <> ?)"
				args = append(args, len(prefix), []byte(prefix))
			} else {
				where += "(" + c + " <> '' AND " + c + " NOT LIKE ?)"
				args = append(args, prefix+"%")
			}
		}
		q += " FROM " + t.table + " WHERE " + where + " ORDER BY id"
		if db.Dialect == Postgres {
			q += " FOR UPDATE"
		}
		rows, err := tx.Raw(q, args...).Rows()
		if err != nil {
			return translate("find values to seal", err)
		}
		type change struct {
			id       string
			old, new [][]byte
		}
		var changes []change
		for rows.Next() {
			var id string
			vals := make([][]byte, len(t.cols))
			ptrs := []any{&id}
			for i := range vals {
				ptrs = append(ptrs, &vals[i])
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return translate("read values to seal", err)
			}
			changes = append(changes, change{id: id, old: vals})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate("read values to seal", err)
		}
		for _, ch := range changes {
			var row SealReport
			ch.new = make([][]byte, len(t.cols))
			for j, c := range t.cols {
				v := string(ch.old[j])
				switch {
				case v == "" || datakey.SealedKeyID(v) == db.keys.CurrentID():
					ch.new[j] = ch.old[j]
					continue
				case datakey.Sealed(v):
					plain, err := db.open(t.table, c, ch.id, v)
					if err != nil {
						return fmt.Errorf("%w; check --data-key-file (RELAIS_DATA_KEY_FILE)", err)
					}
					v = plain
					row.Resealed++
				default:
					row.Encrypted++
				}
				sealed, err := db.seal(t.table, c, ch.id, v)
				if err != nil {
					return err
				}
				ch.new[j] = []byte(sealed)
			}
			set, guard := "", ""
			var args []any
			for j, c := range t.cols {
				if j > 0 {
					set += ", "
				}
				set += c + " = ?"
				args = append(args, db.columnValue(t, ch.new[j]))
			}
			args = append(args, ch.id)
			for j, c := range t.cols {
				if t.blob && ch.old[j] == nil {
					guard += " AND " + c + " IS NULL"
					continue
				}
				guard += " AND " + c + " = ?"
				args = append(args, db.columnValue(t, ch.old[j]))
			}
			res := tx.Exec("UPDATE "+t.table+" SET "+set+" WHERE id = ?"+guard, args...)
			if res.Error != nil {
				return translate("seal values", res.Error)
			}
			if res.RowsAffected == 1 { // else changed meanwhile: sealed by whoever changed it
				rep.Encrypted += row.Encrypted
				rep.Resealed += row.Resealed
			}
		}
		return nil
	})
	if err != nil {
		return SealReport{}, err
	}
	return rep, nil
}

// columnValue is v as a column of t takes it: bytes for a blob, text
// otherwise (nil stays NULL).
func (db *DB) columnValue(t sealedTable, v []byte) any {
	if t.blob {
		return v
	}
	return string(v)
}
