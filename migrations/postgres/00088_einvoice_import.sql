-- +goose Up
-- Claims from e-invoices: a creditor's VAT number, to match an invoice's
-- seller; an invoice's payment reference (BT-83); and the original files a
-- claim was imported from, kept as its evidence with their SHA-256.
ALTER TABLE creditors ADD COLUMN vat_number TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN payment_reference TEXT NOT NULL DEFAULT '';
CREATE TABLE claim_files (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    claim_id     TEXT NOT NULL REFERENCES claims(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX claim_files_claim ON claim_files (claim_id);

-- +goose Down
DROP TABLE claim_files;
ALTER TABLE invoices DROP COLUMN payment_reference;
ALTER TABLE creditors DROP COLUMN vat_number;
