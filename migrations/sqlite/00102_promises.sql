-- +goose Up
-- Promises to pay (issue 20): an amount by a date on a claim, made on the
-- portal, accepted in the chat or recorded by an agent. While one is
-- expected the claim's reminders wait; payments bring paid_amount up to
-- amount (kept); the promises job judges it the day after due_on plus the
-- grace (partly_kept or broken, closed_at set once, with its event).
CREATE TABLE promises (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    claim_id    TEXT NOT NULL REFERENCES claims(id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    currency    TEXT NOT NULL,
    due_on      DATE NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('portal', 'chat', 'agent')),
    by_kind     TEXT NOT NULL,
    by_id       TEXT NOT NULL DEFAULT '',
    offer_id    TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'expected' CHECK (status IN ('expected', 'kept', 'partly_kept', 'broken')),
    paid_amount BIGINT NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    created_at  TIMESTAMP NOT NULL,
    closed_at   TIMESTAMP
);
CREATE INDEX promises_claim ON promises (tenant_id, claim_id, created_at);
CREATE INDEX promises_open ON promises (status, due_on);

-- +goose Down
DROP TABLE promises;
