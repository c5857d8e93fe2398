-- +goose Up
-- Interest rate lines recorded at run time, shared by every instance: the
-- ECB update's derived lines and the lines an operator enters or confirms.
-- Append-only: a later row replaces what earlier ones (and the embedded
-- data) said for its days, and the rows are the history of every change
-- (who, when, from which source).
CREATE TABLE rate_lines (
    id          TEXT PRIMARY KEY,
    series      TEXT NOT NULL,
    from_date   DATE NOT NULL,
    to_date     DATE NOT NULL CHECK (to_date > from_date),
    rate_bp     INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    status      TEXT NOT NULL CHECK (status IN ('confirmed', 'likely', 'derived')),
    source      TEXT NOT NULL CHECK (source <> ''),
    -- ecb (relais rates update) or operator (relais rates set / confirm, the API, the console)
    origin      TEXT NOT NULL CHECK (origin IN ('ecb', 'operator')),
    -- who recorded it: "cli", "system", "user:<id>", "apikey:<id>"
    recorded_by TEXT NOT NULL,
    tenant_id   TEXT NOT NULL DEFAULT '',
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX rate_lines_order ON rate_lines (recorded_at, id);

-- +goose StatementBegin
CREATE TRIGGER rate_lines_no_update BEFORE UPDATE ON rate_lines
BEGIN
    SELECT RAISE(ABORT, 'rate_lines is append-only: record a new line instead');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER rate_lines_no_delete BEFORE DELETE ON rate_lines
BEGIN
    SELECT RAISE(ABORT, 'rate_lines is append-only: record a new line instead');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER rate_lines_no_delete;
DROP TRIGGER rate_lines_no_update;
DROP TABLE rate_lines;
