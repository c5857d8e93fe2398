-- +goose Up
-- The invoice a debtor chose to pay with a card checkout ("pay this
-- invoice", Code civil 1342-10); '' when the checkout pays the balance or an
-- instalment.
ALTER TABLE checkout_sessions ADD COLUMN invoice_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE checkout_sessions DROP COLUMN invoice_id;
