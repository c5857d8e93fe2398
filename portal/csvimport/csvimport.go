// Package csvimport reads claims from a CSV file: one row per invoice,
// rows grouped into claims by reference. Every bad row is reported with its
// line number and reason, and then nothing at all is imported.
//
// Columns (header row required, any order, names case-insensitive):
//
//	reference          required  the claim's reference, unique per account
//	currency           required  ISO 4217 code, e.g. EUR
//	jurisdiction       required  FR or BE
//	debtor_kind        required  business or consumer
//	debtor_name        required
//	debtor_language    required  fr, nl, en or de
//	debtor_email, debtor_phone, debtor_address, debtor_postcode,
//	debtor_country, debtor_customer_number, debtor_birth_date  optional
//	creditor_id        optional  required when the account acts for several creditors
//	invoice_number     required
//	issue_date         required  YYYY-MM-DD
//	due_date           required  YYYY-MM-DD, not before issue_date
//	amount             required  decimal in major units: 1234.56 or 1234,56
//	contract_rate      optional  the contract's interest clause, a yearly percentage
//	                             with at most two decimals (8.50); empty: no clause
//	                             (statutory rate; civil legal rate for a Belgian consumer)
//	damages_clause     optional  whether the contract provides flat damages: true/false,
//	                             yes/no, 1/0, oui/non, ja/nee; empty: no (a Belgian
//	                             consumer then owes no flat damages)
//	prescription       optional  Belgian claims: personal (10 years), goods_to_consumer
//	                             (1 year) or periodic (5 years); empty: the default
//	                             of the debtor kind
//	first_reminder_on  optional  YYYY-MM-DD, a first reminder sent before Relais; not
//	                             after the import day, after an invoice fell due; it
//	                             covers the invoices due before it
//	first_reminder_channel       letter or email; required with first_reminder_on
//
// Claim-level columns (all but invoice_number, issue_date, due_date and
// amount) must be equal on every row of one reference.
package csvimport

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// MaxRows bounds one import.
const MaxRows = 50_000

// LineError is one bad row.
type LineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e LineError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// Errors is the list of bad rows of a rejected import.
type Errors []LineError

func (e Errors) Error() string {
	parts := make([]string, 0, len(e))
	for _, le := range e {
		parts = append(parts, le.String())
	}
	return "the file was not imported: " + strings.Join(parts, "; ")
}

var required = []string{"reference", "currency", "jurisdiction", "debtor_kind", "debtor_name", "debtor_language",
	"invoice_number", "issue_date", "due_date", "amount"}

var optional = []string{"debtor_email", "debtor_phone", "debtor_address", "debtor_postcode", "debtor_country",
	"debtor_customer_number", "debtor_birth_date", "creditor_id",
	"contract_rate", "damages_clause", "prescription", "first_reminder_on", "first_reminder_channel"}

// claimColumns must agree across the rows of one claim.
var claimColumns = []string{"currency", "jurisdiction", "debtor_kind", "debtor_name", "debtor_language", "debtor_email",
	"debtor_phone", "debtor_address", "debtor_postcode", "debtor_country", "debtor_customer_number", "debtor_birth_date", "creditor_id",
	"contract_rate", "damages_clause", "prescription", "first_reminder_on", "first_reminder_channel"}

// Parsed is a claim read from the file with the lines it came from.
type Parsed struct {
	Claim *portal.Claim
	Lines []int
}

// Parse reads the file. It returns the claims in file order, or every
// error found. today is the import day in the tenant's time zone: a first
// reminder after it is refused (the zero Date leaves that check to the
// store).
func Parse(r io.Reader, today portal.Date) ([]Parsed, Errors) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, Errors{{Line: 1, Message: "the file is empty or not CSV: a header row is required"}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var errs Errors
	for _, name := range required {
		if _, ok := col[name]; !ok {
			errs = append(errs, LineError{Line: 1, Field: name, Message: fmt.Sprintf("missing column %q", name)})
		}
	}
	if errs != nil {
		return nil, errs
	}
	byRef := map[string]*Parsed{}
	firstRow := map[string][]string{}
	var order []string
	rows, lastLine := 0, 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		// FieldPos panics without a record: on a read error the line comes
		// from the error, else it is the one after the last good row.
		line := lastLine + 1
		if err == nil && len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		lastLine = line
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Line > 0 {
				line = pe.Line
			}
			errs = append(errs, LineError{Line: line, Message: "the row is not valid CSV: " + unwrapCSV(err)})
			if len(errs) > 100 {
				break
			}
			continue
		}
		rows++
		if rows > MaxRows {
			return nil, Errors{{Line: line, Message: fmt.Sprintf("the file has more than %d rows; split it", MaxRows)}}
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) != len(header) {
			// An unquoted decimal comma ("12,50") splits a value in two: refuse
			// rather than import 12.
			errs = append(errs, LineError{Line: line, Message: fmt.Sprintf("the row has %d columns, the header has %d (quote values that contain commas)", len(rec), len(header))})
			continue
		}
		var rowErrs Errors
		bad := func(field, format string, args ...any) {
			rowErrs = append(rowErrs, LineError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		for _, name := range required {
			if get(name) == "" {
				bad(name, "missing %s", name)
			}
		}
		ref := get("reference")
		cur := portal.Currency(strings.ToUpper(get("currency")))
		if get("currency") != "" && cur.Validate() != nil {
			bad("currency", "unknown currency %q", short(get("currency")))
		}
		if j := get("jurisdiction"); j != "" && j != "FR" && j != "BE" {
			bad("jurisdiction", "unknown jurisdiction %q (use FR or BE)", short(j))
		}
		inv := &portal.Invoice{Number: get("invoice_number")}
		for _, d := range []struct {
			name string
			dst  *portal.Date
		}{{"issue_date", &inv.IssueDate}, {"due_date", &inv.DueDate}} {
			if v := get(d.name); v != "" {
				if parsed, err := portal.ParseDate(v); err != nil {
					bad(d.name, "%s %q is not a date (use YYYY-MM-DD)", d.name, short(v))
				} else {
					*d.dst = parsed
				}
			}
		}
		if !inv.IssueDate.IsZero() && !inv.DueDate.IsZero() && inv.DueDate.Before(inv.IssueDate) {
			bad("due_date", "due date %s is before issue date %s", inv.DueDate, inv.IssueDate)
		}
		if v := get("amount"); v != "" && cur.Validate() == nil {
			amount, err := portal.ParseAmount(v, cur.Exponent())
			switch {
			case err != nil:
				bad("amount", "amount %q is not a number", short(v))
			case amount <= 0:
				bad("amount", "amount %q must be positive", short(v))
			default:
				inv.Amount = amount
			}
		}
		if ref != "" {
			if first, ok := firstRow[ref]; ok {
				for _, name := range claimColumns {
					if i, ok := col[name]; ok && i < len(rec) && strings.TrimSpace(first[i]) != get(name) {
						bad(name, "%s differs from the first row of claim %q", name, short(ref))
					}
				}
			}
		}
		if rowErrs != nil {
			errs = append(errs, rowErrs...)
			continue
		}
		p, ok := byRef[ref]
		if !ok {
			c := &portal.Claim{
				Reference: ref, Currency: cur, Jurisdiction: portal.Jurisdiction(get("jurisdiction")), CreditorID: get("creditor_id"),
				Debtor: &portal.Debtor{
					Kind: portal.DebtorKind(get("debtor_kind")), Name: get("debtor_name"), Language: strings.ToLower(get("debtor_language")),
					Email: get("debtor_email"), Phone: get("debtor_phone"), Address: get("debtor_address"), Postcode: get("debtor_postcode"),
					Country: strings.ToUpper(get("debtor_country")), CustomerNumber: get("debtor_customer_number"),
				},
			}
			if v := get("debtor_birth_date"); v != "" {
				bd, err := portal.ParseDate(v)
				if err != nil {
					errs = append(errs, LineError{Line: line, Field: "debtor_birth_date", Message: fmt.Sprintf("debtor_birth_date %q is not a date (use YYYY-MM-DD)", short(v))})
					continue
				}
				c.Debtor.BirthDate = bd
			}
			if termErrs := parseTerms(c, get, line, today); termErrs != nil {
				errs = append(errs, termErrs...)
				continue
			}
			p = &Parsed{Claim: c}
			byRef[ref] = p
			firstRow[ref] = rec
			order = append(order, ref)
		}
		p.Claim.Invoices = append(p.Claim.Invoices, inv)
		p.Lines = append(p.Lines, line)
	}
	if rows == 0 && errs == nil {
		return nil, Errors{{Line: 2, Message: "the file has a header but no rows"}}
	}
	out := make([]Parsed, 0, len(order))
	for _, ref := range order {
		p := byRef[ref]
		if err := checkReminderCovers(p.Claim); err != nil {
			errs = append(errs, LineError{Line: p.Lines[0], Field: "first_reminder_on", Message: fmt.Sprintf("claim %q: %s", short(ref), err)})
			continue
		}
		if err := p.Claim.Validate(); err != nil {
			errs = append(errs, LineError{Line: p.Lines[0], Field: portal.ErrorField(err), Message: fmt.Sprintf("claim %q: %s", short(ref), portal.ErrorMessage(err))})
			continue
		}
		out = append(out, *p)
	}
	if errs != nil {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return out, nil
}

// parseTerms reads the claim-level columns of the contract's terms and of
// a first reminder sent before Relais into c; the errors name line and
// column.
func parseTerms(c *portal.Claim, get func(string) string, line int, today portal.Date) Errors {
	var errs Errors
	bad := func(field, format string, args ...any) {
		errs = append(errs, LineError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if v := get("contract_rate"); v != "" {
		if bp, err := rules.ParseRate(v); err != nil {
			bad("contract_rate", "contract_rate %q must be a yearly percentage from 0 to 100 with at most two decimals, e.g. 8.50", short(v))
		} else {
			c.ContractRateBP = &bp
		}
	}
	if v := get("damages_clause"); v != "" {
		if b, ok := parseBool(v); ok {
			c.DamagesClause = b
		} else {
			bad("damages_clause", "damages_clause %q must be true or false (yes/no, 1/0, oui/non, ja/nee)", short(v))
		}
	}
	c.Prescription = strings.ToLower(get("prescription"))
	on, ch := get("first_reminder_on"), strings.ToLower(get("first_reminder_channel"))
	if on != "" {
		d, err := portal.ParseDate(on)
		switch {
		case err != nil:
			bad("first_reminder_on", "first_reminder_on %q is not a date (use YYYY-MM-DD)", short(on))
		case !today.IsZero() && d.After(today):
			bad("first_reminder_on", "first_reminder_on %s is in the future (today is %s): record a reminder once it has gone out", d, today)
		default:
			c.FirstReminderOn = d
		}
	}
	switch {
	case on != "" && ch == "":
		bad("first_reminder_channel", "missing first_reminder_channel: letter or email, how the first reminder of %s went out", short(on))
	case on == "" && ch != "":
		bad("first_reminder_on", "missing first_reminder_on: the date the reminder sent by %s went out (YYYY-MM-DD)", short(ch))
	case ch != "" && !portal.ValidReminderChannel(ch):
		bad("first_reminder_channel", "first_reminder_channel %q must be letter or email", short(ch))
	default:
		c.FirstReminderChannel = ch
	}
	return errs
}

// checkReminderCovers refuses a first reminder sent before any invoice of
// the claim fell due: a reminder covers debts already due.
func checkReminderCovers(c *portal.Claim) error {
	if c.FirstReminderOn.IsZero() {
		return nil
	}
	var first portal.Date
	for _, inv := range c.Invoices {
		if first.IsZero() || inv.DueDate.Before(first) {
			first = inv.DueDate
		}
	}
	if !first.Before(c.FirstReminderOn) {
		return fmt.Errorf("first_reminder_on %s is not after the due date of any invoice (the first falls due on %s): a reminder covers debts already due", c.FirstReminderOn, first)
	}
	return nil
}

// parseBool reads a yes/no cell in the languages of the claims.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "1", "oui", "ja":
		return true, true
	case "false", "no", "0", "non", "nee":
		return false, true
	}
	return false, false
}

func unwrapCSV(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Import parses the file, checks that no reference exists already, and
// stores every claim in one transaction. It returns the number of claims
// imported, or Errors (wrapped in a portal EINVALID error) and imports
// nothing.
func Import(ctx context.Context, svc portal.ClaimService, tenantID string, r io.Reader) (int, error) {
	parsed, err := Check(ctx, svc, tenantID, r)
	if err != nil {
		return 0, err
	}
	claims := make([]*portal.Claim, len(parsed))
	for i, p := range parsed {
		claims[i] = p.Claim
	}
	if err := svc.ImportClaims(ctx, tenantID, claims); err != nil {
		return 0, err
	}
	return len(claims), nil
}

// Check parses the file and checks that no reference exists already,
// storing nothing: the claims Import would store, or Errors (wrapped in a
// portal EINVALID error) listing every bad line. The console previews a
// file with it.
func Check(ctx context.Context, svc portal.ClaimService, tenantID string, r io.Reader) ([]Parsed, error) {
	var today portal.Date
	if t, ok := svc.(tenantToday); ok {
		today = t.Today(ctx, tenantID)
	}
	parsed, errs := Parse(r, today)
	if errs == nil {
		exists, err := existingReferences(ctx, svc, tenantID, parsed)
		if err != nil {
			return nil, err
		}
		for _, p := range parsed {
			if exists[p.Claim.Reference] {
				errs = append(errs, LineError{Line: p.Lines[0], Field: "reference", Message: fmt.Sprintf("duplicate reference %q: a claim with it already exists", short(p.Claim.Reference))})
			}
		}
	}
	if errs != nil {
		return nil, &portal.Error{Code: portal.EINVALID, Message: errs.Error(), Err: errs}
	}
	return parsed, nil
}

// tenantToday gives the tenant's today, the import day that bounds the
// dates of a file (portal/store implements it).
type tenantToday interface {
	Today(ctx context.Context, tenantID string) portal.Date
}

// LineErrors extracts the per-line errors of a failed Import.
func LineErrors(err error) Errors {
	var e Errors
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// short cuts a cell quoted in an error message to 40 characters: a
// malformed file may hold megabytes in one cell, and errors are shown,
// logged and returned by the API.
func short(v string) string {
	const max = 40
	if utf8.RuneCountInString(v) <= max {
		return v
	}
	r := []rune(v)
	return string(r[:max]) + "…"
}

// referenceLookup finds many references at once (the store does).
type referenceLookup interface {
	ExistingReferences(ctx context.Context, tenantID string, refs []string) (map[string]bool, error)
}

// existingReferences tells which parsed claims' references the tenant
// already has: in a few queries when the service can, else one by one.
func existingReferences(ctx context.Context, svc portal.ClaimService, tenantID string, parsed []Parsed) (map[string]bool, error) {
	refs := make([]string, len(parsed))
	for i, p := range parsed {
		refs[i] = p.Claim.Reference
	}
	if l, ok := svc.(referenceLookup); ok {
		return l.ExistingReferences(ctx, tenantID, refs)
	}
	found := map[string]bool{}
	for _, ref := range refs {
		existing, _, err := svc.FindClaims(ctx, tenantID, portal.ClaimFilter{Reference: ref, Limit: 1})
		if err != nil {
			return nil, err
		}
		found[ref] = len(existing) > 0
	}
	return found, nil
}
