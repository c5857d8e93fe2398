-- +goose Up
-- The instalments whose falling due was recorded (instalment.due, which
-- webhooks carry to the creditor): one row each, so that the event is
-- recorded once whatever the number of instances.
CREATE TABLE instalment_due_notices (
    instalment_id TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    claim_id      TEXT NOT NULL REFERENCES claims(id),
    due_on        DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE instalment_due_notices;
