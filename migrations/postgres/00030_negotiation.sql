-- +goose Up
-- Live negotiation: policies, conversations, messages, offers, agreements
-- and the instalments the payments side charges.

-- A creditor's negotiation policy (claim_id '') or a claim's override.
CREATE TABLE negotiation_policies (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    creditor_id TEXT NOT NULL REFERENCES creditors(id),
    claim_id    TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX negotiation_policies_scope ON negotiation_policies (tenant_id, creditor_id, claim_id);

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    claim_id      TEXT NOT NULL REFERENCES claims(id),
    agent_id      TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'closed')),
    waiting_since TIMESTAMPTZ,
    last_seq      BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX conversations_claim ON conversations (claim_id);
CREATE INDEX conversations_queue ON conversations (tenant_id, state, waiting_since);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    seq             BIGINT NOT NULL,
    client_id       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('text', 'offer', 'counter_offer', 'accept', 'refuse', 'note', 'system', 'transfer')),
    internal        BOOLEAN NOT NULL DEFAULT FALSE,
    author_kind     TEXT NOT NULL,
    author_id       TEXT NOT NULL DEFAULT '',
    author_name     TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    offer_id        TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX messages_conversation_seq ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_conversation_client ON messages (conversation_id, client_id);

CREATE TABLE offers (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    message_id      TEXT NOT NULL,
    made_by_kind    TEXT NOT NULL,
    made_by_id      TEXT NOT NULL DEFAULT '',
    made_by_name    TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    terms           TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'refused', 'countered', 'superseded')),
    reason          TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    replaces_id     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX offers_claim ON offers (claim_id, created_at);
CREATE INDEX offers_conversation_status ON offers (conversation_id, status);

CREATE TABLE agreements (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id),
    claim_id             TEXT NOT NULL REFERENCES claims(id),
    offer_id             TEXT NOT NULL REFERENCES offers(id),
    status               TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    balance              BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    schedule             TEXT NOT NULL,
    interest_during_plan BOOLEAN NOT NULL DEFAULT FALSE,
    acknowledged         BOOLEAN NOT NULL DEFAULT FALSE,
    language             TEXT NOT NULL DEFAULT '',
    signed_at            TIMESTAMPTZ,
    pdf                  BYTEA,
    pdf_sha256           TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX agreements_offer ON agreements (offer_id);
CREATE INDEX agreements_claim ON agreements (claim_id);

-- The schedule of signed agreements, charged by the payments side.
CREATE TABLE instalments (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    claim_id     TEXT NOT NULL REFERENCES claims(id),
    agreement_id TEXT NOT NULL REFERENCES agreements(id),
    seq          INTEGER NOT NULL,
    due_on       DATE NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('card', 'transfer')),
    status       TEXT NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'paid', 'failed', 'missed', 'waived')),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX instalments_agreement_seq ON instalments (agreement_id, seq);
CREATE INDEX instalments_due ON instalments (status, due_on);
CREATE INDEX instalments_claim ON instalments (claim_id);

-- Console sign-in: only a SHA-256 of the session token is kept.
CREATE TABLE console_sessions (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX console_sessions_token ON console_sessions (token_hash);

-- +goose Down
DROP TABLE console_sessions;
DROP TABLE instalments;
DROP TABLE agreements;
DROP TABLE offers;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE negotiation_policies;
