package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/privacy"
)

var _ privacy.Store = (*DB)(nil)

// finalStatuses are the statuses a claim's retention can end in.
var finalStatuses = []portal.Status{portal.StatusSettled, portal.StatusWrittenOff, portal.StatusClosed}

// SetRetention implements privacy.Store.
func (db *DB) SetRetention(ctx context.Context, tenantID string, p portal.RetentionPolicy) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&portal.Tenant{}).Where("id = ?", tenantID).Updates(map[string]any{
			"retention_no_prescription_months": p.NoPrescriptionMonths, "retention_grace_months": p.GraceMonths,
		})
		if res.Error != nil {
			return translate("set retention", res.Error)
		}
		if res.RowsAffected == 0 {
			return portal.Errorf(portal.ENOTFOUND, "Tenant not found.")
		}
		return db.logAccount(ctx, tx, tenantID, portal.AccountRetentionSet, "", map[string]any{"retention": p})
	})
}

// TenantIDs implements privacy.Store.
func (db *DB) TenantIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.conn(ctx).Model(&portal.Tenant{}).Order("id").Pluck("id", &ids).Error
	return ids, translate("list tenants", err)
}

// RetentionCandidates implements privacy.Store.
func (db *DB) RetentionCandidates(ctx context.Context, tenantID, after string, limit int) ([]*privacy.Facts, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var claims []*portal.Claim
	err := db.conn(ctx).Where("tenant_id = ? AND id > ? AND personal_data_erased_at IS NULL AND status IN ?", tenantID, after, finalStatuses).
		Order("id").Limit(limit).Find(&claims).Error
	if err != nil {
		return nil, translate("list retention candidates", err)
	}
	out := make([]*privacy.Facts, 0, len(claims))
	for _, c := range claims {
		f, err := retentionFacts(db.conn(ctx), c)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// retentionFacts reads what privacy.Decide needs about c (loaded without
// its parts) through q, a connection or a transaction: the debtor, the
// invoices and the payments, which the prescription reads exactly as the
// timeline does (escalation.FactsOf: a payment restarts it).
func retentionFacts(q *gorm.DB, c *portal.Claim) (*privacy.Facts, error) {
	c.Debtor = &portal.Debtor{}
	if err := q.Where("id = ?", c.DebtorID).Take(c.Debtor).Error; err != nil {
		return nil, translate("find debtor", err)
	}
	if err := q.Where("claim_id = ?", c.ID).Order("due_date, number").Find(&c.Invoices).Error; err != nil {
		return nil, translate("find invoices", err)
	}
	if err := q.Where("claim_id = ?", c.ID).Order("received_on, id").Find(&c.Payments).Error; err != nil {
		return nil, translate("find payments", err)
	}
	f := &privacy.Facts{Claim: c}
	var last []eventRow
	if err := q.Select("at").Where("claim_id = ?", c.ID).Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		return nil, translate("read chain head", err)
	}
	if len(last) == 1 {
		f.LastActivity = tenantDate(q, c.TenantID, last[0].At.Time())
	}
	var n int64
	if err := q.Model(&portal.Dispute{}).Where("claim_id = ? AND status = ?", c.ID, portal.DisputeOpen).Count(&n).Error; err != nil {
		return nil, translate("count open disputes", err)
	}
	f.OpenDisputes = int(n)
	if err := q.Table("instalments").Where("claim_id = ? AND status IN ?", c.ID, []string{portal.InstalmentDue, portal.InstalmentFailed}).
		Count(&n).Error; err != nil {
		return nil, translate("count unpaid instalments", err)
	}
	f.UnpaidInstalments = int(n)
	return f, nil
}

// errDryRun rolls back a dry-run erasure once it has counted everything.
var errDryRun = errors.New("dry run")

// ErasePersonalData implements privacy.Store. The decision is taken again
// inside the transaction, on the claim locked (PostgreSQL) or under the
// write lock (SQLite): a claim reopened, disputed or active since the
// caller read it is left alone.
func (db *DB) ErasePersonalData(ctx context.Context, tenantID, claimID string, dryRun bool) (*privacy.Erasure, error) {
	e := &privacy.Erasure{TenantID: tenantID, ClaimID: claimID}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockClaim(tx, tenantID, claimID); err != nil {
			return err
		}
		var t portal.Tenant
		if err := tx.Where("id = ?", tenantID).Take(&t).Error; err != nil {
			return translate("find tenant", err)
		}
		if !portal.ValidID(claimID) {
			return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
		}
		var c portal.Claim
		if err := tx.Where("id = ? AND tenant_id = ?", claimID, tenantID).Take(&c).Error; err != nil {
			if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
				return portal.Errorf(portal.ENOTFOUND, "Claim not found.")
			}
			return translate("find claim", err)
		}
		f, err := retentionFacts(tx, &c)
		if err != nil {
			return err
		}
		e.Decision = privacy.Decide(t.Retention, *f, tenantDate(tx, tenantID, db.Now()))
		switch {
		case e.Decision.Hold != "":
			return portal.Errorf(portal.ECONFLICT, "The claim's personal data is kept: %s.", e.Decision.Hold)
		case !e.Decision.Erase:
			return portal.Errorf(portal.ECONFLICT, "The claim's personal data is kept until %s (%s).", e.Decision.KeepUntil, e.Decision.Basis)
		}
		if e.Counts, err = db.erase(tx, &c); err != nil {
			return err
		}
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventPersonalDataErased,
			privacy.ErasurePayload(e.Decision, t.Retention, e.Counts)); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return e, nil
}

// erase empties every piece of personal data of claim c (with its debtor
// loaded) inside tx and counts what it emptied. Amounts, dates, invoice
// numbers, references of the claim, hashes and the event chain stay.
func (db *DB) erase(tx *gorm.DB, c *portal.Claim) (privacy.Counts, error) {
	var n privacy.Counts
	now := db.Now()
	marker := portal.ErasedMarker
	d := c.Debtor
	for _, v := range []string{d.Name, d.Address, d.Postcode, d.Country, d.Email, d.Phone, d.CustomerNumber} {
		if v != "" && v != marker {
			n.DebtorFields++
		}
	}
	if !d.BirthDate.IsZero() {
		n.DebtorFields++
	}
	address := ""
	if d.Address != "" {
		address = marker
	}
	err := tx.Model(&portal.Debtor{}).Where("id = ?", d.ID).Updates(map[string]any{
		"name": marker, "address": address, "postcode": "", "country": "", "email": "", "phone": "",
		"birth_date": nil, "customer_number": "",
	}).Error
	if err != nil {
		return n, translate("erase debtor", err)
	}
	if n.Messages, err = eraseMessages(tx, c.ID); err != nil {
		return n, err
	}
	if n.Offers, err = eraseOffers(tx, c.ID); err != nil {
		return n, err
	}
	// The rest is plain column updates, each counted by the rows it changed.
	steps := []struct {
		count *int
		what  string
		sql   string
		args  []any
	}{
		{&n.Disputes, "erase disputes", `UPDATE disputes SET
			text = CASE WHEN text <> '' THEN ? ELSE '' END, resolution = CASE WHEN resolution <> '' THEN ? ELSE '' END
			WHERE claim_id = ? AND ((text <> '' AND text <> ?) OR (resolution <> '' AND resolution <> ?))`,
			[]any{marker, marker, c.ID, marker, marker}},
		{&n.DisputeFiles, "erase dispute files", `UPDATE dispute_files SET name = ?, content = ?
			WHERE dispute_id IN (SELECT id FROM disputes WHERE claim_id = ?) AND length(content) > 0`,
			[]any{marker, []byte{}, c.ID}},
		{&n.ClaimFiles, "erase claim files", `UPDATE claim_files SET name = ?, content = ? WHERE claim_id = ? AND length(content) > 0`,
			[]any{marker, []byte{}, c.ID}},
		// The copy to print of a letter not yet posted holds the debtor's
		// address and working link as well as the record copy.
		{&n.Letters, "erase letters", `UPDATE letters SET pdf = ?, print_pdf = NULL WHERE claim_id = ? AND (length(pdf) > 0 OR print_pdf IS NOT NULL)`,
			[]any{[]byte{}, c.ID}},
		{&n.Agreements, "erase agreements", `UPDATE agreements SET pdf = NULL WHERE claim_id = ? AND pdf IS NOT NULL`,
			[]any{c.ID}},
		{&n.ReminderSends, "erase reminder sends", `UPDATE reminder_sends SET recipient = '', subject = '', body_text = '', body_html = '', error = ''
			WHERE claim_id = ? AND (recipient <> '' OR subject <> '' OR body_text <> '' OR body_html <> '' OR error <> '')`,
			[]any{c.ID}},
		{&n.PaymentReferences, "erase payment references", `UPDATE payments SET reference = ?
			WHERE claim_id = ? AND reference <> '' AND reference <> ?`, []any{marker, c.ID, marker}},
		{&n.StatementLines, "erase statement lines", `UPDATE statement_lines SET
			name = CASE WHEN name <> '' THEN ? ELSE '' END, iban = '', reference = CASE WHEN reference <> '' THEN ? ELSE '' END
			WHERE tenant_id = ? AND (claim_id = ? OR payment_id IN (SELECT id FROM payments WHERE claim_id = ?))
			AND ((name <> '' AND name <> ?) OR iban <> '' OR (reference <> '' AND reference <> ?))`,
			[]any{marker, marker, c.TenantID, c.ID, c.ID, marker, marker}},
		{&n.LinksRevoked, "revoke links", `UPDATE portal_links SET revoked_at = ? WHERE claim_id = ? AND revoked_at IS NULL`,
			[]any{timeUTC(now), c.ID}},
		{new(int), "end portal sessions", `UPDATE portal_sessions SET expires_at = ? WHERE claim_id = ? AND expires_at > ?`,
			[]any{timeUTC(now), c.ID, timeUTC(now)}},
		// The one-time codes' masked destinations go with the contact details.
		{new(int), "delete identity codes", `DELETE FROM portal_codes WHERE claim_id = ?`, []any{c.ID}},
		// A promise's note is free text (issue 20).
		{new(int), "erase promise notes", `UPDATE promises SET note = ? WHERE claim_id = ? AND note <> '' AND note <> ?`, []any{marker, c.ID, marker}},
		{&n.UnsubscribeLinks, "delete unsubscribe links", `DELETE FROM unsubscribe_tokens WHERE claim_id = ?`, []any{c.ID}},
		{&n.CardCustomers, "delete card customer", `DELETE FROM stripe_customers WHERE debtor_id = ?`, []any{d.ID}},
		{&n.Mandates, "erase mandates", `UPDATE sepa_mandates SET iban_last4 = '', bank_code = '', country = '', url = '', acceptance = '{}', status = ?
			WHERE claim_id = ? AND (iban_last4 <> '' OR bank_code <> '' OR acceptance <> '{}' OR url <> '')`, []any{portal.MandateInactive, c.ID}},
		{new(int), "mark claim erased", `UPDATE claims SET personal_data_erased_at = ?, updated_at = ? WHERE id = ?`,
			[]any{timeUTC(now), timeUTC(now), c.ID}},
	}
	for _, s := range steps {
		res := tx.Exec(s.sql, s.args...)
		if res.Error != nil {
			return n, translate(s.what, res.Error)
		}
		*s.count = int(res.RowsAffected)
	}
	// Last, so that the erasure's own event keeps its payload.
	n.EventPayloads, err = erasePayloads(tx, c.TenantID, c.ID)
	return n, err
}

// eraseMessages replaces the text of each chat message of the claim, the
// call-back phone and note of the offers they carry, and the debtor's name
// as their author.
func eraseMessages(tx *gorm.DB, claimID string) (int, error) {
	var rows []messageRow
	if err := tx.Where("claim_id = ?", claimID).Order("id").Find(&rows).Error; err != nil {
		return 0, translate("list messages", err)
	}
	count := 0
	for _, r := range rows {
		var b messageBody
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			return 0, fmt.Errorf("decode message %s: %w", r.ID, err)
		}
		changed := eraseText(&b.Text)
		if b.Offer != nil && eraseOfferText(b.Offer) {
			changed = true
		}
		name := r.AuthorName
		if r.AuthorKind == string(portal.ActorDebtor) && eraseText(&name) {
			changed = true
		}
		if !changed {
			continue
		}
		body, err := json.Marshal(b)
		if err != nil {
			return 0, err
		}
		if err := tx.Model(&messageRow{}).Where("id = ?", r.ID).Updates(map[string]any{"body": string(body), "author_name": name}).Error; err != nil {
			return 0, translate("erase message", err)
		}
		count++
	}
	return count, nil
}

// eraseOffers does the same for the offers table: terms, the refusal
// reason, and the debtor's name as maker or decider.
func eraseOffers(tx *gorm.DB, claimID string) (int, error) {
	var rows []offerRow
	if err := tx.Where("claim_id = ?", claimID).Order("id").Find(&rows).Error; err != nil {
		return 0, translate("list offers", err)
	}
	count := 0
	for _, r := range rows {
		var terms negotiation.Offer
		if err := json.Unmarshal([]byte(r.Terms), &terms); err != nil {
			return 0, fmt.Errorf("decode offer terms %s: %w", r.ID, err)
		}
		changed := eraseOfferText(&terms)
		if eraseText(&r.Reason) {
			changed = true
		}
		if r.MadeByKind == string(portal.ActorDebtor) && eraseText(&r.MadeByName) {
			changed = true
		}
		var decider negotiation.Author
		if r.DecidedBy != "" && json.Unmarshal([]byte(r.DecidedBy), &decider) == nil &&
			decider.Kind == portal.ActorDebtor && eraseText(&decider.Name) {
			b, err := json.Marshal(decider)
			if err != nil {
				return 0, err
			}
			r.DecidedBy, changed = string(b), true
		}
		// The agent's reason for going outside the policy may name the
		// debtor's situation: erased like the refusal reason.
		if r.PolicyOverride != "" {
			var ov negotiation.PolicyOverride
			if err := json.Unmarshal([]byte(r.PolicyOverride), &ov); err != nil {
				return 0, fmt.Errorf("decode offer policy override %s: %w", r.ID, err)
			}
			if eraseText(&ov.Reason) {
				r.PolicyOverride, changed = mustJSON(ov), true
			}
		}
		if !changed {
			continue
		}
		tb, err := json.Marshal(terms)
		if err != nil {
			return 0, err
		}
		if err := tx.Model(&offerRow{}).Where("id = ?", r.ID).Updates(map[string]any{
			"terms": string(tb), "reason": r.Reason, "made_by_name": r.MadeByName, "decided_by": r.DecidedBy, "policy_override": r.PolicyOverride,
		}).Error; err != nil {
			return 0, translate("erase offer", err)
		}
		count++
	}
	return count, nil
}

// eraseText replaces a non-empty text by the marker; true when it changed.
func eraseText(s *string) bool {
	if *s == "" || *s == portal.ErasedMarker {
		return false
	}
	*s = portal.ErasedMarker
	return true
}

func eraseOfferText(o *negotiation.Offer) bool {
	changed := eraseText(&o.Note)
	if o.Phone != "" {
		o.Phone, changed = "", true
	}
	return changed
}

// DebtorExport implements privacy.Store.
func (db *DB) DebtorExport(ctx context.Context, tenantID string, q portal.DebtorQuery) (*privacy.Export, error) {
	t, err := db.FindTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	matched, err := db.matchDebtor(ctx, tenantID, q)
	if err != nil {
		return nil, err
	}
	ex := &privacy.Export{Tenant: privacy.ExportTenant{ID: t.ID, Name: t.Name}, Claims: []*privacy.ExportClaim{}}
	ids := make([]string, 0, len(matched))
	for id := range matched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ec, err := db.exportClaim(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		ec.MatchedBy = matched[id]
		ex.Claims = append(ex.Claims, ec)
	}
	return ex, nil
}

// matchDebtor finds the tenant's claims of the debtor q names, with how
// each matched (privacy.Matching explains the rule).
func (db *DB) matchDebtor(ctx context.Context, tenantID string, q portal.DebtorQuery) (map[string][]string, error) {
	out := map[string][]string{}
	add := func(how string, ids []string) {
		for _, id := range ids {
			for _, h := range out[id] {
				if h == how {
					return
				}
			}
			out[id] = append(out[id], how)
		}
	}
	emails := []string{}
	if q.Email != "" {
		emails = append(emails, q.Email)
	}
	type customer struct{ number, creditorID string }
	var customers []customer
	if q.CustomerNumber != "" {
		customers = append(customers, customer{number: q.CustomerNumber})
	}
	if q.ClaimID != "" {
		c, err := db.FindClaim(ctx, tenantID, q.ClaimID)
		if err != nil {
			return nil, err
		}
		add(privacy.MatchClaimID, []string{c.ID})
		if e := strings.ToLower(strings.TrimSpace(c.Debtor.Email)); e != "" {
			emails = append(emails, e)
		}
		if n := c.Debtor.CustomerNumber; n != "" {
			// A customer number is the creditor's: the same one with another
			// creditor may be someone else.
			customers = append(customers, customer{number: n, creditorID: c.CreditorID})
		}
	}
	base := func() *gorm.DB {
		return db.conn(ctx).Table("claims").Joins("JOIN debtors ON debtors.id = claims.debtor_id").Where("claims.tenant_id = ?", tenantID)
	}
	for _, e := range emails {
		var ids []string
		if err := base().Where("LOWER(debtors.email) = ?", e).Limit(privacy.MaxExportClaims+1).Pluck("claims.id", &ids).Error; err != nil {
			return nil, translate("match debtor e-mail", err)
		}
		add(privacy.MatchEmail, ids)
	}
	for _, cu := range customers {
		var ids []string
		qq := base().Where("debtors.customer_number = ?", cu.number)
		if cu.creditorID != "" {
			qq = qq.Where("claims.creditor_id = ?", cu.creditorID)
		}
		if err := qq.Limit(privacy.MaxExportClaims+1).Pluck("claims.id", &ids).Error; err != nil {
			return nil, translate("match debtor customer number", err)
		}
		add(privacy.MatchCustomerNumber, ids)
	}
	if len(out) == 0 {
		return nil, portal.Errorf(portal.ENOTFOUND, "No claim of this account matches the debtor.")
	}
	if len(out) > privacy.MaxExportClaims {
		return nil, portal.Errorf(portal.EINVALID, "More than %d claims match: this is not one debtor; narrow the query.", privacy.MaxExportClaims)
	}
	return out, nil
}

// exportClaim gathers everything held about one claim of the tenant.
func (db *DB) exportClaim(ctx context.Context, tenantID, claimID string) (*privacy.ExportClaim, error) {
	c, err := db.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	ec := &privacy.ExportClaim{Claim: c, Messages: []*negotiation.Message{}, Agreements: []*negotiation.Agreement{},
		StatementLines: []*portal.StatementLine{}, OptOuts: []*portal.ContactOptOut{}, Files: []*privacy.ExportFile{}}
	conn := db.conn(ctx)
	dir := "files/" + strings.ToLower(c.ID) + "/"
	if ec.Disputes, err = db.FindDisputes(ctx, tenantID, c.ID); err != nil {
		return nil, err
	}
	for _, d := range ec.Disputes {
		for _, f := range d.Files {
			if f.Name == portal.ErasedMarker {
				continue
			}
			id := f.ID
			ec.Files = append(ec.Files, &privacy.ExportFile{Path: dir + "disputes/" + strings.ToLower(id) + "-" + storedFileName(f.Name, f.ContentType),
				Kind: "dispute_file", ID: id, SHA256: f.SHA256, Size: f.Size,
				Open: func() (io.ReadCloser, error) {
					return db.blob(ctx, "SELECT content FROM dispute_files WHERE id = ? AND tenant_id = ?", id, tenantID)
				}})
		}
	}
	var imported []*portal.ClaimFile
	if err := conn.Select("id, kind, name, content_type, size, sha256, created_at").Where("tenant_id = ? AND claim_id = ? AND length(content) > 0", tenantID, c.ID).
		Order("id").Find(&imported).Error; err != nil {
		return nil, translate("find claim files", err)
	}
	for _, f := range imported {
		id := f.ID
		ec.Files = append(ec.Files, &privacy.ExportFile{Path: dir + claimFilePath(f.Kind, id, f.Name, f.ContentType, f.CreatedAt),
			Kind: "claim_file", ID: id, SHA256: f.SHA256, Size: f.Size,
			Open: func() (io.ReadCloser, error) {
				return db.blob(ctx, "SELECT content FROM claim_files WHERE id = ? AND tenant_id = ?", id, tenantID)
			}})
	}
	var conv conversationRow
	if err := conn.Where("tenant_id = ? AND claim_id = ?", tenantID, c.ID).Limit(1).Find(&conv).Error; err != nil {
		return nil, translate("find conversation", err)
	}
	for after := int64(0); conv.ID != ""; {
		page, err := db.Messages(ctx, tenantID, conv.ID, after, 1000, true)
		if err != nil {
			return nil, err
		}
		ec.Messages = append(ec.Messages, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if ec.Offers, err = db.ClaimOffers(ctx, tenantID, c.ID); err != nil {
		return nil, err
	}
	var agreements []agreementRow
	if err := conn.Omit("pdf").Where("tenant_id = ? AND claim_id = ?", tenantID, c.ID).Order("id").Find(&agreements).Error; err != nil {
		return nil, translate("list agreements", err)
	}
	var withPDF []string
	if err := conn.Model(&agreementRow{}).Where("tenant_id = ? AND claim_id = ? AND pdf IS NOT NULL AND length(pdf) > 0", tenantID, c.ID).
		Pluck("id", &withPDF).Error; err != nil {
		return nil, translate("list agreement files", err)
	}
	for i := range agreements {
		a, err := agreements[i].agreement()
		if err != nil {
			return nil, err
		}
		ec.Agreements = append(ec.Agreements, a)
		for _, id := range withPDF {
			if id != a.ID {
				continue
			}
			ec.Files = append(ec.Files, &privacy.ExportFile{Path: dir + "agreements/" + strings.ToLower(id) + ".pdf",
				Kind: "agreement", ID: id, SHA256: a.PDFSHA256,
				Open: func() (io.ReadCloser, error) {
					return db.blob(ctx, "SELECT pdf FROM agreements WHERE id = ? AND tenant_id = ?", id, tenantID)
				}})
		}
	}
	if ec.Instalments, err = db.ListInstalments(ctx, tenantID, c.ID); err != nil {
		return nil, err
	}
	if ec.Reminders, err = db.FindReminders(ctx, tenantID, c.ID); err != nil {
		return nil, err
	}
	letters := &LetterStore{DB: db}
	if ec.Letters, err = letters.FindLetters(ctx, tenantID, c.ID); err != nil {
		return nil, err
	}
	var lettersWithPDF []string
	if err := conn.Model(&letterRow{}).Where("tenant_id = ? AND claim_id = ? AND length(pdf) > 0", tenantID, c.ID).
		Pluck("id", &lettersWithPDF).Error; err != nil {
		return nil, translate("list letter files", err)
	}
	for _, l := range ec.Letters {
		for _, id := range lettersWithPDF {
			if id != l.ID {
				continue
			}
			ec.Files = append(ec.Files, &privacy.ExportFile{Path: dir + "letters/" + l.Filename(), Kind: "letter", ID: id, SHA256: l.SHA256,
				Open: func() (io.ReadCloser, error) {
					return db.blob(ctx, "SELECT pdf FROM letters WHERE id = ? AND tenant_id = ?", id, tenantID)
				}})
		}
	}
	if ec.Links, err = db.FindLinks(ctx, tenantID, c.ID); err != nil {
		return nil, err
	}
	var lines []statementLineRow
	if err := conn.Where("tenant_id = ? AND (claim_id = ? OR payment_id IN (SELECT id FROM payments WHERE claim_id = ?))", tenantID, c.ID, c.ID).
		Order("id").Find(&lines).Error; err != nil {
		return nil, translate("list statement lines", err)
	}
	for i := range lines {
		ec.StatementLines = append(ec.StatementLines, lines[i].line())
	}
	var optOuts []optOutRow
	if err := conn.Where("tenant_id = ? AND debtor_id = ?", tenantID, c.DebtorID).Order("channel").Find(&optOuts).Error; err != nil {
		return nil, translate("list opt-outs", err)
	}
	for _, o := range optOuts {
		ec.OptOuts = append(ec.OptOuts, &portal.ContactOptOut{DebtorID: o.DebtorID, Channel: portal.Channel(o.Channel), ClaimID: o.ClaimID, CreatedAt: o.CreatedAt.Time()})
	}
	events, err := db.allEvents(ctx, tenantID, c.ID)
	if err != nil {
		return nil, err
	}
	ec.Events = make([]privacy.ExportEvent, 0, len(events))
	for _, e := range events {
		ec.Events = append(ec.Events, privacy.EventOf(e))
	}
	return ec, nil
}
