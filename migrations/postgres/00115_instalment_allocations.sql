-- +goose Up
-- What each payment paid of each instalment of a plan, so that its
-- reversal, refund or chargeback reopens the instalments it had paid (and
-- those only). undone is what a negative movement took back.
CREATE TABLE instalment_allocations (
    payment_id    TEXT NOT NULL,
    instalment_id TEXT NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    claim_id      TEXT NOT NULL REFERENCES claims(id),
    amount        BIGINT NOT NULL CHECK (amount > 0),
    undone        BIGINT NOT NULL DEFAULT 0 CHECK (undone >= 0 AND undone <= amount),
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (payment_id, instalment_id)
);
CREATE INDEX instalment_allocations_claim ON instalment_allocations (claim_id);

-- +goose Down
DROP TABLE instalment_allocations;
