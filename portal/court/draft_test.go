package court_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/pdffont/pdftest"
)

// TestDraftMark: a document made as a draft carries the draft's mark in
// the court's language at the top of every page, drawn over none of its
// text; the same document made for the record carries none. The worked
// examples of the French, Belgian and Form A documents.
func TestDraftMark(t *testing.T) {
	fr := b2bClaim()
	frBal := balance(t, fr, d("2024-06-30"))
	frCourt, err := court.FRCourt(fr, court.FROptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, ls, evs := fixture(fr)
	frEx, _ := court.Exhibits("fr", fr, m, ls, evs)
	be := beClaim()
	beBal := balance(t, be, d("2024-06-30"))
	beEx, _ := court.Exhibits("nl", be, m, ls, evs)
	eu := b2bClaim()
	eu.Debtor.Country, eu.Debtor.Address, eu.Debtor.Postcode = "DE", "Invalidenstraße 1, 10115 Berlin", "10115"
	euBal := balance(t, eu, d("2024-06-30"))
	form := court.BuildFormA(eu, euBal, frEx, "", d("2024-06-30"))

	for _, tc := range []struct {
		name, lang, mark string
		render           func(draft bool) ([]byte, error)
	}{
		{"fr-injonction", "fr", "PROJET — non enregistré", func(draft bool) ([]byte, error) {
			return court.RenderFR(court.FRInput{Claim: fr, Balance: frBal, Court: frCourt, Exhibits: frEx, Head: m.ChainHead, Fingerprint: "SHA256:abc", Date: frBal.AsOf, Draft: draft})
		}},
		{"bordereau", "fr", "PROJET — non enregistré", func(draft bool) ([]byte, error) {
			return court.RenderFR(court.FRInput{Claim: fr, Balance: frBal, Court: frCourt, Exhibits: frEx, Head: m.ChainHead, Fingerprint: "SHA256:abc", Date: frBal.AsOf, BordereauOnly: true, Draft: draft})
		}},
		{"be-file", "nl", "ONTWERP — niet geregistreerd", func(draft bool) ([]byte, error) {
			return court.RenderBE(court.BEInput{Claim: be, Balance: beBal, Exhibits: beEx, Head: m.ChainHead, Fingerprint: "SHA256:abc", Date: beBal.AsOf, Draft: draft})
		}},
		{"eu-form-a", "en", "DRAFT — not recorded", func(draft bool) ([]byte, error) {
			return court.RenderFormA(form, m.ChainHead, "SHA256:abc", court.PDFOptions{Draft: draft})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := court.DraftMark(tc.lang); !strings.HasPrefix(got, tc.mark) {
				t.Fatalf("DraftMark(%s) = %q", tc.lang, got)
			}
			draft, err := tc.render(true)
			if err != nil {
				t.Fatal(err)
			}
			pdftest.NoOverlap(t, draft)
			pages := pdftest.Pages(t, draft)
			if len(pages) < 2 && tc.name == "fr-injonction" {
				t.Errorf("the request has %d page(s): the test wants several", len(pages))
			}
			for i, p := range pages {
				if !strings.Contains(p, court.DraftMark(tc.lang)) || !strings.Contains(p, "court.document_made") {
					t.Errorf("page %d of %d lacks the draft's mark:\n%s", i+1, len(pages), p)
				}
			}
			final, err := tc.render(false)
			if err != nil {
				t.Fatal(err)
			}
			if txt := pdftest.Joined(t, final); strings.Contains(txt, tc.mark) || len(pdftest.Pages(t, final)) != len(pages) {
				t.Errorf("the final document carries the mark, or another number of pages:\n%s", txt)
			}
		})
	}
}
