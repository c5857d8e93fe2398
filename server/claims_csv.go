package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// claimsCSVHeader is the header of the claims export, one row per claim
// (documented in openapi.json): amounts are decimals in the claim's
// currency ("1234.56"); paid, balance (what is owed with interest and
// indemnities), days_late and balance_as_of (the tenant's today) are the
// balance on the export's day, empty when it cannot be computed.
var claimsCSVHeader = []string{"id", "reference", "status", "stage", "jurisdiction", "currency",
	"debtor_kind", "debtor_name", "debtor_email", "debtor_phone", "debtor_postcode",
	"invoices", "principal", "created_at", "personal_data_erased_at",
	"paid", "balance", "days_late", "balance_as_of"}

// writeClaimsCSV writes every claim of the tenant matching f, page by
// page (claimPage: five queries a page of 200, no query per claim), as CSV
// for a spreadsheet. Cells come from debtors and creditors' systems, so
// each text cell is neutralised against formula injection; the other
// cells are written by Relais from IDs, codes, numbers and dates.
func (s *Server) writeClaimsCSV(ctx context.Context, tenantID string, f consoleClaimFilter) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(claimsCSVHeader)
	f.After = ""
	today := s.claimsToday(ctx, tenantID)
	for {
		rows, next, err := s.claimPage(ctx, tenantID, f, 200, today)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			c := r.Claim
			d := c.Debtor
			if d == nil {
				d = &portal.Debtor{}
			}
			erased := ""
			if c.PersonalDataErasedAt != nil {
				erased = c.PersonalDataErasedAt.UTC().Format(time.RFC3339)
			}
			w.Write(append([]string{c.ID, csvText(c.Reference), string(c.Status), string(c.Stage), string(c.Jurisdiction), string(c.Currency),
				string(d.Kind), csvText(d.Name), csvText(d.Email), csvText(d.Phone), csvText(d.Postcode),
				strconv.Itoa(len(c.Invoices)), portal.FormatMinor(c.Principal(), c.Currency.Exponent()),
				c.CreatedAt.UTC().Format(time.RFC3339), erased}, balanceCells(r)...))
		}
		if next == "" {
			break
		}
		f.After = next
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvText defuses a cell a spreadsheet would run as a formula (OWASP "CSV
// injection"): a leading =, +, -, @, tab or carriage return gets a
// leading apostrophe, which spreadsheets show as text.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// sendCSV answers a CSV download.
func sendCSV(c *fiber.Ctx, name string, body []byte) error {
	attachment(c, "text/csv; charset=utf-8", name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}

// attachment makes the response a download of type contentType saved as
// name. Names are built by Relais from IDs and dates, never from uploads.
func attachment(c *fiber.Ctx, contentType, name string) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
}

// claimFilterOf reads the list filters shared by the claim list and its
// export.
func claimFilterOf(c *fiber.Ctx) portal.ClaimFilter {
	return portal.ClaimFilter{
		After: c.Query("cursor"), Status: portal.Status(c.Query("status")), Stage: portal.Stage(c.Query("stage")),
		Jurisdiction: portal.Jurisdiction(c.Query("jurisdiction")), Reference: c.Query("reference"), Query: c.Query("q"),
	}
}

// handleClaimExport is GET /api/v1/exports/claims.csv: every claim of the
// tenant (with the list's filters) as CSV.
func (s *Server) handleClaimExport(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	body, err := s.writeClaimsCSV(ctx, tenantOf(c), consoleClaimFilter{ClaimFilter: claimFilterOf(c)})
	if err != nil {
		return err
	}
	return sendCSV(c, "claims.csv", body)
}

// handleConsoleClaimExport is GET /console/claims.csv: the console's claim
// list with its filters (every page) as CSV, the same columns as the API's
// export.
func (s *Server) handleConsoleClaimExport(c *fiber.Ctx) error {
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return err
	}
	body, err := s.writeClaimsCSV(ctx, u.TenantID, consoleClaimFilterOf(c, creditors))
	if err != nil {
		return err
	}
	return sendCSV(c, "claims.csv", body)
}
