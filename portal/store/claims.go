package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/relais/relais/portal"
)

var _ portal.ClaimService = (*DB)(nil)

// CreateClaim implements portal.ClaimService.
func (db *DB) CreateClaim(ctx context.Context, tenantID string, c *portal.Claim) error {
	return db.ImportClaims(ctx, tenantID, []*portal.Claim{c})
}

// ImportClaims stores all claims in one transaction, or none.
func (db *DB) ImportClaims(ctx context.Context, tenantID string, claims []*portal.Claim) error {
	creditors, err := db.FindCreditors(ctx, tenantID)
	if err != nil {
		return err
	}
	today := db.Today(ctx, tenantID)
	for _, c := range claims {
		if err := c.Validate(); err != nil {
			return err
		}
		if err := checkFirstReminder(c, today); err != nil {
			return err
		}
		if err := resolveCreditor(c, creditors); err != nil {
			return err
		}
		if err := checkCreditNotes(c); err != nil {
			return err
		}
	}
	if err := db.tx(ctx, func(tx *gorm.DB) error { return db.insertClaims(ctx, tx, tenantID, claims) }); err != nil {
		return err
	}
	db.analyzeAfterBulk(ctx, len(claims), "claims", "debtors", "invoices")
	return nil
}

// bulkRows is the size of an import after which PostgreSQL's statistics of
// the tables it filled are refreshed at once: until autovacuum comes by, a
// table that grew from nothing to thousands of rows is planned as if empty,
// and the next import's lookup of its references scans it (seconds per
// lookup at 25,000 claims, beyond the request's timeout).
const bulkRows = 1000

// analyzeAfterBulk runs ANALYZE on tables after an import of n rows, on
// PostgreSQL; its failure is only logged (the import is committed).
func (db *DB) analyzeAfterBulk(ctx context.Context, n int, tables ...string) {
	if db.Dialect != Postgres || n < bulkRows {
		return
	}
	if err := db.conn(ctx).Exec("ANALYZE " + strings.Join(tables, ", ")).Error; err != nil && db.log != nil {
		db.log.Warn("analyze after import", "err", err)
	}
}

// checkCreditNotes checks the credit notes a new claim comes with (an
// e-invoice import): each on one of its invoices, together never more than
// the invoice.
func checkCreditNotes(c *portal.Claim) error {
	credited := map[*portal.Invoice]int64{}
	for _, cn := range c.CreditNotes {
		if cn.Invoice == nil || cn.Amount <= 0 || cn.Amount > portal.MaxAmount || strings.TrimSpace(cn.Number) == "" || !portal.ValidText(cn.Number) {
			return portal.FieldError("credit_notes", "a credit note needs a number, a positive amount and one of the claim's invoices")
		}
		ours := false
		for _, inv := range c.Invoices {
			ours = ours || inv == cn.Invoice
		}
		credited[cn.Invoice] += cn.Amount
		if !ours || credited[cn.Invoice] > cn.Invoice.Amount {
			return portal.FieldError("credit_notes", "credit note %q is not on one of the claim's invoices or credits more than it", cn.Number)
		}
	}
	return nil
}

// checkFirstReminder checks a first reminder a new claim comes with (one
// sent before Relais): not in the future, by letter or e-mail.
func checkFirstReminder(c *portal.Claim, today portal.Date) error {
	switch on, ch := c.FirstReminderOn, c.FirstReminderChannel; {
	case ch != "" && !portal.ValidReminderChannel(ch):
		return portal.FieldError("first_reminder_channel", "first_reminder_channel must be letter or email")
	case ch != "" && on.IsZero():
		return portal.FieldError("first_reminder_on", "first_reminder_on is required with first_reminder_channel (YYYY-MM-DD)")
	case on.After(today):
		return portal.FieldError("first_reminder_on", "first_reminder_on %s is in the future: record it once it has happened", on)
	}
	return nil
}

func resolveCreditor(c *portal.Claim, creditors []*portal.Creditor) error {
	if c.CreditorID == "" {
		if len(creditors) != 1 {
			return portal.FieldError("creditor_id", "creditor_id is required: this account acts for %d creditors", len(creditors))
		}
		c.CreditorID = creditors[0].ID
	}
	for _, cr := range creditors {
		if cr.ID == c.CreditorID {
			c.Creditor = cr
			return nil
		}
	}
	return portal.FieldError("creditor_id", "creditor_id %q is not one of this account's creditors", c.CreditorID)
}

// defaultIdentityCheck picks the fact a debtor is asked: the most personal
// one the creditor gave us.
func defaultIdentityCheck(d *portal.Debtor) portal.IdentityCheck {
	switch {
	case d.Postcode != "":
		return portal.CheckPostcode
	case !d.BirthDate.IsZero():
		return portal.CheckBirthDate
	case d.CustomerNumber != "":
		return portal.CheckCustomerNumber
	}
	return portal.CheckInvoiceNumber
}

// importBatch is how many rows go in one INSERT: a claims row has about 30
// columns, and PostgreSQL takes at most 65,535 parameters a statement. The
// SQLite driver binds parameters in time quadratic in their number, so it
// gets smaller statements (measured: 25,000 claims took 14 s in batches of
// 500, under 3 s in batches of 50).
const importBatch = 500

func (db *DB) batchRows() int {
	if db.Dialect == SQLite {
		return 50
	}
	return importBatch
}

// insertClaims stores new claims with their debtors and invoices, and the
// first event of each one's chain (claim.created), in batched INSERTs: an
// import of 25,000 claims is a few hundred statements, not 150,000. A new
// chain needs no head read: its first event follows the genesis hash.
func (db *DB) insertClaims(ctx context.Context, tx *gorm.DB, tenantID string, claims []*portal.Claim) error {
	now := db.Now()
	debtors := make([]*portal.Debtor, 0, len(claims))
	var (
		invoices []*portal.Invoice
		notes    []*portal.CreditNote
		files    []*portal.ClaimFile
	)
	events := make([]eventRow, 0, len(claims))
	for _, c := range claims {
		d := c.Debtor
		d.ID, d.TenantID, d.CreatedAt = portal.NewID(now), tenantID, now
		debtors = append(debtors, d)
		c.ID, c.TenantID, c.DebtorID = portal.NewID(now), tenantID, d.ID
		c.CreatedAt, c.UpdatedAt = now, now
		if c.Stage == "" {
			c.Stage = portal.StageAmicable
		}
		if c.Status == "" {
			c.Status = portal.StatusOpen
		}
		if c.IdentityCheck == "" {
			c.IdentityCheck = defaultIdentityCheck(d)
		}
		if err := checkIdentityFactKnown(c); err != nil {
			return err
		}
		for _, inv := range c.Invoices {
			inv.ID, inv.TenantID, inv.ClaimID, inv.CreatedAt = portal.NewID(now), tenantID, c.ID, now
			// A first reminder sent before Relais covers the invoices already
			// due that day, as markReminded does for later ones.
			if on := c.FirstReminderOn; !on.IsZero() && inv.DueDate.Before(on) && (inv.FirstReminderOn.IsZero() || inv.FirstReminderOn.After(on)) {
				inv.FirstReminderOn, inv.FirstReminderChannel = on, c.FirstReminderChannel
			}
			invoices = append(invoices, inv)
		}
		row, e, err := newEventRow(ctx, tenantID, c.ID, 1, portal.GenesisHash, portal.EventClaimCreated, createdPayload(c), now)
		if err != nil {
			return err
		}
		events = append(events, row)
		// The credit notes and files an import brings follow on the chain.
		follow := func(kind portal.EventKind, payload map[string]any) error {
			row, next, err := newEventRow(ctx, tenantID, c.ID, e.Seq+1, e.Hash, kind, payload, now)
			if err != nil {
				return err
			}
			events, e = append(events, row), next
			return nil
		}
		for _, f := range c.Files {
			f.ID, f.TenantID, f.ClaimID, f.CreatedAt = portal.NewID(now), tenantID, c.ID, now
			f.Size, f.Kind = int64(len(f.Content)), portal.FileImport
			if f.SHA256 != portal.SHA256Hex(f.Content) {
				return portal.Errorf(portal.EINTERNAL, "file %s: its SHA-256 does not match its content", f.Name)
			}
			files = append(files, f)
			if err := follow(portal.EventFileUploaded, map[string]any{
				"file_id": f.ID, "name": f.Name, "content_type": f.ContentType, "size": f.Size, "sha256": f.SHA256, "source": "import",
			}); err != nil {
				return err
			}
		}
		for _, cn := range c.CreditNotes {
			cn.ID, cn.TenantID, cn.ClaimID, cn.CreatedAt = portal.NewID(now), tenantID, c.ID, now
			if cn.Invoice != nil {
				cn.InvoiceID = cn.Invoice.ID
			}
			notes = append(notes, cn)
			if err := follow(portal.EventCreditNoteRecorded, map[string]any{
				"credit_note_id": cn.ID, "invoice_id": cn.InvoiceID, "number": cn.Number, "amount": cn.Amount,
			}); err != nil {
				return err
			}
		}
		if c.Payments == nil {
			c.Payments = []*portal.Payment{}
		}
		if c.CreditNotes == nil {
			c.CreditNotes = []*portal.CreditNote{}
		}
	}
	if err := tx.CreateInBatches(debtors, db.batchRows()).Error; err != nil {
		return translate("create debtors", err)
	}
	if err := tx.CreateInBatches(claims, db.batchRows()).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ECONFLICT {
			msg := "a claim with one of these references already exists"
			if len(claims) == 1 {
				msg = fmt.Sprintf("a claim with reference %q already exists", claims[0].Reference)
			}
			return &portal.Error{Code: portal.ECONFLICT, Field: "reference", Message: msg}
		}
		return translate("create claims", err)
	}
	if err := tx.CreateInBatches(invoices, db.batchRows()).Error; err != nil {
		return translate("create invoices", err)
	}
	if len(notes) > 0 {
		if err := tx.CreateInBatches(notes, db.batchRows()).Error; err != nil {
			return translate("create credit notes", err)
		}
	}
	// One file a statement: a file may be megabytes.
	for _, f := range files {
		if err := tx.Create(f).Error; err != nil {
			return translate("store claim file", err)
		}
	}
	if err := tx.CreateInBatches(events, db.batchRows()).Error; err != nil {
		return translate("append events", err)
	}
	// claim.created goes to the tenant's webhooks like any other event.
	return db.enqueueWebhooks(tx, tenantID, events...)
}

// createdPayload is what claim.created records of a new claim: its
// amounts, and its contract terms and a first reminder sent before Relais
// as the creditor stated them (only when given: older payloads stay as
// they were).
func createdPayload(c *portal.Claim) map[string]any {
	payload := map[string]any{
		"reference": c.Reference, "currency": c.Currency, "jurisdiction": c.Jurisdiction,
		"principal": c.Principal(), "invoices": len(c.Invoices), "debtor_kind": c.Debtor.Kind,
	}
	if c.ContractRateBP != nil {
		payload["contract_rate_bp"] = *c.ContractRateBP
	}
	if c.DamagesClause {
		payload["damages_clause"] = true
	}
	if c.Prescription != "" {
		payload["prescription"] = c.Prescription
	}
	if !c.FirstReminderOn.IsZero() {
		payload["first_reminder_on"], payload["first_reminder_channel"] = c.FirstReminderOn.String(), c.FirstReminderChannel
	}
	return payload
}

func checkIdentityFactKnown(c *portal.Claim) error {
	d := c.Debtor
	missing := (c.IdentityCheck == portal.CheckPostcode && d.Postcode == "") ||
		(c.IdentityCheck == portal.CheckBirthDate && d.BirthDate.IsZero()) ||
		(c.IdentityCheck == portal.CheckCustomerNumber && d.CustomerNumber == "")
	if missing {
		return portal.FieldError("identity_check", "identity_check is %s but the debtor has no %s", c.IdentityCheck, c.IdentityCheck)
	}
	return nil
}

// FindClaim implements portal.ClaimService.
func (db *DB) FindClaim(ctx context.Context, tenantID, id string) (*portal.Claim, error) {
	if !portal.ValidID(id) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	// The claim with its creditor and debtor in one statement (every page
	// of a claim pays for this one).
	var row claimWithParties
	res := db.conn(ctx).Raw("SELECT claims.*, "+partyColumns(db.gorm)+` FROM claims
		JOIN creditors cr ON cr.id = claims.creditor_id JOIN debtors de ON de.id = claims.debtor_id
		WHERE claims.id = ? AND claims.tenant_id = ?`, id, tenantID).Scan(&row)
	if res.Error != nil {
		return nil, translate("find claim", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	c := row.Claim
	c.Creditor, c.Debtor = &row.Cr, &row.De
	if err := loadChildren(db.conn(ctx), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// claimWithParties is a claim's row joined with its creditor's and its
// debtor's, their columns prefixed (partyColumns).
type claimWithParties struct {
	portal.Claim `gorm:"embedded"`
	Cr           portal.Creditor `gorm:"embedded;embeddedPrefix:cr__"`
	De           portal.Debtor   `gorm:"embedded;embeddedPrefix:de__"`
}

var partyColumnsOnce struct {
	sync.Once
	cols string
}

// partyColumns is the select list of the creditor (cr) and debtor (de)
// columns as claimWithParties reads them, from the models' schemas.
func partyColumns(g *gorm.DB) string {
	partyColumnsOnce.Do(func() {
		var cols []string
		for _, p := range []struct {
			alias string
			model any
		}{{"cr", &portal.Creditor{}}, {"de", &portal.Debtor{}}} {
			sch, err := schema.Parse(p.model, &sync.Map{}, g.NamingStrategy)
			if err != nil {
				panic("store: schema of " + p.alias + ": " + err.Error())
			}
			for _, name := range sch.DBNames {
				cols = append(cols, p.alias+"."+name+" AS "+p.alias+"__"+name)
			}
		}
		partyColumnsOnce.cols = strings.Join(cols, ", ")
	})
	return partyColumnsOnce.cols
}

// FindClaimByID loads a claim whatever its tenant; only for callers that
// proved access another way (a portal link, a webhook's metadata checked
// against the claim's tenant).
func (db *DB) FindClaimByID(ctx context.Context, id string) (*portal.Claim, error) {
	var tenantID string
	if err := db.conn(ctx).Raw("SELECT tenant_id FROM claims WHERE id = ?", id).Scan(&tenantID).Error; err != nil {
		return nil, translate("find claim", err)
	}
	if tenantID == "" {
		return nil, portal.Errorf(portal.ENOTFOUND, "Claim not found.")
	}
	return db.FindClaim(ctx, tenantID, id)
}

// loadParts loads a claim's creditor, debtor, invoices, payments and
// credit notes through conn (a connection or a transaction).
func loadParts(conn *gorm.DB, c *portal.Claim) error {
	c.Creditor, c.Debtor = &portal.Creditor{}, &portal.Debtor{}
	if err := conn.Where("id = ?", c.CreditorID).Take(c.Creditor).Error; err != nil {
		return translate("find creditor", err)
	}
	if err := conn.Where("id = ?", c.DebtorID).Take(c.Debtor).Error; err != nil {
		return translate("find debtor", err)
	}
	return loadChildren(conn, c)
}

// loadChildren loads a claim's invoices, payments and credit notes.
func loadChildren(conn *gorm.DB, c *portal.Claim) error {
	rows, err := conn.Raw(childrenQuery, c.ID, c.ID, c.ID).Rows()
	if err != nil {
		return translate("find invoices, payments and credit notes", err)
	}
	// Empty lists, never null, as the API shows them (TestListsAreNeverNull).
	c.Invoices, c.Payments, c.CreditNotes = []*portal.Invoice{}, []*portal.Payment{}, []*portal.CreditNote{}
	return scanChildren(rows, func(string) *portal.Claim { return c })
}

// scanChildren appends each row of childColumns to the invoices, payments
// or credit notes of the claim of its claim_id (claimOf), and closes rows.
func scanChildren(rows *sql.Rows, claimOf func(id string) *portal.Claim) error {
	defer rows.Close()
	var (
		kind                   int
		id, tenant, claim      string
		amount                 int64
		created                time.Time
		k1, d1, d2             any
		k2, s1, s2, s3, s4, s5 string
	)
	for rows.Next() {
		if err := rows.Scan(&kind, &id, &tenant, &claim, &amount, &created, &k1, &k2, &d1, &d2, &s1, &s2, &s3, &s4, &s5); err != nil {
			return translate("scan invoices, payments and credit notes", err)
		}
		var dates [3]portal.Date
		for i, v := range []any{k1, d1, d2} {
			if err := dates[i].Scan(v); err != nil {
				return translate("scan invoices, payments and credit notes", err)
			}
		}
		c := claimOf(claim)
		if c == nil {
			continue
		}
		switch kind {
		case 0:
			c.Invoices = append(c.Invoices, &portal.Invoice{ID: id, TenantID: tenant, ClaimID: claim, Amount: amount, CreatedAt: created,
				DueDate: dates[0], Number: k2, IssueDate: dates[1], FirstReminderOn: dates[2], PaymentReference: s1, FirstReminderChannel: s2})
		case 1:
			c.Payments = append(c.Payments, &portal.Payment{ID: id, TenantID: tenant, ClaimID: claim, Amount: amount, CreatedAt: created,
				ReceivedOn: dates[0], Currency: portal.Currency(s1), Method: portal.PaymentMethod(s2), Reference: s3, InvoiceID: s4, Reverses: s5})
		case 2:
			c.CreditNotes = append(c.CreditNotes, &portal.CreditNote{ID: id, TenantID: tenant, ClaimID: claim, Amount: amount, CreatedAt: created,
				IssueDate: dates[0], InvoiceID: s1, Number: s2})
		}
	}
	if err := rows.Err(); err != nil {
		return translate("find invoices, payments and credit notes", err)
	}
	return nil
}

// childColumns are the columns loadChildren reads of a claim's invoices,
// payments and credit notes, by position after the kind (0, 1, 2): id,
// tenant, claim, amount, creation time, the date and text the kind is
// ordered by, two more dates and five more texts (” or NULL where the
// kind has none). TestChildColumns checks that each kind's list is all
// the columns of its model.
var childColumns = [3][14]string{
	{"id", "tenant_id", "claim_id", "amount", "created_at", "due_date", "number", "issue_date", "first_reminder_on",
		"payment_reference", "first_reminder_channel", "''", "''", "''"},
	{"id", "tenant_id", "claim_id", "amount", "created_at", "received_on", "id", "NULL", "NULL",
		"currency", "method", "reference", "invoice_id", "reverses"},
	{"id", "tenant_id", "claim_id", "amount", "created_at", "issue_date", "id", "NULL", "NULL",
		"invoice_id", "number", "''", "''", "''"},
}

// childrenQuery reads a claim's invoices (by due date and number),
// payments (by day received and id) and credit notes (by issue date and
// id) in one statement instead of three (issue 22: every page of a claim
// pays for it).
var childrenQuery = childrenSelect(3, "claim_id = ?", false)

// listChildrenQuery reads the invoices of a page's claims (claim_id IN ?,
// of the tenant), then also their payments and credit notes, in the same
// orders: one statement for the page (issue 22); on SQLite with the dates
// as text (listColumns says why).
var listChildrenQuery = func() map[string][2]string {
	const cond = "claim_id IN ? AND tenant_id = ?"
	return map[string][2]string{
		Postgres: {childrenSelect(1, cond, false), childrenSelect(3, cond, false)},
		SQLite:   {childrenSelect(1, cond, true), childrenSelect(3, cond, true)},
	}
}()

// childrenSelect is the UNION ALL of the first kinds of childColumns
// (invoices, payments, credit notes) WHERE cond, by kind and its order;
// datesAsText casts the three date columns to text.
func childrenSelect(kinds int, cond string, datesAsText bool) string {
	var parts []string
	for kind, table := range []string{"invoices", "payments", "credit_notes"}[:kinds] {
		cols := childColumns[kind]
		if datesAsText {
			for _, i := range []int{5, 7, 8} {
				if cols[i] != "NULL" {
					cols[i] = "CAST(" + cols[i] + " AS TEXT)"
				}
			}
		}
		parts = append(parts, fmt.Sprintf("SELECT %d AS kind, %s FROM %s WHERE %s", kind, strings.Join(cols[:], ", "), table, cond))
	}
	return strings.Join(parts, " UNION ALL ") + " ORDER BY 1, 7, 8"
}

// MaxPageSize bounds a claim listing page.
const MaxPageSize = 200

// FindClaims implements portal.ClaimService with keyset pagination on the
// time-ordered ID, in two statements whatever the page's size (issue 22):
// the page's claims joined with their debtors, on the (tenant_id, id)
// index, then their invoices (and with payments their payments and credit
// notes) in one UNION ALL, both scanned by hand: GORM's reflective scan of
// a page and its parts was most of the list's time.
func (db *DB) FindClaims(ctx context.Context, tenantID string, f portal.ClaimFilter) ([]*portal.Claim, string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	where, args := claimsWhere(tenantID, f)
	if f.After != "" {
		where += " AND claims.id > ?"
		args = append(args, f.After)
	}
	args = append(args, f.Limit+1)
	rows, err := db.conn(ctx).Raw("SELECT "+listColumns[db.Dialect]+` FROM claims
		JOIN debtors ON debtors.id = claims.debtor_id AND debtors.tenant_id = claims.tenant_id
		WHERE `+where+" ORDER BY claims.id LIMIT ?", args...).Rows()
	if err != nil {
		return nil, "", translate("list claims", err)
	}
	claims, err := scanListRows(rows, f.Limit+1)
	if err != nil {
		return nil, "", translate("list claims", err)
	}
	next := ""
	if len(claims) > f.Limit {
		claims = claims[:f.Limit]
		next = claims[len(claims)-1].ID
	}
	if err := db.attachListParts(ctx, tenantID, claims, f.WithPayments); err != nil {
		return nil, "", err
	}
	return claims, next, nil
}

// claimsWhere is the condition on claims (and debtors, for a query) that
// the tenant's claims f matches, whatever its cursor and limit.
func claimsWhere(tenantID string, f portal.ClaimFilter) (string, []any) {
	where, args := "claims.tenant_id = ?", []any{tenantID}
	for _, c := range []struct {
		col string
		v   string
	}{{"status", string(f.Status)}, {"stage", string(f.Stage)}, {"jurisdiction", string(f.Jurisdiction)},
		{"creditor_id", f.CreditorID}, {"reference", f.Reference}} {
		if c.v != "" {
			where += " AND claims." + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer("%", "\\%", "_", "\\_").Replace(strings.ToLower(f.Query)) + "%"
		where += " AND (LOWER(claims.reference) LIKE ? ESCAPE '\\' OR LOWER(debtors.name) LIKE ? ESCAPE '\\')"
		args = append(args, like, like)
	}
	return where, args
}

// claimsMatching narrows q (on claims) to the tenant's claims f matches,
// whatever its cursor and limit.
func (db *DB) claimsMatching(q *gorm.DB, tenantID string, f portal.ClaimFilter) *gorm.DB {
	if f.Query != "" {
		q = q.Joins("JOIN debtors ON debtors.id = claims.debtor_id")
	}
	where, args := claimsWhere(tenantID, f)
	return q.Where(where, args...)
}

// listRow is one row of the list: a claim, its debtor, and the claim's
// nullable rate and erasure time as read.
type listRow struct {
	c      portal.Claim
	d      portal.Debtor
	rate   sql.NullInt64
	erased sql.NullTime
}

// listFields names each column the list reads of a claim and its debtor
// with where it goes, side by side so that neither can drift from the
// other; TestListColumns checks they are all the models' columns.
var listFields = []struct {
	col  string
	dest func(r *listRow) any
}{
	{"claims.id", func(r *listRow) any { return &r.c.ID }},
	{"claims.tenant_id", func(r *listRow) any { return &r.c.TenantID }},
	{"claims.creditor_id", func(r *listRow) any { return &r.c.CreditorID }},
	{"claims.debtor_id", func(r *listRow) any { return &r.c.DebtorID }},
	{"claims.reference", func(r *listRow) any { return &r.c.Reference }},
	{"claims.currency", func(r *listRow) any { return (*string)(&r.c.Currency) }},
	{"claims.jurisdiction", func(r *listRow) any { return (*string)(&r.c.Jurisdiction) }},
	{"claims.contract_rate_bp", func(r *listRow) any { return &r.rate }},
	{"claims.damages_clause", func(r *listRow) any { return &r.c.DamagesClause }},
	{"claims.identity_check", func(r *listRow) any { return (*string)(&r.c.IdentityCheck) }},
	{"claims.stage", func(r *listRow) any { return (*string)(&r.c.Stage) }},
	{"claims.status", func(r *listRow) any { return (*string)(&r.c.Status) }},
	{"claims.formal_notice_on", func(r *listRow) any { return &r.c.FormalNoticeOn }},
	{"claims.first_reminder_on", func(r *listRow) any { return &r.c.FirstReminderOn }},
	{"claims.first_reminder_channel", func(r *listRow) any { return &r.c.FirstReminderChannel }},
	{"claims.notice_period_days", func(r *listRow) any { return &r.c.NoticePeriodDays }},
	{"claims.court_procedure", func(r *listRow) any { return &r.c.Procedure }},
	{"claims.order_on", func(r *listRow) any { return &r.c.OrderOn }},
	{"claims.served_on", func(r *listRow) any { return &r.c.ServedOn }},
	{"claims.judgment_on", func(r *listRow) any { return &r.c.JudgmentOn }},
	{"claims.enforceable_on", func(r *listRow) any { return &r.c.EnforceableOn }},
	{"claims.prescription", func(r *listRow) any { return &r.c.Prescription }},
	{"claims.last_acknowledgement_on", func(r *listRow) any { return &r.c.LastAcknowledgementOn }},
	{"claims.proceedings_ended_on", func(r *listRow) any { return &r.c.ProceedingsEndedOn }},
	{"claims.created_at", func(r *listRow) any { return &r.c.CreatedAt }},
	{"claims.updated_at", func(r *listRow) any { return &r.c.UpdatedAt }},
	{"claims.personal_data_erased_at", func(r *listRow) any { return &r.erased }},
	{"debtors.id", func(r *listRow) any { return &r.d.ID }},
	{"debtors.tenant_id", func(r *listRow) any { return &r.d.TenantID }},
	{"debtors.kind", func(r *listRow) any { return (*string)(&r.d.Kind) }},
	{"debtors.name", func(r *listRow) any { return &r.d.Name }},
	{"debtors.language", func(r *listRow) any { return &r.d.Language }},
	{"debtors.address", func(r *listRow) any { return &r.d.Address }},
	{"debtors.postcode", func(r *listRow) any { return &r.d.Postcode }},
	{"debtors.country", func(r *listRow) any { return &r.d.Country }},
	{"debtors.email", func(r *listRow) any { return &r.d.Email }},
	{"debtors.phone", func(r *listRow) any { return &r.d.Phone }},
	{"debtors.birth_date", func(r *listRow) any { return &r.d.BirthDate }},
	{"debtors.customer_number", func(r *listRow) any { return &r.d.CustomerNumber }},
	{"debtors.created_at", func(r *listRow) any { return &r.d.CreatedAt }},
}

// listColumns is the select list of listFields for each dialect. SQLite's
// driver parses a DATE column's text as a time by trying nine layouts, an
// error allocated for each one that fails; the list reads the dates as
// text and portal.Date parses them itself.
var listColumns = func() map[string]string {
	out := map[string]string{}
	for _, dialect := range []string{SQLite, Postgres} {
		var cols []string
		for _, f := range listFields {
			col := f.col
			if _, date := f.dest(&listRow{}).(*portal.Date); date && dialect == SQLite {
				col = "CAST(" + col + " AS TEXT)"
			}
			cols = append(cols, col)
		}
		out[dialect] = strings.Join(cols, ", ")
	}
	return out
}()

// scanListRows reads the claims and debtors of listColumns' rows, and
// closes rows.
func scanListRows(rows *sql.Rows, capacity int) ([]*portal.Claim, error) {
	defer rows.Close()
	claims := make([]*portal.Claim, 0, capacity)
	dests := make([]any, len(listFields))
	for rows.Next() {
		r := &listRow{}
		for i, f := range listFields {
			dests[i] = f.dest(r)
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		c := &r.c
		if r.rate.Valid {
			c.ContractRateBP = &r.rate.Int64
		}
		if r.erased.Valid {
			c.PersonalDataErasedAt = &r.erased.Time
		}
		c.Debtor = &r.d
		claims = append(claims, c)
	}
	return claims, rows.Err()
}

// ClaimTotals implements portal.ClaimService in two aggregate queries,
// whatever the number of claims: principal per currency over the matching
// claims' invoices, and paid over their payments received up to asOf.
func (db *DB) ClaimTotals(ctx context.Context, tenantID string, f portal.ClaimFilter, asOf portal.Date) ([]portal.ClaimTotal, error) {
	var principal []struct {
		Currency  portal.Currency
		NClaims   int
		Principal int64
	}
	sums := db.conn(ctx).Table("invoices").Select("claim_id, SUM(amount) AS amount").Group("claim_id")
	q := db.claimsMatching(db.conn(ctx).Table("claims"), tenantID, f).
		Joins("LEFT JOIN (?) AS inv ON inv.claim_id = claims.id", sums).
		Select("claims.currency AS currency, COUNT(*) AS n_claims, COALESCE(SUM(inv.amount), 0) AS principal").
		Group("claims.currency").Order("claims.currency")
	if err := q.Scan(&principal).Error; err != nil {
		return nil, translate("sum claims", err)
	}
	var paid []struct {
		Currency portal.Currency
		Paid     int64
	}
	q = db.claimsMatching(db.conn(ctx).Table("claims"), tenantID, f).
		Joins("JOIN payments ON payments.claim_id = claims.id AND payments.received_on <= ?", asOf).
		Select("claims.currency AS currency, COALESCE(SUM(payments.amount), 0) AS paid").Group("claims.currency")
	if err := q.Scan(&paid).Error; err != nil {
		return nil, translate("sum payments", err)
	}
	out := make([]portal.ClaimTotal, len(principal))
	for i, p := range principal {
		out[i] = portal.ClaimTotal{Currency: p.Currency, Claims: p.NClaims, Principal: p.Principal}
		for _, x := range paid {
			if x.Currency == p.Currency {
				out[i].Paid = x.Paid
			}
		}
	}
	return out, nil
}

// attachListParts loads the invoices of a page's claims, and with payments
// their payments and credit notes, in one statement.
func (db *DB) attachListParts(ctx context.Context, tenantID string, claims []*portal.Claim, payments bool) error {
	if len(claims) == 0 {
		return nil
	}
	ids := make([]string, len(claims))
	byID := make(map[string]*portal.Claim, len(claims))
	for i, c := range claims {
		ids[i], byID[c.ID] = c.ID, c
		c.Invoices = []*portal.Invoice{}
		if payments {
			c.Payments, c.CreditNotes = []*portal.Payment{}, []*portal.CreditNote{}
		}
	}
	query, args := listChildrenQuery[db.Dialect][0], []any{ids, tenantID}
	if payments {
		query, args = listChildrenQuery[db.Dialect][1], []any{ids, tenantID, ids, tenantID, ids, tenantID}
	}
	rows, err := db.conn(ctx).Raw(query, args...).Rows()
	if err != nil {
		return translate("list invoices, payments and credit notes", err)
	}
	return scanChildren(rows, func(id string) *portal.Claim { return byID[id] })
}

// AddPayment implements portal.ClaimService.
func (db *DB) AddPayment(ctx context.Context, tenantID string, p *portal.Payment) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Amount < 0 || p.Reverses != "" {
		return portal.FieldError("amount", "amount must be positive: a payment recorded by mistake is reversed (POST .../payments/{id}/reverse), a card refund is recorded from the provider")
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if portal.ValidID(p.ClaimID) {
			// Two payments at once settle the claim once (settle.go).
			if err := db.lockClaim(tx, tenantID, p.ClaimID); err != nil {
				return err
			}
		}
		var c portal.Claim
		if err := tx.Where("id = ? AND tenant_id = ?", p.ClaimID, tenantID).Take(&c).Error; err != nil {
			if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
				return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
			}
			return translate("find claim", err)
		}
		if err := p.ValidateNew(tenantDate(tx, tenantID, db.Now())); err != nil {
			return err
		}
		if p.Currency == "" {
			p.Currency = c.Currency
		}
		if p.Currency != c.Currency {
			return portal.FieldError("currency", "currency must be the claim's currency %s", c.Currency)
		}
		if p.InvoiceID != "" {
			// The debtor may choose the invoice a payment goes to (Code
			// civil 1342-10), one of this claim's.
			var n int64
			if portal.ValidID(p.InvoiceID) {
				if err := tx.Model(&portal.Invoice{}).Where("id = ? AND claim_id = ? AND tenant_id = ?", p.InvoiceID, c.ID, tenantID).Count(&n).Error; err != nil {
					return translate("find invoice", err)
				}
			}
			if n == 0 {
				return portal.FieldError("invoice_id", "invoice_id is not the id of an invoice of claim %s: give one of its invoices' ids (GET the claim), or leave it out", c.Reference)
			}
		}
		if err := db.insertPayment(ctx, tx, tenantID, p); err != nil {
			return err
		}
		// A payment recorded by hand or through the API settles the open
		// instalments of a plan in order, as a matched transfer does.
		if err := db.markInstalmentPaid(ctx, tx, tenantID, c.ID, "", p); err != nil {
			return err
		}
		return db.settleOnPayment(ctx, tx, tenantID, c.ID, p)
	})
}

// insertPayment stores p and its evidence event inside tx.
func (db *DB) insertPayment(ctx context.Context, tx *gorm.DB, tenantID string, p *portal.Payment) error {
	now := db.Now()
	p.ID, p.TenantID, p.CreatedAt = portal.NewID(now), tenantID, now
	if err := tx.Create(p).Error; err != nil {
		return translate("create payment", err)
	}
	payload := map[string]any{
		"payment_id": p.ID, "amount": p.Amount, "currency": p.Currency, "received_on": p.ReceivedOn.String(),
		"method": p.Method, "reference": p.Reference,
	}
	if p.InvoiceID != "" {
		payload["invoice_id"] = p.InvoiceID // the debtor's choice (Code civil 1342-10)
	}
	_, err := db.appendEvent(ctx, tx, tenantID, p.ClaimID, portal.EventPaymentRecorded, payload)
	return err
}

// ReversePayment implements portal.ClaimService.
func (db *DB) ReversePayment(ctx context.Context, tenantID, claimID, paymentID, reason string) (*portal.Payment, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || !portal.ValidText(reason) || len(reason) > portal.MaxReasonLen {
		return nil, portal.FieldError("reason", "reason is required: say why the payment was recorded by mistake (at most %d characters)", portal.MaxReasonLen)
	}
	var out *portal.Payment
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var p portal.Payment
		if !portal.ValidID(paymentID) {
			return portal.Errorf(portal.ENOTFOUND, "Payment not found.")
		}
		if err := tx.Where("id = ? AND claim_id = ? AND tenant_id = ?", paymentID, claimID, tenantID).Take(&p).Error; err != nil {
			if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
				return portal.Errorf(portal.ENOTFOUND, "Payment not found.")
			}
			return translate("find payment", err)
		}
		if p.Amount < 0 {
			return portal.Errorf(portal.EINVALID, "This is itself a refund or a reversal; it cannot be reversed.")
		}
		var n int64
		if err := tx.Model(&providerPaymentRow{}).Where("payment_id = ?", p.ID).Count(&n).Error; err != nil {
			return translate("find provider payment", err)
		}
		if n > 0 {
			return portal.Errorf(portal.EINVALID, "This card payment came from the payment provider: refund it there, and the refund is recorded from its notification.")
		}
		if err := tx.Model(&portal.Payment{}).Where("reverses = ?", p.ID).Count(&n).Error; err != nil {
			return translate("find reversal", err)
		}
		if n > 0 {
			return portal.Errorf(portal.ECONFLICT, "This payment was already reversed.")
		}
		rev := &portal.Payment{ClaimID: claimID, Amount: -p.Amount, Currency: p.Currency, ReceivedOn: p.ReceivedOn, Method: p.Method,
			Reference: "reversal of " + p.ID, InvoiceID: p.InvoiceID, Reverses: p.ID}
		if err := db.insertPayment(ctx, tx, tenantID, rev); err != nil {
			return err
		}
		_, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventPaymentReversed, map[string]any{
			"payment_id": p.ID, "reversal_id": rev.ID, "amount": p.Amount, "currency": p.Currency, "reason": reason, "by": actorName(ctx),
		})
		if err != nil {
			return translate("record reversal", err)
		}
		out = rev
		// The instalments it paid are owed again.
		if err := db.reopenOnReversal(ctx, tx, tenantID, claimID, p.ID, p.Amount, rev); err != nil {
			return err
		}
		return db.settleOnPayment(ctx, tx, tenantID, claimID, rev)
	})
	return out, err
}

// ExistingReferences returns which of refs are the references of claims the
// tenant already has, in a few queries whatever their number (the CSV
// import checks 25,000 at once).
func (db *DB) ExistingReferences(ctx context.Context, tenantID string, refs []string) (map[string]bool, error) {
	found := map[string]bool{}
	for start := 0; start < len(refs); start += db.batchRows() {
		chunk := refs[start:min(start+db.batchRows(), len(refs))]
		var got []string
		if err := db.conn(ctx).Model(&portal.Claim{}).Where("tenant_id = ? AND reference IN ?", tenantID, chunk).Pluck("reference", &got).Error; err != nil {
			return nil, translate("find references", err)
		}
		for _, r := range got {
			found[r] = true
		}
	}
	return found, nil
}
