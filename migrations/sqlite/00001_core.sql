-- +goose Up
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    timezone   TEXT NOT NULL DEFAULT 'Europe/Paris',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    email         TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('owner', 'agent', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);

CREATE TABLE creditors (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    legal_name     TEXT NOT NULL,
    company_number TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    iban           TEXT NOT NULL DEFAULT '',
    bic            TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX creditors_tenant ON creditors (tenant_id);

CREATE TABLE debtors (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    kind            TEXT NOT NULL CHECK (kind IN ('business', 'consumer')),
    name            TEXT NOT NULL,
    language        TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '',
    postcode        TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    birth_date      DATE,
    customer_number TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX debtors_tenant ON debtors (tenant_id);

CREATE TABLE claims (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    creditor_id       TEXT NOT NULL REFERENCES creditors(id),
    debtor_id         TEXT NOT NULL REFERENCES debtors(id),
    reference         TEXT NOT NULL,
    currency          TEXT NOT NULL,
    jurisdiction      TEXT NOT NULL CHECK (jurisdiction IN ('FR', 'BE')),
    contract_rate_bp  BIGINT,
    identity_check    TEXT NOT NULL,
    stage             TEXT NOT NULL,
    status            TEXT NOT NULL,
    formal_notice_on  DATE,
    first_reminder_on DATE,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX claims_tenant_reference ON claims (tenant_id, reference);
CREATE INDEX claims_tenant_id ON claims (tenant_id, id);

CREATE TABLE invoices (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    claim_id   TEXT NOT NULL REFERENCES claims(id),
    number     TEXT NOT NULL,
    issue_date DATE NOT NULL,
    due_date   DATE NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount > 0),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX invoices_claim_number ON invoices (claim_id, number);

CREATE TABLE payments (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    claim_id    TEXT NOT NULL REFERENCES claims(id),
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    received_on DATE NOT NULL,
    method      TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX payments_claim ON payments (claim_id);

CREATE TABLE credit_notes (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    claim_id   TEXT NOT NULL REFERENCES claims(id),
    invoice_id TEXT NOT NULL DEFAULT '',
    number     TEXT NOT NULL,
    issue_date DATE NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount > 0),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX credit_notes_claim ON credit_notes (claim_id);

-- The evidence chain: one append-only sequence per claim. hash covers
-- prev_hash and the event with its payload_hash (not the payload itself).
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    claim_id     TEXT NOT NULL REFERENCES claims(id),
    seq          BIGINT NOT NULL,
    at           TIMESTAMP NOT NULL,
    kind         TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    payload      TEXT,
    payload_hash TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE UNIQUE INDEX events_claim_seq ON events (claim_id, seq);

-- +goose Down
DROP TABLE events;
DROP TABLE credit_notes;
DROP TABLE payments;
DROP TABLE invoices;
DROP TABLE claims;
DROP TABLE debtors;
DROP TABLE creditors;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE tenants;
