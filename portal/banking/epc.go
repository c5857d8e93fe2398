package banking

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// Limits of the EPC069-12 "SEPA QR" payload.
const (
	EPCMaxNameLen     = 70
	EPCMaxTextLen     = 140
	EPCMaxInfoLen     = 70
	EPCMaxPayloadSize = 331            // bytes: QR version 13 at error correction level M
	EPCMinAmount      = 1              // 0.01 EUR
	EPCMaxAmount      = 99_999_999_999 // 999999999.99 EUR
)

// EPCTransfer is what an EPC QR code asks the payer's bank to send.
type EPCTransfer struct {
	// BIC of the beneficiary's bank; optional in version 002.
	BIC string
	// Name of the beneficiary, 1 to 70 characters.
	Name string
	// IBAN of the beneficiary, printed or electronic; a SEPA IBAN.
	IBAN string
	// Amount in cents; Currency must be EUR, as SEPA transfers are.
	Amount   int64
	Currency portal.Currency
	// Reference is the structured remittance information: an RF creditor
	// reference or, as Belgian banks accept, a Belgian structured
	// communication. It is written in electronic form. Set Reference or
	// Text, not both.
	Reference string
	// Text is the unstructured remittance information, up to 140
	// characters.
	Text string
	// Info is the optional beneficiary-to-originator note shown to the
	// payer, up to 70 characters.
	Info string
}

// EPCPayload validates t and returns the EPC069-12 payload: service tag
// BCD, version 002, character set 1 (UTF-8), identification SCT, then BIC,
// name, IBAN, amount ("EUR12.34"), an empty purpose, structured reference,
// unstructured text and information, one per line separated by "\n", with
// trailing empty lines left out. The result is at most 331 bytes. Errors
// are EINVALID naming the faulty field.
func EPCPayload(t EPCTransfer) (string, error) {
	bic := ""
	if strings.TrimSpace(t.BIC) != "" {
		if err := ValidateBIC(t.BIC); err != nil {
			return "", err
		}
		bic = NormalizeBIC(t.BIC)
	}
	name := strings.TrimSpace(t.Name)
	if name == "" {
		return "", portal.FieldError("name", "beneficiary name is required")
	}
	if err := checkEPCText("name", name, EPCMaxNameLen); err != nil {
		return "", err
	}
	if err := ValidateIBAN(t.IBAN); err != nil {
		return "", err
	}
	if t.Currency != "EUR" {
		return "", portal.FieldError("currency", "a SEPA QR code can only ask for euros, not %q", string(t.Currency))
	}
	if t.Amount < EPCMinAmount || t.Amount > EPCMaxAmount {
		return "", portal.FieldError("amount", "a SEPA QR amount must be between 0.01 and 999999999.99 EUR")
	}
	ref, text := strings.TrimSpace(t.Reference), strings.TrimSpace(t.Text)
	if ref != "" && text != "" {
		return "", portal.FieldError("reference", "a SEPA QR code carries a structured reference or a free text, not both")
	}
	if ref != "" {
		var err error
		if ref, err = structuredRemittance(ref); err != nil {
			return "", err
		}
	}
	if err := checkEPCText("text", text, EPCMaxTextLen); err != nil {
		return "", err
	}
	info := strings.TrimSpace(t.Info)
	if err := checkEPCText("info", info, EPCMaxInfoLen); err != nil {
		return "", err
	}
	lines := []string{
		"BCD", "002", "1", "SCT",
		bic, name, NormalizeIBAN(t.IBAN),
		"EUR" + portal.FormatMinor(t.Amount, 2),
		"", // purpose
		ref, text, info,
	}
	for lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	payload := strings.Join(lines, "\n")
	if len(payload) > EPCMaxPayloadSize {
		return "", portal.FieldError("text", "the SEPA QR payload is %d bytes, over the limit of %d: shorten the name or text", len(payload), EPCMaxPayloadSize)
	}
	return payload, nil
}

// structuredRemittance returns the electronic form of an RF reference or a
// Belgian structured communication.
func structuredRemittance(ref string) (string, error) {
	if rf, err := ParseRF(ref); err == nil {
		return rf, nil
	}
	if d, err := ParseStructured(ref); err == nil {
		return d, nil
	}
	return "", portal.FieldError("reference", "reference %q is neither an RF creditor reference nor a Belgian structured communication", ref)
}

// checkEPCText rejects invalid UTF-8, line breaks and other control
// characters (they would shift the payload's lines) and text longer than
// max characters.
func checkEPCText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return portal.FieldError(field, "%s is not valid UTF-8 text", field)
	}
	if utf8.RuneCountInString(v) > max {
		return portal.FieldError(field, "%s is longer than %d characters", field, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return portal.FieldError(field, "%s must be a single line of text", field)
		}
	}
	return nil
}

// TransferEPC is the EPC transfer of the bank transfer details d to the
// account iban (electronic form; d.IBAN is the printed one). A beneficiary
// name longer than EPC069-12 allows is cut, as banks show only the start.
func TransferEPC(d *portal.TransferDetails, iban string) EPCTransfer {
	name := []rune(d.Beneficiary)
	if len(name) > EPCMaxNameLen {
		name = name[:EPCMaxNameLen]
	}
	return EPCTransfer{BIC: d.BIC, Name: string(name), IBAN: iban, Amount: d.Amount,
		Currency: d.Currency, Reference: d.ReferenceElectronic}
}

// TransferQRCode is the EPC QR code (PNG, size×size) of the bank transfer
// details d to the account iban; EUNAVAILABLE when the transfer cannot be
// encoded (no amount, a currency other than EUR).
func TransferQRCode(d *portal.TransferDetails, iban string, size int) ([]byte, error) {
	payload, err := EPCPayload(TransferEPC(d, iban))
	if err != nil {
		return nil, &portal.Error{Code: portal.EUNAVAILABLE, Message: "No QR code can be made for this transfer.", Err: err}
	}
	return EPCQRCodePNG(payload, size)
}
