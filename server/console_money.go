package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
	"github.com/relais/relais/portal/i18n"
)

// The console's money pages (issue 18): import a bank statement and settle
// its suggestions, and the letters to print with one PDF of them all and
// "mark posted". Every user of the tenant reads them; agents and owners
// act. They call the services the API calls (Statements, Reminders,
// Letters), which validate and record the evidence events.

// statementUploadLimit bounds the console's statement form: the statement
// and the form's fields.
const statementUploadLimit = statementBodyLimit + formBodyLimit

func (s *Server) statementsReady() error {
	if s.deps.Statements == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Statement import is not configured.")
	}
	return nil
}

// handleConsoleStatements shows the statement upload form.
func (s *Server) handleConsoleStatements(c *fiber.Ctx) error {
	return s.renderStatements(c, fiber.StatusOK, "", "")
}

func (s *Server) renderStatements(c *fiber.Ctx, status int, problem, notice string) error {
	if err := s.statementsReady(); err != nil {
		return err
	}
	t := s.consoleT(c)
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	list, err := s.deps.Statements.ListStatements(ctx, u.TenantID, 50)
	if err != nil {
		return err
	}
	return s.renderConsole(c.Status(status), "statements", map[string]any{"Title": t.Text("console.statements.title"),
		"CanWrite": u.Role.AtLeast(portal.RoleAgent), "Problem": problem, "Notice": notice, "Statements": list})
}

// statementFormatOf picks the format of an uploaded statement: the one
// chosen, else XML is camt.053 and anything else CSV.
func statementFormatOf(chosen, name string, body []byte) string {
	switch chosen {
	case "camt053", "csv":
		return chosen
	}
	if strings.HasSuffix(strings.ToLower(name), ".xml") || bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		return "camt053"
	}
	return "csv"
}

// handleConsoleStatementImport imports the uploaded statement and shows
// its lines; a file the import refuses shows the form again with why.
func (s *Server) handleConsoleStatementImport(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.statementsReady(); err != nil {
		return err
	}
	t := s.consoleT(c)
	fh, err := c.FormFile("statement")
	if err != nil || fh.Size == 0 {
		return s.renderStatements(c, fiber.StatusBadRequest, t.Text("console.statements.nofile"), "")
	}
	if fh.Size > banking.MaxStatementSize {
		return s.renderStatements(c, fiber.StatusRequestEntityTooLarge, t.Text("console.statements.toolarge", "Size", banking.MaxStatementSize>>20), "")
	}
	f, err := fh.Open()
	if err != nil {
		return s.renderStatements(c, fiber.StatusBadRequest, t.Text("console.statements.nofile"), "")
	}
	body, err := io.ReadAll(io.LimitReader(f, banking.MaxStatementSize+1))
	f.Close()
	if err != nil || len(body) > banking.MaxStatementSize {
		return s.renderStatements(c, fiber.StatusRequestEntityTooLarge, t.Text("console.statements.toolarge", "Size", banking.MaxStatementSize>>20), "")
	}
	format := statementFormatOf(c.FormValue("format"), fh.Filename, body)
	ctx, cancel := s.userContext(c)
	defer cancel()
	st, err := s.deps.Statements.ImportStatement(ctx, consoleUserOf(c).TenantID, format, body)
	if portal.ErrorCode(err) == portal.EINVALID || portal.ErrorCode(err) == portal.ETOOLARGE {
		return s.renderStatements(c, fiber.StatusBadRequest, t.Text("console.statements.refused", "Reason", portal.ErrorMessage(err)), "")
	}
	if err != nil {
		return err
	}
	if st.ID == "" {
		return s.renderStatements(c, fiber.StatusOK, "", t.Text("console.statements.duplicate", "Count", st.Duplicates))
	}
	return c.Redirect("/console/statements/"+st.ID, fiber.StatusSeeOther)
}

// statementLineView is a line with the claims it names or suggests.
type statementLineView struct {
	*portal.StatementLine
	Claim      *portal.Claim
	Candidates []*portal.Claim
}

// handleConsoleStatement shows a statement's matched, suggested and
// unmatched lines.
func (s *Server) handleConsoleStatement(c *fiber.Ctx) error {
	return s.renderStatement(c, fiber.StatusOK, strings.Clone(c.Params("id")), nil)
}

// renderStatement shows statement id; problems are by line ID.
func (s *Server) renderStatement(c *fiber.Ctx, status int, id string, problems map[string]string) error {
	if s.deps.Statements == nil || !portal.ValidID(id) {
		return portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	st, err := s.deps.Statements.FindStatement(ctx, u.TenantID, id)
	if err != nil {
		return err
	}
	claims := map[string]*portal.Claim{}
	claimOf := func(id string) *portal.Claim {
		if id == "" {
			return nil
		}
		if cl, ok := claims[id]; ok {
			return cl
		}
		cl, err := s.deps.Claims.FindClaim(ctx, u.TenantID, id)
		if err != nil {
			cl = nil // erased or not the tenant's: the line shows the ID alone
		}
		claims[id] = cl
		return cl
	}
	view := func(ls []*portal.StatementLine) []*statementLineView {
		out := make([]*statementLineView, len(ls))
		for i, l := range ls {
			v := &statementLineView{StatementLine: l, Claim: claimOf(l.ClaimID)}
			for _, id := range l.Candidates {
				if cl := claimOf(id); cl != nil {
					v.Candidates = append(v.Candidates, cl)
				}
			}
			out[i] = v
		}
		return out
	}
	if problems == nil {
		problems = map[string]string{}
	}
	// A problem of a line that has no form any more (accepted meanwhile)
	// shows above the lists.
	var top []string
	for lineID, p := range problems {
		shown := false
		for _, l := range append(append([]*portal.StatementLine(nil), st.Suggested...), st.Unmatched...) {
			shown = shown || l.ID == lineID
		}
		if !shown {
			top = append(top, p)
		}
	}
	return s.renderConsole(c.Status(status), "statement", map[string]any{"Title": s.consoleT(c).Text("console.statement.title"),
		"Statement": st, "Matched": view(st.Matched), "Suggested": view(st.Suggested), "Unmatched": view(st.Unmatched),
		"Skipped": view(st.Skipped), "CanWrite": u.Role.AtLeast(portal.RoleAgent), "Problems": problems,
		"Accepted": c.Query("accepted"), "TopProblems": top})
}

// handleConsoleStatementAccept records a suggested or unmatched credit as
// a payment on the claim chosen: one of the suggestions, or for an
// unmatched line the claim of the reference typed. The claim must be the
// tenant's; the service checks the rest (a suggestion's candidates, the
// currency, a line settled already).
func (s *Server) handleConsoleStatementAccept(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	id, lineID := strings.Clone(c.Params("id")), strings.Clone(c.Params("line_id"))
	if s.deps.Statements == nil || !portal.ValidID(id) || !portal.ValidID(lineID) {
		return portal.Errorf(portal.ENOTFOUND, "Statement line not found.")
	}
	u := consoleUserOf(c)
	t := s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	claimID := strings.Clone(c.FormValue("claim_id"))
	if ref := strings.TrimSpace(c.FormValue("reference")); claimID == "" && ref != "" {
		found, _, err := s.deps.Claims.FindClaims(ctx, u.TenantID, portal.ClaimFilter{Reference: ref, Limit: 2})
		if err != nil {
			return err
		}
		if len(found) != 1 {
			return s.renderStatement(c, fiber.StatusBadRequest, id, map[string]string{lineID: t.Text("console.statement.noclaim", "Reference", ref)})
		}
		claimID = found[0].ID
	}
	if claimID == "" {
		return s.renderStatement(c, fiber.StatusBadRequest, id, map[string]string{lineID: t.Text("console.statement.choose")})
	}
	if _, err := s.deps.Claims.FindClaim(ctx, u.TenantID, claimID); err != nil {
		return err // another tenant's claim is not found
	}
	if _, err := s.deps.Statements.AcceptLine(ctx, u.TenantID, id, lineID, claimID); err != nil {
		switch portal.ErrorCode(err) {
		case portal.EINVALID, portal.ECONFLICT:
			return s.renderStatement(c, fiber.StatusBadRequest, id, map[string]string{lineID: statementRefusal(t, err)})
		}
		return err
	}
	return c.Redirect("/console/statements/"+id+"?accepted="+lineID, fiber.StatusSeeOther)
}

// statementRefusal says in words why a line was not accepted.
func statementRefusal(t *i18n.T, err error) string {
	switch {
	case portal.ErrorCode(err) == portal.ECONFLICT:
		return t.Text("console.statement.settled")
	case strings.Contains(portal.ErrorMessage(err), "suggested"):
		return t.Text("console.statement.notcandidate")
	case strings.Contains(portal.ErrorMessage(err), "currency"):
		return t.Text("console.statement.currency")
	}
	return t.Text("console.statement.refused", "Reason", portal.ErrorMessage(err))
}

// letterToPrint is a letter of the queue with its claim.
type letterToPrint struct {
	*portal.ReminderSend
	Claim *portal.Claim
}

// lettersToPrint lists the tenant's letters waiting to be printed and
// posted that have a PDF, with their claims.
func (s *Server) lettersToPrint(ctx context.Context, tenantID string) ([]*letterToPrint, error) {
	svc, err := s.reminders()
	if err != nil {
		return nil, err
	}
	sends, err := svc.FindLettersToPrint(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]*letterToPrint, 0, len(sends))
	for _, sd := range sends {
		if sd.ProviderID == "" {
			continue // no letter was made (no letter service): nothing to print
		}
		cl, err := s.deps.Claims.FindClaim(ctx, tenantID, sd.ClaimID)
		if err != nil {
			return nil, err
		}
		out = append(out, &letterToPrint{ReminderSend: sd, Claim: cl})
	}
	return out, nil
}

func (s *Server) lettersReady() error {
	if s.deps.Letters == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Letters are not available on this server.")
	}
	return nil
}

// handleConsoleLetters shows the letters to print and post.
func (s *Server) handleConsoleLetters(c *fiber.Ctx) error {
	return s.renderLetters(c, fiber.StatusOK, "")
}

func (s *Server) renderLetters(c *fiber.Ctx, status int, problem string) error {
	if err := s.lettersReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	letters, err := s.lettersToPrint(ctx, u.TenantID)
	if err != nil {
		return err
	}
	today := portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))
	return s.renderConsole(c.Status(status), "letters_queue", map[string]any{"Title": s.consoleT(c).Text("console.letters.title"),
		"Letters": letters, "CanWrite": u.Role.AtLeast(portal.RoleAgent), "Today": today.String(), "Problem": problem,
		"Posted": c.Query("posted")})
}

var pdfcpuOnce sync.Once

// pdfcpuConfig is pdfcpu's configuration without its configuration
// directory (see portal/einvoice).
func pdfcpuConfig() *model.Configuration {
	pdfcpuOnce.Do(api.DisableConfigDir)
	return model.NewDefaultConfiguration()
}

// handleConsoleLettersPDF is every letter of the queue in one PDF, in the
// queue's order, to print at once.
func (s *Server) handleConsoleLettersPDF(c *fiber.Ctx) error {
	if err := s.lettersReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	letters, err := s.lettersToPrint(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if len(letters) == 0 { // posted meanwhile: the page says none waits
		return s.renderLetters(c, fiber.StatusOK, "")
	}
	files := make([]io.ReadSeeker, 0, len(letters))
	for _, l := range letters {
		doc, err := s.deps.Letters.FindLetter(ctx, u.TenantID, l.ClaimID, l.ProviderID)
		if err != nil {
			return err
		}
		if len(doc.PDF) == 0 {
			return portal.Errorf(portal.EGONE, "A letter's PDF was erased with its claim's personal data.")
		}
		files = append(files, bytes.NewReader(doc.PDF))
	}
	var out bytes.Buffer
	if err := api.MergeRaw(files, &out, false, pdfcpuConfig()); err != nil {
		return fmt.Errorf("merge letters: %w", err)
	}
	c.Type("pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="letters-to-print-`+strconv.Itoa(len(letters))+`.pdf"`)
	return c.Send(out.Bytes())
}

// handleConsoleLettersPosted records the posting of the letters named in
// the form (field "send", one per letter: those the page listed, so that
// a letter queued since is not marked unseen), by post or registered
// post with its number, on the day given.
func (s *Server) handleConsoleLettersPosted(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.lettersReady(); err != nil {
		return err
	}
	t := s.consoleT(c)
	var ids []string
	for _, v := range c.Request().PostArgs().PeekMulti("send") {
		ids = append(ids, string(v))
	}
	if len(ids) == 0 {
		return s.renderLetters(c, fiber.StatusBadRequest, t.Text("console.letters.none.chosen"))
	}
	on, err := parseDateField("sent_on", c.FormValue("sent_on"))
	if err != nil {
		return s.renderLetters(c, fiber.StatusBadRequest, t.Text("console.letters.err.sent_on"))
	}
	sending := portal.LetterSending{Channel: portal.SendChannel(c.FormValue("channel")), RegisteredNumber: strings.TrimSpace(c.FormValue("registered_number")), SentOn: on}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	queue, err := s.lettersToPrint(ctx, u.TenantID)
	if err != nil {
		return err
	}
	byID := map[string]*letterToPrint{}
	for _, l := range queue {
		byID[l.ID] = l
	}
	// Every letter named must be in the tenant's queue before any is marked.
	for _, id := range ids {
		if byID[id] == nil {
			return portal.Errorf(portal.ENOTFOUND, "Letter not found in the letters to print.")
		}
	}
	if len(ids) > 1 && sending.RegisteredNumber != "" {
		return s.renderLetters(c, fiber.StatusBadRequest, t.Text("console.letters.onenumber"))
	}
	// The service checks each sending too; checked once here first, a
	// refused sending marks none of the letters.
	if err := sending.Validate(portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))); err != nil {
		return s.renderLetters(c, fiber.StatusBadRequest, textOr(t, "console.letters.err."+portal.ErrorField(err), portal.ErrorMessage(err)))
	}
	for i, id := range ids {
		l := byID[id]
		if _, err := s.deps.Letters.MarkLetterSent(ctx, u.TenantID, l.ClaimID, l.ProviderID, sending); err != nil {
			if code := portal.ErrorCode(err); code != portal.EINVALID && code != portal.ECONFLICT {
				return err
			}
			// Each letter is its own record: those before this one stay
			// marked, and the page says so.
			msg := t.Text("console.letters.refused", "Reason", portal.ErrorMessage(err))
			if i > 0 {
				msg = t.Text("console.letters.partly", "Count", i, "Reference", l.Claim.Reference, "Reason", portal.ErrorMessage(err))
			}
			return s.renderLetters(c, fiber.StatusBadRequest, msg)
		}
	}
	return c.Redirect("/console/letters?posted="+strconv.Itoa(len(ids)), fiber.StatusSeeOther)
}
