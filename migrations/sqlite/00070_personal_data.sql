-- +goose Up
-- Personal data retention: each tenant's policy (see portal/privacy for the
-- rule), and the time a claim's personal data was erased. An erased claim
-- keeps its amounts, dates, invoice numbers, hashes and event chain.
ALTER TABLE tenants ADD COLUMN retention_no_prescription_months INTEGER NOT NULL DEFAULT 60;
ALTER TABLE tenants ADD COLUMN retention_grace_months INTEGER NOT NULL DEFAULT 12;
ALTER TABLE claims ADD COLUMN personal_data_erased_at TIMESTAMP;

-- +goose Down
ALTER TABLE claims DROP COLUMN personal_data_erased_at;
ALTER TABLE tenants DROP COLUMN retention_grace_months;
ALTER TABLE tenants DROP COLUMN retention_no_prescription_months;
