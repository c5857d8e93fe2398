-- +goose Up
-- The portfolio dashboard (issue 18) aggregates a tenant's claims in SQL:
-- each per-claim sum reads an index in (tenant, claim) order holding the
-- columns it adds up (no table read), and each period filter has a
-- (tenant, time) index, so that no query reads another tenant's rows.
CREATE INDEX invoices_tenant_claim ON invoices (tenant_id, claim_id, due_date, amount);
CREATE INDEX payments_tenant_claim ON payments (tenant_id, claim_id, received_on, amount);
CREATE INDEX payments_tenant_received ON payments (tenant_id, received_on);
CREATE INDEX credit_notes_tenant_claim ON credit_notes (tenant_id, claim_id, issue_date, amount);
CREATE INDEX claims_tenant_created ON claims (tenant_id, created_at);
CREATE INDEX claims_tenant_creditor ON claims (tenant_id, creditor_id, created_at);
CREATE INDEX portal_sessions_claim ON portal_sessions (claim_id, created_at);
CREATE INDEX reminder_sends_claim_sent ON reminder_sends (claim_id, sent_at);
CREATE INDEX messages_tenant_created ON messages (tenant_id, created_at);
CREATE INDEX disputes_tenant_created ON disputes (tenant_id, created_at);
CREATE INDEX offers_tenant_created ON offers (tenant_id, created_at);
CREATE INDEX agreements_tenant_signed ON agreements (tenant_id, signed_at);

-- +goose Down
DROP INDEX agreements_tenant_signed;
DROP INDEX offers_tenant_created;
DROP INDEX disputes_tenant_created;
DROP INDEX messages_tenant_created;
DROP INDEX reminder_sends_claim_sent;
DROP INDEX portal_sessions_claim;
DROP INDEX claims_tenant_creditor;
DROP INDEX claims_tenant_created;
DROP INDEX credit_notes_tenant_claim;
DROP INDEX payments_tenant_received;
DROP INDEX payments_tenant_claim;
DROP INDEX invoices_tenant_claim;
