-- +goose Up
-- The audit trail of a tenant's settings (issue 18): every change of a
-- negotiation policy, a reminder sequence or the retention, with who made
-- it (the console user or API key, address, browser) and the new value as
-- JSON. A claim's changes go into its evidence chain; settings belong to
-- no claim, so they are kept here, append-only.
CREATE TABLE setting_changes (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    at          TIMESTAMP NOT NULL,
    kind        TEXT NOT NULL,
    subject_id  TEXT NOT NULL DEFAULT '',
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_ip    TEXT NOT NULL DEFAULT '',
    actor_agent TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL
);
CREATE INDEX setting_changes_tenant ON setting_changes (tenant_id, kind, at);

-- +goose Down
DROP TABLE setting_changes;
