-- +goose Up
-- The evidence chain is written in order, enforced by the database: an
-- event must follow its claim's chain head (the next seq, prev_hash = the
-- head's hash) and may not be dated before it, so a back-dated event
-- cannot be slipped into a chain with a plain INSERT. And a payload may be
-- erased (SET payload = NULL) only on a claim marked erased, which the
-- erasure path does first (portal/store/privacy.go).

-- +goose StatementBegin
CREATE FUNCTION events_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head RECORD;
BEGIN
    SELECT seq, at, hash INTO head FROM events WHERE claim_id = NEW.claim_id ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        IF NEW.seq <> 1 OR NEW.prev_hash <> '0000000000000000000000000000000000000000000000000000000000000000' THEN
            RAISE EXCEPTION 'events must start their claim''s chain at seq 1 from the genesis hash'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.seq <> head.seq + 1 OR NEW.prev_hash <> head.hash THEN
        RAISE EXCEPTION 'events must continue their claim''s chain: seq % after %', NEW.seq, head.seq
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.at < head.at THEN
        RAISE EXCEPTION 'events cannot go back in time: % is before the chain head''s %', NEW.at, head.at
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_in_order BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_in_order();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.payload IS NULL
       AND (NEW.id, NEW.tenant_id, NEW.claim_id, NEW.seq, NEW.at, NEW.kind, NEW.actor_kind, NEW.actor_id,
            NEW.ip, NEW.user_agent, NEW.payload_hash, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.tenant_id, OLD.claim_id, OLD.seq, OLD.at, OLD.kind, OLD.actor_kind, OLD.actor_id,
            OLD.ip, OLD.user_agent, OLD.payload_hash, OLD.prev_hash, OLD.hash)
       AND EXISTS (SELECT 1 FROM claims WHERE id = NEW.claim_id AND personal_data_erased_at IS NOT NULL) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'events are append-only: the only update allowed is erasing a payload (SET payload = NULL) of a claim marked erased'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RAISE EXCEPTION 'events are append-only: % is not allowed', lower(TG_OP)
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_in_order ON events;
DROP FUNCTION events_in_order();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
