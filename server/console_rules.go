package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

// The console's rules (issue 18): a creditor's negotiation policy as a
// form, with a preview of what it accepts for a sample balance. Every user
// of the tenant reads it and previews it; owners change it. The value is
// checked by negotiation.Policy.Validate (through the store's SetPolicy),
// the same check as PUT /api/v1/creditors/{id}/policy, and the change is
// recorded with its user in the account log.

// policyCurrency is the currency the policy's amounts are typed and shown
// in: a policy is in minor units of the claim's currency, and claims are
// in euros.
const policyCurrency portal.Currency = "EUR"

// defaultSampleBalance is the preview's balance when none is typed.
const defaultSampleBalance = 100000

// policyBandRow is one line of the bands table, as typed.
type policyBandRow struct {
	UpTo, Months string
}

// policyForm is the policy as the form shows and posts it: amounts in
// units ("20.00"), rates in percent ("10"), hours as "09:00".
type policyForm struct {
	Bands                               []policyBandRow
	MinInstalment, MinDown, MaxDiscount string
	PromiseDays                         string
	Interest                            bool
	Days                                [7]bool
	Open, Close                         string
	Retry, Attempts, Missed, DaysLate   string
	// Errs are the problems by field ("bands.2", "min_instalment"…), in
	// the console's language.
	Errs map[string]string
	// bandRows maps the policy's bands to the form's rows (empty rows
	// are no band).
	bandRows []int
}

// policyBlankBands is how many empty band rows the form offers below the
// policy's own, to add bands.
const policyBlankBands = 2

// policyFieldProblem is a field's problem as the form shows it beside the field.
type policyFieldProblem struct{ Field, Text string }

// Err is the problem of field, nil when it has none.
func (f *policyForm) Err(field string) *policyFieldProblem {
	if m := f.Errs[field]; m != "" {
		return &policyFieldProblem{Field: field, Text: m}
	}
	return nil
}

func formOfPolicy(p negotiation.Policy) *policyForm {
	f := &policyForm{
		MinInstalment: portal.FormatMinor(p.MinInstalment, policyCurrency.Exponent()),
		MinDown:       percentText(p.MinDownPaymentBP), MaxDiscount: percentText(p.MaxDiscountBP),
		PromiseDays: strconv.Itoa(p.MaxPromiseDays), Interest: p.InterestDuringPlan,
		Open: clockText(p.Hours.Open), Close: clockText(p.Hours.Close),
		Retry: strconv.Itoa(p.Plan.RetryAfterDays), Attempts: strconv.Itoa(p.Plan.MaxAttempts),
		Missed: strconv.Itoa(p.Plan.MaxMissed), DaysLate: strconv.Itoa(p.Plan.MaxDaysLate),
	}
	for _, b := range p.Bands {
		row := policyBandRow{Months: strconv.Itoa(b.MaxMonths)}
		if b.UpTo > 0 {
			row.UpTo = portal.FormatMinor(b.UpTo, policyCurrency.Exponent())
		}
		f.Bands = append(f.Bands, row)
	}
	for _, d := range p.Hours.Days {
		if d >= 0 && d <= 6 {
			f.Days[d] = true
		}
	}
	f.Bands = append(f.Bands, make([]policyBandRow, policyBlankBands)...)
	return f
}

// percentText is basis points as a percentage to type: 1000 → "10", 250 → "2.5".
func percentText(bp int64) string {
	s := portal.FormatMinor(bp, 2)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return strings.ReplaceAll(s, ",", "")
}

func clockText(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// parseClock reads "09:00" (or "24:00") as minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, false
	}
	return hh*60 + mm, true
}

// policyFormOf reads the posted form over base, the creditor's stored
// policy: the form's fields replace base's, and what the form does not
// show (ways to pay, debit notice, date moves, response targets) is kept.
// Fields that do not parse get their problem in f.Errs; the policy is only
// meaningful without them.
func policyFormOf(c *fiber.Ctx, t *i18n.T, base negotiation.Policy) (*policyForm, negotiation.Policy) {
	p := base
	p.Bands, p.Hours.Days = nil, nil
	f := &policyForm{Errs: map[string]string{},
		MinInstalment: c.FormValue("min_instalment"), MinDown: c.FormValue("min_down_payment"), MaxDiscount: c.FormValue("max_discount"),
		PromiseDays: c.FormValue("max_promise_days"), Interest: c.FormValue("interest_during_plan") != "",
		Open: c.FormValue("open"), Close: c.FormValue("close"),
		Retry: c.FormValue("retry_after_days"), Attempts: c.FormValue("max_attempts"), Missed: c.FormValue("max_missed"), DaysLate: c.FormValue("max_days_late")}
	exp := policyCurrency.Exponent()
	amount := func(field, v string) int64 {
		n, err := portal.ParseAmount(strings.TrimSpace(v), exp)
		if err != nil {
			f.Errs[field] = policyFieldError(t, field)
		}
		return n
	}
	whole := func(field, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if strings.TrimSpace(v) == "" {
			return 0
		}
		if err != nil {
			f.Errs[field] = policyFieldError(t, field)
		}
		return n
	}
	args := c.Request().PostArgs()
	ups, months := args.PeekMulti("band_up_to"), args.PeekMulti("band_months")
	for i := 0; i < len(ups) || i < len(months); i++ {
		var row policyBandRow
		if i < len(ups) {
			row.UpTo = strings.TrimSpace(string(ups[i]))
		}
		if i < len(months) {
			row.Months = strings.TrimSpace(string(months[i]))
		}
		f.Bands = append(f.Bands, row)
		if row.UpTo == "" && row.Months == "" {
			continue // an empty row of the form
		}
		field := "bands." + strconv.Itoa(len(f.Bands)-1)
		var b negotiation.Band
		if row.UpTo != "" {
			b.UpTo = amount(field, row.UpTo)
		}
		n, err := strconv.Atoi(row.Months)
		if err != nil {
			f.Errs[field] = policyFieldError(t, "bands.max_months")
		}
		b.MaxMonths = n
		p.Bands = append(p.Bands, b)
		f.bandRows = append(f.bandRows, len(f.Bands)-1)
	}
	p.MinInstalment = amount("min_instalment", f.MinInstalment)
	p.MinDownPaymentBP = amount("min_down_payment_bp", orZero(f.MinDown)) // percent with 2 decimals = basis points
	p.MaxDiscountBP = amount("max_discount_bp", orZero(f.MaxDiscount))
	p.MaxPromiseDays = whole("max_promise_days", f.PromiseDays)
	p.InterestDuringPlan = f.Interest
	for _, d := range args.PeekMulti("days") {
		if n, err := strconv.Atoi(string(d)); err == nil && n >= 0 && n <= 6 {
			f.Days[n] = true
		}
	}
	for d, on := range f.Days {
		if on {
			p.Hours.Days = append(p.Hours.Days, d)
		}
	}
	var ok1, ok2 bool
	p.Hours.Open, ok1 = parseClock(f.Open)
	p.Hours.Close, ok2 = parseClock(f.Close)
	if !ok1 || !ok2 {
		f.Errs["business_hours"] = policyFieldError(t, "business_hours")
	}
	p.Plan.RetryAfterDays, p.Plan.MaxAttempts = whole("plan.retry_after_days", f.Retry), whole("plan.max_attempts", f.Attempts)
	p.Plan.MaxMissed, p.Plan.MaxDaysLate = whole("plan.max_missed", f.Missed), whole("plan.max_days_late", f.DaysLate)
	return f, p
}

func orZero(s string) string {
	if strings.TrimSpace(s) == "" {
		return "0"
	}
	return s
}

// policyField is where a validation error of negotiation.Policy goes in
// the form: "bands[2].up_to" is the row of the third band, "bands.<row>".
func (f *policyForm) policyField(field string) (formField, messageField string) {
	if rest, ok := strings.CutPrefix(field, "bands["); ok {
		i, sub, _ := strings.Cut(rest, "]")
		if n, err := strconv.Atoi(i); err == nil && n >= 0 && n < len(f.bandRows) {
			i = strconv.Itoa(f.bandRows[n])
		}
		return "bands." + i, "bands" + sub
	}
	return field, field
}

// policyFieldError is the problem of a field in words (message keys
// "console.policyedit.err.<field>").
func policyFieldError(t *i18n.T, field string) string {
	switch field {
	case "bands.max_months":
		return t.Text("console.policyedit.err.bands.max_months", "Max", negotiation.MaxInstalments)
	case "max_promise_days":
		return t.Text("console.policyedit.err.max_promise_days", "Max", negotiation.MaxHorizonDays)
	case "plan.retry_after_days", "plan.max_attempts", "plan.max_missed", "plan.max_days_late":
		return t.Text("console.policyedit.err.plan")
	case "min_down_payment_bp", "max_discount_bp":
		return t.Text("console.policyedit.err.percent")
	}
	if strings.HasPrefix(field, "bands.") {
		return t.Text("console.policyedit.err.bands.up_to")
	}
	return textOr(t, "console.policyedit.err."+field, t.Text("console.policyedit.err.other"))
}

// policyPreview is what a policy accepts for a sample balance.
type policyPreview struct {
	Balance int64
	// MaxMonths is the longest plan (0: no plan: an agent decides).
	MaxMonths     int
	Latest        portal.Date
	MinInstalment int64
	MinDown       int64
	MinSettlement int64
	Discount      int64
	PromiseDays   int
	PromiseBy     portal.Date
	// Longest is the longest plan the policy accepts on its own, paid
	// monthly from today (nil: none).
	Longest *negotiation.Offer
	Hours   negotiation.BusinessHours
}

func previewPolicy(p negotiation.Policy, balance int64, today portal.Date) *policyPreview {
	pv := &policyPreview{Balance: balance, MaxMonths: p.MaxMonths(balance), MinInstalment: p.MinInstalment, MinDown: p.MinDownPayment(balance),
		MinSettlement: p.MinSettlement(balance), PromiseDays: p.MaxPromiseDays, PromiseBy: today.AddDays(p.MaxPromiseDays), Hours: p.Hours}
	pv.Discount = balance - pv.MinSettlement
	if pv.MaxMonths > 0 {
		pv.Latest = today.AddMonths(pv.MaxMonths)
		pv.Longest = negotiation.NearestPlan(p, negotiation.Offer{Kind: negotiation.KindPlan, FirstDate: today,
			Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}, balance, today)
	}
	return pv
}

// hoursText says business hours in words: "Monday, Tuesday … 09:00–17:00",
// or that agents are always there.
func hoursText(t *i18n.T, h negotiation.BusinessHours) string {
	if len(h.Days) == 0 {
		return t.Text("console.policyedit.hours.always")
	}
	days := make([]string, 0, len(h.Days))
	for _, d := range h.Days {
		days = append(days, t.Text("console.weekday."+strconv.Itoa(d)))
	}
	return t.Text("console.policyedit.hours.on", "Days", strings.Join(days, ", "), "Open", clockText(h.Open), "Close", clockText(h.Close))
}

// policyChange is an account-log entry as a settings page lists it.
type policyChange struct {
	*portal.AccountEntry
	By, Subject string
}

// consolePolicyPage renders the policy page of creditorID (the tenant's
// first creditor when empty) with form (the saved policy when nil) and
// the preview of preview for balance.
func (s *Server) consolePolicyPage(c *fiber.Ctx, status int, creditorID string, form *policyForm, draft *negotiation.Policy, balance int64) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	t := s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if creditorID == "" && len(creditors) > 0 {
		creditorID = creditors[0].ID
	}
	var creditor *portal.Creditor
	for _, cr := range creditors {
		if cr.ID == creditorID {
			creditor = cr
		}
	}
	if creditor == nil {
		return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	saved, custom, err := s.deps.Conversations.CreditorPolicy(ctx, u.TenantID, creditor.ID)
	if err != nil {
		return err
	}
	shown := saved
	if draft != nil {
		shown = *draft
	}
	if form == nil {
		form = formOfPolicy(saved)
	}
	today := portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))
	data := map[string]any{"Title": t.Text("console.policyedit.title"), "Creditors": creditors, "Creditor": creditor,
		"Policy": saved, "Custom": custom, "Form": form, "IsOwner": u.Role.AtLeast(portal.RoleOwner), "Currency": policyCurrency,
		"Draft": draft != nil, "Saved": c.Query("saved") != "",
		"SampleBalance": portal.FormatMinor(balance, policyCurrency.Exponent()),
		"SavedHours":    hoursText(t, saved.Hours), "Weekdays": weekdayNames(t)}
	if len(form.Errs) == 0 {
		pv := previewPolicy(shown, balance, today)
		data["Preview"], data["PreviewHours"] = pv, hoursText(t, pv.Hours)
	}
	changes, err := s.policyChanges(ctx, u.TenantID, creditors)
	if err != nil {
		return err
	}
	data["Changes"] = changes
	return s.renderConsole(c.Status(status), "policy", data)
}

func weekdayNames(t *i18n.T) []string {
	out := make([]string, 7)
	for i := range out {
		out[i] = t.Text("console.weekday." + strconv.Itoa(i))
	}
	return out
}

// policyChanges lists the last policy changes of the tenant, each with
// who made it and for which creditor.
func (s *Server) policyChanges(ctx context.Context, tenantID string, creditors []*portal.Creditor) ([]policyChange, error) {
	out, err := s.accountChanges(ctx, tenantID, portal.AccountPolicySet)
	for i, ch := range out {
		out[i].Subject = ch.SubjectID
		for _, cr := range creditors {
			if cr.ID == ch.SubjectID {
				out[i].Subject = cr.LegalName
			}
		}
	}
	return out, err
}

// accountChanges lists the tenant's last 20 account-log entries of one
// kind, each with who made it (none without an account log).
func (s *Server) accountChanges(ctx context.Context, tenantID, kind string) ([]policyChange, error) {
	if s.deps.AccountLog == nil {
		return nil, nil
	}
	chs, err := s.deps.AccountLog.AccountChanges(ctx, tenantID, kind, "", 20)
	if err != nil {
		return nil, err
	}
	names, err := s.actorNames(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]policyChange, len(chs))
	for i, ch := range chs {
		out[i] = policyChange{AccountEntry: ch, By: names(ch.Actor)}
	}
	return out, nil
}

// actorNames names the actors of a tenant's account-log entries: a user by
// e-mail address, an API key as such.
func (s *Server) actorNames(ctx context.Context, tenantID string) (func(portal.Actor) string, error) {
	users, err := s.deps.Tenants.ListUsers(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	byID := map[string]string{}
	for _, u := range users {
		byID[u.ID] = u.Email
	}
	return func(a portal.Actor) string {
		if a.Kind == portal.ActorUser && byID[a.ID] != "" {
			return byID[a.ID]
		}
		return string(a.Kind) + ":" + a.ID
	}, nil
}

// sampleBalance reads the preview's balance ("1234.56"), the default
// when empty or unreadable.
func sampleBalance(v string) int64 {
	if n, err := portal.ParseAmount(strings.TrimSpace(v), policyCurrency.Exponent()); err == nil && n > 0 && n <= portal.MaxAmount {
		return n
	}
	return defaultSampleBalance
}

// handleConsolePolicy shows a creditor's policy and what it accepts for
// the sample balance (?balance=), to every user of the tenant.
func (s *Server) handleConsolePolicy(c *fiber.Ctx) error {
	return s.consolePolicyPage(c, fiber.StatusOK, c.Query("creditor"), nil, nil, sampleBalance(c.Query("balance")))
}

// handleConsolePolicySet previews the typed policy (do=preview) or saves
// it (owners). A refused value shows the form again with each problem
// beside its field and nothing changed.
func (s *Server) handleConsolePolicySet(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.negotiationReady(); err != nil {
		return err
	}
	t := s.consoleT(c)
	creditorID := strings.Clone(c.FormValue("creditor_id"))
	if creditorID == "" {
		return portal.FieldError("creditor_id", "Choose the creditor whose policy this is.")
	}
	if !portal.ValidID(creditorID) {
		return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	base, _, err := s.deps.Conversations.CreditorPolicy(ctx, consoleUserOf(c).TenantID, creditorID)
	if err != nil {
		return err
	}
	form, p := policyFormOf(c, t, base)
	balance := sampleBalance(c.FormValue("balance"))
	if len(form.Errs) == 0 {
		if err := p.Validate(); err != nil {
			if portal.ErrorCode(err) != portal.EINVALID {
				return err
			}
			ff, mf := form.policyField(portal.ErrorField(err))
			form.Errs[ff] = policyFieldError(t, mf)
		}
	}
	if len(form.Errs) > 0 {
		return s.consolePolicyPage(c, fiber.StatusBadRequest, creditorID, form, &p, balance)
	}
	if c.FormValue("do") == "preview" {
		return s.consolePolicyPage(c, fiber.StatusOK, creditorID, form, &p, balance)
	}
	if err := s.deps.Conversations.SetPolicy(ctx, consoleUserOf(c).TenantID, creditorID, "", p); err != nil {
		return err
	}
	return c.Redirect("/console/policy?saved=1&creditor="+creditorID, fiber.StatusSeeOther)
}
