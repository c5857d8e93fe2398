-- +goose Up
-- The second factor of the identity check (issue 26.14). A session whose
-- identity answer passed but whose code has not come back yet has
-- identity_passed set and verified not. portal_codes keeps each one-time
-- code sent to a session: only its hash (bound to the row's id), the
-- masked destination, the wrong attempts, and when and why it ended
-- (used, spent after too many wrong codes, replaced by a newer one).
ALTER TABLE portal_sessions ADD COLUMN identity_passed BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE portal_codes (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    claim_id    TEXT NOT NULL REFERENCES claims(id),
    session_id  TEXT NOT NULL REFERENCES portal_sessions(id),
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    destination TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    end_reason  TEXT NOT NULL DEFAULT '' CHECK (end_reason IN ('', 'used', 'spent', 'replaced'))
);
CREATE INDEX portal_codes_session ON portal_codes (session_id, id);
CREATE INDEX portal_codes_claim ON portal_codes (claim_id);

-- +goose Down
DROP TABLE portal_codes;
ALTER TABLE portal_sessions DROP COLUMN identity_passed;
