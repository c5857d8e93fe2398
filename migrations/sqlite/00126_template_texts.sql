-- +goose Up
-- A tenant's own wording of the shipped reminder templates (issue 18), per
-- creditor ('' for all the tenant's creditors), template key and language.
-- The legally required mentions are not stored: Relais appends them when it
-- renders (portal/reminders).
CREATE TABLE template_texts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    creditor_id TEXT NOT NULL DEFAULT '',
    template_key TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('fr', 'nl', 'en', 'de')),
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, creditor_id, template_key, language)
);

-- +goose Down
DROP TABLE template_texts;
