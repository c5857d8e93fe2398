package server

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/reminders"
)

// The console's reminder sequences and retention (issue 18): every user
// reads them and previews each template in the four languages; owners
// create sequences and set the retention. Sequences are checked by
// reminders.ValidateSequence (in the store's CreateSequence) and the
// retention by the privacy service, as for the API. A sequence no
// reminder was sent from is changed in place (its name and steps); once
// one was, its steps stay as they were sent (sent reminders name them):
// "edit as a new sequence" opens the form filled from it, and saving makes
// a new sequence that claims are then moved to.

// sequenceFormRows is how many step rows the create form offers.
const sequenceFormRows = 8

// sequenceStepRow is a step as the form shows it.
type sequenceStepRow struct{ Day, Template string }

// sequenceForm is the create form as typed, with the problems by field
// ("name", "steps", "steps.3").
type sequenceForm struct {
	Name, CreditorID string
	// EditID is the sequence changed in place ("" for a new one).
	EditID   string
	Steps    []sequenceStepRow
	Errs     map[string]string
	stepRows []int
}

// Err is the problem of field, nil when it has none.
func (f *sequenceForm) Err(field string) *policyFieldProblem {
	if m := f.Errs[field]; m != "" {
		return &policyFieldProblem{Field: field, Text: m}
	}
	return nil
}

// templateChoice is a template of the step picker: its key and channel.
type templateChoice struct {
	Key     string
	Channel portal.Channel
}

func templateChoices() []templateChoice {
	var out []templateChoice
	for _, k := range reminders.TemplateKeys() {
		ch, _ := reminders.TemplateChannel(k)
		out = append(out, templateChoice{Key: k, Channel: ch})
	}
	return out
}

// formOfSequence is the form filled from seq: a copy to save as a new
// sequence, or seq itself to change in place.
func formOfSequence(seq *portal.ReminderSequence, t *i18n.T, inPlace bool) *sequenceForm {
	f := &sequenceForm{Errs: map[string]string{}}
	if seq != nil {
		f.Name, f.CreditorID = t.Text("console.sequences.copyof", "Name", seq.Name), seq.CreditorID
		if inPlace {
			f.Name, f.EditID = seq.Name, seq.ID
		}
		for _, st := range seq.Steps {
			f.Steps = append(f.Steps, sequenceStepRow{Day: strconv.Itoa(st.DayOffset), Template: st.TemplateKey})
		}
	}
	for len(f.Steps) < sequenceFormRows {
		f.Steps = append(f.Steps, sequenceStepRow{})
	}
	return f
}

// sequenceOf reads the posted form: the rows with a template are the
// steps, each on the channel of its template.
func sequenceOf(c *fiber.Ctx, t *i18n.T) (*sequenceForm, *portal.ReminderSequence) {
	f := &sequenceForm{Name: c.FormValue("name"), CreditorID: c.FormValue("creditor_id"), Errs: map[string]string{}}
	seq := &portal.ReminderSequence{Name: strings.TrimSpace(f.Name), CreditorID: f.CreditorID}
	args := c.Request().PostArgs()
	days, tmpls := args.PeekMulti("day"), args.PeekMulti("template")
	for i := 0; i < len(days) || i < len(tmpls); i++ {
		var row sequenceStepRow
		if i < len(days) {
			row.Day = strings.TrimSpace(string(days[i]))
		}
		if i < len(tmpls) {
			row.Template = string(tmpls[i])
		}
		f.Steps = append(f.Steps, row)
		if row.Template == "" && row.Day == "" {
			continue
		}
		field := "steps." + strconv.Itoa(len(f.Steps)-1)
		day, err := strconv.Atoi(row.Day)
		if err != nil {
			f.Errs[field] = t.Text("console.sequences.err.day_offset")
		}
		ch, _ := reminders.TemplateChannel(row.Template)
		seq.Steps = append(seq.Steps, &portal.ReminderStep{DayOffset: day, Channel: ch, TemplateKey: row.Template})
		f.stepRows = append(f.stepRows, len(f.Steps)-1)
	}
	return f, seq
}

// sequenceProblem places a refusal of reminders.ValidateSequence (or the
// store) beside its field, in words.
func (f *sequenceForm) sequenceProblem(t *i18n.T, err error) {
	field := portal.ErrorField(err)
	if rest, ok := strings.CutPrefix(field, "steps["); ok {
		i, sub, _ := strings.Cut(rest, "].")
		row := i
		if n, err := strconv.Atoi(i); err == nil && n >= 0 && n < len(f.stepRows) {
			row = strconv.Itoa(f.stepRows[n])
		}
		f.Errs["steps."+row] = textOr(t, "console.sequences.err."+sub, portal.ErrorMessage(err))
		return
	}
	switch field {
	case "name", "steps", "creditor_id":
		f.Errs[field] = t.Text("console.sequences.err."+field, "Max", reminders.MaxSteps, "Len", portal.MaxNameLen)
	default:
		f.Errs["name"] = portal.ErrorMessage(err)
	}
}

func (s *Server) renderSequences(c *fiber.Ctx, status int, form *sequenceForm) error {
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	u := consoleUserOf(c)
	t := s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	seqs, err := svc.FindSequences(ctx, u.TenantID)
	if err != nil {
		return err
	}
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return err
	}
	sent, err := svc.SequencesSent(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if form == nil {
		var from *portal.ReminderSequence
		inPlace := false
		for _, sq := range seqs {
			if sq.ID == c.Query("from") {
				from = sq
			}
			if sq.ID == c.Query("edit") && sq.Builtin == "" && !sent[sq.ID] {
				from, inPlace = sq, true
			}
		}
		form = formOfSequence(from, t, inPlace)
	}
	names := map[string]string{}
	for _, cr := range creditors {
		names[cr.ID] = cr.LegalName
	}
	return s.renderConsole(c.Status(status), "sequences", map[string]any{"Title": t.Text("console.sequences.title"),
		"Sequences": seqs, "Creditors": creditors, "CreditorNames": names, "Form": form, "Templates": templateChoices(),
		"IsOwner": u.Role.AtLeast(portal.RoleOwner), "Created": c.Query("created"), "Updated": c.Query("updated"),
		"Editing": c.Query("from") != "", "Sent": sent})
}

// handleConsoleSequences lists the tenant's sequences and, for owners,
// the form to make one (?from=<id>: filled from that sequence).
func (s *Server) handleConsoleSequences(c *fiber.Ctx) error {
	return s.renderSequences(c, fiber.StatusOK, nil)
}

// handleConsoleSequenceCreate stores a new sequence from the form; a
// refused one shows the form again with the problem beside its field.
func (s *Server) handleConsoleSequenceCreate(c *fiber.Ctx) error { return s.saveSequence(c, "") }

// handleConsoleSequenceUpdate is POST /console/sequences/:id: the form
// saved over that sequence (its name and steps; its creditor stays), while
// no reminder was sent from it; else the refusal in words above the form.
func (s *Server) handleConsoleSequenceUpdate(c *fiber.Ctx) error {
	return s.saveSequence(c, strings.Clone(c.Params("id")))
}

// saveSequence creates a sequence from the form (id "") or changes
// sequence id in place, as the owner typed it.
func (s *Server) saveSequence(c *fiber.Ctx, id string) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	svc, err := s.reminders()
	if err != nil {
		return err
	}
	t := s.consoleT(c)
	form, seq := sequenceOf(c, t)
	form.EditID, seq.ID = id, id
	status := fiber.StatusBadRequest
	if len(form.Errs) == 0 {
		ctx, cancel := s.userContext(c)
		if id == "" {
			err = svc.CreateSequence(ctx, consoleUserOf(c).TenantID, seq)
		} else {
			err = svc.UpdateSequence(ctx, consoleUserOf(c).TenantID, seq)
		}
		cancel()
		switch portal.ErrorCode(err) {
		case "":
		case portal.EINVALID:
			form.sequenceProblem(t, err)
		case portal.ECONFLICT:
			form.Errs["sequence"] = t.Text("console.sequences.err.fixed")
			status = fiber.StatusConflict
		default:
			return err
		}
	}
	if len(form.Errs) > 0 {
		return s.renderSequences(c, status, form)
	}
	done := "created"
	if id != "" {
		done = "updated"
	}
	return c.Redirect("/console/sequences?"+done+"="+seq.ID+"#sequence-"+seq.ID, fiber.StatusSeeOther)
}

// sampleReminder fills a template for the preview: the tenant's first
// creditor, a made-up debtor and claim, amounts and dates in the
// language.
func sampleReminder(lang, creditor, base string, today portal.Date) reminders.Data {
	return reminders.Data{DebtorName: "Dupont SARL", CreditorName: creditor, Reference: "R-2024-0042",
		Amount: reminders.FormatAmount(lang, 125050, "EUR"), DueDate: reminders.FormatDate(lang, today.AddDays(-30)),
		PayBy: reminders.FormatDate(lang, today.AddDays(14)), PortalURL: base + "/p/EXAMPLE", UnsubscribeURL: base + "/u/EXAMPLE"}
}

// templatePreview is one template rendered in one language, with the
// text it was made from (the creditor's, the tenant's or the shipped one)
// and, on the page of a refused or previewed form, what was typed.
type templatePreview struct {
	Lang    string
	Message *reminders.Message
	Problem string
	// Subject and Body are the text in the form; Own tells a text saved for
	// the page's choice (the chosen creditor's, else the tenant's), which
	// reset removes; Inherited the tenant's text a chosen creditor uses as
	// it has none of its own; Typed one typed and not saved (a preview or a
	// refusal).
	Subject, Body  string
	Own, Inherited bool
	Typed          bool
	Errs           map[string]string
}

// creditorTexts is a creditor with its own text of a template, in the
// languages it has one.
type creditorTexts struct {
	Creditor  *portal.Creditor
	Languages []string
}

// templateChange is a change of a template's texts in the account log:
// who set or reset which language, for which creditor ("" for all).
type templateChange struct {
	policyChange
	Reset              bool
	Language, Creditor string
}

// handleConsoleTemplate shows a reminder template's text in the four
// languages, rendered with sample data as the debtor would read it, for
// all the tenant's creditors or, with ?creditor=, as that creditor's claims
// use it; it lists the creditors with their own text. Owners edit the text
// of each language (POST .../:lang).
func (s *Server) handleConsoleTemplate(c *fiber.Ctx) error {
	return s.renderTemplate(c, fiber.StatusOK, strings.Clone(c.Query("creditor")), nil)
}

// renderTemplate renders the template page for creditorID ("" for the
// tenant's text of all creditors; another tenant's creditor is not found);
// typed replaces the saved text of one language (a preview or a refused
// change).
func (s *Server) renderTemplate(c *fiber.Ctx, status int, creditorID string, typed *templatePreview) error {
	key := strings.Clone(c.Params("key"))
	ch, ok := reminders.TemplateChannel(key)
	if !ok {
		return portal.Errorf(portal.ENOTFOUND, "No such reminder template.")
	}
	u := consoleUserOf(c)
	t := s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return err
	}
	var chosen *portal.Creditor
	byID := map[string]*portal.Creditor{}
	for _, cr := range creditors {
		byID[cr.ID] = cr
		if cr.ID == creditorID {
			chosen = cr
		}
	}
	if creditorID != "" && chosen == nil {
		return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	creditor := "Alpha SAS"
	if chosen != nil {
		creditor = chosen.LegalName
	} else if len(creditors) > 0 {
		creditor = creditors[0].LegalName
	}
	tenantText, creditorText := map[string]*portal.TemplateText{}, map[string]*portal.TemplateText{}
	var overrides []creditorTexts
	if s.deps.TemplateTexts != nil {
		txts, err := s.deps.TemplateTexts.FindTemplateTexts(ctx, u.TenantID, key) // by creditor, then language
		if err != nil {
			return err
		}
		for _, x := range txts {
			switch {
			case x.CreditorID == "":
				tenantText[x.Language] = x
			case byID[x.CreditorID] == nil: // not the tenant's: never shown
				continue
			default:
				if x.CreditorID == creditorID {
					creditorText[x.Language] = x
				}
				if n := len(overrides); n == 0 || overrides[n-1].Creditor.ID != x.CreditorID {
					overrides = append(overrides, creditorTexts{Creditor: byID[x.CreditorID]})
				}
				overrides[len(overrides)-1].Languages = append(overrides[len(overrides)-1].Languages, x.Language)
			}
		}
	}
	today := portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))
	var out []templatePreview
	for _, lang := range portal.Languages {
		p := templatePreview{Lang: lang, Errs: map[string]string{}}
		txt := tenantText[lang]
		if chosen != nil {
			if own := creditorText[lang]; own != nil {
				txt = own
			} else {
				p.Inherited = txt != nil
			}
		}
		p.Own = txt != nil && !p.Inherited
		if typed != nil && typed.Lang == lang {
			p.Typed, p.Inherited, p.Errs = true, false, typed.Errs
			txt = &portal.TemplateText{Key: key, Language: lang, Subject: typed.Subject, Body: typed.Body}
		}
		if txt != nil {
			p.Subject, p.Body = txt.Subject, txt.Body
		} else {
			p.Subject, p.Body, _ = reminders.ShippedText(key, lang)
		}
		if len(p.Errs) == 0 {
			m, err := reminders.RenderText(key, lang, sampleReminder(lang, creditor, s.cfg.BaseURL, today), txt)
			p.Message = m
			if err != nil {
				if pr := reminders.ProblemOf(err); pr != nil {
					p.Errs[pr.Field] = textProblem(t, pr)
				} else {
					p.Problem = portal.ErrorMessage(err)
				}
			}
		}
		out = append(out, p)
	}
	changes, err := s.templateChanges(ctx, u.TenantID, key, byID)
	if err != nil {
		return err
	}
	return s.renderConsole(c.Status(status), "template", map[string]any{"Title": t.Text("console.template.title", "Key", key),
		"Key": key, "Channel": ch, "Previews": out, "HasSubject": ch != portal.ChannelSMS,
		"CanEdit": u.Role.AtLeast(portal.RoleOwner) && s.deps.TemplateTexts != nil, "Variables": reminders.Variables(),
		"Legal": key == "be_first_free" || key == "formal_notice", "Saved": c.Query("saved"), "Changes": changes,
		"Creditors": creditors, "Creditor": chosen, "Overrides": overrides})
}

// templateChanges is the account log of key's texts (set and reset, the
// newest first, at most 20), each with its language and creditor.
func (s *Server) templateChanges(ctx context.Context, tenantID, key string, creditors map[string]*portal.Creditor) ([]templateChange, error) {
	if s.deps.AccountLog == nil {
		return nil, nil
	}
	const limit = 20
	var entries []*portal.AccountEntry
	for _, kind := range []string{portal.AccountTemplateTextSet, portal.AccountTemplateTextReset} {
		chs, err := s.deps.AccountLog.AccountChanges(ctx, tenantID, kind, key, limit)
		if err != nil {
			return nil, err
		}
		entries = append(entries, chs...)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].At.After(entries[j].At) })
	if len(entries) > limit {
		entries = entries[:limit]
	}
	names, err := s.actorNames(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]templateChange, len(entries))
	for i, en := range entries {
		var p struct {
			Language   string `json:"language"`
			CreditorID string `json:"creditor_id"`
		}
		_ = json.Unmarshal(en.Payload, &p) // written by the store: a bad payload only leaves the columns empty
		out[i] = templateChange{policyChange: policyChange{AccountEntry: en, By: names(en.Actor)},
			Reset: en.Kind == portal.AccountTemplateTextReset, Language: p.Language}
		if cr := creditors[p.CreditorID]; cr != nil {
			out[i].Creditor = cr.LegalName
		}
	}
	return out, nil
}

// textProblem says a template text's problem in the console's language.
func textProblem(t *i18n.T, p *reminders.TextProblem) string {
	return t.Text("console.text.err."+p.Reason, "Detail", p.Detail, "Max", reminders.MaxSMSSegments, "Example", "{{.DebtorName}}", "Variables", strings.Join(reminders.Variables(), ", "))
}

// handleConsoleTemplateText is POST /console/sequences/templates/:key/:lang
// (owners), for the tenant's text of all creditors or, with creditor_id,
// one creditor's own (another tenant's creditor is not found, by the
// store or the page): action
// "preview" renders the typed text without saving it, "save" saves it
// (refused beside its field when it does not check) and "reset" removes
// it (a creditor's claims use the tenant's text again, the tenant's the
// shipped one); changes are in the account log.
func (s *Server) handleConsoleTemplateText(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if s.deps.TemplateTexts == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Template texts are not available on this server.")
	}
	key, lang := strings.Clone(c.Params("key")), strings.Clone(c.Params("lang"))
	if _, ok := reminders.TemplateChannel(key); !ok || !portal.ValidLanguage(lang) {
		return portal.Errorf(portal.ENOTFOUND, "No such reminder template.")
	}
	u := consoleUserOf(c)
	t := s.consoleT(c)
	creditorID := strings.Clone(c.FormValue("creditor_id"))
	typed := &templatePreview{Lang: lang, Subject: strings.Clone(c.FormValue("subject")), Body: strings.Clone(c.FormValue("body")), Errs: map[string]string{}}
	typed.Body = strings.ReplaceAll(typed.Body, "\r\n", "\n")
	ctx, cancel := s.userContext(c)
	defer cancel()
	switch c.FormValue("action") {
	case "reset":
		if err := s.deps.TemplateTexts.ResetTemplateText(ctx, u.TenantID, creditorID, key, lang); err != nil {
			return err
		}
	case "preview":
		if err := reminders.ValidateText(key, typed.Subject, typed.Body); err != nil {
			if pr := reminders.ProblemOf(err); pr != nil {
				typed.Errs[pr.Field] = textProblem(t, pr)
				return s.renderTemplate(c, fiber.StatusBadRequest, creditorID, typed)
			}
			return err
		}
		return s.renderTemplate(c, fiber.StatusOK, creditorID, typed)
	default:
		err := s.deps.TemplateTexts.SetTemplateText(ctx, u.TenantID, &portal.TemplateText{CreditorID: creditorID, Key: key, Language: lang, Subject: typed.Subject, Body: typed.Body})
		if pr := reminders.ProblemOf(err); pr != nil {
			typed.Errs[pr.Field] = textProblem(t, pr)
			return s.renderTemplate(c, fiber.StatusBadRequest, creditorID, typed)
		} else if err != nil {
			return err
		}
	}
	q := "?saved=" + lang
	if creditorID != "" {
		q = "?creditor=" + url.QueryEscape(creditorID) + "&saved=" + lang
	}
	return c.Redirect("/console/sequences/templates/"+key+q+"#preview-"+lang, fiber.StatusSeeOther)
}

// handleConsoleRetention shows the tenant's retention of personal data.
func (s *Server) handleConsoleRetention(c *fiber.Ctx) error {
	return s.renderRetention(c, fiber.StatusOK, nil, "", "")
}

func (s *Server) renderRetention(c *fiber.Ctx, status int, errs map[string]string, noPrescription, grace string) error {
	if err := s.privacyReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	p, err := s.deps.Privacy.Retention(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if errs == nil {
		errs = map[string]string{}
		noPrescription, grace = strconv.Itoa(p.NoPrescriptionMonths), strconv.Itoa(p.GraceMonths)
	}
	changes, err := s.accountChanges(ctx, u.TenantID, portal.AccountRetentionSet)
	if err != nil {
		return err
	}
	return s.renderConsole(c.Status(status), "retention", map[string]any{"Title": s.consoleT(c).Text("console.retention.title"),
		"Retention": p, "IsOwner": u.Role.AtLeast(portal.RoleOwner), "Errs": errs, "NoPrescription": noPrescription, "Grace": grace,
		"Saved": c.Query("saved") != "", "Changes": changes,
		"Min": portal.MinNoPrescriptionMonths, "Max": portal.MaxNoPrescriptionMonths, "MaxGrace": portal.MaxGraceMonths})
}

// handleConsoleRetentionSet replaces the retention (owners).
func (s *Server) handleConsoleRetentionSet(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.privacyReady(); err != nil {
		return err
	}
	t := s.consoleT(c)
	np, gr := strings.TrimSpace(c.FormValue("no_prescription_months")), strings.TrimSpace(c.FormValue("grace_months"))
	errs := map[string]string{}
	n, err1 := strconv.Atoi(np)
	g, err2 := strconv.Atoi(gr)
	if err1 != nil {
		errs["no_prescription_months"] = t.Text("console.retention.err.no_prescription_months", "Min", portal.MinNoPrescriptionMonths, "Max", portal.MaxNoPrescriptionMonths)
	}
	if err2 != nil {
		errs["grace_months"] = t.Text("console.retention.err.grace_months", "Max", portal.MaxGraceMonths)
	}
	if len(errs) == 0 {
		ctx, cancel := s.userContext(c)
		err := s.deps.Privacy.SetRetention(ctx, consoleUserOf(c).TenantID, portal.RetentionPolicy{NoPrescriptionMonths: n, GraceMonths: g})
		cancel()
		if portal.ErrorCode(err) == portal.EINVALID {
			field := portal.ErrorField(err)
			if field != "grace_months" {
				field = "no_prescription_months"
			}
			errs[field] = t.Text("console.retention.err."+field, "Min", portal.MinNoPrescriptionMonths, "Max", portal.MaxNoPrescriptionMonths)
			if field == "grace_months" {
				errs[field] = t.Text("console.retention.err.grace_months", "Max", portal.MaxGraceMonths)
			}
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return s.renderRetention(c, fiber.StatusBadRequest, errs, np, gr)
	}
	return c.Redirect("/console/retention?saved=1", fiber.StatusSeeOther)
}
