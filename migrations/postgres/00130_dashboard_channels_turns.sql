-- +goose Up
-- The portfolio dashboard at 100,000 claims (issue 18, docs/performance.md):
-- two figures were a handful of index probes per row of the period. Their
-- inputs are now recorded when the rows they depend on are written, by the
-- triggers below (every write path, whatever code or import does it), in
-- the transaction of that write; the dashboard reads one range of each
-- table, for all the tenant's creditors or one (each row carries its
-- claim's creditor: a claim never changes creditor). The rules are those
-- of the live queries in portal/store/dashboard.go (byChannelLive,
-- responseLive), which the tests compare these tables with.
--
-- payment_channels: each payment that can be attributed to a channel
-- (positive, not a reversal, not reversed) with the last contact of each
-- kind on its claim by the end of the day it was received: the last
-- reminder sent and its channel, the last portal session opened and its
-- link's channel, the last letter posted (sent_on as midnight UTC, which
-- may be recorded days after the payment). Inserted with the payment,
-- removed when it is reversed, and recomputed for the claim's payments
-- whenever one of those contacts is written (a reminder's sent_at set, a
-- session opened, a letter's sent_on set): a contact recorded late with an
-- earlier time moves the payments it now precedes. Contacts are never
-- deleted, nor their claim, time or channel changed otherwise. Relais never
-- changes or deletes a payment either (a reversal is a new row), but should
-- one be changed or deleted by hand, its claims' rows are rebuilt
-- (payment_channels_rebuilt).
--
-- Those triggers are deferred to the commit and lock the claim first (FOR
-- NO KEY UPDATE: not against the share locks of foreign keys), so that two
-- transactions writing a payment and a contact of the same claim at the
-- same time run them one after the other, the second seeing the first's
-- rows (READ COMMITTED: each statement of a trigger reads what is
-- committed when it starts); an immediate trigger of each would miss the
-- other's uncommitted row. The paths that write these rows append an event
-- to the claim and hold its lock by then anyway (appendEvent).
CREATE TABLE payment_channels (
    payment_id   TEXT PRIMARY KEY REFERENCES payments (id) ON DELETE CASCADE,
    tenant_id    TEXT NOT NULL,
    claim_id     TEXT NOT NULL,
    creditor_id  TEXT NOT NULL,
    received_on  DATE NOT NULL,
    currency     TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    rem_at       TIMESTAMPTZ,
    rem_channel  TEXT,
    link_at      TIMESTAMPTZ,
    link_channel TEXT,
    letter_at    TIMESTAMPTZ
);
CREATE INDEX payment_channels_tenant_received ON payment_channels (tenant_id, received_on)
    INCLUDE (currency, amount, claim_id, rem_at, rem_channel, link_at, link_channel, letter_at);
CREATE INDEX payment_channels_claim ON payment_channels (claim_id, received_on);
-- A creditor's payments.
CREATE INDEX payment_channels_creditor ON payment_channels (tenant_id, creditor_id, received_on)
    INCLUDE (currency, amount, rem_at, rem_channel, link_at, link_channel, letter_at);

-- +goose StatementBegin
CREATE FUNCTION payment_channels_refresh(claim TEXT) RETURNS void LANGUAGE sql AS $$
    UPDATE payment_channels pc SET
        rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = pc.claim_id
            AND rs.sent_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC')),
        rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = pc.claim_id
            AND rs.sent_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC') ORDER BY rs.sent_at DESC LIMIT 1),
        link_at = (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = pc.claim_id
            AND ps.created_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC')),
        link_channel = (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id WHERE ps.claim_id = pc.claim_id
            AND ps.created_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC') ORDER BY ps.created_at DESC LIMIT 1),
        letter_at = (((SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = pc.tenant_id AND l.claim_id = pc.claim_id
            AND l.sent_on <= pc.received_on))::timestamp AT TIME ZONE 'UTC')
    WHERE pc.claim_id = claim;
$$;
-- +goose StatementEnd

INSERT INTO payment_channels (payment_id, tenant_id, claim_id, creditor_id, received_on, currency, amount)
SELECT p.id, p.tenant_id, p.claim_id, c.creditor_id, p.received_on, p.currency, p.amount FROM payments p JOIN claims c ON c.id = p.claim_id
WHERE p.amount > 0 AND p.reverses = '' AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = p.id AND r.reverses <> '');
UPDATE payment_channels pc SET
    rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = pc.claim_id
        AND rs.sent_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC')),
    rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = pc.claim_id
        AND rs.sent_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC') ORDER BY rs.sent_at DESC LIMIT 1),
    link_at = (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = pc.claim_id
        AND ps.created_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC')),
    link_channel = (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id WHERE ps.claim_id = pc.claim_id
        AND ps.created_at < ((pc.received_on + 1)::timestamp AT TIME ZONE 'UTC') ORDER BY ps.created_at DESC LIMIT 1),
    letter_at = (((SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = pc.tenant_id AND l.claim_id = pc.claim_id
        AND l.sent_on <= pc.received_on))::timestamp AT TIME ZONE 'UTC');

-- +goose StatementBegin
CREATE FUNCTION payment_channels_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM claims WHERE id = NEW.claim_id FOR NO KEY UPDATE;
    IF NEW.reverses <> '' THEN
        DELETE FROM payment_channels WHERE payment_id = NEW.reverses;
    ELSIF NEW.amount > 0 AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = NEW.id AND r.reverses <> '') THEN
        INSERT INTO payment_channels (payment_id, tenant_id, claim_id, creditor_id, received_on, currency, amount)
        SELECT NEW.id, NEW.tenant_id, NEW.claim_id, c.creditor_id, NEW.received_on, NEW.currency, NEW.amount FROM claims c WHERE c.id = NEW.claim_id
        ON CONFLICT (payment_id) DO NOTHING;
        PERFORM payment_channels_refresh(NEW.claim_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER payment_channels_payment AFTER INSERT ON payments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.reverses <> '' OR NEW.amount > 0)
    EXECUTE FUNCTION payment_channels_payment();

-- +goose StatementBegin
CREATE FUNCTION payment_channels_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM claims WHERE id = NEW.claim_id FOR NO KEY UPDATE;
    PERFORM payment_channels_refresh(NEW.claim_id);
    IF TG_OP = 'UPDATE' AND OLD.claim_id <> NEW.claim_id THEN
        PERFORM payment_channels_refresh(OLD.claim_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER payment_channels_reminder_sent AFTER INSERT ON reminder_sends
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.sent_at IS NOT NULL)
    EXECUTE FUNCTION payment_channels_contact();
CREATE CONSTRAINT TRIGGER payment_channels_reminder_update AFTER UPDATE OF sent_at, channel, claim_id ON reminder_sends
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.sent_at IS DISTINCT FROM OLD.sent_at OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.claim_id IS DISTINCT FROM OLD.claim_id)
    EXECUTE FUNCTION payment_channels_contact();
CREATE CONSTRAINT TRIGGER payment_channels_session AFTER INSERT ON portal_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION payment_channels_contact();
CREATE CONSTRAINT TRIGGER payment_channels_letter AFTER INSERT ON letters
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.sent_on IS NOT NULL)
    EXECUTE FUNCTION payment_channels_contact();
CREATE CONSTRAINT TRIGGER payment_channels_letter_update AFTER UPDATE OF sent_on, claim_id, tenant_id ON letters
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.sent_on IS DISTINCT FROM OLD.sent_on OR NEW.claim_id IS DISTINCT FROM OLD.claim_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION payment_channels_contact();

-- +goose StatementBegin
CREATE FUNCTION payment_channels_rebuild(claim TEXT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM payment_channels WHERE claim_id = claim;
    INSERT INTO payment_channels (payment_id, tenant_id, claim_id, creditor_id, received_on, currency, amount)
    SELECT p.id, p.tenant_id, p.claim_id, c.creditor_id, p.received_on, p.currency, p.amount FROM payments p JOIN claims c ON c.id = p.claim_id
    WHERE p.claim_id = claim AND p.amount > 0 AND p.reverses = ''
    AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = p.id AND r.reverses <> '');
    SELECT payment_channels_refresh(claim);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION payment_channels_rebuilt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM claims WHERE id = OLD.claim_id FOR NO KEY UPDATE;
    PERFORM payment_channels_rebuild(OLD.claim_id);
    IF TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id THEN
        PERFORM 1 FROM claims WHERE id = NEW.claim_id FOR NO KEY UPDATE;
        PERFORM payment_channels_rebuild(NEW.claim_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER payment_channels_rebuilt_update AFTER UPDATE OF tenant_id, claim_id, received_on, currency, amount, reverses ON payments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION payment_channels_rebuilt();
CREATE CONSTRAINT TRIGGER payment_channels_rebuilt_delete AFTER DELETE ON payments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION payment_channels_rebuilt();

-- message_turns: each debtor message that opens a turn (the previous
-- public message of its conversation by the debtor or an agent is not the
-- debtor's) with the time of the first public agent message after it.
-- Messages are only appended, in seq order (insertMessage takes the next
-- seq under the conversation's row lock, so this trigger sees every
-- earlier message committed), and never change kind, author, time or
-- visibility: a debtor message is recorded when it is written (with an
-- answer already there, for rows written out of order), and an agent's
-- public message answers, in its own transaction, every turn before it
-- still without an earlier answer.
CREATE TABLE message_turns (
    message_id      TEXT PRIMARY KEY REFERENCES messages (id),
    tenant_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    claim_id        TEXT NOT NULL,
    creditor_id     TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    asked_at        TIMESTAMPTZ NOT NULL,
    answered_at     TIMESTAMPTZ
);
CREATE INDEX message_turns_tenant_asked ON message_turns (tenant_id, asked_at) INCLUDE (answered_at, claim_id);
CREATE INDEX message_turns_conversation ON message_turns (conversation_id, seq);
CREATE INDEX message_turns_creditor ON message_turns (tenant_id, creditor_id, asked_at) INCLUDE (answered_at);

INSERT INTO message_turns (message_id, tenant_id, conversation_id, claim_id, creditor_id, seq, asked_at, answered_at)
SELECT d.id, d.tenant_id, d.conversation_id, d.claim_id, (SELECT c.creditor_id FROM claims c WHERE c.id = d.claim_id), d.seq, d.created_at,
    (SELECT MIN(a.created_at) FROM messages a WHERE a.conversation_id = d.conversation_id AND a.seq > d.seq
        AND a.author_kind = 'user' AND a.internal = FALSE)
FROM messages d
WHERE d.author_kind = 'debtor'
AND COALESCE((SELECT pm.author_kind FROM messages pm WHERE pm.conversation_id = d.conversation_id AND pm.seq < d.seq
    AND pm.internal = FALSE AND pm.author_kind IN ('debtor', 'user') ORDER BY pm.seq DESC LIMIT 1), '') <> 'debtor';

-- +goose StatementBegin
CREATE FUNCTION message_turns_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.author_kind = 'debtor' THEN
        INSERT INTO message_turns (message_id, tenant_id, conversation_id, claim_id, creditor_id, seq, asked_at, answered_at)
        SELECT NEW.id, NEW.tenant_id, NEW.conversation_id, NEW.claim_id, (SELECT c.creditor_id FROM claims c WHERE c.id = NEW.claim_id), NEW.seq, NEW.created_at,
            (SELECT MIN(a.created_at) FROM messages a WHERE a.conversation_id = NEW.conversation_id AND a.seq > NEW.seq
                AND a.author_kind = 'user' AND a.internal = FALSE)
        WHERE COALESCE((SELECT pm.author_kind FROM messages pm WHERE pm.conversation_id = NEW.conversation_id AND pm.seq < NEW.seq
            AND pm.internal = FALSE AND pm.author_kind IN ('debtor', 'user') ORDER BY pm.seq DESC LIMIT 1), '') <> 'debtor';
    ELSIF NEW.author_kind = 'user' AND NEW.internal = FALSE THEN
        UPDATE message_turns SET answered_at = NEW.created_at
        WHERE conversation_id = NEW.conversation_id AND seq < NEW.seq AND (answered_at IS NULL OR answered_at > NEW.created_at);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER message_turns AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.author_kind = 'debtor' OR (NEW.author_kind = 'user' AND NEW.internal = FALSE))
    EXECUTE FUNCTION message_turns_insert();

-- +goose Down
DROP TRIGGER message_turns ON messages;
DROP FUNCTION message_turns_insert();
DROP TABLE message_turns;
DROP TRIGGER payment_channels_rebuilt_delete ON payments;
DROP TRIGGER payment_channels_rebuilt_update ON payments;
DROP FUNCTION payment_channels_rebuilt();
DROP FUNCTION payment_channels_rebuild(TEXT);
DROP TRIGGER payment_channels_letter_update ON letters;
DROP TRIGGER payment_channels_letter ON letters;
DROP TRIGGER payment_channels_session ON portal_sessions;
DROP TRIGGER payment_channels_reminder_update ON reminder_sends;
DROP TRIGGER payment_channels_reminder_sent ON reminder_sends;
DROP TRIGGER payment_channels_payment ON payments;
DROP FUNCTION payment_channels_contact();
DROP FUNCTION payment_channels_payment();
DROP FUNCTION payment_channels_refresh(TEXT);
DROP TABLE payment_channels;
