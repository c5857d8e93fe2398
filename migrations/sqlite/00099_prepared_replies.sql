-- +goose Up
-- Prepared replies (issue 21): a creditor's canned answers, one per short
-- name and language, that agents insert in the composer with "/" and the
-- name. The body keeps its {variables}; they are filled from the claim
-- when an agent inserts it, never stored filled.
CREATE TABLE prepared_replies (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    creditor_id TEXT NOT NULL REFERENCES creditors(id),
    name        TEXT NOT NULL,
    language    TEXT NOT NULL CHECK (language IN ('fr', 'nl', 'en', 'de')),
    body        TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX prepared_replies_name ON prepared_replies (tenant_id, creditor_id, name, language);

-- +goose Down
DROP TABLE prepared_replies;
