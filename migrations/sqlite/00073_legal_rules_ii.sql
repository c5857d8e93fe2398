-- +goose Up
-- Legal rules II (docs/legal.md).
-- Belgian consumer claims: whether the contract has a damages clause (no
-- flat damages without one; interest without a clause, contract_rate_bp
-- NULL, runs at the civil legal rate).
ALTER TABLE claims ADD COLUMN damages_clause BOOLEAN NOT NULL DEFAULT false;
-- The day a judgment or an order for payment became enforceable: the French
-- legal rate is increased by 5 points two months later (CMF L313-3) and the
-- title runs for 10 years (CPCE L111-4).
ALTER TABLE claims ADD COLUMN enforceable_on DATE;
-- The Belgian prescription that applies (personal, goods_to_consumer,
-- periodic); '' takes the default of the debtor kind.
ALTER TABLE claims ADD COLUMN prescription TEXT NOT NULL DEFAULT '';
-- The first (free) reminder that covered each invoice (Belgian consumers:
-- each debt falling due needs its own before costs run on it).
ALTER TABLE invoices ADD COLUMN first_reminder_on DATE;
ALTER TABLE invoices ADD COLUMN first_reminder_channel TEXT NOT NULL DEFAULT '';
-- A claim's first reminder covered the invoices already due when it went out.
UPDATE invoices SET
    first_reminder_on = (SELECT c.first_reminder_on FROM claims c WHERE c.id = invoices.claim_id),
    first_reminder_channel = (SELECT c.first_reminder_channel FROM claims c WHERE c.id = invoices.claim_id)
WHERE due_date < (SELECT c.first_reminder_on FROM claims c WHERE c.id = invoices.claim_id);
-- The invoice a debtor chose to pay with a payment (Code civil 1342-10);
-- '' applies the default order.
ALTER TABLE payments ADD COLUMN invoice_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payments DROP COLUMN invoice_id;
ALTER TABLE invoices DROP COLUMN first_reminder_channel;
ALTER TABLE invoices DROP COLUMN first_reminder_on;
ALTER TABLE claims DROP COLUMN prescription;
ALTER TABLE claims DROP COLUMN enforceable_on;
ALTER TABLE claims DROP COLUMN damages_clause;
