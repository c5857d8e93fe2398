package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// The claim list's JSON, written by hand (issue 22): encoding/json's
// reflection, and its call and check of portal.Date's MarshalJSON for each
// of a claim's ten dates, were a sixth of the list's time. The bytes are
// encoding/json's: TestClaimPageJSON compares the two on pages with every
// field set, none set, and every kind of string.

// marshalClaimPage encodes p as json.Marshal does, appended to b: by
// hand, unless a claim has what the list never shows (a creditor) or a
// time encoding/json refuses, which it leaves to json.Marshal and its
// error.
func marshalClaimPage(b []byte, p claimPage) ([]byte, error) {
	for _, c := range p.Claims {
		if c != nil && c.Creditor != nil {
			return json.Marshal(p)
		}
	}
	out, err := appendClaimPage(b, p)
	if err != nil {
		return json.Marshal(p)
	}
	return out, nil
}

// claimPageBuffers keep the buffers pages are written into: a page of 50
// is about 100 KB, which the response copies (fasthttp pools its own).
var claimPageBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledPage is the largest buffer put back (a page of 200 claims with
// many parts is not kept).
const maxPooledPage = 1 << 20

// appendClaimPage appends p's JSON to b, sized for about 2 KB a claim.
func appendClaimPage(b []byte, p claimPage) ([]byte, error) {
	b = slices.Grow(b, 2048*len(p.Claims)+64)
	b = append(b, `{"claims":`...)
	var err error
	if p.Claims == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range p.Claims {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendClaimJSON(b, c); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if p.NextCursor != "" {
		b = appendJSONString(append(b, `,"next_cursor":`...), p.NextCursor)
	}
	return append(b, '}'), nil
}

func appendClaimJSON(b []byte, c *portal.Claim) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = appendJSONString(append(b, `{"id":`...), c.ID)
	b = appendJSONString(append(b, `,"creditor_id":`...), c.CreditorID)
	b = appendJSONString(append(b, `,"debtor_id":`...), c.DebtorID)
	b = appendJSONString(append(b, `,"reference":`...), c.Reference)
	b = appendJSONString(append(b, `,"currency":`...), string(c.Currency))
	b = appendJSONString(append(b, `,"jurisdiction":`...), string(c.Jurisdiction))
	b = append(b, `,"contract_rate_bp":`...)
	if c.ContractRateBP == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *c.ContractRateBP, 10)
	}
	b = strconv.AppendBool(append(b, `,"damages_clause":`...), c.DamagesClause)
	b = appendJSONString(append(b, `,"identity_check":`...), string(c.IdentityCheck))
	b = appendJSONString(append(b, `,"stage":`...), string(c.Stage))
	b = appendJSONString(append(b, `,"status":`...), string(c.Status))
	b = c.FormalNoticeOn.AppendJSON(append(b, `,"formal_notice_on":`...))
	b = c.FirstReminderOn.AppendJSON(append(b, `,"first_reminder_on":`...))
	if c.FirstReminderChannel != "" {
		b = appendJSONString(append(b, `,"first_reminder_channel":`...), c.FirstReminderChannel)
	}
	if c.NoticePeriodDays != 0 {
		b = strconv.AppendInt(append(b, `,"notice_period_days":`...), int64(c.NoticePeriodDays), 10)
	}
	if c.Procedure != "" {
		b = appendJSONString(append(b, `,"procedure":`...), c.Procedure)
	}
	b = c.OrderOn.AppendJSON(append(b, `,"order_on":`...))
	b = c.ServedOn.AppendJSON(append(b, `,"served_on":`...))
	b = c.JudgmentOn.AppendJSON(append(b, `,"judgment_on":`...))
	b = c.EnforceableOn.AppendJSON(append(b, `,"enforceable_on":`...))
	if c.Prescription != "" {
		b = appendJSONString(append(b, `,"prescription":`...), c.Prescription)
	}
	b = c.LastAcknowledgementOn.AppendJSON(append(b, `,"last_acknowledgement_on":`...))
	b = c.ProceedingsEndedOn.AppendJSON(append(b, `,"proceedings_ended_on":`...))
	if b, err = appendJSONTime(append(b, `,"created_at":`...), c.CreatedAt); err != nil {
		return nil, err
	}
	if b, err = appendJSONTime(append(b, `,"updated_at":`...), c.UpdatedAt); err != nil {
		return nil, err
	}
	if c.PersonalDataErasedAt != nil {
		if b, err = appendJSONTime(append(b, `,"personal_data_erased_at":`...), *c.PersonalDataErasedAt); err != nil {
			return nil, err
		}
	}
	if d := c.Debtor; d != nil {
		b = appendJSONString(append(b, `,"debtor":{"id":`...), d.ID)
		b = appendJSONString(append(b, `,"kind":`...), string(d.Kind))
		b = appendJSONString(append(b, `,"name":`...), d.Name)
		b = appendJSONString(append(b, `,"language":`...), d.Language)
		b = appendJSONString(append(b, `,"address":`...), d.Address)
		b = appendJSONString(append(b, `,"postcode":`...), d.Postcode)
		b = appendJSONString(append(b, `,"country":`...), d.Country)
		b = appendJSONString(append(b, `,"email":`...), d.Email)
		b = appendJSONString(append(b, `,"phone":`...), d.Phone)
		b = d.BirthDate.AppendJSON(append(b, `,"birth_date":`...))
		b = appendJSONString(append(b, `,"customer_number":`...), d.CustomerNumber)
		if b, err = appendJSONTime(append(b, `,"created_at":`...), d.CreatedAt); err != nil {
			return nil, err
		}
		b = append(b, '}')
	}
	b = append(b, `,"invoices":`...)
	if b, err = appendJSONList(b, c.Invoices, appendInvoiceJSON); err != nil {
		return nil, err
	}
	b = append(b, `,"payments":`...)
	if b, err = appendJSONList(b, c.Payments, appendPaymentJSON); err != nil {
		return nil, err
	}
	b = append(b, `,"credit_notes":`...)
	if b, err = appendJSONList(b, c.CreditNotes, appendCreditNoteJSON); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendInvoiceJSON(b []byte, inv *portal.Invoice) ([]byte, error) {
	b = appendJSONString(append(b, `{"id":`...), inv.ID)
	b = appendJSONString(append(b, `,"number":`...), inv.Number)
	b = inv.IssueDate.AppendJSON(append(b, `,"issue_date":`...))
	b = inv.DueDate.AppendJSON(append(b, `,"due_date":`...))
	b = strconv.AppendInt(append(b, `,"amount":`...), inv.Amount, 10)
	if inv.PaymentReference != "" {
		b = appendJSONString(append(b, `,"payment_reference":`...), inv.PaymentReference)
	}
	b = inv.FirstReminderOn.AppendJSON(append(b, `,"first_reminder_on":`...))
	if inv.FirstReminderChannel != "" {
		b = appendJSONString(append(b, `,"first_reminder_channel":`...), inv.FirstReminderChannel)
	}
	b, err := appendJSONTime(append(b, `,"created_at":`...), inv.CreatedAt)
	return append(b, '}'), err
}

func appendPaymentJSON(b []byte, p *portal.Payment) ([]byte, error) {
	b = appendJSONString(append(b, `{"id":`...), p.ID)
	b = appendJSONString(append(b, `,"claim_id":`...), p.ClaimID)
	b = strconv.AppendInt(append(b, `,"amount":`...), p.Amount, 10)
	b = appendJSONString(append(b, `,"currency":`...), string(p.Currency))
	b = p.ReceivedOn.AppendJSON(append(b, `,"received_on":`...))
	b = appendJSONString(append(b, `,"method":`...), string(p.Method))
	b = appendJSONString(append(b, `,"reference":`...), p.Reference)
	if p.InvoiceID != "" {
		b = appendJSONString(append(b, `,"invoice_id":`...), p.InvoiceID)
	}
	if p.Reverses != "" {
		b = appendJSONString(append(b, `,"reverses":`...), p.Reverses)
	}
	b, err := appendJSONTime(append(b, `,"created_at":`...), p.CreatedAt)
	return append(b, '}'), err
}

func appendCreditNoteJSON(b []byte, n *portal.CreditNote) ([]byte, error) {
	b = appendJSONString(append(b, `{"id":`...), n.ID)
	b = appendJSONString(append(b, `,"claim_id":`...), n.ClaimID)
	if n.InvoiceID != "" {
		b = appendJSONString(append(b, `,"invoice_id":`...), n.InvoiceID)
	}
	b = appendJSONString(append(b, `,"number":`...), n.Number)
	b = n.IssueDate.AppendJSON(append(b, `,"issue_date":`...))
	b = strconv.AppendInt(append(b, `,"amount":`...), n.Amount, 10)
	b, err := appendJSONTime(append(b, `,"created_at":`...), n.CreatedAt)
	return append(b, '}'), err
}

// appendJSONList appends list as encoding/json does: null when nil, a nil
// element null.
func appendJSONList[T any](b []byte, list []*T, each func([]byte, *T) ([]byte, error)) ([]byte, error) {
	if list == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	var err error
	for i, x := range list {
		if i > 0 {
			b = append(b, ',')
		}
		if x == nil {
			b = append(b, "null"...)
		} else if b, err = each(b, x); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendJSONTime appends t as its MarshalJSON does; the error is for a
// time RFC 3339 cannot write (a year past 9999).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b, err := t.AppendText(append(b, '"'))
	return append(b, '"'), err
}

// appendJSONString appends s quoted as encoding/json does (HTML escaping
// on): <, > and & as \u003c, \u003e and \u0026, control characters
// escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

const hexDigits = "0123456789abcdef"
