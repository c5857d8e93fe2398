-- +goose Up
-- Plans the debtor manages (issue 20): a debtor in difficulty asks on the
-- portal for a new plan, with a reason (the event plan.hardship_requested
-- and a message in the claim's conversation keep it). The conversation
-- waits for an agent, marked in the queue from hardship_at until a new
-- plan is signed or the conversation is resolved.
ALTER TABLE conversations ADD COLUMN hardship_at TIMESTAMP;

-- +goose Down
ALTER TABLE conversations DROP COLUMN hardship_at;
