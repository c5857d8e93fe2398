-- +goose Up
-- Court documents recorded as evidence (issue 23): claim_files holds the
-- e-invoices a claim was imported from (kind 'import') and the court
-- documents made for it (kind 'court.injonction', 'court.bordereau',
-- 'court.eu_form_a', 'court.be_file'), each with its SHA-256 in its event.
ALTER TABLE claim_files ADD COLUMN kind TEXT NOT NULL DEFAULT 'import';
CREATE INDEX claim_files_claim_kind ON claim_files (claim_id, kind);

-- +goose Down
DROP INDEX claim_files_claim_kind;
ALTER TABLE claim_files DROP COLUMN kind;
