-- +goose Up
-- A letter's portal URL holds the link's token, which is kept only hashed:
-- the letter keeps the ID of the link it carries instead.
ALTER TABLE letters DROP COLUMN portal_url;
ALTER TABLE letters ADD COLUMN link_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE letters DROP COLUMN link_id;
ALTER TABLE letters ADD COLUMN portal_url TEXT NOT NULL DEFAULT '';
