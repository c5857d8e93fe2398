-- +goose Up
-- Imported bank statements and their lines. A line's bank reference is
-- unique in a tenant, so importing a statement twice records nothing new.
CREATE TABLE statements (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    format     TEXT NOT NULL CHECK (format IN ('camt053', 'csv')),
    lines      INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX statements_tenant ON statements (tenant_id, created_at);

CREATE TABLE statement_lines (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    statement_id TEXT NOT NULL REFERENCES statements(id),
    bank_ref     TEXT NOT NULL,
    booked_on    DATE NOT NULL,
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    credit       INTEGER NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    iban         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('matched', 'suggested', 'unmatched', 'skipped', 'accepted')),
    claim_id     TEXT NOT NULL DEFAULT '',
    payment_id   TEXT NOT NULL DEFAULT '',
    candidates   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    resolved_at  TIMESTAMP
);
CREATE UNIQUE INDEX statement_lines_bank_ref ON statement_lines (tenant_id, bank_ref);
CREATE INDEX statement_lines_statement ON statement_lines (statement_id);

-- +goose Down
DROP TABLE statement_lines;
DROP TABLE statements;
