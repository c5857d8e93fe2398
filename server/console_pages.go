package server

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
)

//go:embed console_templates/*.html
var consoleTemplateFS embed.FS

var consoleFuncs = template.FuncMap{
	"money": consoleMoney,
	// minus shows a deduction (credit notes, payments): "−12.00 EUR", and
	// "0.00 EUR" when there is none, never "−0.00 EUR".
	"minus": func(v int64, cur portal.Currency) string { return consoleMoney(-v, cur) },
	"bp":    func(bp int64) string { return portal.FormatMinor(bp, 2) + " %" },
	"rate":  rules.FormatRate,
	// lastDay shows the exclusive end of a rate line as the last day it covers.
	"lastDay":  func(d portal.Date) portal.Date { return d.AddDays(-1) },
	"fileSize": fileSize,
	// Replaced per language by consoleFuncsIn: money, minus, bp, date, utc
	// (a stored time in UTC), offer (terms in words), breaches (how an
	// offer leaves the policy, in words and money), count ("12 months"),
	// disputeReason, disputeStatus.
	"offer":         func(o negotiation.Offer, cur portal.Currency) string { return string(o.Kind) },
	"breaches":      func(v negotiation.Verdict, cur portal.Currency) string { return "" },
	"count":         func(unit string, n any) string { return fmt.Sprint(n) },
	"missingRates":  func(m []rules.MissingRate) string { return fmt.Sprint(m) },
	"upTo":          func(v int64, cur portal.Currency) string { return fmt.Sprint(v) },
	"date":          func(d portal.Date) string { return d.String() },
	"utc":           func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" },
	"disputeReason": func(r portal.DisputeReason) string { return string(r) },
	"disputeStatus": func(s portal.DisputeStatus) string { return string(s) },
	// words names a code in words: {{words "console.stage." .Stage}} is
	// the message "console.stage.<stage>", or the code when unknown.
	"words": func(prefix string, v any) string { return fmt.Sprint(v) },
	// pct is a rate in basis points with its % sign: "2.62%".
	"pct": func(bp int64) string { return i18n.Rate("en", bp) },
	"tr":  func(key string, pairs ...any) string { return key },
	// Back-office forms (console_backoffice_claims.go): field builds an
	// input's view, list a list of codes, inc a 1-based row number, stages
	// names stages in words.
	"field":  formField,
	"list":   func(v ...string) []string { return v },
	"inc":    func(i int) int { return i + 1 },
	"stages": func(st []portal.Stage) string { return fmt.Sprint(st) },
}

// consoleMoney formats minor units in English for agents ("2,500.00 EUR",
// "−3.10 EUR", zero "0.00 EUR"); templates and the sentences built in Go
// (offers, policy breaches) get money in the console's language from
// consoleFuncsIn and t.Amount.
func consoleMoney(v int64, cur portal.Currency) string { return i18n.Amount("en", v, cur) }

// consolePageNames are the console's pages: each is parsed with the
// layout and the claim panel.
var consolePageNames = []string{"login", "queue", "claims", "claim", "conversation", "timeline", "rates", "dispute", "error",
	"claim_new", "claim_import", "claim_manage",
	"policy", "statements", "statement", "letters_queue", "sequences", "template", "retention", // rules and money (issue 18)
	"dashboard", "replies", "satisfaction"}

// consolePagesIn is every console page parsed once per language, so that
// a template's money, dates and words follow the console's language
// without being passed it; consolePages is the English set (tests render
// the claim panel alone with it).
var (
	consolePagesIn = func() map[string]map[string]*template.Template {
		b, err := i18n.New()
		if err != nil {
			panic(err)
		}
		out := map[string]map[string]*template.Template{}
		for _, lang := range portal.Languages {
			funcs := consoleFuncsIn(b.For(lang))
			out[lang] = map[string]*template.Template{}
			for _, name := range append(consolePageNames, webhookConsolePages...) {
				out[lang][name] = template.Must(template.New(name).Funcs(funcs).ParseFS(consoleTemplateFS,
					"console_templates/layout.html", "console_templates/claim_panel.html", "console_templates/replies_picker.html", "console_templates/notify.html", "console_templates/court.html", "console_templates/"+name+".html"))
			}
		}
		return out
	}()
	consolePages = consolePagesIn["en"]
)

// consoleFuncsIn is consoleFuncs with what depends on the language in
// t's: money "1.234,56 EUR" (nl), dates "5. März 2026" (de), times "5 mars
// 2026 14:03 UTC" (fr), rates "2,62 %" (fr), codes (dispute reasons and
// statuses, stages, event kinds…) in words.
func consoleFuncsIn(t *i18n.T) template.FuncMap {
	f := template.FuncMap{}
	for k, v := range consoleFuncs {
		f[k] = v
	}
	f["money"] = t.Amount
	f["minus"] = func(v int64, cur portal.Currency) string { return t.Amount(-v, cur) }
	f["date"] = t.Date
	f["utc"] = t.TimeUTC
	f["disputeReason"] = func(r portal.DisputeReason) string { return disputeReasonText(t, r) }
	f["disputeStatus"] = func(st portal.DisputeStatus) string { return disputeStatusText(t, st) }
	f["words"] = func(prefix string, v any) string { return textOr(t, prefix+fmt.Sprint(v), fmt.Sprint(v)) }
	f["pct"] = t.Rate
	f["bp"] = t.Rate
	f["offer"] = func(o negotiation.Offer, cur portal.Currency) string { return offerSummary(t, o, cur) }
	f["breaches"] = func(v negotiation.Verdict, cur portal.Currency) string { return breachesText(t, v, cur) }
	f["count"] = func(unit string, n any) string { return countText(t, unit, n) }
	// missingRates names the rates a balance waits for: "fr_legal from 1 July 2024, …".
	f["missingRates"] = func(ms []rules.MissingRate) string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = t.Text("console.panel.missing.from", "Series", m.Series, "From", t.Date(m.From))
		}
		return strings.Join(out, ", ")
	}
	// upTo is a band's ceiling: an amount, or "any balance" for none.
	f["upTo"] = func(v int64, cur portal.Currency) string {
		if v == 0 {
			return t.Text("console.policy.anybalance")
		}
		return t.Amount(v, cur)
	}
	// tr is $.Tr for what is rendered without the page's data (the claim
	// panel alone).
	f["tr"] = t.Text
	f["stages"] = func(st []portal.Stage) string { return stagesText(t, st) }
	return f
}

// offerSummary is a one-line reading of offer terms for agents, in t's
// language: "plan 12 × 41.63 EUR monthly from 15 July 2024 by transfer".
func offerSummary(t *i18n.T, o negotiation.Offer, cur portal.Currency) string {
	m := func(v int64) string { return t.Amount(v, cur) }
	switch o.Kind {
	case negotiation.KindPlan:
		s := t.Text("console.offer.plan", "Count", o.Count, "Amount", m(o.Amount),
			"Frequency", textOr(t, "console.frequency."+string(o.Frequency), string(o.Frequency)),
			"First", t.Date(o.FirstDate), "Method", textOr(t, "console.method."+string(o.Method), string(o.Method)))
		if o.DownPayment > 0 {
			s += t.Text("console.offer.down", "Amount", m(o.DownPayment))
		}
		return s
	case negotiation.KindSettlement:
		return t.Text("console.offer.settlement", "Amount", m(o.Amount))
	case negotiation.KindPromise:
		return t.Text("console.offer.promise", "Date", t.Date(o.Date))
	case negotiation.KindCallback:
		return t.Text("console.offer.callback", "Phone", o.Phone)
	}
	return string(o.Kind)
}

// consoleLanguage is the console's language for a request: the one the
// signed-in user chose, else the browser's first language the console
// speaks, else English.
func consoleLanguage(c *fiber.Ctx) string {
	if u, ok := c.Locals(localConsoleUser).(*portal.User); ok && portal.ValidLanguage(u.Language) {
		return u.Language
	}
	if lang := i18n.Match(c.Get(fiber.HeaderAcceptLanguage)); lang != "" {
		return lang
	}
	return "en"
}

// consoleT translates console text for a request (keys "console.…").
func (s *Server) consoleT(c *fiber.Ctx) *i18n.T { return s.i18n.For(consoleLanguage(c)) }

// consoleLanguages are the choices of the language menu, each named in
// its own language.
var consoleLanguages = []struct{ Code, Name string }{{"fr", "Français"}, {"nl", "Nederlands"}, {"en", "English"}, {"de", "Deutsch"}}

// renderConsole renders a console page; data gets the user, the CSRF
// token of the session, the language (Lang) and its translator, called
// in templates as {{call $.Tr "console.key" "Name" value}}.
func (s *Server) renderConsole(c *fiber.Ctx, page string, data map[string]any) error {
	t := s.consoleT(c)
	data["Lang"], data["Tr"], data["Languages"], data["Here"] = t.Lang, t.Text, consoleLanguages, c.Path()
	if u, ok := c.Locals(localConsoleUser).(*portal.User); ok {
		data["User"] = u
		if sess := consoleSession(c); sess != nil {
			data["CSRF"] = sess.CSRFToken
		}
	}
	if data["Title"] == nil {
		data["Title"] = page
	}
	var buf bytes.Buffer
	if err := consolePagesIn[t.Lang][page].ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render console %s: %w", page, err)
	}
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

func consoleUserOf(c *fiber.Ctx) *portal.User {
	u, _ := c.Locals(localConsoleUser).(*portal.User)
	return u
}

func (s *Server) handleConsoleQueue(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	items, err := s.deps.Conversations.Queue(ctx, consoleUserOf(c).TenantID, 200)
	if err != nil {
		return err
	}
	disputes, err := s.openDisputes(ctx, consoleUserOf(c).TenantID)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": s.consoleT(c).Text("console.nav.queue"), "Items": items, "Disputes": disputes}
	if data["Promises"], err = s.promisesToFollow(c, consoleUserOf(c).TenantID); err != nil {
		return err
	}
	if err := s.heldConversations(ctx, consoleUserOf(c), data); err != nil {
		return err
	}
	s.queueWorkspace(ctx, c, items, data) // service levels (items sorted by time left), breaches and unread counts (console_targets.go)
	return s.renderConsole(c, "queue", data)
}

// heldConversations adds to the queue's data (HeldSections) the
// conversations the user holds, for agents and owners, and for owners
// every conversation an agent holds, with its holder: a conversation
// handed over or answered stays in sight after it leaves the queue.
func (s *Server) heldConversations(ctx context.Context, u *portal.User, data map[string]any) error {
	if !u.Role.AtLeast(portal.RoleAgent) {
		return nil
	}
	mine, err := s.deps.Conversations.Assigned(ctx, u.TenantID, u.ID, 200)
	if err != nil {
		return err
	}
	sections := []heldSection{{ID: "mine", Items: mine}}
	if u.Role.AtLeast(portal.RoleOwner) {
		held, err := s.deps.Conversations.Assigned(ctx, u.TenantID, "", 200)
		if err != nil {
			return err
		}
		sections = append(sections, heldSection{ID: "held", Items: held, Holder: true})
	}
	data["HeldSections"] = sections
	return nil
}

// heldSection is one list of held conversations on the queue page; Holder
// adds the column naming the agent.
type heldSection struct {
	ID     string
	Items  []*negotiation.QueueItem
	Holder bool
}

// claimPanel gathers what the claim panel shows: balance breakdown,
// disputes, earlier offers and the policy.
func (s *Server) claimPanel(c *fiber.Ctx, claimID string) (map[string]any, error) {
	if err := s.negotiationReady(); err != nil {
		return nil, err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Claims.FindClaim(ctx, u.TenantID, claimID)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Claim": claim, "Title": s.consoleT(c).Text("console.claim.title", "Reference", claim.Reference), "Exponent": claim.Currency.Exponent(),
		"CanWrite": u.Role.AtLeast(portal.RoleAgent), "IsOwner": u.Role.AtLeast(portal.RoleOwner)}
	if s.deps.Rates != nil {
		today := portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))
		if b, err := s.deps.Rates.Compute(claim, today); err == nil {
			data["Balance"] = b
			// Paid in full: agents and owners download the debtor's receipt.
			data["Receipt"] = u.Role.AtLeast(portal.RoleAgent) && receiptReady(b)
		} else {
			data["BalanceProblem"] = portal.ErrorMessage(err)
		}
	} else {
		data["BalanceProblem"] = s.consoleT(c).Text("console.claim.nobalance")
	}
	if data["Balance"] == nil {
		data["Balance"] = (*rules.Balance)(nil)
	}
	offers, err := s.deps.Conversations.ClaimOffers(ctx, u.TenantID, claim.ID)
	if err != nil {
		return nil, err
	}
	data["Offers"] = offers
	policy, err := s.deps.Conversations.Policy(ctx, u.TenantID, claim.ID)
	if err != nil {
		return nil, err
	}
	data["Policy"] = policy
	// Every dispute of the claim, newest first, each linking to its page.
	if s.deps.Disputes != nil {
		ds, err := s.deps.Disputes.FindDisputes(ctx, u.TenantID, claim.ID)
		if err != nil {
			return nil, err
		}
		data["Disputes"] = ds
	}
	// Signed agreements: the panel links each one's PDF and schedule, on
	// the claim page and beside the conversation.
	agreements, err := s.claimAgreements(ctx, u.TenantID, claim)
	if err != nil {
		return nil, err
	}
	data["Agreements"] = agreements
	if data["Promises"], err = s.claimPromises(c, u.TenantID, claim.ID); err != nil {
		return nil, err
	}
	return data, nil
}

func (s *Server) handleConsoleClaim(c *fiber.Ctx) error {
	data, err := s.claimPanel(c, c.Params("id"))
	if err != nil {
		return err
	}
	// The court documents, as on the manage page: recorded through its
	// forms, previewed as drafts (issue 23).
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.courtView(ctx, s.consoleT(c), consoleUserOf(c).TenantID, data["Claim"].(*portal.Claim), data); err != nil {
		return err
	}
	return s.renderConsole(c, "claim", data)
}

// consoleAgreement is a signed agreement as the claim page lists it: the
// link to its PDF and its instalment schedule with where each payment
// stands.
type consoleAgreement struct {
	*negotiation.Agreement
	Instalments []consoleInstalment
}

type consoleInstalment struct {
	Seq    int
	DueOn  portal.Date
	Amount int64
	Paid   int64
	Method string
	Status string
	// HasPaid: the instalment records its payments (Paid is meaningful).
	HasPaid bool
}

// claimAgreements lists the claim's signed agreements (from its
// agreement.signed events), oldest first, with their instalments.
func (s *Server) claimAgreements(ctx context.Context, tenantID string, claim *portal.Claim) ([]*consoleAgreement, error) {
	evs, err := s.deps.Events.ListEvents(ctx, tenantID, claim.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	var out []*consoleAgreement
	byID := map[string]*consoleAgreement{}
	for _, e := range evs {
		if e.Kind != portal.EventAgreementSigned {
			continue
		}
		var p struct {
			AgreementID string `json:"agreement_id"`
		}
		if json.Unmarshal([]byte(e.Payload), &p) != nil || p.AgreementID == "" || byID[p.AgreementID] != nil {
			continue
		}
		a, err := s.deps.Conversations.FindAgreement(ctx, tenantID, p.AgreementID)
		if err != nil {
			if portal.ErrorCode(err) == portal.ENOTFOUND {
				continue
			}
			return nil, err
		}
		ca := &consoleAgreement{Agreement: a}
		byID[a.ID] = ca
		out = append(out, ca)
	}
	if len(out) == 0 {
		return nil, nil
	}
	// The live state of each instalment: the payments side's view when it
	// is wired (what was paid, retries), else the negotiation's.
	if s.deps.Instalments != nil {
		ins, err := s.deps.Instalments.ListInstalments(ctx, tenantID, claim.ID)
		if err != nil {
			return nil, err
		}
		for _, in := range ins {
			if a := byID[in.AgreementID]; a != nil {
				a.Instalments = append(a.Instalments, consoleInstalment{Seq: in.Seq, DueOn: in.DueOn, Amount: in.Amount, Paid: in.Paid,
					Method: in.Method, Status: in.Status, HasPaid: true})
			}
		}
	} else {
		ins, err := s.deps.Conversations.PlanInstalments(ctx, tenantID, claim.ID)
		if err != nil {
			return nil, err
		}
		for _, in := range ins {
			if a := byID[in.AgreementID]; a != nil {
				a.Instalments = append(a.Instalments, consoleInstalment{Seq: in.Seq, DueOn: in.DueOn, Amount: in.Amount,
					Method: string(in.Method), Status: string(in.Status)})
			}
		}
	}
	// A settlement or promise has no stored instalments: its schedule is
	// the agreement's own.
	for _, a := range out {
		if len(a.Instalments) == 0 {
			for _, in := range a.Schedule.Instalments {
				a.Instalments = append(a.Instalments, consoleInstalment{Seq: in.Seq, DueOn: in.DueOn, Amount: in.Amount, Method: string(a.Schedule.Method)})
			}
		}
	}
	return out, nil
}

// handleConsoleOpenConversation opens (or finds) a claim's conversation.
func (s *Server) handleConsoleOpenConversation(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.OpenConversation(ctx, consoleUserOf(c).TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	return c.Redirect("/console/conversations/"+conv.ID, fiber.StatusSeeOther)
}

func (s *Server) handleConsoleConversation(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	conv, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id"))
	cancel()
	if err != nil {
		return err
	}
	data, err := s.claimPanel(c, conv.ClaimID)
	if err != nil {
		return err
	}
	data["Conv"] = conv
	data["Title"] = s.consoleT(c).Text("console.conv.title", "Reference", data["Claim"].(*portal.Claim).Reference)
	// Only the agent holding the conversation writes in it (anyone may
	// take a free one by writing); the others read it, with who holds it
	// and the control to take it over.
	data["Composer"] = data["CanWrite"] == true && (conv.AgentID == "" || conv.AgentID == u.ID)
	if conv.AgentID != "" {
		ctx, cancel := s.userContext(c)
		data["Holder"] = s.userName(ctx, u.TenantID, conv.AgentID)
		cancel()
	}
	if data["Composer"] == true {
		// The agents the conversation can be handed to.
		ctx, cancel := s.userContext(c)
		users, err := s.deps.Tenants.ListUsers(ctx, u.TenantID)
		cancel()
		if err != nil {
			return err
		}
		var agents []*portal.User
		for _, a := range users {
			if a.ID != u.ID && a.Role.AtLeast(portal.RoleAgent) {
				agents = append(agents, a)
			}
		}
		data["Agents"] = agents
	}
	data["WSPath"] = "/console/chat/" + conv.ID
	// What the page shows is read (console_targets.go).
	s.markRead(c, conv.ID, conv.LastSeq)
	data["Replies"] = s.composerReplies(c, data) // prepared replies filled from the claim (console_replies.go)
	// The script's texts, and the zone it dates messages in.
	zctx, zcancel := s.userContext(c)
	data["ChatTexts"] = consoleChatTexts(s.consoleT(c), s.tenantLocation(zctx, u.TenantID))
	zcancel()
	lang := "fr"
	if cl := data["Claim"].(*portal.Claim); cl.Debtor != nil && portal.ValidLanguage(cl.Debtor.Language) {
		lang = cl.Debtor.Language
	}
	data["RefuseReasons"], data["DebtorLanguage"] = refuseReasons(s.consoleT(c), lang), s.consoleT(c).Text("console.lang."+lang)
	data["HardshipKinds"] = portal.HardshipKinds
	return s.renderConsole(c, "conversation", data)
}

// handleConsoleTake assigns the conversation to the signed-in agent; an
// owner may take it from another agent. Taking is recorded as a transfer
// to oneself, so that the history and the evidence say who took it from
// whom. Refusals are console pages in the user's language naming the
// holder.
func (s *Server) handleConsoleTake(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.negotiationReady(); err != nil {
		return err
	}
	if s.deps.Negotiation == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Negotiation is not available.")
	}
	u, t := consoleUserOf(c), s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id"))
	if err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return portal.Errorf(portal.ENOTFOUND, "%s", t.Text("console.handover.take.notfound"))
		}
		return err
	}
	back := "/console/conversations/" + conv.ID
	held := func(agentID string) error {
		return portal.Errorf(portal.ECONFLICT, "%s", t.Text("console.handover.take.held", "Name", s.userName(ctx, u.TenantID, agentID)))
	}
	switch {
	case conv.AgentID == u.ID:
		return c.Redirect(back, fiber.StatusSeeOther)
	case conv.AgentID != "" && u.Role != portal.RoleOwner:
		return held(conv.AgentID)
	}
	name := u.Name
	if name == "" {
		name = u.Email
	}
	p := negotiation.Participant{Kind: portal.ActorUser, ID: u.ID, Name: name, TenantID: u.TenantID, Role: u.Role, Language: t.Lang}
	out, err := s.deps.Negotiation.Handle(ctx, p, conv, negotiation.Input{Type: negotiation.MsgTransfer, ClientID: "take-" + portal.NewID(s.deps.Clock.Now()), ToUserID: u.ID})
	if err != nil {
		if portal.ErrorCode(err) == portal.ECONFLICT { // another agent took it a moment before
			if now, ferr := s.deps.Conversations.FindConversation(ctx, u.TenantID, conv.ID); ferr == nil && now.AgentID != "" {
				return held(now.AgentID)
			}
		}
		return err
	}
	if s.hub != nil {
		s.hub.Published(ctx, conv, out.Messages)
	}
	s.assigned(ctx, u.TenantID, out.Assigned, out.AssignErr) // the agent it was taken from has room again
	return c.Redirect(back, fiber.StatusSeeOther)
}

// handleConsoleAgreementPDF serves a signed agreement's PDF.
func (s *Server) handleConsoleAgreementPDF(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	a, err := s.deps.Conversations.FindAgreement(ctx, consoleUserOf(c).TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	if a.Status != negotiation.AgreementSigned {
		return portal.Errorf(portal.ENOTFOUND, "This agreement is not signed yet.")
	}
	if len(a.PDF) == 0 {
		return portal.Errorf(portal.EGONE, "This agreement's PDF was erased with the claim's personal data at the end of its retention; its SHA-256 stays on record.")
	}
	c.Type("pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="agreement-`+a.ID+`.pdf"`)
	c.Set("X-Content-SHA256", a.PDFSHA256)
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(a.PDF)))
	return c.Send(a.PDF)
}

// breachesText says how an offer leaves the policy, one phrase per broken
// bound, in words and money in t's language: "a plan over 12 months
// asked, the policy allows 3 months at most; the plan leaves 0.01 EUR
// unpaid …".
func breachesText(t *i18n.T, v negotiation.Verdict, cur portal.Currency) string {
	out := make([]string, 0, len(v.Breaches))
	for _, b := range v.Breaches {
		out = append(out, breachText(t, b, v.Balance, cur))
	}
	return strings.Join(out, "; ")
}

// countText is n of a unit in words ("1 month", "12 months"): message
// keys "console.unit.<unit>.one" and ".many".
func countText(t *i18n.T, unit string, n any) string {
	form := ".many"
	if v, err := strconv.ParseInt(fmt.Sprint(n), 10, 64); err == nil && (v == 1 || v == -1) {
		form = ".one"
	}
	return t.Text("console.unit."+unit+form, "Count", n)
}

// breachText reads one breach: Limit is the policy's value and Got the
// offer's (months, days or minor units as the bound says); balance is what
// the debtor owed when the offer was judged. static/js/console-chat.js
// says the breaches of live offers with the same messages
// (consoleChatTexts).
func breachText(t *i18n.T, b negotiation.Breach, balance int64, cur portal.Currency) string {
	m := func(v int64) string { return t.Amount(v, cur) }
	key := "console.breach." + string(b.Bound)
	switch b.Bound {
	case negotiation.BoundPlanLength:
		return t.Text(key, "Got", countText(t, "month", b.Got), "Limit", countText(t, "month", b.Limit))
	case negotiation.BoundNoPlan:
		if balance > 0 {
			return t.Text(key+".balance", "Got", countText(t, "instalment", b.Got), "Balance", m(balance))
		}
		return t.Text(key, "Got", countText(t, "instalment", b.Got))
	case negotiation.BoundMinInstalment:
		return t.Text(key, "Got", m(b.Got), "Limit", m(b.Limit))
	case negotiation.BoundMinDownPayment:
		if b.Got == 0 {
			return t.Text(key+".none", "Limit", m(b.Limit))
		}
		return t.Text(key, "Got", m(b.Got), "Limit", m(b.Limit))
	case negotiation.BoundCoversBalance:
		return t.Text(key, "Short", m(b.Limit-b.Got), "Got", m(b.Got), "Limit", m(b.Limit))
	case negotiation.BoundMaxDiscount:
		// Limit is the smallest settlement accepted, Got the sum offered.
		if balance > 0 {
			return t.Text(key+".balance", "Discount", m(balance-b.Got), "Got", m(b.Got), "MaxDiscount", m(balance-b.Limit), "Limit", m(b.Limit))
		}
		return t.Text(key, "Got", m(b.Got), "Limit", m(b.Limit))
	case negotiation.BoundPromiseTooFar:
		return t.Text(key, "Got", countText(t, "day", b.Got), "Limit", countText(t, "day", b.Limit))
	case negotiation.BoundNeedsAgent:
		return t.Text(key)
	}
	return string(b.Bound)
}

// disputeReasonText is a dispute's reason as agents read it, in t's
// language (keys "console.dispute.reason.<reason>"); an unknown reason
// shows as stored.
func disputeReasonText(t *i18n.T, r portal.DisputeReason) string {
	return textOr(t, "console.dispute.reason."+string(r), string(r))
}

// disputeStatusText is where a dispute stands, in words (keys
// "console.dispute.status.<status>").
func disputeStatusText(t *i18n.T, s portal.DisputeStatus) string {
	return textOr(t, "console.dispute.status."+string(s), string(s))
}

// textOr is the message key in t's language, or raw when no language has
// the key (a value the console does not know).
func textOr(t *i18n.T, key, raw string) string {
	if s := t.Text(key); s != key {
		return s
	}
	return raw
}

func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1<<9)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// consoleErrorHeadings title the console's error page by status (message
// keys "console.error.<status>").
var consoleErrorHeadings = map[int]bool{
	fiber.StatusBadRequest: true, fiber.StatusUnauthorized: true, fiber.StatusForbidden: true, fiber.StatusNotFound: true,
	fiber.StatusMethodNotAllowed: true, fiber.StatusConflict: true, fiber.StatusGone: true,
	fiber.StatusRequestEntityTooLarge: true, fiber.StatusTooManyRequests: true, fiber.StatusServiceUnavailable: true,
}

// isConsolePage says whether path is a console page, whose errors render
// as a console page (the agents' websockets keep plain errors).
func isConsolePage(path string) bool {
	return (path == "/console" || strings.HasPrefix(path, "/console/")) && !strings.HasPrefix(path, "/console/chat/") && path != "/console/queue/live"
}

// renderConsoleError is the error page of console routes: the console
// layout (with its bar when signed in), what went wrong and the request id
// to quote. Internal errors show only a generic message.
func (s *Server) renderConsoleError(c *fiber.Ctx, status int, err error) error {
	t := s.consoleT(c)
	heading := t.Text("console.error.other")
	if consoleErrorHeadings[status] {
		heading = t.Text("console.error." + strconv.Itoa(status))
	}
	msg := portal.ErrorMessage(err)
	if status == fiber.StatusNotFound && portal.ErrorCode(err) == portal.ENOTFOUND && msg == "No such page or API route." {
		msg = t.Text("console.error.nopage")
	}
	data := map[string]any{"Title": heading, "Heading": heading, "Message": msg, "RequestID": stringLocal(c, "requestid")}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if rerr := s.renderConsole(c.Status(status), "error", data); rerr != nil {
		s.log.Error("render console error page", "err", rerr, "request_id", stringLocal(c, "requestid"))
		return c.Status(status).JSON(apiError{Error: apiErrorBody{Code: portal.ErrorCode(err), Message: msg}})
	}
	return nil
}

// refuseReason is a reason an agent picks to refuse an offer: Label for
// the agent (in the console's language), Debtor the sentence the debtor
// reads, in theirs.
type refuseReason struct {
	Label, Debtor string
}

var refuseReasonTexts = []struct {
	label string // message key suffix, "console.refuse.reason.<label>"
	text  map[string]string
}{
	{"low", map[string]string{
		"fr": "Le montant proposé est trop faible.", "nl": "Het voorgestelde bedrag is te laag.",
		"en": "The amount offered is too low.", "de": "Der angebotene Betrag ist zu niedrig."}},
	{"long", map[string]string{
		"fr": "L'échéancier proposé est trop long.", "nl": "Het voorgestelde afbetalingsplan is te lang.",
		"en": "The payment plan offered is too long.", "de": "Der vorgeschlagene Ratenplan ist zu lang."}},
	{"small", map[string]string{
		"fr": "Les échéances proposées sont trop faibles.", "nl": "De voorgestelde termijnen zijn te klein.",
		"en": "The instalments offered are too small.", "de": "Die vorgeschlagenen Raten sind zu niedrig."}},
	{"checking", map[string]string{
		"fr": "Nous vérifions d'abord votre dossier et revenons vers vous.", "nl": "We controleren eerst uw dossier en nemen daarna contact met u op.",
		"en": "We are checking your file first and will come back to you.", "de": "Wir prüfen zuerst Ihre Akte und melden uns dann bei Ihnen."}},
}

// refuseReasons lists the reasons of the refuse form for a debtor's
// language, labelled in t's.
func refuseReasons(t *i18n.T, lang string) []refuseReason {
	out := make([]refuseReason, len(refuseReasonTexts))
	for i, r := range refuseReasonTexts {
		out[i] = refuseReason{Label: t.Text("console.refuse.reason." + r.label), Debtor: r.text[lang]}
	}
	return out
}

// handleConsoleLanguage records the console language the user picked and
// returns to the page they were on (a console path only: never an open
// redirect).
func (s *Server) handleConsoleLanguage(c *fiber.Ctx) error {
	u := consoleUserOf(c)
	lang := c.FormValue("language")
	if !portal.ValidLanguage(lang) {
		return portal.FieldError("language", "Choose one of the console's languages: fr, nl, en, de.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Tenants.SetUserLanguage(ctx, u.TenantID, u.ID, lang); err != nil {
		return err
	}
	u.Language = lang
	back := c.FormValue("back")
	if !isConsolePage(back) || strings.ContainsAny(back, "\\\r\n") || strings.HasPrefix(back, "//") {
		back = "/console"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
