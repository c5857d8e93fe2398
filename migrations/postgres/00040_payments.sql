-- +goose Up
-- Payments: card checkout sessions, the provider's money movements already
-- recorded (a unique ref per movement, so that an event seen twice or a
-- payment announced by two events is counted once), applied webhook event
-- ids, Stripe customers of debtors, and the stable transfer reference of
-- each claim.

CREATE TABLE checkout_sessions (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    claim_id      TEXT NOT NULL REFERENCES claims(id),
    instalment_id TEXT NOT NULL DEFAULT '',
    provider_id   TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('payment', 'setup')),
    amount        BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    balance_as_of DATE,
    status        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    completed_at  TIMESTAMPTZ
);
CREATE INDEX checkout_sessions_claim ON checkout_sessions (claim_id, provider_id);

CREATE TABLE provider_payments (
    ref         TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    claim_id    TEXT NOT NULL REFERENCES claims(id),
    payment_id  TEXT NOT NULL REFERENCES payments(id),
    kind        TEXT NOT NULL CHECK (kind IN ('payment', 'refund', 'chargeback')),
    intent_id   TEXT NOT NULL DEFAULT '',
    charge_id   TEXT NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX provider_payments_intent ON provider_payments (intent_id);
CREATE INDEX provider_payments_charge ON provider_payments (charge_id);

CREATE TABLE stripe_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    tenant_id   TEXT NOT NULL DEFAULT '',
    claim_id    TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE stripe_customers (
    debtor_id      TEXT PRIMARY KEY REFERENCES debtors(id),
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    customer_id    TEXT NOT NULL,
    payment_method TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX stripe_customers_customer ON stripe_customers (customer_id);

CREATE TABLE payment_references (
    claim_id   TEXT PRIMARY KEY REFERENCES claims(id),
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    kind       TEXT NOT NULL CHECK (kind IN ('be', 'rf')),
    reference  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payment_references_tenant_ref ON payment_references (tenant_id, reference);

-- +goose Down
DROP TABLE payment_references;
DROP TABLE stripe_customers;
DROP TABLE stripe_events;
DROP TABLE provider_payments;
DROP TABLE checkout_sessions;
