package payments

import (
	"context"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

// ReferenceStore keeps each claim's transfer reference: ClaimReference
// returns the one of a claim the caller holds (made on first use).
type ReferenceStore interface {
	ClaimReference(ctx context.Context, c *portal.Claim) (banking.PaymentReference, error)
}

var _ portal.TransferService = (*Service)(nil)

// TransferDetails implements portal.TransferService.
func (s *Service) TransferDetails(ctx context.Context, c *portal.Claim) (*portal.TransferDetails, error) {
	// A rate not published yet counts interest up to the last covered day:
	// that total is the amount of the transfer and of its QR code.
	b, err := s.Rates.Compute(c, s.Today())
	if err != nil {
		return nil, err
	}
	return s.TransferDetailsDue(ctx, c, b.Total)
}

// TransferDetailsDue implements portal.TransferService.
func (s *Service) TransferDetailsDue(ctx context.Context, c *portal.Claim, due int64) (*portal.TransferDetails, error) {
	cr := c.Creditor
	if cr == nil || banking.ValidateIBAN(cr.IBAN) != nil {
		if s.Log != nil {
			s.Log.WarnContext(ctx, "creditor has no valid IBAN: bank transfer details hidden", "claim", c.ID)
		}
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Bank transfer details are not available for this claim; please contact the creditor.")
	}
	bic := ""
	if cr.BIC != "" && banking.ValidateBIC(cr.BIC) == nil {
		bic = banking.NormalizeBIC(cr.BIC)
	}
	if s.References == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Bank transfer details are not available.")
	}
	ref, err := s.References.ClaimReference(ctx, c)
	if err != nil {
		return nil, err
	}
	d := &portal.TransferDetails{
		Beneficiary: cr.LegalName, IBAN: banking.FormatIBAN(cr.IBAN), BIC: bic, Amount: due, Currency: c.Currency,
		Reference: ref.Printed, ReferenceElectronic: ref.Electronic, ReferenceScheme: string(ref.Scheme),
	}
	if _, err := banking.EPCPayload(banking.TransferEPC(d, cr.IBAN)); err == nil && d.Amount > 0 {
		d.QR = true
	}
	return d, nil
}

// TransferQR implements portal.TransferService.
func (s *Service) TransferQR(ctx context.Context, c *portal.Claim, size int) ([]byte, error) {
	d, err := s.TransferDetails(ctx, c)
	if err != nil {
		return nil, err
	}
	return banking.TransferQRCode(d, c.Creditor.IBAN, size)
}
