package payments

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/reminders"
)

// DebtorMessage is a notice about the debtor's plan: the key of its texts
// in the message files (Key+".email_subject", ".email_body", ".sms") and
// their data as pairs ("Amount", "€50.00", ...).
type DebtorMessage struct {
	Key  string
	Data []any
	// Ref identifies the notice to the providers (idempotency, logs).
	Ref string
}

// DebtorNotifier tells a claim's debtor something about their plan, in
// their language, by e-mail or else by SMS, and says which channel it used.
type DebtorNotifier interface {
	NotifyDebtor(ctx context.Context, c *portal.Claim, m DebtorMessage) (channel string, err error)
}

// noticeKeys are the notices Relais sends about a plan.
var noticeKeys = []string{"debit.notice", "debit.mandate_ended"}

// NoticeKeys lists the message keys of every notice (e-mail subject and
// body, SMS), for the test that each one is translated.
func NoticeKeys() []string {
	var out []string
	for _, k := range noticeKeys {
		out = append(out, k+".email_subject", k+".email_body", k+".sms")
	}
	return out
}

// ChannelNotifier sends debtor notices through the reminder channels.
type ChannelNotifier struct {
	Email reminders.EmailSender // nil: no e-mail
	SMS   reminders.SMSSender   // nil: no SMS
	Texts *i18n.Bundle
}

// NotifyDebtor implements DebtorNotifier. EUNAVAILABLE when the debtor has
// no address a configured channel can reach.
func (n *ChannelNotifier) NotifyDebtor(ctx context.Context, c *portal.Claim, m DebtorMessage) (string, error) {
	if c.Debtor == nil {
		return "", fmt.Errorf("notify debtor: claim %s loaded without its debtor", c.ID)
	}
	t := n.Texts.For(c.Debtor.Language)
	data := append([]any{"DebtorName", c.Debtor.Name, "Reference", c.Reference}, m.Data...)
	if c.Creditor != nil {
		data = append(data, "CreditorName", c.Creditor.LegalName)
	}
	if n.Email != nil && c.Debtor.Email != "" {
		text := t.Text(m.Key+".email_body", data...)
		_, _, err := n.Email.SendEmail(ctx, &reminders.Email{To: c.Debtor.Email, Subject: t.Text(m.Key+".email_subject", data...),
			Text: text, HTML: textHTML(text), Ref: m.Ref})
		if err != nil {
			return "", fmt.Errorf("notify debtor by e-mail: %w", err)
		}
		return string(portal.ChannelEmail), nil
	}
	if n.SMS != nil && c.Debtor.Phone != "" {
		text := t.Text(m.Key+".sms", data...)
		segs, gsm7 := reminders.Segments(text)
		if _, _, err := n.SMS.SendSMS(ctx, &reminders.SMS{To: c.Debtor.Phone, Text: text, GSM7: gsm7, Segments: segs, Ref: m.Ref}); err != nil {
			return "", fmt.Errorf("notify debtor by SMS: %w", err)
		}
		return string(portal.ChannelSMS), nil
	}
	return "", portal.Errorf(portal.EUNAVAILABLE, "The debtor has no e-mail address or phone number a channel can reach.")
}

// textHTML is the HTML part of a plain-text notice: its paragraphs,
// escaped (mail clients show the HTML part when there is one).
func textHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>\n")
	}
	return b.String()
}

// debitNotice is the pre-notification of a SEPA debit.
func debitNotice(d *portal.DebitToNotify, debitOn portal.Date) DebtorMessage {
	lang := "fr"
	if d.Claim.Debtor != nil {
		lang = d.Claim.Debtor.Language
	}
	in := d.Instalment
	return DebtorMessage{Key: "debit.notice", Ref: fmt.Sprintf("relais-debit-notice-%s-%d", in.ID, d.Attempt), Data: []any{
		"Amount", i18n.Money(lang, in.Amount-in.Paid, in.Currency), "Date", i18n.Date(lang, debitOn), "Seq", in.Seq,
		"MandateReference", d.Mandate.Reference, "IBANLast4", d.Mandate.IBANLast4,
	}}
}
