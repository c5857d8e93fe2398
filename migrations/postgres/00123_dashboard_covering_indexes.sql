-- +goose Up
-- The portfolio dashboard at 100,000 claims (issue 18, docs/performance.md):
-- every row a dashboard query reads is answered from an index holding the
-- columns it uses, without reading the table. Each index below extends one
-- of an earlier migration with columns at its end, so it serves every query
-- the narrower one served, which is dropped.
--   claims: the per-claim pass probes each claim by id for its currency,
--   stage and creation time (an index led by the creation time instead
--   made SQLite, without statistics, range-scan it once per claim), and a
--   creditor's claims are listed (the semi-join of a one-creditor view)
--   from an index that holds their id;
--   payments by day: the monthly sums and the payments attributed to a
--   channel (currency, amount, claim, reversal);
--   reminder sends, portal sessions, letters: the last contact before a
--   payment and its channel;
--   messages: the debtor turns of the period and, per conversation, the
--   message before and the answer after each.
CREATE INDEX claims_tenant_id_cover ON claims (tenant_id, id, created_at, currency, stage, creditor_id);
DROP INDEX claims_tenant_id;
CREATE INDEX claims_tenant_creditor_id ON claims (tenant_id, creditor_id, created_at, id);
DROP INDEX claims_tenant_creditor;
CREATE INDEX payments_tenant_received_cover ON payments (tenant_id, received_on, currency, amount, claim_id, reverses, id);
DROP INDEX payments_tenant_received;
CREATE INDEX reminder_sends_claim_sent_channel ON reminder_sends (claim_id, sent_at, channel);
DROP INDEX reminder_sends_claim_sent;
CREATE INDEX portal_sessions_claim_link ON portal_sessions (claim_id, created_at, link_id);
DROP INDEX portal_sessions_claim;
CREATE INDEX letters_claim_sent ON letters (tenant_id, claim_id, sent_on);
DROP INDEX letters_claim;
CREATE INDEX messages_conversation_turns ON messages (conversation_id, seq, internal, author_kind, created_at);
CREATE INDEX messages_tenant_author_created ON messages (tenant_id, author_kind, created_at, conversation_id, seq, claim_id);

-- +goose Down
DROP INDEX messages_tenant_author_created;
DROP INDEX messages_conversation_turns;
CREATE INDEX letters_claim ON letters (tenant_id, claim_id);
DROP INDEX letters_claim_sent;
CREATE INDEX portal_sessions_claim ON portal_sessions (claim_id, created_at);
DROP INDEX portal_sessions_claim_link;
CREATE INDEX reminder_sends_claim_sent ON reminder_sends (claim_id, sent_at);
DROP INDEX reminder_sends_claim_sent_channel;
CREATE INDEX payments_tenant_received ON payments (tenant_id, received_on);
DROP INDEX payments_tenant_received_cover;
CREATE INDEX claims_tenant_creditor ON claims (tenant_id, creditor_id, created_at);
DROP INDEX claims_tenant_creditor_id;
CREATE INDEX claims_tenant_id ON claims (tenant_id, id);
DROP INDEX claims_tenant_id_cover;
