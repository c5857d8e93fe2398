-- +goose Up
-- Service levels (issue 21): a conversation whose first- or next-response
-- target passed while the debtor waited for an agent's answer is recorded
-- here once per wait (the debtor message that started it, waiting_since),
-- whichever instance or page saw it first; answered_at is set by the
-- agent's next public message. The creditor dashboard counts them.
CREATE TABLE response_breaches (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    kind            TEXT NOT NULL CHECK (kind IN ('first', 'next')),
    waiting_since   TIMESTAMP NOT NULL,
    due_at          TIMESTAMP NOT NULL,
    breached_at     TIMESTAMP NOT NULL,
    answered_at     TIMESTAMP,
    UNIQUE (conversation_id, waiting_since)
);
CREATE INDEX response_breaches_tenant ON response_breaches (tenant_id, due_at);
CREATE INDEX response_breaches_open ON response_breaches (conversation_id) WHERE answered_at IS NULL;

-- +goose Down
DROP TABLE response_breaches;
