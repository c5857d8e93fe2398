-- +goose Up
-- Automatic assignment of conversations (issue 21, "sharing the load"):
-- each tenant chooses off, round robin or fewest open conversations, and
-- the most open conversations an agent is given automatically (0: no
-- cap). assigned_seq orders the agents for round robin: the tenant's
-- automatic assignments are numbered 1, 2, 3... and each agent keeps the
-- number of the last one it received (0: none yet, first in turn).
ALTER TABLE tenants ADD COLUMN assign_strategy TEXT NOT NULL DEFAULT 'off'
    CHECK (assign_strategy IN ('off', 'round_robin', 'fewest_open'));
ALTER TABLE tenants ADD COLUMN assign_cap INTEGER NOT NULL DEFAULT 0 CHECK (assign_cap >= 0);
ALTER TABLE users ADD COLUMN assigned_seq BIGINT NOT NULL DEFAULT 0;

-- The open conversations of each agent, counted at every assignment.
CREATE INDEX conversations_agent ON conversations (tenant_id, agent_id, state);

-- +goose Down
DROP INDEX conversations_agent;
ALTER TABLE users DROP COLUMN assigned_seq;
ALTER TABLE tenants DROP COLUMN assign_cap;
ALTER TABLE tenants DROP COLUMN assign_strategy;
