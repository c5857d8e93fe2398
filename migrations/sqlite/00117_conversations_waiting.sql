-- +goose Up
-- The breach sweep (issue 21) looks every minute, across tenants, for the
-- conversations still waiting: a partial index on those alone, not a scan
-- of every conversation.
CREATE INDEX conversations_waiting ON conversations (waiting_since) WHERE state = 'waiting';

-- +goose Down
DROP INDEX conversations_waiting;
