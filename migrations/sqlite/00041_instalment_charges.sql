-- +goose Up
-- Charging state of card instalments (the instalments table belongs to the
-- negotiation side): attempts, the next attempt date, the lease that makes
-- one instance charge an instalment, and the last provider answer.
CREATE TABLE instalment_charges (
    instalment_id   TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_on DATE,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     TIMESTAMP,
    payment_intent  TEXT NOT NULL DEFAULT '',
    last_code       TEXT NOT NULL DEFAULT '',
    paid_amount     BIGINT NOT NULL DEFAULT 0,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX instalment_charges_claim ON instalment_charges (claim_id);

-- +goose Down
DROP TABLE instalment_charges;
