// Package smtp delivers reminder e-mails over SMTP (net/smtp): implicit TLS,
// STARTTLS or plain (local relays only), with PLAIN authentication. Each
// message is multipart/alternative (text and HTML), carries List-Unsubscribe
// with one-click POST (RFC 8058) and a Message-ID kept for the record.
package smtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	netsmtp "net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
)

// TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 587); required, not optional
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or network
)

// Mailer sends e-mail through one SMTP server.
type Mailer struct {
	Host     string
	Port     int
	Username string
	Password string
	// From is the sender, "Name <address>" or a bare address.
	From string
	TLS  string // TLSStartTLS (default), TLSImplicit or TLSNone
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	// Timeout bounds one whole attempt (default 30 s).
	Timeout time.Duration
	// MaxAttempts bounds tries on failures before the message is handed
	// over (connection, greeting, TLS, auth); default 3. A failure after
	// DATA is not retried, so a message is never delivered twice.
	MaxAttempts int
	Clock       portal.Clock
}

var _ reminders.EmailSender = (*Mailer)(nil)

// Validate checks the configuration.
func (m *Mailer) Validate() error {
	if m.Host == "" {
		return fmt.Errorf("smtp: host is required")
	}
	if m.Port <= 0 || m.Port > 65535 {
		return fmt.Errorf("smtp: port %d is not a TCP port", m.Port)
	}
	switch m.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("smtp: tls must be starttls, tls or none, not %q", m.TLS)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("smtp: from %q is not an e-mail address: %v", m.From, err)
	}
	return nil
}

// stageError marks a failure before the message was handed over, which is
// safe to retry.
type stageError struct{ err error }

func (e stageError) Error() string { return e.err.Error() }
func (e stageError) Unwrap() error { return e.err }

// SendEmail implements reminders.EmailSender.
func (m *Mailer) SendEmail(ctx context.Context, e *reminders.Email) (string, int, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return "", 0, fmt.Errorf("smtp: bad from address: %w", err)
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return "", 0, fmt.Errorf("smtp: bad recipient address: %w", err)
	}
	msgID := newMessageID(from.Address)
	now := time.Now()
	if m.Clock != nil {
		now = m.Clock.Now()
	}
	body, err := Build(from, to, e, msgID, now)
	if err != nil {
		return "", 0, err
	}
	max := m.MaxAttempts
	if max <= 0 {
		max = 3
	}
	attempts := 0
	for {
		attempts++
		err = m.send(ctx, from.Address, to.Address, body)
		var se stageError
		if err == nil || !errors.As(err, &se) || attempts >= max || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempts) * 500 * time.Millisecond):
		}
	}
	if err != nil {
		return msgID, attempts, fmt.Errorf("smtp %s: %w", net.JoinHostPort(m.Host, strconv.Itoa(m.Port)), err)
	}
	return msgID, attempts, nil
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		c := m.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = m.Host
		}
		return c
	}
	return &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
}

func (m *Mailer) send(ctx context.Context, from, to string, body []byte) error {
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	nd := &net.Dialer{}
	var conn net.Conn
	var err error
	if m.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: nd, Config: m.tlsConfig()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return stageError{err}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := netsmtp.NewClient(conn, m.Host)
	if err != nil {
		return stageError{err}
	}
	defer c.Close()
	if m.TLS == "" || m.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS (use --smtp-tls tls or none)")
		}
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return stageError{fmt.Errorf("starttls: %w", err)}
		}
	}
	if m.Username != "" {
		if err := c.Auth(netsmtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("auth: %w", err) // wrong credentials do not get better by retrying
		}
	}
	if err := c.Mail(from); err != nil {
		return temporary(err)
	}
	if err := c.Rcpt(to); err != nil {
		return temporary(err)
	}
	w, err := c.Data()
	if err != nil {
		return temporary(err)
	}
	// From here on the message may have been accepted: no retry.
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_ = c.Quit()
	return nil
}

// temporary makes a 4xx reply (try again later) retryable; 5xx is final.
func temporary(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 400 && te.Code < 500 {
		return stageError{err}
	}
	return err
}

func newMessageID(fromAddr string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "relais.invalid"
	if _, d, ok := strings.Cut(fromAddr, "@"); ok && d != "" {
		domain = d
	}
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}

// Build writes the message: headers, then a multipart/alternative body with
// a quoted-printable text part and HTML part.
func Build(from, to *mail.Address, e *reminders.Email, messageID string, date time.Time) ([]byte, error) {
	for _, v := range []string{e.Subject, e.UnsubscribeURL, messageID} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, errors.New("smtp: header value holds a line break")
		}
	}
	var head, body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := func(k, v string) { fmt.Fprintf(&head, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	h("Date", date.Format(time.RFC1123Z))
	h("Message-ID", messageID)
	h("MIME-Version", "1.0")
	if e.UnsubscribeURL != "" {
		h("List-Unsubscribe", "<"+e.UnsubscribeURL+">")
		h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	h("Auto-Submitted", "auto-generated")
	h("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	head.WriteString("\r\n")
	for _, part := range []struct{ ctype, body string }{{"text/plain; charset=utf-8", e.Text}, {"text/html; charset=utf-8", e.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return append(head.Bytes(), body.Bytes()...), nil
}
