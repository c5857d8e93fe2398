-- +goose Up
-- Plans the debtor manages: each due date a debtor moved, within the
-- limits of the creditor's policy (how many moves per plan, how many days).
CREATE TABLE instalment_moves (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    claim_id      TEXT NOT NULL REFERENCES claims(id),
    agreement_id  TEXT NOT NULL REFERENCES agreements(id),
    instalment_id TEXT NOT NULL REFERENCES instalments(id),
    from_on       DATE NOT NULL,
    to_on         DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX instalment_moves_agreement ON instalment_moves (agreement_id);

-- +goose Down
DROP TABLE instalment_moves;
