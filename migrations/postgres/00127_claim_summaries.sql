-- +goose Up
-- The portfolio dashboard at 100,000 claims (issue 18, docs/performance.md):
-- one row per claim with the sums its ageing, recovery by stage and monthly
-- principal need, so that a dashboard whose period ends today reads one row
-- per claim instead of every claim's invoices, payments and credit notes.
--
-- Kept by the triggers below, in the statement (so the transaction) that
-- writes a claim, an invoice, a payment (a reversal or a refund is a
-- negative payment) or a credit note, whatever the write path (the store,
-- an import, raw SQL). The sums are all-time: the dashboard subtracts what
-- is dated after its day. Each row is keyed by the tenant of the row that
-- moved it, as the dashboard's queries read invoices, payments and credit
-- notes by their own tenant_id.
--   created_month: the claim's creation month in UTC ('YYYY-MM'), what the
--     dashboard groups by;
--   principal, due_date: the sum and the oldest due date of the claim's
--     invoices (due_date NULL without one);
--   paid, credited: the sum of its payments and of its credit notes.
--
-- Exact under concurrent writers (READ COMMITTED): an insert adds to the
-- row (UPDATE ... SET paid = paid + x re-reads a row another transaction
-- changed meanwhile once that one commits; inserts are summed per
-- statement, below). Only an invoice's update or
-- delete sums the claim's rows again (the oldest due date cannot be taken
-- back by arithmetic): it first locks the summary row, so that every other
-- transaction that moved it has committed, and sums in the next statement,
-- which sees them.
CREATE TABLE claim_summaries (
    tenant_id   TEXT NOT NULL,
    claim_id    TEXT NOT NULL,
    creditor_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_month TEXT NOT NULL,
    principal   BIGINT NOT NULL DEFAULT 0,
    due_date    DATE,
    paid        BIGINT NOT NULL DEFAULT 0,
    credited    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, claim_id)
);

INSERT INTO claim_summaries (tenant_id, claim_id, creditor_id, currency, stage, created_at, created_month, principal, due_date, paid, credited)
SELECT c.tenant_id, c.id, c.creditor_id, c.currency, c.stage, c.created_at, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM'),
    COALESCE((SELECT SUM(i.amount) FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.claim_id = c.id), 0),
    (SELECT MIN(i.due_date) FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.claim_id = c.id),
    COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.tenant_id = c.tenant_id AND p.claim_id = c.id), 0),
    COALESCE((SELECT SUM(n.amount) FROM credit_notes n WHERE n.tenant_id = c.tenant_id AND n.claim_id = c.id), 0)
FROM claims c;

-- The credit notes dated after the dashboard's day (subtracted from the
-- sums), as payments_tenant_received_cover serves for payments.
CREATE INDEX credit_notes_tenant_issued ON credit_notes (tenant_id, issue_date, claim_id, amount);
-- No index in the dashboard's group order as on SQLite: PostgreSQL reads
-- the table and groups by hashing, and an index holding the sums would
-- take every payment's update off the heap-only path.

-- +goose StatementBegin
CREATE FUNCTION claim_summaries_resum(t TEXT, c TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM claim_summaries WHERE tenant_id = t AND claim_id = c FOR UPDATE;
    UPDATE claim_summaries SET
        principal = COALESCE((SELECT SUM(i.amount) FROM invoices i WHERE i.tenant_id = t AND i.claim_id = c), 0),
        due_date = (SELECT MIN(i.due_date) FROM invoices i WHERE i.tenant_id = t AND i.claim_id = c),
        paid = COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.tenant_id = t AND p.claim_id = c), 0),
        credited = COALESCE((SELECT SUM(n.amount) FROM credit_notes n WHERE n.tenant_id = t AND n.claim_id = c), 0)
    WHERE tenant_id = t AND claim_id = c;
END;
$$;
-- +goose StatementEnd

-- Claims: a new claim starts at zero; its copied columns follow it; a
-- claim moved to another tenant or id is summed again from its rows there.
-- +goose StatementBegin
CREATE FUNCTION claim_summaries_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM claim_summaries WHERE tenant_id = OLD.tenant_id AND claim_id = OLD.id;
    ELSIF (NEW.tenant_id, NEW.id) IS DISTINCT FROM (OLD.tenant_id, OLD.id) THEN
        DELETE FROM claim_summaries WHERE tenant_id = OLD.tenant_id AND claim_id = OLD.id;
        INSERT INTO claim_summaries (tenant_id, claim_id, creditor_id, currency, stage, created_at, created_month)
        VALUES (NEW.tenant_id, NEW.id, NEW.creditor_id, NEW.currency, NEW.stage, NEW.created_at, to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM'));
        PERFORM claim_summaries_resum(NEW.tenant_id, NEW.id);
    ELSIF (NEW.creditor_id, NEW.currency, NEW.stage, NEW.created_at) IS DISTINCT FROM (OLD.creditor_id, OLD.currency, OLD.stage, OLD.created_at) THEN
        UPDATE claim_summaries SET creditor_id = NEW.creditor_id, currency = NEW.currency, stage = NEW.stage, created_at = NEW.created_at,
            created_month = to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM')
        WHERE tenant_id = NEW.tenant_id AND claim_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER claim_summaries_claim AFTER DELETE OR UPDATE OF tenant_id, id, creditor_id, currency, stage, created_at ON claims
    FOR EACH ROW EXECUTE FUNCTION claim_summaries_claim();

-- Invoices: an insert adds; an update or a delete sums the claim's
-- invoices again.
-- +goose StatementBegin
CREATE FUNCTION claim_summaries_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.tenant_id, NEW.claim_id, NEW.amount, NEW.due_date) IS NOT DISTINCT FROM (OLD.tenant_id, OLD.claim_id, OLD.amount, OLD.due_date) THEN
        RETURN NULL;
    END IF;
    PERFORM claim_summaries_resum(OLD.tenant_id, OLD.claim_id);
    IF TG_OP = 'UPDATE' AND (NEW.tenant_id, NEW.claim_id) IS DISTINCT FROM (OLD.tenant_id, OLD.claim_id) THEN
        PERFORM claim_summaries_resum(NEW.tenant_id, NEW.claim_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER claim_summaries_invoice AFTER DELETE OR UPDATE OF tenant_id, claim_id, amount, due_date ON invoices
    FOR EACH ROW EXECUTE FUNCTION claim_summaries_invoice();

-- Payments and credit notes: sums, so every change is arithmetic.
-- +goose StatementBegin
CREATE FUNCTION claim_summaries_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE claim_summaries SET paid = paid - OLD.amount WHERE tenant_id = OLD.tenant_id AND claim_id = OLD.claim_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        UPDATE claim_summaries SET paid = paid + NEW.amount WHERE tenant_id = NEW.tenant_id AND claim_id = NEW.claim_id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER claim_summaries_payment AFTER DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION claim_summaries_payment();
CREATE TRIGGER claim_summaries_payment_update AFTER UPDATE OF tenant_id, claim_id, amount ON payments
    FOR EACH ROW WHEN ((NEW.tenant_id, NEW.claim_id, NEW.amount) IS DISTINCT FROM (OLD.tenant_id, OLD.claim_id, OLD.amount))
    EXECUTE FUNCTION claim_summaries_payment();

-- +goose StatementBegin
CREATE FUNCTION claim_summaries_credit_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE claim_summaries SET credited = credited - OLD.amount WHERE tenant_id = OLD.tenant_id AND claim_id = OLD.claim_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        UPDATE claim_summaries SET credited = credited + NEW.amount WHERE tenant_id = NEW.tenant_id AND claim_id = NEW.claim_id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER claim_summaries_credit_note AFTER DELETE ON credit_notes
    FOR EACH ROW EXECUTE FUNCTION claim_summaries_credit_note();
CREATE TRIGGER claim_summaries_credit_note_update AFTER UPDATE OF tenant_id, claim_id, amount ON credit_notes
    FOR EACH ROW WHEN ((NEW.tenant_id, NEW.claim_id, NEW.amount) IS DISTINCT FROM (OLD.tenant_id, OLD.claim_id, OLD.amount))
    EXECUTE FUNCTION claim_summaries_credit_note();

-- Inserts, the bulk of the writes (an import inserts hundreds of claims and
-- invoices per statement): one set-based statement per INSERT statement,
-- reading the rows it inserted, instead of a trigger call per row.
-- +goose StatementBegin
CREATE FUNCTION claim_summaries_claims_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claim_summaries (tenant_id, claim_id, creditor_id, currency, stage, created_at, created_month)
    SELECT tenant_id, id, creditor_id, currency, stage, created_at, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM') FROM new_rows;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION claim_summaries_invoices_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claim_summaries s SET principal = s.principal + d.amount,
        due_date = CASE WHEN s.due_date IS NULL OR d.due_date < s.due_date THEN d.due_date ELSE s.due_date END
    FROM (SELECT tenant_id, claim_id, SUM(amount) AS amount, MIN(due_date) AS due_date FROM new_rows GROUP BY tenant_id, claim_id) d
    WHERE s.tenant_id = d.tenant_id AND s.claim_id = d.claim_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION claim_summaries_payments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claim_summaries s SET paid = s.paid + d.amount
    FROM (SELECT tenant_id, claim_id, SUM(amount) AS amount FROM new_rows GROUP BY tenant_id, claim_id) d
    WHERE s.tenant_id = d.tenant_id AND s.claim_id = d.claim_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION claim_summaries_credit_notes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE claim_summaries s SET credited = s.credited + d.amount
    FROM (SELECT tenant_id, claim_id, SUM(amount) AS amount FROM new_rows GROUP BY tenant_id, claim_id) d
    WHERE s.tenant_id = d.tenant_id AND s.claim_id = d.claim_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER claim_summaries_claims_inserted AFTER INSERT ON claims
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_summaries_claims_inserted();
CREATE TRIGGER claim_summaries_invoices_inserted AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_summaries_invoices_inserted();
CREATE TRIGGER claim_summaries_payments_inserted AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_summaries_payments_inserted();
CREATE TRIGGER claim_summaries_credit_notes_inserted AFTER INSERT ON credit_notes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claim_summaries_credit_notes_inserted();

-- +goose Down
DROP TRIGGER claim_summaries_credit_notes_inserted ON credit_notes;
DROP TRIGGER claim_summaries_payments_inserted ON payments;
DROP TRIGGER claim_summaries_invoices_inserted ON invoices;
DROP TRIGGER claim_summaries_claims_inserted ON claims;
DROP FUNCTION claim_summaries_credit_notes_inserted();
DROP FUNCTION claim_summaries_payments_inserted();
DROP FUNCTION claim_summaries_invoices_inserted();
DROP FUNCTION claim_summaries_claims_inserted();
DROP TRIGGER claim_summaries_credit_note_update ON credit_notes;
DROP TRIGGER claim_summaries_credit_note ON credit_notes;
DROP FUNCTION claim_summaries_credit_note();
DROP TRIGGER claim_summaries_payment_update ON payments;
DROP TRIGGER claim_summaries_payment ON payments;
DROP FUNCTION claim_summaries_payment();
DROP TRIGGER claim_summaries_invoice ON invoices;
DROP FUNCTION claim_summaries_invoice();
DROP TRIGGER claim_summaries_claim ON claims;
DROP FUNCTION claim_summaries_claim();
DROP FUNCTION claim_summaries_resum(TEXT, TEXT);
DROP INDEX credit_notes_tenant_issued;
DROP TABLE claim_summaries;
