-- +goose Up
-- Idempotent API writes (issue 19): the first answer to a POST sent with an
-- Idempotency-Key, kept 24 hours for the key's retries. A row with status 0
-- is a request in progress (until locked_until, after which a retry may
-- take it over); request_hash is the SHA-256 of the method, path and body
-- SHA-256, so that the same key with another request is refused.
CREATE TABLE idempotency_keys (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    token        TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    body         BYTEA,
    locked_until TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
