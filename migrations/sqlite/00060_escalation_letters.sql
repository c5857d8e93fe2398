-- +goose Up
-- Escalation: the court procedure and its dates, the first reminder's
-- channel (Belgian consumer period) and the formal notice period.
ALTER TABLE claims ADD COLUMN court_procedure TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN notice_period_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN first_reminder_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN order_on DATE;
ALTER TABLE claims ADD COLUMN served_on DATE;
ALTER TABLE claims ADD COLUMN judgment_on DATE;
ALTER TABLE claims ADD COLUMN last_acknowledgement_on DATE;

-- Letters generated for a claim (reminder, formal notice), kept byte for
-- byte: sha256 is recorded in the letter.generated event.
CREATE TABLE letters (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    claim_id          TEXT NOT NULL REFERENCES claims(id),
    kind              TEXT NOT NULL CHECK (kind IN ('reminder', 'formal_notice')),
    language          TEXT NOT NULL,
    letter_date       DATE NOT NULL,
    pay_by            DATE,
    portal_url        TEXT NOT NULL DEFAULT '',
    total             BIGINT NOT NULL,
    sha256            TEXT NOT NULL,
    pdf               BLOB NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    sent_at           TIMESTAMP,
    sent_on           DATE,
    sent_by           TEXT CHECK (sent_by IN ('post', 'registered_post', 'email')),
    registered_number TEXT NOT NULL DEFAULT ''
);
CREATE INDEX letters_claim ON letters (tenant_id, claim_id);

-- +goose Down
DROP TABLE letters;
ALTER TABLE claims DROP COLUMN last_acknowledgement_on;
ALTER TABLE claims DROP COLUMN judgment_on;
ALTER TABLE claims DROP COLUMN served_on;
ALTER TABLE claims DROP COLUMN order_on;
ALTER TABLE claims DROP COLUMN first_reminder_channel;
ALTER TABLE claims DROP COLUMN notice_period_days;
ALTER TABLE claims DROP COLUMN court_procedure;
