package court

import (
	"context"
	"sort"

	"github.com/relais/relais/portal"
)

// Files stores a claim's court documents as its files, each with its
// evidence event (store.DB).
type Files interface {
	// RecordClaimFile stores f for the tenant's claim and appends kind's
	// event with payload and the file's ID, name, size and SHA-256, in one
	// transaction. ENOTFOUND.
	RecordClaimFile(ctx context.Context, tenantID, claimID string, f *portal.ClaimFile, kind portal.EventKind, payload map[string]any) (*portal.Event, error)
	// ClaimFiles lists the claim's files whose kind keep accepts, without
	// their content.
	ClaimFiles(ctx context.Context, tenantID, claimID string, keep func(kind string) bool) ([]*portal.ClaimFile, error)
	// ClaimFile returns one with its content. ENOTFOUND, EGONE.
	ClaimFile(ctx context.Context, tenantID, claimID, fileID string) (*portal.ClaimFile, error)
}

// Documents are the court documents that can be recorded, by the name the
// API and the CLI give them, with the kind of file they are stored as.
var Documents = map[string]string{
	"fr-injonction": portal.FileCourtInjonction,
	"bordereau":     portal.FileCourtBordereau,
	"eu-form-a":     portal.FileCourtFormA,
	"be-file":       portal.FileCourtBEFile,
}

// DocumentNames are Documents' names, sorted, for messages.
func DocumentNames() []string {
	var out []string
	for n := range Documents {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Recorded is a court document stored as the claim's evidence: its file
// (without the content) and its court.document_made event.
type Recorded struct {
	File  *portal.ClaimFile `json:"file"`
	Event *portal.Event     `json:"event"`
}

// Record makes the court document named document (a key of Documents) for
// the claim as it stands, stores it as the claim's file and appends
// court.document_made: the document's kind, the file's SHA-256 and size,
// the chain head its exhibits were taken at (the event itself comes after
// it), the amounts it claims and the court it names. Errors: those of the
// document's own function (the refusals of CheckFR, CheckEOP, CheckBE);
// EINVALID for an unknown document; EUNAVAILABLE without Files.
func (s *Service) Record(ctx context.Context, tenantID, claimID, document string, opt FROptions) (*Recorded, error) {
	kind, err := s.documentKind(ctx, tenantID, claimID, document)
	if err != nil {
		return nil, err
	}
	if s.Files == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Court documents cannot be recorded on this instance.")
	}
	doc, err := s.make(ctx, tenantID, claimID, kind, opt, false)
	if err != nil {
		return nil, err
	}
	f := &portal.ClaimFile{Kind: kind, Name: doc.Name, ContentType: "application/pdf", Content: doc.PDF}
	e, err := s.Files.RecordClaimFile(ctx, tenantID, claimID, f, portal.EventCourtDocumentMade, documentPayload(document, kind, doc))
	if err != nil {
		return nil, err
	}
	f.Content = nil
	return &Recorded{File: f, Event: e}, nil
}

// documentPayload is what court.document_made says of a document besides
// its file: its kind, the chain head its exhibits cite, the amounts with
// their breakdown, the court, and the rules it relies on that LEGAL.md
// does not confirm (Unverified).
func documentPayload(document, kind string, doc *Document) map[string]any {
	p := map[string]any{"document": kind, "chain_seq": doc.Head.Seq, "chain_head": doc.Head.Hash, "unverified_rules": Unverified(document)}
	if b := doc.Balance; b != nil {
		p["currency"], p["as_of"], p["interest_to"] = string(b.Currency), b.AsOf.String(), b.ComputedTo.String()
		p["total"], p["principal_due"], p["interest_due"], p["indemnities_due"] = b.Total, b.PrincipalDue, b.InterestDue, b.IndemnitiesDue
		p["rule_set"] = b.RuleSet
	}
	for k, v := range doc.Court {
		p[k] = v
	}
	return p
}

// RecordedDocuments lists the court documents recorded for the claim,
// oldest first. EUNAVAILABLE without Files.
func (s *Service) RecordedDocuments(ctx context.Context, tenantID, claimID string) ([]*portal.ClaimFile, error) {
	if s.Files == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Court documents cannot be recorded on this instance.")
	}
	if _, err := s.Source.FindClaim(ctx, tenantID, claimID); err != nil {
		return nil, err
	}
	return s.Files.ClaimFiles(ctx, tenantID, claimID, portal.IsCourtFile)
}

// RecordedDocument returns one recorded court document with its content:
// ENOTFOUND when fileID is not a court document of the tenant's claim.
func (s *Service) RecordedDocument(ctx context.Context, tenantID, claimID, fileID string) (*portal.ClaimFile, error) {
	if s.Files == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Court documents cannot be recorded on this instance.")
	}
	f, err := s.Files.ClaimFile(ctx, tenantID, claimID, fileID)
	if err != nil {
		return nil, err
	}
	if !portal.IsCourtFile(f.Kind) {
		return nil, portal.Errorf(portal.ENOTFOUND, "File not found.")
	}
	return f, nil
}
