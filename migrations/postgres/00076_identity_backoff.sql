-- +goose Up
-- Consecutive lockouts of a link's identity check: each lasts twice as long
-- as the one before (15 minutes, 30, 1 hour... at most a day), and a right
-- answer starts over.
ALTER TABLE portal_links ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE portal_links DROP COLUMN lockouts;
