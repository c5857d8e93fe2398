-- +goose Up
-- After a conversation (issue 21). An agent resolves a conversation
-- (state closed, when and by whom) and may ask the debtor one question,
-- how satisfied they are, in their language: surveys keeps each question
-- asked and its answer (1 very dissatisfied to 5 very satisfied), once,
-- for the creditor's dashboard. A debtor who writes again reopens the
-- conversation; an unanswered question stays open until answered.
ALTER TABLE conversations ADD COLUMN resolved_at TIMESTAMP;
ALTER TABLE conversations ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';

CREATE TABLE surveys (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    claim_id        TEXT NOT NULL REFERENCES claims(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    language        TEXT NOT NULL CHECK (language IN ('fr', 'nl', 'en', 'de')),
    asked_by        TEXT NOT NULL DEFAULT '',
    asked_at        TIMESTAMP NOT NULL,
    score           INTEGER CHECK (score BETWEEN 1 AND 5),
    answered_at     TIMESTAMP
);
CREATE INDEX surveys_claim ON surveys (claim_id, asked_at);
CREATE INDEX surveys_tenant ON surveys (tenant_id, asked_at);

-- What each console user has read of each conversation: the debtor's
-- messages after last_seq are unread for them (the queue's counts).
CREATE TABLE conversation_reads (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    last_seq        BIGINT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);

-- An agent who marks themselves away is not announced to debtors as
-- online, even with a conversation open.
ALTER TABLE users ADD COLUMN away BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE users DROP COLUMN away;
DROP TABLE conversation_reads;
DROP TABLE surveys;
ALTER TABLE conversations DROP COLUMN resolved_by;
ALTER TABLE conversations DROP COLUMN resolved_at;
