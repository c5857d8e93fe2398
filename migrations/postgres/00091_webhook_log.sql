-- +goose Up
-- Outbound webhooks, part 2 (issue 19). Standard Webhooks secrets: the key
-- is the base64 after "whsec_" (standard alphabet), so the secrets made
-- before, URL-safe base64 without padding, are re-encoded (same key bytes).
-- Rotation keeps the previous secret until it expires: deliveries are
-- signed with both meanwhile. An endpoint whose delivery failed for three
-- days is disabled (disabled_at, disabled_reason) until its owner enables
-- it again; a delivery's retry budget then counts from retry_from (also
-- set by a resend) instead of the event. Every attempt is logged in
-- webhook_attempts, the endpoint's delivery log, and purged with its
-- delivery.
UPDATE webhook_endpoints SET secret = 'whsec_' || replace(replace(substr(secret, 7), '-', '+'), '_', '/') || '='
    WHERE length(secret) = 49 AND substr(secret, 1, 6) = 'whsec_';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at TIMESTAMPTZ;
ALTER TABLE webhook_endpoints ADD COLUMN disabled_at TIMESTAMPTZ;
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN retry_from TIMESTAMPTZ;
CREATE TABLE webhook_attempts (
    id            TEXT PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    endpoint_id   TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    -- The HTTP status of the answer, 0 when there was none.
    status        INTEGER NOT NULL DEFAULT 0,
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    -- The first KiB of the answer's body, as text.
    response_body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, at);

-- The account log: every change of an account's settings made through the
-- API, the console or Relais itself (webhook endpoints, creditors,
-- negotiation policies), with who made it, in the transaction of the
-- change. Append-only, as the claims' evidence events are.
CREATE TABLE account_log (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    at               TIMESTAMPTZ NOT NULL,
    kind             TEXT NOT NULL,
    actor_kind       TEXT NOT NULL,
    actor_id         TEXT NOT NULL DEFAULT '',
    actor_ip         TEXT NOT NULL DEFAULT '',
    actor_user_agent TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL
);
CREATE INDEX account_log_tenant ON account_log (tenant_id, id);

-- +goose StatementBegin
CREATE FUNCTION account_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'account_log is append-only (% refused)', lower(TG_OP)
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER account_log_append_only BEFORE UPDATE OR DELETE ON account_log
    FOR EACH ROW EXECUTE FUNCTION account_log_append_only();

-- +goose Down
DROP TRIGGER account_log_append_only ON account_log;
DROP FUNCTION account_log_append_only();
DROP TABLE account_log;
DROP TABLE webhook_attempts;
ALTER TABLE webhook_deliveries DROP COLUMN retry_from;
ALTER TABLE webhook_endpoints DROP COLUMN disabled_reason;
ALTER TABLE webhook_endpoints DROP COLUMN disabled_at;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret_expires_at;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret;
