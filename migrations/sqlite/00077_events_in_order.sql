-- +goose Up
-- The evidence chain is written in order, enforced by the database: an
-- event must follow its claim's chain head (the next seq, prev_hash = the
-- head's hash) and may not be dated before it, so a back-dated event
-- cannot be slipped into a chain with a plain INSERT. And a payload may be
-- erased (SET payload = NULL) only on a claim marked erased, which the
-- erasure path does first (portal/store/privacy.go). Times are compared
-- with julianday(): the stored text ("...T09:00:00Z", "...T09:00:00.5Z")
-- does not sort as time.

-- +goose StatementBegin
CREATE TRIGGER events_in_order BEFORE INSERT ON events
BEGIN
    SELECT RAISE(ABORT, 'events must continue their claim''s chain (the next seq, prev_hash = the head''s hash)')
    WHERE NEW.seq <> COALESCE((SELECT MAX(seq) FROM events WHERE claim_id = NEW.claim_id), 0) + 1
       OR NEW.prev_hash <> COALESCE((SELECT hash FROM events WHERE claim_id = NEW.claim_id ORDER BY seq DESC LIMIT 1),
                                    '0000000000000000000000000000000000000000000000000000000000000000');
    SELECT RAISE(ABORT, 'events cannot go back in time: the new event is dated before the chain head')
    WHERE julianday(NEW.at) < (SELECT julianday(at) FROM events WHERE claim_id = NEW.claim_id ORDER BY seq DESC LIMIT 1);
END;
-- +goose StatementEnd

DROP TRIGGER events_append_only_update;
-- +goose StatementBegin
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
WHEN NOT (
    NEW.payload IS NULL
    AND NEW.id IS OLD.id AND NEW.tenant_id IS OLD.tenant_id AND NEW.claim_id IS OLD.claim_id
    AND NEW.seq IS OLD.seq AND NEW.at IS OLD.at AND NEW.kind IS OLD.kind
    AND NEW.actor_kind IS OLD.actor_kind AND NEW.actor_id IS OLD.actor_id
    AND NEW.ip IS OLD.ip AND NEW.user_agent IS OLD.user_agent
    AND NEW.payload_hash IS OLD.payload_hash AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
    AND EXISTS (SELECT 1 FROM claims WHERE id = NEW.claim_id AND personal_data_erased_at IS NOT NULL)
)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: the only update allowed is erasing a payload (SET payload = NULL) of a claim marked erased');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_in_order;
DROP TRIGGER events_append_only_update;
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
