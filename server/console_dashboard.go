package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

// The portfolio dashboard (issue 18): every figure of store.Dashboard
// for one creditor or all and a period of whole months, each drawn as an
// SVG chart beside a table of its numbers, and exportable as CSV. Any
// user of the tenant reads it (viewers included); it changes nothing.

// dashboardFigures are the figures, in page order; ?figure= of the CSV
// export names one.
var dashboardFigures = []string{"monthly", "ageing", "stage", "channel", "plans", "promises", "promises_kept", "disputes", "response", "breaches"}

// dashboardMonths is the default period: the last twelve months.
const dashboardMonths = 12

// dashboardFilterOf reads the filters: creditor (one of the tenant's),
// from and to as YYYY-MM. Bad input is a 400 that names the field.
func (s *Server) dashboardFilterOf(c *fiber.Ctx, creditors []*portal.Creditor, today portal.Date) (portal.DashboardFilter, error) {
	f := portal.DashboardFilter{Today: today, Now: s.deps.Clock.Now()}
	if id := c.Query("creditor"); id != "" {
		for _, cr := range creditors {
			if cr.ID == id {
				f.CreditorID = id
			}
		}
		if f.CreditorID == "" {
			return f, portal.FieldError("creditor", "creditor is not one of this account's creditors: choose one in the list, or all.")
		}
	}
	month := func(field string, def portal.Date) (portal.Date, error) {
		v := c.Query(field)
		if v == "" {
			return def, nil
		}
		t, err := time.Parse("2006-01", v)
		if err != nil || t.Year() < portal.MinYear {
			return portal.Date{}, portal.FieldError(field, "%s must be a month written YYYY-MM, e.g. 2024-06.", field)
		}
		return portal.DateOf(t), nil
	}
	thisMonth := portal.Date{Year: today.Year, Month: today.Month, Day: 1}
	to, err := month("to", thisMonth)
	if err != nil {
		return f, err
	}
	from, err := month("from", to.AddMonths(-(dashboardMonths - 1)))
	if err != nil {
		return f, err
	}
	f.From, f.To = from, to.AddMonths(1).AddDays(-1)
	if f.To.Before(f.From) {
		return f, portal.FieldError("from", "from must be a month on or before to.")
	}
	if n := len(f.Months()); n > portal.MaxDashboardMonths {
		return f, portal.FieldError("from", "from and to may span at most %d months (%d asked).", portal.MaxDashboardMonths, n)
	}
	return f, nil
}

// dashboardQuery is f as URL parameters, for the CSV links.
func dashboardQuery(f portal.DashboardFilter) url.Values {
	v := url.Values{"from": {f.From.Time().Format("2006-01")}, "to": {f.To.Time().Format("2006-01")}}
	if f.CreditorID != "" {
		v.Set("creditor", f.CreditorID)
	}
	return v
}

// loadDashboard reads the filters and computes the dashboard.
func (s *Server) loadDashboard(c *fiber.Ctx) (*portal.Dashboard, []*portal.Creditor, error) {
	if s.deps.Dashboard == nil {
		return nil, nil, portal.Errorf(portal.EUNAVAILABLE, "The dashboard is not available.")
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.dashboardFilterOf(c, creditors, s.claimsToday(ctx, u.TenantID))
	if err != nil {
		return nil, nil, err
	}
	s.recordBreaches(ctx, c, u.TenantID) // the targets missed by now count (console_targets.go)
	d, err := s.deps.Dashboard.Dashboard(ctx, u.TenantID, f)
	return d, creditors, err
}

// handleConsoleDashboard is GET /console/dashboard.
func (s *Server) handleConsoleDashboard(c *fiber.Ctx) error {
	d, creditors, err := s.loadDashboard(c)
	if err != nil {
		return err
	}
	t := s.consoleT(c)
	q := dashboardQuery(d.Filter)
	return s.renderConsole(c, "dashboard", map[string]any{"Title": t.Text("console.dashboard.title"), "D": d,
		"Creditors": creditors, "From": d.Filter.From.Time().Format("2006-01"), "To": d.Filter.To.Time().Format("2006-01"),
		"Panels": dashboardPanels(t, d, q), "ExportURL": "/console/dashboard.csv?" + q.Encode(),
		"Period": t.Text("console.dashboard.period", "From", t.Date(d.Filter.From), "To", t.Date(d.Filter.To), "AsOf", t.Date(d.Filter.AsOf()))})
}

// handleConsoleDashboardExport is GET /console/dashboard.csv: one figure
// (?figure=) or all, one line per number: figure, key, currency,
// measure, value (money in major units with the currency's decimals).
func (s *Server) handleConsoleDashboardExport(c *fiber.Ctx) error {
	figure := c.Query("figure")
	if figure != "" && !contains(dashboardFigures, figure) {
		return portal.FieldError("figure", "figure must be one of %v, or left out for all.", dashboardFigures)
	}
	d, _, err := s.loadDashboard(c)
	if err != nil {
		return err
	}
	body, err := dashboardCSV(d, figure)
	if err != nil {
		return err
	}
	name := "dashboard-" + d.Filter.From.Time().Format("2006-01") + "-" + d.Filter.To.Time().Format("2006-01")
	if figure != "" {
		name += "-" + figure
	}
	return sendCSV(c, name+".csv", body)
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// dashboardCSV writes the figures as CSV lines.
func dashboardCSV(d *portal.Dashboard, figure string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(fig, key string, cur portal.Currency, measure, value string) {
		if figure == "" || figure == fig {
			_ = w.Write([]string{fig, key, string(cur), measure, value})
		}
	}
	money := func(v int64, cur portal.Currency) string { return portal.FormatMinor(v, cur.Exponent()) }
	n := strconv.Itoa
	_ = w.Write([]string{"figure", "key", "currency", "measure", "value"})
	for _, m := range d.Monthly {
		row("monthly", m.Month, m.Currency, "collected", money(m.Collected, m.Currency))
		row("monthly", m.Month, m.Currency, "outstanding", money(m.Outstanding, m.Currency))
	}
	for _, a := range d.Ageing {
		row("ageing", a.Bucket, a.Currency, "claims", n(a.Claims))
		row("ageing", a.Bucket, a.Currency, "owed", money(a.Amount, a.Currency))
	}
	for _, r := range d.ByStage {
		row("stage", string(r.Stage), r.Currency, "claims", n(r.Claims))
		row("stage", string(r.Stage), r.Currency, "principal", money(r.Principal, r.Currency))
		row("stage", string(r.Stage), r.Currency, "collected", money(r.Collected, r.Currency))
		row("stage", string(r.Stage), r.Currency, "rate_percent", portal.FormatMinor(r.RateBP(), 2))
	}
	for _, ch := range d.ByChannel {
		row("channel", ch.Source, ch.Currency, "payments", n(ch.Payments))
		row("channel", ch.Source, ch.Currency, "amount", money(ch.Amount, ch.Currency))
	}
	for _, p := range d.Plans {
		row("plans", p.State, p.Currency, "plans", n(p.Plans))
		row("plans", p.State, p.Currency, "instalments", money(p.Amount, p.Currency))
		row("plans", p.State, p.Currency, "paid", money(p.Paid, p.Currency))
	}
	for _, p := range d.Promises {
		row("promises", p.Status, "", "offers", n(p.Count))
	}
	for _, p := range d.PromisesKept {
		row("promises_kept", string(p.Status), p.Currency, "promises", n(p.Promises))
		row("promises_kept", string(p.Status), p.Currency, "promised", money(p.Amount, p.Currency))
		row("promises_kept", string(p.Status), p.Currency, "paid", money(p.Paid, p.Currency))
	}
	for _, b := range portal.DisputeAgeBuckets {
		row("disputes", b, "", "open", n(d.Disputes.ByAge[b]))
	}
	row("disputes", "all", "", "open", n(d.Disputes.Open))
	row("disputes", "all", "", "oldest_days", n(d.Disputes.OldestDays))
	row("disputes", "all", "", "filed", n(d.Disputes.Filed))
	row("disputes", "all", "", "resolved", n(d.Disputes.Resolved))
	for _, b := range portal.ResponseBuckets {
		row("response", b, "", "messages", n(d.Response.ByTime[b]))
	}
	row("response", "all", "", "asked", n(d.Response.Asked))
	row("response", "all", "", "answered", n(d.Response.Answered))
	row("response", "all", "", "average_seconds", strconv.FormatInt(d.Response.AvgSeconds, 10))
	row("breaches", "first", "", "missed", n(d.Breaches.First))
	row("breaches", "next", "", "missed", n(d.Breaches.Next))
	row("breaches", "all", "", "answered", n(d.Breaches.Answered))
	row("breaches", "all", "", "unanswered", n(d.Breaches.Total()-d.Breaches.Answered))
	row("breaches", "all", "", "average_late_seconds", strconv.FormatInt(d.Breaches.AvgLateSeconds, 10))
	w.Flush()
	return buf.Bytes(), w.Error()
}

// dashPanel is one figure on the page: its chart and the table of the
// same numbers (Cells[0] names the row; the others are numbers).
type dashPanel struct {
	ID, Title, Hint, Summary string
	Chart                    template.HTML
	Head                     []string
	Rows                     [][]string
	CSV                      string
}

// dashboardPanels builds the page's figures in t's language: money per
// currency (one panel per currency), counts in one panel each.
func dashboardPanels(t *i18n.T, d *portal.Dashboard, q url.Values) []dashPanel {
	tr := func(key string, pairs ...any) string { return t.Text("console.dashboard."+key, pairs...) }
	csvURL := func(fig string) string {
		v := url.Values{}
		for k, x := range q {
			v[k] = x
		}
		v.Set("figure", fig)
		return "/console/dashboard.csv?" + v.Encode()
	}
	asOf := t.Date(d.Filter.AsOf())
	var out []dashPanel
	add := func(p dashPanel, fig string) {
		p.CSV = csvURL(fig)
		if len(p.Rows) == 0 {
			p.Summary = tr("none")
		}
		out = append(out, p)
	}
	for _, cur := range d.Currencies {
		ch := barChart{ID: "monthly-" + string(cur), Title: tr("monthly", "Currency", cur), Legend: []string{tr("col.collected"), tr("col.outstanding")}}
		p := dashPanel{ID: ch.ID, Title: ch.Title, Hint: tr("monthly.hint"), Head: []string{tr("col.month"), tr("col.collected"), tr("col.outstanding")}}
		for _, m := range d.Monthly {
			if m.Currency != cur {
				continue
			}
			label := t.MonthYear(portal.MustDate(m.Month + "-01"))
			ch.Bars = append(ch.Bars, chartBar{Label: label, Text: t.Amount(m.Collected, cur), Value: m.Collected, Series: 0},
				chartBar{Label: label, Text: t.Amount(m.Outstanding, cur), Value: m.Outstanding, Series: 1})
			p.Rows = append(p.Rows, []string{label, t.Amount(m.Collected, cur), t.Amount(m.Outstanding, cur)})
		}
		p.Chart = ch.svg()
		add(p, "monthly")
	}
	for _, cur := range d.Currencies {
		ch := barChart{ID: "ageing-" + string(cur), Title: tr("ageing", "Currency", cur, "Date", asOf)}
		p := dashPanel{ID: ch.ID, Title: ch.Title, Hint: tr("ageing.hint"), Head: []string{tr("col.bucket"), tr("col.claims"), tr("col.owed")}}
		for i, b := range portal.AgeingBuckets {
			for _, a := range d.Ageing {
				if a.Currency == cur && a.Bucket == b {
					label := tr("age." + b)
					ch.Bars = append(ch.Bars, chartBar{Label: label, Text: t.Amount(a.Amount, cur) + " · " + strconv.Itoa(a.Claims), Value: a.Amount, Series: i % 3})
					p.Rows = append(p.Rows, []string{label, strconv.Itoa(a.Claims), t.Amount(a.Amount, cur)})
				}
			}
		}
		p.Chart = ch.svg()
		add(p, "ageing")
	}
	for _, cur := range d.Currencies {
		ch := barChart{ID: "stage-" + string(cur), Title: tr("stage", "Currency", cur)}
		p := dashPanel{ID: ch.ID, Title: ch.Title, Hint: tr("stage.hint", "Date", asOf),
			Head: []string{tr("col.stage"), tr("col.claims"), tr("col.principal"), tr("col.collected"), tr("col.rate")}}
		for _, st := range consoleStages {
			for _, r := range d.ByStage {
				if r.Currency == cur && r.Stage == st {
					label := textOr(t, "console.stage."+string(st), string(st))
					ch.Bars = append(ch.Bars, chartBar{Label: label, Text: t.Rate(r.RateBP()), Value: r.RateBP()})
					p.Rows = append(p.Rows, []string{label, strconv.Itoa(r.Claims), t.Amount(r.Principal, cur), t.Amount(r.Collected, cur), t.Rate(r.RateBP())})
				}
			}
		}
		p.Chart = ch.svg()
		add(p, "stage")
	}
	for _, cur := range d.Currencies {
		ch := barChart{ID: "channel-" + string(cur), Title: tr("channel", "Currency", cur)}
		p := dashPanel{ID: ch.ID, Title: ch.Title, Hint: tr("channel.hint"), Head: []string{tr("col.source"), tr("col.payments"), tr("col.amount")}}
		for _, c := range d.ByChannel {
			if c.Currency == cur {
				label := textOr(t, "console.dashboard.source."+c.Source, c.Source)
				ch.Bars = append(ch.Bars, chartBar{Label: label, Text: t.Amount(c.Amount, cur) + " · " + strconv.Itoa(c.Payments), Value: c.Amount})
				p.Rows = append(p.Rows, []string{label, strconv.Itoa(c.Payments), t.Amount(c.Amount, cur)})
			}
		}
		p.Chart = ch.svg()
		add(p, "channel")
	}
	plans := barChart{ID: "plans", Title: tr("plans")}
	pp := dashPanel{ID: "plans", Title: plans.Title, Hint: tr("plans.hint"),
		Head: []string{tr("col.state"), tr("col.currency"), tr("col.plans"), tr("col.instalments"), tr("col.paid")}}
	for i, st := range portal.PlanStates {
		for _, p := range d.Plans {
			if p.State == st {
				label := tr("plan."+st) + " (" + string(p.Currency) + ")"
				plans.Bars = append(plans.Bars, chartBar{Label: label, Text: strconv.Itoa(p.Plans), Value: int64(p.Plans), Series: i})
				pp.Rows = append(pp.Rows, []string{label, string(p.Currency), strconv.Itoa(p.Plans), t.Amount(p.Amount, p.Currency), t.Amount(p.Paid, p.Currency)})
			}
		}
	}
	pp.Chart = plans.svg()
	add(pp, "plans")

	prom := barChart{ID: "promises", Title: tr("promises")}
	pr := dashPanel{ID: "promises", Title: prom.Title, Hint: tr("promises.hint"), Head: []string{tr("col.status"), tr("col.count")}}
	for _, p := range d.Promises {
		label := textOr(t, "console.dashboard.promise."+p.Status, p.Status)
		prom.Bars = append(prom.Bars, chartBar{Label: label, Text: strconv.Itoa(p.Count), Value: int64(p.Count)})
		pr.Rows = append(pr.Rows, []string{label, strconv.Itoa(p.Count)})
	}
	pr.Chart = prom.svg()
	add(pr, "promises")

	kept := barChart{ID: "promises-kept", Title: tr("kept")}
	kp := dashPanel{ID: "promises-kept", Title: kept.Title, Hint: tr("kept.hint", "Grace", portal.PromiseGraceDays),
		Head: []string{tr("col.status"), tr("col.currency"), tr("col.promises"), tr("col.promised"), tr("col.towards")}}
	for i, st := range portal.PromiseStatuses {
		for _, p := range d.PromisesKept {
			if p.Status == st {
				label := tr("kept."+string(st)) + " (" + string(p.Currency) + ")"
				kept.Bars = append(kept.Bars, chartBar{Label: label, Text: t.Amount(p.Amount, p.Currency) + " · " + strconv.Itoa(p.Promises), Value: int64(p.Promises), Series: i % 3})
				kp.Rows = append(kp.Rows, []string{label, string(p.Currency), strconv.Itoa(p.Promises), t.Amount(p.Amount, p.Currency), t.Amount(p.Paid, p.Currency)})
			}
		}
	}
	kp.Chart = kept.svg()
	add(kp, "promises_kept")

	disp := barChart{ID: "disputes", Title: tr("disputes", "Date", asOf)}
	dp := dashPanel{ID: "disputes", Title: disp.Title, Head: []string{tr("col.age"), tr("col.open")}}
	for i, b := range portal.DisputeAgeBuckets {
		label := tr("dispute.age." + b)
		disp.Bars = append(disp.Bars, chartBar{Label: label, Text: strconv.Itoa(d.Disputes.ByAge[b]), Value: int64(d.Disputes.ByAge[b]), Series: i % 3})
		dp.Rows = append(dp.Rows, []string{label, strconv.Itoa(d.Disputes.ByAge[b])})
	}
	dp.Chart = disp.svg()
	add(dp, "disputes")
	out[len(out)-1].Summary = tr("disputes.summary", "Open", d.Disputes.Open, "Oldest", d.Disputes.OldestDays, "Filed", d.Disputes.Filed, "Resolved", d.Disputes.Resolved)

	resp := barChart{ID: "response", Title: tr("response")}
	rp := dashPanel{ID: "response", Title: resp.Title, Hint: tr("response.hint"), Head: []string{tr("col.time"), tr("col.messages")}}
	for i, b := range portal.ResponseBuckets {
		label := tr("time." + b)
		resp.Bars = append(resp.Bars, chartBar{Label: label, Text: strconv.Itoa(d.Response.ByTime[b]), Value: int64(d.Response.ByTime[b]), Series: i % 3})
		rp.Rows = append(rp.Rows, []string{label, strconv.Itoa(d.Response.ByTime[b])})
	}
	rp.Chart = resp.svg()
	add(rp, "response")
	out[len(out)-1].Summary = tr("response.summary", "Asked", d.Response.Asked, "Answered", d.Response.Answered, "Average", durationText(d.Response.AvgSeconds))

	br := barChart{ID: "breaches", Title: tr("breaches")}
	bp := dashPanel{ID: "breaches", Title: br.Title, Hint: tr("breaches.hint"), Head: []string{tr("col.target"), tr("col.count")}}
	for i, k := range []struct {
		key string
		n   int
	}{{negotiation.BreachFirst, d.Breaches.First}, {negotiation.BreachNext, d.Breaches.Next}} {
		label := tr("breach." + k.key)
		br.Bars = append(br.Bars, chartBar{Label: label, Text: strconv.Itoa(k.n), Value: int64(k.n), Series: i})
		bp.Rows = append(bp.Rows, []string{label, strconv.Itoa(k.n)})
	}
	bp.Chart = br.svg()
	add(bp, "breaches")
	out[len(out)-1].Summary = tr("breaches.summary", "Total", d.Breaches.Total(), "Answered", d.Breaches.Answered,
		"Late", durationText(d.Breaches.AvgLateSeconds), "Open", d.Breaches.Total()-d.Breaches.Answered)
	return out
}

// durationText is a duration in seconds as "2 h 05 min", "3 min 10 s"
// or "40 s" (units read the same in the console's four languages).
func durationText(sec int64) string {
	switch {
	case sec >= 86400:
		return fmt.Sprintf("%d d %d h", sec/86400, sec%86400/3600)
	case sec >= 3600:
		return fmt.Sprintf("%d h %02d min", sec/3600, sec%3600/60)
	case sec >= 60:
		return fmt.Sprintf("%d min %02d s", sec/60, sec%60)
	}
	return fmt.Sprintf("%d s", sec)
}
