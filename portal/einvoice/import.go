package einvoice

import (
	"context"
	"errors"
	"fmt"

	"github.com/relais/relais/portal"
)

// Upload is one file of an import as sent: an XML, a PDF or a zip.
type Upload struct {
	Name string
	Data []byte
}

// CreditorFinder lists the creditors sellers are matched against
// (portal.TenantService does).
type CreditorFinder interface {
	FindCreditors(ctx context.Context, tenantID string) ([]*portal.Creditor, error)
}

// Import parses every upload, maps the documents to claims, checks that no
// claim's reference exists already, and stores every claim in one
// transaction with its original files. It returns the number of claims
// imported, or Errors (wrapped in a portal EINVALID error) and imports
// nothing.
func Import(ctx context.Context, svc portal.ClaimService, tenants CreditorFinder, tenantID string, uploads []Upload) (int, error) {
	var (
		docs []*Document
		errs Errors
	)
	if len(uploads) == 0 {
		errs = Errors{{File: "upload", Message: "no file was sent"}}
	}
	for _, u := range uploads {
		d, e := Parse(u.Name, u.Data)
		docs, errs = append(docs, d...), append(errs, e...)
	}
	var claims []*portal.Claim
	if errs == nil {
		creditors, err := tenants.FindCreditors(ctx, tenantID)
		if err != nil {
			return 0, err
		}
		claims, errs = Claims(docs, creditors)
	}
	if errs == nil {
		for _, c := range claims {
			existing, _, err := svc.FindClaims(ctx, tenantID, portal.ClaimFilter{Reference: c.Reference, Limit: 1})
			if err != nil {
				return 0, err
			}
			if len(existing) > 0 {
				for _, f := range c.Files {
					errs = append(errs, FileError{File: f.Name, Message: fmt.Sprintf("a claim with reference %q (its first invoice's number) already exists: this invoice was imported before", short(c.Reference))})
				}
			}
		}
	}
	if errs != nil {
		return 0, &portal.Error{Code: portal.EINVALID, Message: errs.Error(), Err: errs.sorted()}
	}
	if err := svc.ImportClaims(ctx, tenantID, claims); err != nil {
		return 0, err
	}
	return len(claims), nil
}

// FileErrors extracts the per-file errors of a failed Import.
func FileErrors(err error) Errors {
	var e Errors
	if errors.As(err, &e) {
		return e
	}
	return nil
}
