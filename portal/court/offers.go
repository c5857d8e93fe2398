package court

import (
	"context"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// Offer says whether one court document can be made for a claim today,
// and why not: what the stage machine offers the creditor.
type Offer struct {
	// Kind is fr_injonction, eu_form_a or be_file.
	Kind string `json:"kind"`
	// Applies is true when the document is for this kind of claim (its
	// law, its debtor's country), whether or not it can be made yet.
	Applies   bool   `json:"applies"`
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// ReasonCode is the refusal's reason as a key (Refusal.Reason), for a
	// client that words it itself.
	ReasonCode string `json:"reason_code,omitempty"`
	// Paths are the API's routes for it, relative to the claim.
	Paths []string `json:"paths"`
	// Unverified are the IDs of the rules it relies on that Relais's legal
	// reference does not confirm (LegalRules): to check by hand.
	Unverified []string `json:"unverified_rules"`
}

// Offers checks every court document against the claim and its balance
// on today (CheckFR, CheckEOP, CheckBE), cheaply: no bundle is built.
func Offers(c *portal.Claim, b *rules.Balance, today portal.Date) []Offer {
	country := ""
	if c.Debtor != nil {
		country = c.Debtor.Country
	}
	crossBorder := country != "" && country != claimantCountry(c)
	home := func(j portal.Jurisdiction) bool {
		return c.Jurisdiction == j && (country == "" || country == string(j))
	}
	list := []Offer{
		{Kind: "fr_injonction", Applies: home(portal.JurisdictionFR), Paths: []string{"court/fr-injonction.pdf", "court/bordereau.pdf"}, Unverified: Unverified("fr-injonction")},
		{Kind: "eu_form_a", Applies: crossBorder, Paths: []string{"court/eu-form-a.json", "court/eu-form-a.pdf"}, Unverified: Unverified("eu-form-a")},
		{Kind: "be_file", Applies: home(portal.JurisdictionBE), Paths: []string{"court/be-file.pdf"}, Unverified: Unverified("be-file")},
	}
	checks := []func(*portal.Claim, *rules.Balance, portal.Date) error{CheckFR, CheckEOP, CheckBE}
	for i, check := range checks {
		if err := check(c, b, today); err != nil {
			list[i].Reason = portal.ErrorMessage(err)
			if r := ReasonOf(err); r != nil {
				list[i].ReasonCode = r.Reason
			}
		} else {
			list[i].Available = true
		}
	}
	return list
}

// Offers is the package's Offers for the tenant's claim today.
func (s *Service) Offers(ctx context.Context, tenantID, claimID string) ([]Offer, error) {
	c, err := s.Source.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	today := s.Source.Today(ctx, tenantID)
	b, err := s.Rates.Compute(c, today)
	if err != nil {
		return nil, err
	}
	return Offers(c, b, today), nil
}
