-- +goose Up
-- Debtor portal: links (capabilities, only their hash kept), sessions,
-- disputes and their files. Files live in the database, not on a disk:
-- several instances share one PostgreSQL, and a dispute with its files is
-- saved in one transaction or not at all.
CREATE TABLE portal_links (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    channel         TEXT NOT NULL CHECK (channel IN ('letter', 'sms', 'email')),
    token_hash      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP
);
CREATE UNIQUE INDEX portal_links_token_hash ON portal_links (token_hash);
CREATE INDEX portal_links_claim ON portal_links (claim_id);

CREATE TABLE portal_sessions (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    claim_id    TEXT NOT NULL REFERENCES claims(id),
    link_id     TEXT NOT NULL REFERENCES portal_links(id),
    secret_hash TEXT NOT NULL,
    language    TEXT NOT NULL,
    verified    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX portal_sessions_secret_hash ON portal_sessions (secret_hash);
CREATE INDEX portal_sessions_link ON portal_sessions (link_id);

CREATE TABLE disputes (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    invoice_id      TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL,
    text            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'partly_accepted', 'accepted')),
    resolution      TEXT NOT NULL DEFAULT '',
    adjusted_amount BIGINT NOT NULL DEFAULT 0,
    credit_note_id  TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    resolved_at     TIMESTAMP
);
CREATE INDEX disputes_claim ON disputes (claim_id);

CREATE TABLE dispute_files (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    dispute_id   TEXT NOT NULL REFERENCES disputes(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX dispute_files_dispute ON dispute_files (dispute_id);

-- +goose Down
DROP TABLE dispute_files;
DROP TABLE disputes;
DROP TABLE portal_sessions;
DROP TABLE portal_links;
