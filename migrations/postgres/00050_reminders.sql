-- +goose Up
-- Reminder sequences: per tenant (optionally per creditor), chosen per claim.
CREATE TABLE reminder_sequences (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    creditor_id TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    builtin     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX reminder_sequences_tenant ON reminder_sequences (tenant_id, id);
-- One copy of each shipped default per tenant, even when two instances make it at once.
CREATE UNIQUE INDEX reminder_sequences_builtin ON reminder_sequences (tenant_id, builtin) WHERE builtin <> '';

CREATE TABLE reminder_steps (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    sequence_id  TEXT NOT NULL REFERENCES reminder_sequences(id),
    position     INTEGER NOT NULL,
    day_offset   INTEGER NOT NULL CHECK (day_offset >= 0),
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    template_key TEXT NOT NULL
);
CREATE UNIQUE INDEX reminder_steps_sequence_position ON reminder_steps (sequence_id, position);

-- The sequence a claim follows; no row means the built-in default.
CREATE TABLE claim_sequences (
    claim_id    TEXT PRIMARY KEY REFERENCES claims(id),
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    sequence_id TEXT NOT NULL REFERENCES reminder_sequences(id),
    chosen_at   TIMESTAMPTZ NOT NULL
);

-- One row per (claim, step): the unique index is what makes a step go out at most once.
CREATE TABLE reminder_sends (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    claim_id       TEXT NOT NULL REFERENCES claims(id),
    step_id        TEXT NOT NULL REFERENCES reminder_steps(id),
    sequence_id    TEXT NOT NULL,
    position       INTEGER NOT NULL,
    channel        TEXT NOT NULL,
    template_key   TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'bounced', 'skipped', 'to_print')),
    language       TEXT NOT NULL DEFAULT '',
    recipient      TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    body_text      TEXT NOT NULL DEFAULT '',
    body_html      TEXT NOT NULL DEFAULT '',
    content_sha256 TEXT NOT NULL DEFAULT '',
    provider_id    TEXT NOT NULL DEFAULT '',
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT NOT NULL DEFAULT '',
    local_date     DATE NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    sent_at        TIMESTAMPTZ
);
CREATE UNIQUE INDEX reminder_sends_claim_step ON reminder_sends (claim_id, step_id);
CREATE INDEX reminder_sends_tenant_status ON reminder_sends (tenant_id, channel, status);

-- A debtor's request not to be contacted by a channel.
CREATE TABLE contact_opt_outs (
    debtor_id  TEXT NOT NULL REFERENCES debtors(id),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    claim_id   TEXT NOT NULL REFERENCES claims(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (debtor_id, channel)
);

-- Unsubscribe links (/u/<token>): only the SHA-256 of the token is kept.
CREATE TABLE unsubscribe_tokens (
    hash       TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    claim_id   TEXT NOT NULL REFERENCES claims(id),
    debtor_id  TEXT NOT NULL REFERENCES debtors(id),
    channel    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Leases that let one instance at a time run a periodic job.
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE job_leases;
DROP TABLE unsubscribe_tokens;
DROP TABLE contact_opt_outs;
DROP TABLE reminder_sends;
DROP TABLE claim_sequences;
DROP TABLE reminder_steps;
DROP TABLE reminder_sequences;
