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
ALTER TABLE claims ADD COLUMN page_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE creditors ADD COLUMN page_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE debtors ADD COLUMN page_version BIGINT NOT NULL DEFAULT 0;

-- A row's own change: its counter moves (whatever the UPDATE set it to).
-- +goose StatementBegin
CREATE FUNCTION page_version_own() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.page_version := OLD.page_version + 1;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claims_page_version BEFORE UPDATE ON claims
    FOR EACH ROW EXECUTE FUNCTION page_version_own();
CREATE TRIGGER creditors_page_version BEFORE UPDATE ON creditors
    FOR EACH ROW EXECUTE FUNCTION page_version_own();
CREATE TRIGGER debtors_page_version BEFORE UPDATE ON debtors
    FOR EACH ROW EXECUTE FUNCTION page_version_own();

-- A change to a row of a claim: the claim's counter moves (the old and the
-- new claim's, should a row change claims), once per transaction: a claim
-- row this transaction already wrote (xmin: it created the claim, which no
-- one else has seen, or changed it, which moved the counter) is left
-- alone, so that an import's invoices cost no UPDATE of their new claims.
-- +goose StatementBegin
CREATE FUNCTION page_version_of_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE claims SET page_version = page_version + 1 WHERE id = OLD.claim_id AND xmin <> xid(pg_current_xact_id());
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id IS DISTINCT FROM OLD.claim_id) THEN
        UPDATE claims SET page_version = page_version + 1 WHERE id = NEW.claim_id AND xmin <> xid(pg_current_xact_id());
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION page_version_of_dispute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE claims SET page_version = page_version + 1 WHERE id = (SELECT claim_id FROM disputes WHERE id = OLD.dispute_id)
            AND xmin <> xid(pg_current_xact_id());
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.dispute_id IS DISTINCT FROM OLD.dispute_id) THEN
        UPDATE claims SET page_version = page_version + 1 WHERE id = (SELECT claim_id FROM disputes WHERE id = NEW.dispute_id)
            AND xmin <> xid(pg_current_xact_id());
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER invoices_page_version AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER payments_page_version AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER credit_notes_page_version AFTER INSERT OR UPDATE OR DELETE ON credit_notes
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER disputes_page_version AFTER INSERT OR UPDATE OR DELETE ON disputes
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER payment_references_page_version AFTER INSERT OR UPDATE OR DELETE ON payment_references
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER instalments_page_version AFTER INSERT OR UPDATE OR DELETE ON instalments
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER instalment_charges_page_version AFTER INSERT OR UPDATE OR DELETE ON instalment_charges
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER agreements_page_version AFTER INSERT OR UPDATE OR DELETE ON agreements
    FOR EACH ROW EXECUTE FUNCTION page_version_of_claim();
CREATE TRIGGER dispute_files_page_version AFTER INSERT OR UPDATE OR DELETE ON dispute_files
    FOR EACH ROW EXECUTE FUNCTION page_version_of_dispute();

-- +goose Down
DROP TRIGGER invoices_page_version ON invoices;
DROP TRIGGER payments_page_version ON payments;
DROP TRIGGER credit_notes_page_version ON credit_notes;
DROP TRIGGER disputes_page_version ON disputes;
DROP TRIGGER payment_references_page_version ON payment_references;
DROP TRIGGER instalments_page_version ON instalments;
DROP TRIGGER instalment_charges_page_version ON instalment_charges;
DROP TRIGGER agreements_page_version ON agreements;
DROP TRIGGER dispute_files_page_version ON dispute_files;
DROP TRIGGER claims_page_version ON claims;
DROP TRIGGER creditors_page_version ON creditors;
DROP TRIGGER debtors_page_version ON debtors;
DROP FUNCTION page_version_of_dispute();
DROP FUNCTION page_version_of_claim();
DROP FUNCTION page_version_own();
ALTER TABLE debtors DROP COLUMN page_version;
ALTER TABLE creditors DROP COLUMN page_version;
ALTER TABLE claims DROP COLUMN page_version;
