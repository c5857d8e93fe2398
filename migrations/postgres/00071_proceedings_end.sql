-- +goose Up
-- The day court proceedings and enforcement of a claim ended (judgment
-- executed, enforcement closed or abandoned). Until it is recorded a claim
-- in a court stage keeps its personal data (portal/privacy).
ALTER TABLE claims ADD COLUMN proceedings_ended_on DATE;

-- +goose Down
ALTER TABLE claims DROP COLUMN proceedings_ended_on;
