-- +goose Up
-- The claim page's read version (issue 22): every change to a row the
-- debtor's claim page reads moves a counter the page's session statement
-- returns, so that an instance may serve the page's reads from its own
-- cache for as long as the counters it read are the ones it cached under,
-- and never longer, whichever instance wrote (portal/store/pagecache.go).
-- claims.page_version moves with the claim's row and with every insert,
-- update or delete of its invoices, payments, credit notes, disputes and
-- their files, payment reference, agreements, instalments and their
-- charges; creditors.page_version and debtors.page_version with their own
-- rows. Each move is in the writing transaction: it commits, or rolls
-- back, with the change.
ALTER TABLE claims ADD COLUMN page_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE creditors ADD COLUMN page_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE debtors ADD COLUMN page_version INTEGER NOT NULL DEFAULT 0;

-- A row's own change: its counter moves, unless the UPDATE moved it (the
-- triggers below; recursive triggers are off, the WHEN is the guard anyway).
-- +goose StatementBegin
CREATE TRIGGER claims_page_version AFTER UPDATE ON claims
WHEN NEW.page_version = OLD.page_version
BEGIN
    UPDATE claims SET page_version = OLD.page_version + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER creditors_page_version AFTER UPDATE ON creditors
WHEN NEW.page_version = OLD.page_version
BEGIN
    UPDATE creditors SET page_version = OLD.page_version + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER debtors_page_version AFTER UPDATE ON debtors
WHEN NEW.page_version = OLD.page_version
BEGIN
    UPDATE debtors SET page_version = OLD.page_version + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- A change to a row of a claim: the claim's counter moves.
-- +goose StatementBegin
CREATE TRIGGER invoices_page_version_insert AFTER INSERT ON invoices
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_page_version_update AFTER UPDATE ON invoices
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_page_version_delete AFTER DELETE ON invoices
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payments_page_version_insert AFTER INSERT ON payments
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payments_page_version_update AFTER UPDATE ON payments
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payments_page_version_delete AFTER DELETE ON payments
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_notes_page_version_insert AFTER INSERT ON credit_notes
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_notes_page_version_update AFTER UPDATE ON credit_notes
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_notes_page_version_delete AFTER DELETE ON credit_notes
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER disputes_page_version_insert AFTER INSERT ON disputes
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER disputes_page_version_update AFTER UPDATE ON disputes
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER disputes_page_version_delete AFTER DELETE ON disputes
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payment_references_page_version_insert AFTER INSERT ON payment_references
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payment_references_page_version_update AFTER UPDATE ON payment_references
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payment_references_page_version_delete AFTER DELETE ON payment_references
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER instalments_page_version_insert AFTER INSERT ON instalments
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER instalments_page_version_update AFTER UPDATE ON instalments
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER instalments_page_version_delete AFTER DELETE ON instalments
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER instalment_charges_page_version_insert AFTER INSERT ON instalment_charges
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER instalment_charges_page_version_update AFTER UPDATE ON instalment_charges
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER instalment_charges_page_version_delete AFTER DELETE ON instalment_charges
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER agreements_page_version_insert AFTER INSERT ON agreements
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER agreements_page_version_update AFTER UPDATE ON agreements
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN (OLD.claim_id, NEW.claim_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER agreements_page_version_delete AFTER DELETE ON agreements
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER dispute_files_page_version_insert AFTER INSERT ON dispute_files
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = (SELECT claim_id FROM disputes WHERE id = NEW.dispute_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER dispute_files_page_version_update AFTER UPDATE ON dispute_files
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id IN ((SELECT claim_id FROM disputes WHERE id = OLD.dispute_id), (SELECT claim_id FROM disputes WHERE id = NEW.dispute_id));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER dispute_files_page_version_delete AFTER DELETE ON dispute_files
BEGIN
    UPDATE claims SET page_version = page_version + 1 WHERE id = (SELECT claim_id FROM disputes WHERE id = OLD.dispute_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER invoices_page_version_insert;
DROP TRIGGER invoices_page_version_update;
DROP TRIGGER invoices_page_version_delete;
DROP TRIGGER payments_page_version_insert;
DROP TRIGGER payments_page_version_update;
DROP TRIGGER payments_page_version_delete;
DROP TRIGGER credit_notes_page_version_insert;
DROP TRIGGER credit_notes_page_version_update;
DROP TRIGGER credit_notes_page_version_delete;
DROP TRIGGER disputes_page_version_insert;
DROP TRIGGER disputes_page_version_update;
DROP TRIGGER disputes_page_version_delete;
DROP TRIGGER payment_references_page_version_insert;
DROP TRIGGER payment_references_page_version_update;
DROP TRIGGER payment_references_page_version_delete;
DROP TRIGGER instalments_page_version_insert;
DROP TRIGGER instalments_page_version_update;
DROP TRIGGER instalments_page_version_delete;
DROP TRIGGER instalment_charges_page_version_insert;
DROP TRIGGER instalment_charges_page_version_update;
DROP TRIGGER instalment_charges_page_version_delete;
DROP TRIGGER agreements_page_version_insert;
DROP TRIGGER agreements_page_version_update;
DROP TRIGGER agreements_page_version_delete;
DROP TRIGGER dispute_files_page_version_insert;
DROP TRIGGER dispute_files_page_version_update;
DROP TRIGGER dispute_files_page_version_delete;
DROP TRIGGER claims_page_version;
DROP TRIGGER creditors_page_version;
DROP TRIGGER debtors_page_version;
ALTER TABLE debtors DROP COLUMN page_version;
ALTER TABLE creditors DROP COLUMN page_version;
ALTER TABLE claims DROP COLUMN page_version;
