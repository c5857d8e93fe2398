package server

import (
	"context"
	"net/url"
	"sort"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// The console's claims list: each claim with its balance today (what was
// paid, what is owed, the days late), filtered by stage, status,
// jurisdiction, creditor, days late and a text search, with totals per
// currency; its CSV export has the same columns and filters.

// claimRow is a line of the claims list: the claim with its balance today.
type claimRow struct {
	*portal.Claim
	// Balance is nil when it cannot be computed (the list says so).
	Balance *rules.Balance
	// DaysLate is the days since the oldest invoice still owed fell due
	// (0: nothing owed is late).
	DaysLate int
}

// lateRange is a choice of the days-late filter: the days late of a
// claim, from Min to Max included (Max -1: no upper bound).
type lateRange struct {
	Code     string
	Min, Max int
}

// lateRanges are the days-late filter's choices (message keys
// "console.claims.late.<code>").
var lateRanges = []lateRange{{"0", 0, 0}, {"1-30", 1, 30}, {"31-60", 31, 60}, {"61-90", 61, 90},
	{"91-180", 91, 180}, {"181-365", 181, 365}, {"366+", 366, -1}}

func (r *lateRange) holds(days int) bool {
	return r == nil || (days >= r.Min && (r.Max < 0 || days <= r.Max))
}

// lateRangeOf is the range of a filter code, nil for "" or an unknown one.
func lateRangeOf(code string) *lateRange {
	for i := range lateRanges {
		if lateRanges[i].Code == code {
			return &lateRanges[i]
		}
	}
	return nil
}

var (
	consoleStages = []portal.Stage{portal.StageAmicable, portal.StageFormalNotice, portal.StagePreLitigation,
		portal.StageLitigation, portal.StageJudgment, portal.StageEnforcement}
	consoleStatuses = []portal.Status{portal.StatusOpen, portal.StatusDisputed, portal.StatusInPlan,
		portal.StatusSettled, portal.StatusWrittenOff, portal.StatusClosed}
	consoleJurisdictions = []portal.Jurisdiction{portal.JurisdictionFR, portal.JurisdictionBE}
)

// consoleClaimFilter is what the claims list and its export filter on.
type consoleClaimFilter struct {
	portal.ClaimFilter
	Late *lateRange
}

// consoleClaimFilterOf reads the list's filters from the query; a value
// the console does not offer is ignored (the filter is then "any").
func consoleClaimFilterOf(c *fiber.Ctx, creditors []*portal.Creditor) consoleClaimFilter {
	f := consoleClaimFilter{ClaimFilter: portal.ClaimFilter{Query: c.Query("q"), After: c.Query("cursor")}, Late: lateRangeOf(c.Query("late"))}
	if f.After != "" && !portal.ValidID(f.After) {
		f.After = ""
	}
	for _, st := range consoleStages {
		if string(st) == c.Query("stage") {
			f.Stage = st
		}
	}
	for _, st := range consoleStatuses {
		if string(st) == c.Query("status") {
			f.Status = st
		}
	}
	for _, j := range consoleJurisdictions {
		if string(j) == c.Query("jurisdiction") {
			f.Jurisdiction = j
		}
	}
	for _, cr := range creditors {
		if cr.ID == c.Query("creditor") {
			f.CreditorID = cr.ID
		}
	}
	return f
}

// query is f as URL parameters (cursor apart), for the next page and the
// export links.
func (f consoleClaimFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Query, "stage": string(f.Stage), "status": string(f.Status),
		"jurisdiction": string(f.Jurisdiction), "creditor": f.CreditorID} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Late != nil {
		v.Set("late", f.Late.Code)
	}
	return v
}

// Reading a page of the claims list.
const (
	// claimScanBatch is how many claims are read at a time while a
	// days-late range filters them.
	claimScanBatch = 200
	// claimScanMax bounds the claims one page view reads to fill a page
	// under a days-late range; the page then links to the next.
	claimScanMax = 1000
)

// claimPage returns up to size rows of the claims f matches after
// f.After, with their balances on today, and the cursor of the next page
// ("" at the end).
//
// Cost: every FindClaims page with payments is five queries (claims,
// debtors, invoices, payments, credit notes) whatever its length, then one
// balance computation per claim in memory; no query per claim. Without a
// days-late range that is one page of size claims. Days late come from
// each claim's balance, not from SQL, so under a range claims are read
// claimScanBatch at a time until size match or claimScanMax were read: at
// most claimScanMax/claimScanBatch × 5 queries, and the cursor then points
// after the last claim read (the next page goes on scanning).
func (s *Server) claimPage(ctx context.Context, tenantID string, f consoleClaimFilter, size int, today portal.Date) ([]*claimRow, string, error) {
	q := f.ClaimFilter
	q.WithPayments, q.Limit = true, size
	if f.Late != nil {
		q.Limit = claimScanBatch
	}
	var rows []*claimRow
	for scanned := 0; ; {
		claims, next, err := s.deps.Claims.FindClaims(ctx, tenantID, q)
		if err != nil {
			return nil, "", err
		}
		for i, cl := range claims {
			row := s.claimRowOf(cl, today)
			if f.Late != nil && (row.Balance == nil || !f.Late.holds(row.DaysLate)) {
				continue
			}
			rows = append(rows, row)
			if len(rows) == size {
				if i < len(claims)-1 {
					return rows, cl.ID, nil
				}
				return rows, next, nil
			}
		}
		scanned += len(claims)
		if next == "" || scanned >= claimScanMax {
			return rows, next, nil
		}
		q.After = next
	}
}

// claimRowOf computes a listed claim's balance; cl comes with its
// payments and credit notes (ClaimFilter.WithPayments).
func (s *Server) claimRowOf(cl *portal.Claim, today portal.Date) *claimRow {
	row := &claimRow{Claim: cl}
	if s.deps.Rates == nil {
		return row
	}
	b, err := s.deps.Rates.Compute(cl, today)
	if err != nil {
		return row
	}
	row.Balance = b
	for _, in := range b.Invoices {
		if in.Total > 0 && in.DaysLate > row.DaysLate {
			row.DaysLate = in.DaysLate
		}
	}
	return row
}

// claimTotal is the totals line of one currency: All sums every claim the
// filter matches (nil under a days-late range, which SQL cannot apply),
// Page the claims of this page, whose balances are computed.
type claimTotal struct {
	Currency portal.Currency
	All      *portal.ClaimTotal
	Page     pageTotal
}

type pageTotal struct {
	Claims, Principal, Paid, Balance int64
	// Uncomputed counts the page's claims whose balance could not be
	// computed: they are left out of Paid and Balance.
	Uncomputed int64
}

// claimTotals sums rows per currency, beside all's sums of the whole
// filtered set, in currency order.
func claimTotals(rows []*claimRow, all []portal.ClaimTotal) []*claimTotal {
	by := map[portal.Currency]*claimTotal{}
	get := func(cur portal.Currency) *claimTotal {
		if by[cur] == nil {
			by[cur] = &claimTotal{Currency: cur}
		}
		return by[cur]
	}
	for i := range all {
		get(all[i].Currency).All = &all[i]
	}
	for _, r := range rows {
		t := &get(r.Currency).Page
		t.Claims++
		t.Principal += r.Principal()
		if r.Balance == nil {
			t.Uncomputed++
			continue
		}
		t.Paid += r.Balance.Paid
		t.Balance += r.Balance.Total
	}
	out := make([]*claimTotal, 0, len(by))
	for _, t := range by {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// claimsToday is the tenant's today, the day balances are computed on.
func (s *Server) claimsToday(ctx context.Context, tenantID string) portal.Date {
	return portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, tenantID)))
}

// handleConsoleClaims is GET /console/claims: one page of the filtered
// list (claimPage: five queries, or up to claimScanMax claims read under a
// days-late range) and the totals of the whole filtered set (two
// aggregate queries; not under a days-late range).
func (s *Server) handleConsoleClaims(c *fiber.Ctx) error {
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return err
	}
	f := consoleClaimFilterOf(c, creditors)
	today := s.claimsToday(ctx, u.TenantID)
	rows, next, err := s.claimPage(ctx, u.TenantID, f, 50, today)
	if err != nil {
		return err
	}
	var all []portal.ClaimTotal
	if f.Late == nil {
		if all, err = s.deps.Claims.ClaimTotals(ctx, u.TenantID, f.ClaimFilter, today); err != nil {
			return err
		}
	}
	q := f.query()
	export := "/console/claims.csv"
	if len(q) > 0 {
		export += "?" + q.Encode()
	}
	nextURL := ""
	if next != "" {
		q.Set("cursor", next)
		nextURL = "/console/claims?" + q.Encode()
	}
	return s.renderConsole(c, "claims", map[string]any{"Title": s.consoleT(c).Text("console.claims.title"), "Claims": rows,
		"F": f, "Late": f.Late, "LateRanges": lateRanges, "Stages": consoleStages, "Statuses": consoleStatuses,
		"Jurisdictions": consoleJurisdictions, "Creditors": creditors, "Totals": claimTotals(rows, all), "Today": today,
		"NextURL": nextURL, "ExportURL": export, "Paged": f.After != ""})
}

// balanceCells are a row's balance columns: decimals like principal,
// empty when the balance cannot be computed.
func balanceCells(r *claimRow) []string {
	if r.Balance == nil {
		return []string{"", "", "", ""}
	}
	e := r.Currency.Exponent()
	return []string{portal.FormatMinor(r.Balance.Paid, e), portal.FormatMinor(r.Balance.Total, e), strconv.Itoa(r.DaysLate), r.Balance.AsOf.String()}
}
