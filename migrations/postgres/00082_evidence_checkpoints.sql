-- +goose Up
-- Checkpoints of the evidence chains (issue 26.6): each tenant's chain
-- heads with their Merkle root, signed with the evidence key. The file
-- the checkpoint job writes outside the database and the copy the
-- creditor receives by webhook are what anchor the chains; this copy
-- only says when the next checkpoint is due and is the body of the
-- webhook deliveries (kind checkpoint.signed, event_id = the checkpoint's
-- id, claim_id empty, seq 0).
CREATE TABLE evidence_checkpoints (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    at        TIMESTAMPTZ NOT NULL,
    tree_size BIGINT NOT NULL,
    root      TEXT NOT NULL,
    body      TEXT NOT NULL
);
CREATE INDEX evidence_checkpoints_tenant ON evidence_checkpoints (tenant_id, at);

-- +goose Down
DROP TABLE evidence_checkpoints;
