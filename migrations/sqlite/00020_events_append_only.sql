-- +goose Up
-- The evidence log is append-only, enforced by the database itself so that
-- neither a bug nor an operator with SQL access can quietly rewrite it.
--
-- One exception, for data-protection erasure: an UPDATE that sets payload
-- to NULL and changes nothing else is allowed. The chain covers
-- payload_hash, not the payload, so the chain still verifies afterwards;
-- only the erased content is gone. Any other UPDATE, and every DELETE, is
-- refused.

-- +goose StatementBegin
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
WHEN NOT (
    NEW.payload IS NULL
    AND NEW.id IS OLD.id AND NEW.tenant_id IS OLD.tenant_id AND NEW.claim_id IS OLD.claim_id
    AND NEW.seq IS OLD.seq AND NEW.at IS OLD.at AND NEW.kind IS OLD.kind
    AND NEW.actor_kind IS OLD.actor_kind AND NEW.actor_id IS OLD.actor_id
    AND NEW.ip IS OLD.ip AND NEW.user_agent IS OLD.user_agent
    AND NEW.payload_hash IS OLD.payload_hash AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: the only update allowed is erasing a payload (SET payload = NULL)');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: deleting an event is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_append_only_delete;
DROP TRIGGER events_append_only_update;
