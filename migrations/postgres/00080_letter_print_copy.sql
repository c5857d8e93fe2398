-- +goose Up
-- A letter is kept twice until it is sent: the copy to print, with the
-- debtor's working portal link (print_pdf), and the record copy, with the
-- link's token removed (pdf), which alone goes into evidence bundles and
-- exports. The print copy is dropped once the letter is recorded as sent.
ALTER TABLE letters ADD COLUMN print_pdf BYTEA;
ALTER TABLE letters ADD COLUMN print_sha256 TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE letters DROP COLUMN print_sha256;
ALTER TABLE letters DROP COLUMN print_pdf;
