package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
)

// demoMailer is the demo's e-mail: it sends nothing and prints each
// message (the one-time codes of the identity check) to the demo's
// output, so that the consumer claims' links can be followed without an
// SMTP server.
type demoMailer struct {
	mu sync.Mutex
	w  io.Writer
}

var _ reminders.EmailSender = (*demoMailer)(nil)

// SendEmail implements reminders.EmailSender.
func (m *demoMailer) SendEmail(_ context.Context, e *reminders.Email) (string, int, error) {
	first, _, _ := strings.Cut(e.Text, "\n")
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(m.w, "Demo e-mail (not sent) to %s: %s — %s\n", e.To, e.Subject, first)
	return "demo-" + portal.NewSecret()[:8], 1, nil
}
