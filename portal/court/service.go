package court

import (
	"context"
	"fmt"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/rules"
)

// Source is what the documents read from the store (store.DB has it all).
type Source interface {
	// FindClaim returns the claim with its parties, invoices and payments.
	// ENOTFOUND when it is not the tenant's.
	FindClaim(ctx context.Context, tenantID, id string) (*portal.Claim, error)
	FindTenant(ctx context.Context, id string) (*portal.Tenant, error)
	ListEvents(ctx context.Context, tenantID, claimID string, after int64, limit int) ([]*portal.Event, error)
	// Today is the calendar date in the tenant's time zone.
	Today(ctx context.Context, tenantID string) portal.Date
}

// Bundles gives the manifest of a claim's evidence bundle as it would be
// made now (evidence.Builder).
type Bundles interface {
	BundleManifest(ctx context.Context, tenantID, claimID string) (evidence.Manifest, error)
}

// Letters lists a claim's letters (portal.LetterService).
type Letters interface {
	FindLetters(ctx context.Context, tenantID, claimID string) ([]*portal.Letter, error)
}

// Service makes the court documents of a claim from the stores.
type Service struct {
	Source  Source
	Bundles Bundles
	Letters Letters
	// Rates computes the amounts (the same as the portal's and the
	// letters').
	Rates *rules.Rates
	// Files stores the documents recorded as evidence (Record); nil, they
	// can be made but not recorded.
	Files Files
}

// Document is a rendered court document.
type Document struct {
	// Name is the file name, after the claim's reference.
	Name string
	PDF  []byte
	// Head is the chain head the document's exhibits were taken at.
	Head evidence.Head
	// Balance is the computation the document states; Court what it
	// says of the court (kind, place, language), for its evidence event.
	Balance *rules.Balance
	Court   map[string]any
}

// Draft makes the document named document (a key of Documents) for the
// claim as it stands, as Record makes it, without recording it: every page
// carries the draft's mark (DraftMark: "PROJET — non enregistré"), and its
// name starts with the mark's prefix ("projet-"). The copy to file is the
// one Record stores. Record's errors but EUNAVAILABLE.
func (s *Service) Draft(ctx context.Context, tenantID, claimID, document string, opt FROptions) (*Document, error) {
	kind, err := s.documentKind(ctx, tenantID, claimID, document)
	if err != nil {
		return nil, err
	}
	return s.make(ctx, tenantID, claimID, kind, opt, true)
}

// documentKind is the kind of file of the document named document:
// EINVALID for an unknown name, once the claim is found (ENOTFOUND).
func (s *Service) documentKind(ctx context.Context, tenantID, claimID, document string) (string, error) {
	kind, ok := Documents[document]
	if !ok {
		if _, err := s.Source.FindClaim(ctx, tenantID, claimID); err != nil {
			return "", err // another tenant's claim is not found, whatever the document
		}
		return "", portal.FieldError("document", "No court document %q: it is one of %s.", document, strings.Join(DocumentNames(), ", "))
	}
	return kind, nil
}

// make renders the document of kind (a value of Documents), as a draft
// or as the final document Record stores.
func (s *Service) make(ctx context.Context, tenantID, claimID, kind string, opt FROptions, draft bool) (*Document, error) {
	switch kind {
	case portal.FileCourtInjonction, portal.FileCourtBordereau:
		return s.frInjonction(ctx, tenantID, claimID, opt, kind == portal.FileCourtBordereau, draft)
	case portal.FileCourtFormA:
		_, doc, err := s.europeanOrder(ctx, tenantID, claimID, draft)
		return doc, err
	case portal.FileCourtBEFile:
		return s.belgianFile(ctx, tenantID, claimID, draft)
	}
	return nil, fmt.Errorf("court: no document of kind %q", kind)
}

// frInjonction renders the French requête en injonction de payer with its
// bordereau de pièces (bordereauOnly: the bordereau alone) for the claim as
// it stands today. ENOTFOUND; EINVALID or ECONFLICT with the reason when
// the claim cannot go to this procedure now (CheckFR); EINVALID when the
// court cannot be chosen from the debtor's address.
func (s *Service) frInjonction(ctx context.Context, tenantID, claimID string, opt FROptions, bordereauOnly, draft bool) (*Document, error) {
	in, err := s.frInput(ctx, tenantID, claimID, opt)
	if err != nil {
		return nil, err
	}
	in.BordereauOnly, in.Draft = bordereauOnly, draft
	pdf, err := RenderFR(*in)
	if err != nil {
		return nil, err
	}
	kind := "requete-injonction-"
	if bordereauOnly {
		kind = "bordereau-"
	}
	name := fileName(kind, in.Claim)
	if draft {
		name = draftName("fr", name)
	}
	return &Document{Name: name, PDF: pdf, Head: in.Head, Balance: in.Balance, Court: map[string]any{
		"court": string(in.Court.Kind), "court_name": in.Court.Name, "court_locality": in.Court.Locality,
		"court_postcode": in.Court.Postcode, "consumer_credit": opt.ConsumerCredit,
	}}, nil
}

func (s *Service) frInput(ctx context.Context, tenantID, claimID string, opt FROptions) (*FRInput, error) {
	g, err := s.gather(ctx, tenantID, claimID, func(c *portal.Claim, b *rules.Balance, today portal.Date) error {
		if err := CheckFR(c, b, today); err != nil {
			return err
		}
		_, err := FRCourt(c, opt)
		return err
	})
	if err != nil {
		return nil, err
	}
	ct, _ := FRCourt(g.claim, opt)
	return &FRInput{Claim: g.claim, Balance: g.balance, Court: ct, Representative: g.representative, Exhibits: g.exhibits,
		MoreEvents: g.more, Head: g.manifest.ChainHead, Fingerprint: g.manifest.Signature.Fingerprint, Date: g.today}, nil
}

// FormAData fills Form A of the European order for payment for a claim
// against a debtor in another member state: the data to enter on the
// e-Justice portal's form (the worksheet PDF is a Draft or Recorded
// document). Same errors as the French request, from CheckEOP.
func (s *Service) FormAData(ctx context.Context, tenantID, claimID string) (*FormA, error) {
	g, err := s.gather(ctx, tenantID, claimID, CheckEOP)
	if err != nil {
		return nil, err
	}
	return BuildFormA(g.claim, g.balance, g.exhibits, g.representative, g.today), nil
}

// europeanOrder fills Form A and renders it as a worksheet PDF.
func (s *Service) europeanOrder(ctx context.Context, tenantID, claimID string, draft bool) (*FormA, *Document, error) {
	g, err := s.gather(ctx, tenantID, claimID, CheckEOP)
	if err != nil {
		return nil, nil, err
	}
	f := BuildFormA(g.claim, g.balance, g.exhibits, g.representative, g.today)
	pdf, err := RenderFormA(f, g.manifest.ChainHead, g.manifest.Signature.Fingerprint, PDFOptions{Draft: draft})
	if err != nil {
		return nil, nil, err
	}
	name := fileName("european-order-form-a-", g.claim)
	if draft {
		name = draftName(draftLanguage(portal.FileCourtFormA, g.claim), name)
	}
	return f, &Document{Name: name, PDF: pdf, Head: g.manifest.ChainHead, Balance: g.balance,
		Court: map[string]any{"court": "european_order_for_payment", "court_country": f.Court.Country}}, nil
}

// belgianFile renders the Belgian court file of the claim: the uncontested
// B2B recovery file for a business debtor, the summons file with the Book
// XIX steps for a consumer (CheckBE's errors).
func (s *Service) belgianFile(ctx context.Context, tenantID, claimID string, draft bool) (*Document, error) {
	g, err := s.gather(ctx, tenantID, claimID, CheckBE)
	if err != nil {
		return nil, err
	}
	pdf, err := RenderBE(BEInput{Claim: g.claim, Balance: g.balance, Representative: g.representative, Exhibits: g.exhibits,
		MoreEvents: g.more, Head: g.manifest.ChainHead, Fingerprint: g.manifest.Signature.Fingerprint, Date: g.today, Draft: draft})
	if err != nil {
		return nil, err
	}
	prefix, proc := "be-uncontested-", "be_uncontested_b2b"
	if g.claim.Debtor.Kind == portal.DebtorConsumer {
		prefix, proc = "be-summons-", "be_summons"
	}
	name := fileName(prefix, g.claim)
	if draft {
		name = draftName(draftLanguage(portal.FileCourtBEFile, g.claim), name)
	}
	return &Document{Name: name, PDF: pdf, Head: g.manifest.ChainHead, Balance: g.balance,
		Court: map[string]any{"court": proc, "court_language": evidence.CourtLanguage(g.claim)}}, nil
}

// gathered is what every court document is made from.
type gathered struct {
	claim          *portal.Claim
	balance        *rules.Balance
	today          portal.Date
	representative string
	manifest       evidence.Manifest
	exhibits       []Exhibit
	more           int
}

// gather loads the claim and its balance today, runs check on them (the
// cheap refusals come before the bundle is built), then reads the bundle's
// manifest, the letters and the cited events into the exhibits.
func (s *Service) gather(ctx context.Context, tenantID, claimID string, check func(*portal.Claim, *rules.Balance, portal.Date) error) (*gathered, error) {
	c, err := s.Source.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	g := &gathered{claim: c, today: s.Source.Today(ctx, tenantID)}
	if g.balance, err = s.Rates.Compute(c, g.today); err != nil {
		return nil, err
	}
	if err := check(c, g.balance, g.today); err != nil {
		return nil, err
	}
	t, err := s.Source.FindTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	g.representative = representative(t, c.Creditor)
	if g.manifest, err = s.Bundles.BundleManifest(ctx, tenantID, claimID); err != nil {
		return nil, err
	}
	ls, err := s.Letters.FindLetters(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	events, err := s.events(ctx, tenantID, claimID, g.manifest.ChainHead.Seq)
	if err != nil {
		return nil, err
	}
	g.exhibits, g.more = Exhibits(evidence.CourtLanguage(c), c, g.manifest, ls, events)
	return g, nil
}

// events reads the chain up to seq upto, keeping only the kinds the
// bordereau cites (a long chain of reminders and views is not held).
func (s *Service) events(ctx context.Context, tenantID, claimID string, upto int64) ([]*portal.Event, error) {
	var out []*portal.Event
	var after int64
	for after < upto {
		page, err := s.Source.ListEvents(ctx, tenantID, claimID, after, 500)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Seq > upto {
				return out, nil
			}
			after = e.Seq
			switch e.Kind {
			case portal.EventLetterSent, portal.EventPaymentRecorded, portal.EventPaymentRefunded, portal.EventPaymentReversed,
				portal.EventChargeback, portal.EventCreditNoteRecorded, portal.EventOfferMade, portal.EventOfferAccepted,
				portal.EventOfferRefused, portal.EventDatesRecorded, portal.EventDisputeFiled, portal.EventDisputeResolved:
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// representative is the tenant filing for the creditor: an agency or law
// firm, when its name is not the creditor's own.
func representative(t *portal.Tenant, cr *portal.Creditor) string {
	if t == nil || cr == nil {
		return ""
	}
	n := strings.TrimSpace(t.Name)
	if n == "" || strings.EqualFold(n, strings.TrimSpace(cr.LegalName)) {
		return ""
	}
	return n
}

// fileName is prefix + the claim's reference made safe for a file name
// (evidence.BundleFileName's folding) + ".pdf".
func fileName(prefix string, c *portal.Claim) string {
	n := strings.TrimSuffix(strings.TrimPrefix(evidence.BundleFileName(c.Reference, c.ID), "evidence-"), ".zip")
	return prefix + n + ".pdf"
}
