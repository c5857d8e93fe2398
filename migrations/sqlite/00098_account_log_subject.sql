-- +goose Up
-- The account log names what each change is about (subject_id: the
-- creditor, claim, reminder sequence or webhook endpoint; '' for the
-- account itself, as its retention), so the console lists a page's history
-- from it (issue 18): the setting changes of that page are account-log
-- entries, not a trail of their own. Entries written before are given
-- their subject from their payload; the append-only triggers are lifted
-- for that update only.
ALTER TABLE account_log ADD COLUMN subject_id TEXT NOT NULL DEFAULT '';
DROP TRIGGER account_log_no_update;
UPDATE account_log SET subject_id = COALESCE(NULLIF(json_extract(payload, '$.claim_id'), ''),
    json_extract(payload, '$.creditor_id'), json_extract(payload, '$.endpoint_id'), '');
-- +goose StatementBegin
CREATE TRIGGER account_log_no_update BEFORE UPDATE ON account_log
BEGIN
    SELECT RAISE(ABORT, 'account_log is append-only');
END;
-- +goose StatementEnd
CREATE INDEX account_log_subject ON account_log (tenant_id, kind, subject_id, at);

-- +goose Down
DROP INDEX account_log_subject;
ALTER TABLE account_log DROP COLUMN subject_id;
