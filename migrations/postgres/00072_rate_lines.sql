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
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_lines_order ON rate_lines (recorded_at, id);

-- +goose StatementBegin
CREATE FUNCTION rate_lines_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rate_lines is append-only: record a new line instead (% refused)', lower(TG_OP)
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER rate_lines_append_only BEFORE UPDATE OR DELETE ON rate_lines
    FOR EACH ROW EXECUTE FUNCTION rate_lines_append_only();

-- +goose Down
DROP TRIGGER rate_lines_append_only ON rate_lines;
DROP FUNCTION rate_lines_append_only();
DROP TABLE rate_lines;
