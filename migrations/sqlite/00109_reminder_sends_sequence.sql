-- +goose Up
-- Whether a reminder was sent from a sequence decides if it may be edited
-- in place (issue 18: the console's sequences page asks it of every
-- sequence): a lookup by sequence, not a scan of every send.
CREATE INDEX reminder_sends_sequence ON reminder_sends (sequence_id);

-- +goose Down
DROP INDEX reminder_sends_sequence;
