-- +goose Up
-- The language a console user chose for the console (fr, nl, en, de);
-- empty until they choose, when the browser's Accept-Language decides.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
