-- +goose Up
-- The evidence log is append-only, enforced by the database itself so that
-- neither a bug nor an operator with SQL access can quietly rewrite it.
--
-- One exception, for data-protection erasure: an UPDATE that sets payload
-- to NULL and changes nothing else is allowed. The chain covers
-- payload_hash, not the payload, so the chain still verifies afterwards;
-- only the erased content is gone. Any other UPDATE, every DELETE and
-- TRUNCATE are refused. (A superuser can still drop the triggers: that is
-- what the signed chain head in every evidence bundle detects.)

-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.payload IS NULL
       AND (NEW.id, NEW.tenant_id, NEW.claim_id, NEW.seq, NEW.at, NEW.kind, NEW.actor_kind, NEW.actor_id,
            NEW.ip, NEW.user_agent, NEW.payload_hash, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.tenant_id, OLD.claim_id, OLD.seq, OLD.at, OLD.kind, OLD.actor_kind, OLD.actor_id,
            OLD.ip, OLD.user_agent, OLD.payload_hash, OLD.prev_hash, OLD.hash) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'events are append-only: the only update allowed is erasing a payload (SET payload = NULL)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RAISE EXCEPTION 'events are append-only: % is not allowed', lower(TG_OP)
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- +goose Down
DROP TRIGGER events_append_only_truncate ON events;
DROP TRIGGER events_append_only_delete ON events;
DROP TRIGGER events_append_only_update ON events;
DROP FUNCTION events_append_only();
