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
-- link's channel, the last letter posted (sent_on, a day, which may be
-- recorded days after the payment). Inserted with the payment, removed when
-- it is reversed, and recomputed for the claim's payments whenever one of
-- those contacts is written (a reminder's sent_at set, a session opened, a
-- letter's sent_on set): a contact recorded late with an earlier time moves
-- the payments it now precedes. Contacts are never deleted, nor their
-- claim, time or channel changed otherwise. Relais never changes or deletes
-- a payment either (a reversal is a new row), but should one be changed or
-- deleted by hand, its claims' rows are rebuilt (payment_channels_rebuilt).
CREATE TABLE payment_channels (
    tenant_id    TEXT NOT NULL,
    received_on  DATE NOT NULL,
    payment_id   TEXT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    claim_id     TEXT NOT NULL,
    creditor_id  TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    rem_at       TIMESTAMP,
    rem_channel  TEXT,
    link_at      TIMESTAMP,
    link_channel TEXT,
    letter_at    DATE,
    PRIMARY KEY (tenant_id, received_on, payment_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX payment_channels_payment ON payment_channels (payment_id);
CREATE INDEX payment_channels_claim ON payment_channels (claim_id, received_on);
-- A creditor's payments, holding what the dashboard reads.
CREATE INDEX payment_channels_creditor ON payment_channels
    (tenant_id, creditor_id, received_on, currency, amount, rem_at, rem_channel, link_at, link_channel, letter_at);

INSERT INTO payment_channels (tenant_id, received_on, payment_id, claim_id, creditor_id, currency, amount)
SELECT p.tenant_id, p.received_on, p.id, p.claim_id, c.creditor_id, p.currency, p.amount FROM payments p JOIN claims c ON c.id = p.claim_id
WHERE p.amount > 0 AND p.reverses = '' AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = p.id AND r.reverses <> '');
UPDATE payment_channels SET
    rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day')),
    rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day') ORDER BY rs.sent_at DESC LIMIT 1),
    link_at = (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day')),
    link_channel = (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id
        WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day') ORDER BY ps.created_at DESC LIMIT 1),
    letter_at = (SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = payment_channels.tenant_id AND l.claim_id = payment_channels.claim_id AND l.sent_on <= payment_channels.received_on);

-- +goose StatementBegin
CREATE TRIGGER payment_channels_payment AFTER INSERT ON payments
WHEN NEW.amount > 0 AND NEW.reverses = ''
BEGIN
    INSERT INTO payment_channels (tenant_id, received_on, payment_id, claim_id, creditor_id, currency, amount, rem_at, rem_channel, link_at, link_channel, letter_at)
    SELECT NEW.tenant_id, NEW.received_on, NEW.id, NEW.claim_id, (SELECT c.creditor_id FROM claims c WHERE c.id = NEW.claim_id), NEW.currency, NEW.amount,
        (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = NEW.claim_id AND rs.sent_at < date(NEW.received_on, '+1 day')),
        (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = NEW.claim_id AND rs.sent_at < date(NEW.received_on, '+1 day') ORDER BY rs.sent_at DESC LIMIT 1),
        (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = NEW.claim_id AND ps.created_at < date(NEW.received_on, '+1 day')),
        (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id
            WHERE ps.claim_id = NEW.claim_id AND ps.created_at < date(NEW.received_on, '+1 day') ORDER BY ps.created_at DESC LIMIT 1),
        (SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = NEW.tenant_id AND l.claim_id = NEW.claim_id AND l.sent_on <= NEW.received_on)
    WHERE NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = NEW.id AND r.reverses <> '');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_reversal AFTER INSERT ON payments
WHEN NEW.reverses <> ''
BEGIN
    DELETE FROM payment_channels WHERE payment_id = NEW.reverses;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_reminder_sent AFTER INSERT ON reminder_sends
WHEN NEW.sent_at IS NOT NULL
BEGIN
    UPDATE payment_channels SET
        rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day')),
        rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day') ORDER BY rs.sent_at DESC LIMIT 1)
    WHERE claim_id = NEW.claim_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_reminder_update AFTER UPDATE OF sent_at, channel, claim_id ON reminder_sends
WHEN NEW.sent_at IS NOT OLD.sent_at OR NEW.channel IS NOT OLD.channel OR NEW.claim_id IS NOT OLD.claim_id
BEGIN
    UPDATE payment_channels SET
        rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day')),
        rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day') ORDER BY rs.sent_at DESC LIMIT 1)
    WHERE claim_id IN (NEW.claim_id, OLD.claim_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_session AFTER INSERT ON portal_sessions
BEGIN
    UPDATE payment_channels SET
        link_at = (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day')),
        link_channel = (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id
            WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day') ORDER BY ps.created_at DESC LIMIT 1)
    WHERE claim_id = NEW.claim_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_letter AFTER INSERT ON letters
WHEN NEW.sent_on IS NOT NULL
BEGIN
    UPDATE payment_channels SET
        letter_at = (SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = payment_channels.tenant_id AND l.claim_id = payment_channels.claim_id AND l.sent_on <= payment_channels.received_on)
    WHERE claim_id = NEW.claim_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_letter_update AFTER UPDATE OF sent_on, claim_id, tenant_id ON letters
WHEN NEW.sent_on IS NOT OLD.sent_on OR NEW.claim_id IS NOT OLD.claim_id OR NEW.tenant_id IS NOT OLD.tenant_id
BEGIN
    UPDATE payment_channels SET
        letter_at = (SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = payment_channels.tenant_id AND l.claim_id = payment_channels.claim_id AND l.sent_on <= payment_channels.received_on)
    WHERE claim_id IN (NEW.claim_id, OLD.claim_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_rebuilt_update AFTER UPDATE OF tenant_id, claim_id, received_on, currency, amount, reverses ON payments
BEGIN
    DELETE FROM payment_channels WHERE claim_id IN (OLD.claim_id, NEW.claim_id);
    INSERT INTO payment_channels (tenant_id, received_on, payment_id, claim_id, creditor_id, currency, amount)
    SELECT p.tenant_id, p.received_on, p.id, p.claim_id, c.creditor_id, p.currency, p.amount FROM payments p JOIN claims c ON c.id = p.claim_id
    WHERE p.claim_id IN (OLD.claim_id, NEW.claim_id) AND p.amount > 0 AND p.reverses = ''
    AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = p.id AND r.reverses <> '');
    UPDATE payment_channels SET
        rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day')),
        rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day') ORDER BY rs.sent_at DESC LIMIT 1),
        link_at = (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day')),
        link_channel = (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id
            WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day') ORDER BY ps.created_at DESC LIMIT 1),
        letter_at = (SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = payment_channels.tenant_id AND l.claim_id = payment_channels.claim_id AND l.sent_on <= payment_channels.received_on)
    WHERE claim_id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER payment_channels_rebuilt_delete AFTER DELETE ON payments
BEGIN
    DELETE FROM payment_channels WHERE claim_id IN (OLD.claim_id);
    INSERT INTO payment_channels (tenant_id, received_on, payment_id, claim_id, creditor_id, currency, amount)
    SELECT p.tenant_id, p.received_on, p.id, p.claim_id, c.creditor_id, p.currency, p.amount FROM payments p JOIN claims c ON c.id = p.claim_id
    WHERE p.claim_id IN (OLD.claim_id) AND p.amount > 0 AND p.reverses = ''
    AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.reverses = p.id AND r.reverses <> '');
    UPDATE payment_channels SET
        rem_at = (SELECT MAX(rs.sent_at) FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day')),
        rem_channel = (SELECT rs.channel FROM reminder_sends rs WHERE rs.claim_id = payment_channels.claim_id AND rs.sent_at < date(payment_channels.received_on, '+1 day') ORDER BY rs.sent_at DESC LIMIT 1),
        link_at = (SELECT MAX(ps.created_at) FROM portal_sessions ps WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day')),
        link_channel = (SELECT pl.channel FROM portal_sessions ps JOIN portal_links pl ON pl.id = ps.link_id
            WHERE ps.claim_id = payment_channels.claim_id AND ps.created_at < date(payment_channels.received_on, '+1 day') ORDER BY ps.created_at DESC LIMIT 1),
        letter_at = (SELECT MAX(l.sent_on) FROM letters l WHERE l.tenant_id = payment_channels.tenant_id AND l.claim_id = payment_channels.claim_id AND l.sent_on <= payment_channels.received_on)
    WHERE claim_id IN (OLD.claim_id);
END;
-- +goose StatementEnd

-- message_turns: each debtor message that opens a turn (the previous
-- public message of its conversation by the debtor or an agent is not the
-- debtor's) with the time of the first public agent message after it.
-- Messages are only appended, in seq order (insertMessage takes the next
-- seq under the conversation's lock), and never change kind, author, time
-- or visibility: a debtor message is recorded when it is written (with an
-- answer already there, for rows written out of order), and an agent's
-- public message answers, in its own transaction, every turn before it
-- still without an earlier answer.
CREATE TABLE message_turns (
    tenant_id       TEXT NOT NULL,
    asked_at        TIMESTAMP NOT NULL,
    message_id      TEXT NOT NULL REFERENCES messages (id),
    conversation_id TEXT NOT NULL,
    claim_id        TEXT NOT NULL,
    creditor_id     TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    answered_at     TIMESTAMP,
    PRIMARY KEY (tenant_id, asked_at, message_id)
) WITHOUT ROWID;
CREATE INDEX message_turns_conversation ON message_turns (conversation_id, seq);
CREATE INDEX message_turns_creditor ON message_turns (tenant_id, creditor_id, asked_at, answered_at);

INSERT INTO message_turns (tenant_id, asked_at, message_id, conversation_id, claim_id, creditor_id, seq, answered_at)
SELECT d.tenant_id, d.created_at, d.id, d.conversation_id, d.claim_id, (SELECT c.creditor_id FROM claims c WHERE c.id = d.claim_id), d.seq,
    (SELECT MIN(a.created_at) FROM messages a WHERE a.conversation_id = d.conversation_id AND a.seq > d.seq
        AND a.author_kind = 'user' AND a.internal = FALSE)
FROM messages d
WHERE d.author_kind = 'debtor'
AND COALESCE((SELECT pm.author_kind FROM messages pm WHERE pm.conversation_id = d.conversation_id AND pm.seq < d.seq
    AND pm.internal = FALSE AND pm.author_kind IN ('debtor', 'user') ORDER BY pm.seq DESC LIMIT 1), '') <> 'debtor';

-- +goose StatementBegin
CREATE TRIGGER message_turns_asked AFTER INSERT ON messages
WHEN NEW.author_kind = 'debtor'
BEGIN
    INSERT INTO message_turns (tenant_id, asked_at, message_id, conversation_id, claim_id, creditor_id, seq, answered_at)
    SELECT NEW.tenant_id, NEW.created_at, NEW.id, NEW.conversation_id, NEW.claim_id, (SELECT c.creditor_id FROM claims c WHERE c.id = NEW.claim_id), NEW.seq,
        (SELECT MIN(a.created_at) FROM messages a WHERE a.conversation_id = NEW.conversation_id AND a.seq > NEW.seq
            AND a.author_kind = 'user' AND a.internal = FALSE)
    WHERE COALESCE((SELECT pm.author_kind FROM messages pm WHERE pm.conversation_id = NEW.conversation_id AND pm.seq < NEW.seq
        AND pm.internal = FALSE AND pm.author_kind IN ('debtor', 'user') ORDER BY pm.seq DESC LIMIT 1), '') <> 'debtor';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER message_turns_answered AFTER INSERT ON messages
WHEN NEW.author_kind = 'user' AND NEW.internal = FALSE
BEGIN
    UPDATE message_turns SET answered_at = NEW.created_at
    WHERE conversation_id = NEW.conversation_id AND seq < NEW.seq AND (answered_at IS NULL OR answered_at > NEW.created_at);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER message_turns_answered;
DROP TRIGGER message_turns_asked;
DROP TABLE message_turns;
DROP TRIGGER payment_channels_rebuilt_delete;
DROP TRIGGER payment_channels_rebuilt_update;
DROP TRIGGER payment_channels_letter_update;
DROP TRIGGER payment_channels_letter;
DROP TRIGGER payment_channels_session;
DROP TRIGGER payment_channels_reminder_update;
DROP TRIGGER payment_channels_reminder_sent;
DROP TRIGGER payment_channels_reversal;
DROP TRIGGER payment_channels_payment;
DROP TABLE payment_channels;
