package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/csvimport"
	"github.com/relais/relais/portal/einvoice"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
)

// The creditor's back-office in the console (issue 18, claims): a claim
// created from a form, and a CSV file of claims previewed line by line
// before it is imported. Both go through the API's code: claimInput and
// Claim.Validate for a claim, csvimport for a file, and the same store
// calls, so that the console accepts and refuses exactly what the API
// does.

// boForm is a back-office form as typed: its values by field name, kept
// when the form is refused, and the problem beside each refused field.
type boForm struct {
	V    map[string]string
	Errs map[string]string
}

func newBOForm() *boForm { return &boForm{V: map[string]string{}, Errs: map[string]string{}} }

// read keeps the request's value of each named field (trimmed, copied:
// Fiber reuses its buffers).
func (f *boForm) read(c *fiber.Ctx, names ...string) {
	for _, n := range names {
		f.V[n] = strings.TrimSpace(strings.Clone(c.FormValue(n)))
	}
}

// formFieldView is what the "input" template needs of one field.
type formFieldView struct {
	Name, Label, Type, Value, Err, Hint string
	Required                            bool
}

// formField builds the view of an input of the page's form (data["Form"])
// labelled with the message labelKey: {{template "input" (field $
// "debtor.email" "console.bo.field.debtor_email" "email")}}. A type ending
// in "!" marks the field required.
func formField(data map[string]any, name, labelKey, typ string) formFieldView {
	tr, _ := data["Tr"].(func(string, ...any) string)
	f, _ := data["Form"].(*boForm)
	v := formFieldView{Name: name, Label: labelKey, Type: strings.TrimSuffix(typ, "!"), Required: strings.HasSuffix(typ, "!")}
	if tr != nil {
		v.Label = tr(labelKey)
	}
	if f != nil {
		v.Value, v.Err = f.V[name], f.Errs[name]
	}
	return v
}

var invoiceIndex = regexp.MustCompile(`^invoices\[(\d+)\]\.`)

// ruleName is the name of the rule a refused field breaks, shared by the
// form and the CSV file (a CSV column name): "debtor.email" and
// "debtor_email" are "debtor_email", "invoices[2].amount" is "amount",
// "invoices[0].number" is "invoice_number".
func ruleName(field string) string {
	if m := invoiceIndex.FindStringSubmatch(field); m != nil {
		field = strings.TrimPrefix(field, m[0])
		if field == "number" {
			return "invoice_number"
		}
		return field
	}
	switch field {
	case "contract_rate_bp":
		return "contract_rate"
	}
	return strings.ReplaceAll(field, ".", "_")
}

// ruleText says in t's language what a field needs (messages
// "console.bo.rule.<rule>"), "" when no message words that rule.
func ruleText(t *i18n.T, field string) string {
	if field == "" {
		return ""
	}
	k := "console.bo.rule." + ruleName(field)
	if s := t.Text(k); s != k {
		return s
	}
	return ""
}

// fieldProblem words a refused field in t's language: the rule it breaks
// when a message words it, else the service's own message.
func fieldProblem(t *i18n.T, err error) string {
	if s := ruleText(t, portal.ErrorField(err)); s != "" {
		return s
	}
	return portal.ErrorMessage(err)
}

// claimFormInvoices is how many invoice rows the form offers; a claim of
// more invoices comes by CSV or the API.
const claimFormInvoices = 5

// claimFormFields are the claim form's fields beside its invoice rows.
var claimFormFields = []string{"reference", "creditor_id", "currency", "jurisdiction", "contract_rate", "damages_clause",
	"prescription", "identity_check", "debtor.kind", "debtor.name", "debtor.language", "debtor.email", "debtor.phone",
	"debtor.address", "debtor.postcode", "debtor.country", "debtor.customer_number", "debtor.birth_date"}

var invoiceFields = []string{"number", "issue_date", "due_date", "amount"}

func invoiceField(i int, name string) string { return fmt.Sprintf("invoices[%d].%s", i, name) }

// claimInputOf reads the claim form into the API's claimInput, and the
// form's index of each invoice kept (blank rows are skipped). Amounts are
// decimals in the claim's currency and the contract rate a percentage, as
// in the CSV file; what cannot be read is put beside its field.
func claimInputOf(f *boForm) (claimInput, []int) {
	in := claimInput{Reference: f.V["reference"], CreditorID: f.V["creditor_id"], Currency: strings.ToUpper(f.V["currency"]),
		Jurisdiction: f.V["jurisdiction"], DamagesClause: f.V["damages_clause"] != "", Prescription: f.V["prescription"],
		IdentityCheck: f.V["identity_check"],
		Debtor: &debtorInput{Kind: f.V["debtor.kind"], Name: f.V["debtor.name"], Language: f.V["debtor.language"],
			Email: f.V["debtor.email"], Phone: f.V["debtor.phone"], Address: f.V["debtor.address"], Postcode: f.V["debtor.postcode"],
			Country: strings.ToUpper(f.V["debtor.country"]), CustomerNumber: f.V["debtor.customer_number"], BirthDate: f.V["debtor.birth_date"]}}
	if v := f.V["contract_rate"]; v != "" {
		if bp, err := rules.ParseRate(v); err != nil {
			f.Errs["contract_rate"] = "bad"
		} else {
			in.ContractRateBP = &bp
		}
	}
	exp := 2
	if cur := portal.Currency(in.Currency); cur.Validate() == nil {
		exp = cur.Exponent()
	}
	var rows []int
	for i := 0; i < claimFormInvoices; i++ {
		n, issue, due, amount := f.V[invoiceField(i, "number")], f.V[invoiceField(i, "issue_date")], f.V[invoiceField(i, "due_date")], f.V[invoiceField(i, "amount")]
		if n == "" && issue == "" && due == "" && amount == "" {
			continue
		}
		inv := invoiceJSON{Number: n, IssueDate: issue, DueDate: due}
		if amount != "" {
			a, err := portal.ParseAmount(amount, exp)
			if err != nil || a <= 0 {
				f.Errs[invoiceField(i, "amount")] = "bad"
			}
			inv.Amount = a
		}
		in.Invoices = append(in.Invoices, inv)
		rows = append(rows, i)
	}
	return in, rows
}

// formFieldOf is the form field an error of the claim service names: the
// API's invoices[k] is the form's k-th kept row.
func formFieldOf(field string, rows []int) string {
	if m := invoiceIndex.FindStringSubmatch(field); m != nil {
		k, _ := strconv.Atoi(m[1])
		if k < len(rows) {
			return invoiceField(rows[k], strings.TrimPrefix(field, m[0]))
		}
	}
	if field == "contract_rate_bp" {
		return "contract_rate"
	}
	if field == "invoices" || field == "debtor" {
		return "invoices[0].number"
	}
	return field
}

func (s *Server) renderClaimNew(c *fiber.Ctx, status int, f *boForm, problem string) error {
	u, t := consoleUserOf(c), s.consoleT(c)
	ctx, cancel := s.userContext(c)
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	cancel()
	if err != nil {
		return err
	}
	rows := make([]int, claimFormInvoices)
	for i := range rows {
		rows[i] = i
	}
	return s.renderConsole(c.Status(status), "claim_new", map[string]any{"Title": t.Text("console.bo.new.title"), "Form": f,
		"Problem": problem, "Creditors": creditors, "Rows": rows, "Jurisdictions": consoleJurisdictions})
}

// handleConsoleClaimNew is GET /console/claims/new: the empty claim form
// (agents and owners; a viewer sees that their role does not allow it).
func (s *Server) handleConsoleClaimNew(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	f := newBOForm()
	f.V["currency"], f.V["jurisdiction"], f.V["debtor.kind"], f.V["debtor.language"] = "EUR", "FR", "business", "fr"
	return s.renderClaimNew(c, fiber.StatusOK, f, "")
}

// handleConsoleClaimCreate is POST /console/claims: the claim form read
// into the API's claimInput, checked by Claim.Validate and stored by
// CreateClaim (claim.created, with the user as actor). A refusal shows
// the form again as typed, the problem beside its field.
func (s *Server) handleConsoleClaimCreate(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	t := s.consoleT(c)
	f := newBOForm()
	f.read(c, claimFormFields...)
	for i := 0; i < claimFormInvoices; i++ {
		for _, n := range invoiceFields {
			f.read(c, invoiceField(i, n))
		}
	}
	in, rows := claimInputOf(f)
	if len(f.Errs) > 0 {
		for k := range f.Errs {
			f.Errs[k] = ruleText(t, k)
		}
		return s.renderClaimNew(c, fiber.StatusBadRequest, f, t.Text("console.bo.problem.fields"))
	}
	claim, err := in.toClaim()
	if err == nil {
		ctx, cancel := s.userContext(c)
		err = s.deps.Claims.CreateClaim(ctx, consoleUserOf(c).TenantID, claim)
		cancel()
	}
	if err != nil {
		switch portal.ErrorCode(err) {
		case portal.EINVALID, portal.ECONFLICT:
		default:
			return err
		}
		field := formFieldOf(portal.ErrorField(err), rows)
		if field == "" {
			return s.renderClaimNew(c, statusFor(err), f, portal.ErrorMessage(err))
		}
		f.Errs[field] = fieldProblem(t, err)
		if portal.ErrorCode(err) == portal.ECONFLICT && field == "reference" {
			f.Errs[field] = t.Text("console.bo.rule.reference.taken")
		}
		return s.renderClaimNew(c, statusFor(err), f, t.Text("console.bo.problem.fields"))
	}
	return c.Redirect("/console/claims/"+claim.ID+"/manage?done=created", fiber.StatusSeeOther)
}

// importLine is a bad line of a CSV file as the preview lists it: where,
// the rule it breaks in the user's language, and the import's own words.
type importLine struct {
	Line          int
	Column, Rule  string
	Detail        string
	WholeRowError bool
}

// importClaim is a good claim of a CSV file as the preview lists it.
type importClaim struct {
	Reference, Debtor string
	Invoices          int
	Principal         int64
	Currency          portal.Currency
	Lines             string
}

// importView is the data of the import page.
type importView struct {
	Lines    []importLine
	Files    []einvoice.FileError // the refused e-invoices of an upload
	Claims   []importClaim
	Totals   []*portal.ClaimTotal
	File     string // the good file, base64, sent back to import it
	FileName string
	Problem  string
	Imported int
}

func importLinesOf(t *i18n.T, errs csvimport.Errors) []importLine {
	out := make([]importLine, 0, len(errs))
	for _, e := range errs {
		l := importLine{Line: e.Line, Column: e.Field, Detail: e.Message, Rule: ruleText(t, e.Field)}
		if l.Rule == "" {
			l.Rule, l.WholeRowError = t.Text("console.bo.rule.row"), e.Field == ""
		}
		out = append(out, l)
	}
	return out
}

func importClaimsOf(parsed []csvimport.Parsed) ([]importClaim, []*portal.ClaimTotal) {
	out := make([]importClaim, 0, len(parsed))
	by := map[portal.Currency]*portal.ClaimTotal{}
	var totals []*portal.ClaimTotal
	for _, p := range parsed {
		lines := make([]string, len(p.Lines))
		for i, n := range p.Lines {
			lines[i] = strconv.Itoa(n)
		}
		c := p.Claim
		out = append(out, importClaim{Reference: c.Reference, Debtor: c.Debtor.Name, Invoices: len(c.Invoices),
			Principal: c.Principal(), Currency: c.Currency, Lines: strings.Join(lines, ", ")})
		if by[c.Currency] == nil {
			by[c.Currency] = &portal.ClaimTotal{Currency: c.Currency}
			totals = append(totals, by[c.Currency])
		}
		by[c.Currency].Claims++
		by[c.Currency].Principal += c.Principal()
	}
	return out, totals
}

func (s *Server) renderImport(c *fiber.Ctx, status int, v importView) error {
	t := s.consoleT(c)
	return s.renderConsole(c.Status(status), "claim_import", map[string]any{"Title": t.Text("console.bo.import.title"), "V": v})
}

// handleConsoleImportForm is GET /console/claims/import: the upload form,
// and after an import how many claims it stored.
func (s *Server) handleConsoleImportForm(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	n, _ := strconv.Atoi(c.Query("imported"))
	return s.renderImport(c, fiber.StatusOK, importView{Imported: max(n, 0)})
}

// checkImport previews a CSV file with the import's own checks
// (csvimport.Check: every line, then references already used), storing
// nothing.
func (s *Server) checkImport(c *fiber.Ctx, ctx context.Context, file []byte, name string) (importView, int, error) {
	t := s.consoleT(c)
	v := importView{FileName: shortName(name)}
	parsed, err := csvimport.Check(ctx, s.deps.Claims, consoleUserOf(c).TenantID, bytes.NewReader(file))
	if lines := csvimport.LineErrors(err); lines != nil {
		v.Lines = importLinesOf(t, lines)
		return v, fiber.StatusBadRequest, nil
	} else if err != nil {
		return v, 0, err
	}
	v.Claims, v.Totals = importClaimsOf(parsed)
	v.File = base64.StdEncoding.EncodeToString(file)
	return v, fiber.StatusOK, nil
}

// handleConsoleImportPreview is POST /console/claims/import: the uploaded
// file checked line by line. With a bad line nothing can be imported: the
// page lists each one and asks for the file again; a good file is listed
// claim by claim with the button that imports it.
func (s *Server) handleConsoleImportPreview(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	t := s.consoleT(c)
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		return s.renderImport(c, fiber.StatusBadRequest, importView{Problem: t.Text("console.bo.import.nofile")})
	}
	file, err := readImportPart(fh)
	if err != nil {
		return s.renderImport(c, fiber.StatusBadRequest, importView{Problem: t.Text("console.bo.import.unreadable")})
	}
	ctx, cancel := s.importContext(c)
	defer cancel()
	if isEInvoiceName(fh.Filename) {
		return s.importEInvoices(c, ctx, file, fh.Filename)
	}
	v, status, err := s.checkImport(c, ctx, file, fh.Filename)
	if err != nil {
		return err
	}
	return s.renderImport(c, status, v)
}

// handleConsoleImportConfirm is POST /console/claims/import/confirm: the
// previewed file imported by csvimport.Import, as the API does: all its
// claims or, should a line have gone bad meanwhile (a reference taken
// since the preview), none, and the preview again.
func (s *Server) handleConsoleImportConfirm(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	t := s.consoleT(c)
	file, err := base64.StdEncoding.DecodeString(c.FormValue("file"))
	if err != nil || len(file) == 0 {
		return s.renderImport(c, fiber.StatusBadRequest, importView{Problem: t.Text("console.bo.import.nofile")})
	}
	name := strings.Clone(c.FormValue("filename"))
	ctx, cancel := s.importContext(c)
	defer cancel()
	n, err := csvimport.Import(ctx, s.deps.Claims, consoleUserOf(c).TenantID, bytes.NewReader(file))
	switch {
	case csvimport.LineErrors(err) != nil:
		v, status, err := s.checkImport(c, ctx, file, name)
		if err != nil {
			return err
		}
		if status == fiber.StatusOK { // refused by the import only
			status, v.File, v.Problem = fiber.StatusBadRequest, "", t.Text("console.bo.import.refused")
		}
		return s.renderImport(c, status, v)
	case portal.ErrorCode(err) == portal.EINVALID || portal.ErrorCode(err) == portal.ECONFLICT:
		// A rule the store checks (the creditor, the identity fact): no
		// line to point at.
		v := importView{FileName: shortName(name), Problem: t.Text("console.bo.import.refused") + " " + fieldProblem(t, err)}
		return s.renderImport(c, statusFor(err), v)
	case err != nil:
		return err
	}
	return c.Redirect("/console/claims/import?imported="+strconv.Itoa(n), fiber.StatusSeeOther)
}

// isEInvoiceName reports whether an uploaded file is an e-invoice (UBL or
// CII XML, a Factur-X PDF) or a zip of them, by its name, as the API's
// multipart import tells a CSV file from the others.
func isEInvoiceName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".xml", ".pdf", ".zip":
		return true
	}
	return false
}

// importEInvoices imports e-invoices from the console with the API's
// einvoice.Import: every file checked first, and all the claims stored or,
// when a file is bad, none, the page listing each refused file with why.
// There is no preview step: the files are the claims as the creditor's
// system issued them.
func (s *Server) importEInvoices(c *fiber.Ctx, ctx context.Context, file []byte, name string) error {
	t := s.consoleT(c)
	n, err := einvoice.Import(ctx, s.deps.Claims, s.deps.Tenants, consoleUserOf(c).TenantID,
		[]einvoice.Upload{{Name: shortName(name), Data: bytes.Clone(file)}})
	if files := einvoice.FileErrors(err); files != nil {
		return s.renderImport(c, fiber.StatusBadRequest, importView{FileName: shortName(name), Files: files,
			Problem: t.Text("console.bo.import.einvoice.refused")})
	} else if err != nil {
		if code := portal.ErrorCode(err); code == portal.EINVALID || code == portal.ECONFLICT {
			return s.renderImport(c, statusFor(err), importView{FileName: shortName(name),
				Problem: t.Text("console.bo.import.refused") + " " + fieldProblem(t, err)})
		}
		return err
	}
	return c.Redirect("/console/claims/import?imported="+strconv.Itoa(n), fiber.StatusSeeOther)
}
