-- +goose Up
-- The account log names what each change is about (subject_id: the
-- creditor, claim, reminder sequence or webhook endpoint; '' for the
-- account itself, as its retention), so the console lists a page's history
-- from it (issue 18): the setting changes of that page are account-log
-- entries, not a trail of their own. Entries written before are given
-- their subject from their payload; the append-only trigger is lifted for
-- that update only (in this migration's transaction).
ALTER TABLE account_log ADD COLUMN subject_id TEXT NOT NULL DEFAULT '';
ALTER TABLE account_log DISABLE TRIGGER account_log_append_only;
UPDATE account_log SET subject_id = COALESCE(NULLIF(payload::jsonb ->> 'claim_id', ''),
    payload::jsonb ->> 'creditor_id', payload::jsonb ->> 'endpoint_id', '');
ALTER TABLE account_log ENABLE TRIGGER account_log_append_only;
CREATE INDEX account_log_subject ON account_log (tenant_id, kind, subject_id, at);

-- +goose Down
DROP INDEX account_log_subject;
ALTER TABLE account_log DROP COLUMN subject_id;
