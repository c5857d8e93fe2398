-- +goose Up
-- A payment recorded by mistake is reversed, never deleted: the reversal is
-- a negative payment naming the one it reverses, at most one per payment.
ALTER TABLE payments ADD COLUMN reverses TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX payments_reverses ON payments (reverses) WHERE reverses <> '';

-- +goose Down
DROP INDEX payments_reverses;
ALTER TABLE payments DROP COLUMN reverses;
