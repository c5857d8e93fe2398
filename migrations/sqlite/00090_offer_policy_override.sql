-- +goose Up
-- An agent's counter-offer, or acceptance of a debtor's offer, outside
-- the creditor's policy: the agent confirmed it and gave a reason, kept
-- with the offer as JSON {reason, breaches, balance, by, at} ('' when the
-- offer or its acceptance kept to the policy).
ALTER TABLE offers ADD COLUMN policy_override TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE offers DROP COLUMN policy_override;
