package webhooks

import (
	"context"
	"errors"
	"html"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/reminders"
)

// UserLister lists a tenant's console users (portal/store).
type UserLister interface {
	ListUsers(ctx context.Context, tenantID string) ([]*portal.User, error)
}

// MailOwners is the Notifier that e-mails a tenant's owners, each in their
// console language, that an endpoint was disabled and where to enable it
// again.
type MailOwners struct {
	Users UserLister
	Mail  reminders.EmailSender
	Text  *i18n.Bundle
	// BaseURL is the server's public URL; the mail links to the console's
	// webhook page under it.
	BaseURL string
}

var _ Notifier = (*MailOwners)(nil)

// EndpointDisabled implements Notifier: one e-mail per owner; the first
// error is returned after every owner was tried.
func (m *MailOwners) EndpointDisabled(ctx context.Context, d Disabled) error {
	users, err := m.Users.ListUsers(ctx, d.TenantID)
	if err != nil {
		return err
	}
	var errs []error
	sent := 0
	for _, u := range users {
		if u.Role != portal.RoleOwner || u.Email == "" {
			continue
		}
		t := m.Text.For(u.Language)
		page := strings.TrimRight(m.BaseURL, "/") + "/console/webhooks/" + d.EndpointID
		subject := t.Text("console.webhooks.mail.subject")
		body := t.Text("console.webhooks.mail.body", "URL", d.URL, "Reason", d.Reason, "Page", page)
		_, _, err := m.Mail.SendEmail(ctx, &reminders.Email{To: u.Email, Subject: subject, Text: body,
			HTML: "<p>" + strings.ReplaceAll(html.EscapeString(body), "\n", "<br>") + "</p>", Ref: "webhook-disabled-" + d.EndpointID})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	if sent == 0 && len(errs) == 0 {
		return errors.New("the tenant has no owner with an e-mail address")
	}
	return errors.Join(errs...)
}
