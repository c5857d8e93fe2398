package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
)

// The court section of the claim's page and of its back-office page
// (issue 23; template court.html, shared by both): the court documents that
// apply to the claim, a button for each one that can be made today
// (recorded as evidence, as the API's POST: the copy to file) with its
// draft preview (marked on every page, recorded nowhere), the reason in
// the user's language for each one that cannot, and the documents
// recorded.

const secCourt = "court"

// courtDocs are the documents of each offer, in the order of the buttons.
var courtDocs = map[string][]string{
	"fr_injonction": {"fr-injonction", "bordereau"},
	"eu_form_a":     {"eu-form-a"},
	"be_file":       {"be-file"},
}

// courtOffer is one applicable document on the page.
type courtOffer struct {
	Kind      string
	Docs      []string
	Available bool
	Reason    string
}

// courtView adds to the claim page's or the manage page's data the court
// offers (CourtOffers) and the recorded documents (CourtFiles), when the
// instance makes court documents.
func (s *Server) courtView(ctx context.Context, t *i18n.T, tenantID string, claim *portal.Claim, data map[string]any) error {
	if s.deps.Court == nil || s.deps.Rates == nil {
		return nil
	}
	today := s.claimsToday(ctx, tenantID)
	b, err := s.deps.Rates.Compute(claim, today)
	if err != nil {
		data["CourtProblem"] = portal.ErrorMessage(err)
		return nil
	}
	var offers []courtOffer
	for _, o := range court.Offers(claim, b, today) {
		if !o.Applies {
			continue
		}
		co := courtOffer{Kind: o.Kind, Docs: courtDocs[o.Kind], Available: o.Available}
		if !o.Available {
			co.Reason = o.Reason
			if err := courtCheck(o.Kind)(claim, b, today); err != nil {
				co.Reason = courtReason(t, err)
			}
		}
		offers = append(offers, co)
	}
	data["CourtOffers"] = offers
	files, err := s.deps.Court.RecordedDocuments(ctx, tenantID, claim.ID)
	if err != nil {
		return err
	}
	data["CourtFiles"] = files
	return nil
}

// courtCheck is the check of an offer's kind.
func courtCheck(kind string) func(*portal.Claim, *rules.Balance, portal.Date) error {
	switch kind {
	case "eu_form_a":
		return court.CheckEOP
	case "be_file":
		return court.CheckBE
	}
	return court.CheckFR
}

// courtReason words a court document's refusal in t's language: the
// reason's message with its values (a status or stage in words, dates as
// the language writes them), else the service's English message.
func courtReason(t *i18n.T, err error) string {
	r := court.ReasonOf(err)
	if r == nil {
		return portal.ErrorMessage(err)
	}
	key := "console.court.refused." + r.Reason
	var pairs []any
	for i := 0; i+1 < len(r.Args); i += 2 {
		name, v := r.Args[i], r.Args[i+1]
		switch name {
		case "Status":
			v = claimStatusText(t, portal.Status(v))
		case "Stage":
			v = claimStageText(t, portal.Stage(v))
		default:
			if d, err := portal.ParseDate(v); err == nil && len(v) == 10 {
				v = t.Date(d)
			}
		}
		pairs = append(pairs, name, v)
	}
	if s := t.Text(key, pairs...); s != key {
		return s
	}
	return portal.ErrorMessage(err)
}

// handleConsoleCourtRecord is POST /console/claims/:id/court/:document:
// the document made and recorded as the API's POST does, with the user as
// the actor of court.document_made; a refusal shows the page again with
// the reason in words.
func (s *Server) handleConsoleCourtRecord(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Court != nil, "Court documents are not configured on this instance.")
	if err != nil {
		return err
	}
	var opt court.FROptions
	if c.FormValue("consumer_credit") == "true" {
		opt.ConsumerCredit = true
	}
	ctx, cancel := s.actorContext(c, bundleTimeout) // the user records the document
	defer cancel()
	if _, err := s.deps.Court.Record(ctx, consoleUserOf(c).TenantID, claim.ID, c.Params("document"), opt); err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return err
		}
		return s.refuse(c, newManageView(), secCourt, err)
	}
	return s.doneRedirect(c, "court")
}
