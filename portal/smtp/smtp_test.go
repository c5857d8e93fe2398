package smtp_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
)

func email() *reminders.Email {
	return &reminders.Email{
		To: "debtor@example.org", Subject: "Rappel : paiement en attente, dossier R-1 — échéance",
		Text:           "Bonjour,\n\nPayez ici :\nhttps://pay.example.com/p/TOKEN\n\n-- \nStop: https://pay.example.com/u/unsub\n",
		HTML:           `<p>Payez ici : <a href="https://pay.example.com/p/TOKEN">https://pay.example.com/p/TOKEN</a></p>`,
		UnsubscribeURL: "https://pay.example.com/u/unsub", Ref: "send-1",
	}
}

// ParseBack checks a received message: headers, both parts, links.
func parseBack(t *testing.T, m smtptest.Message, msgID string) {
	t.Helper()
	msg, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	if h.Get("Message-ID") != msgID || !strings.HasPrefix(msgID, "<") || !strings.HasSuffix(msgID, "@example.com>") {
		t.Fatalf("Message-ID %q, returned %q", h.Get("Message-ID"), msgID)
	}
	if h.Get("List-Unsubscribe") != "<https://pay.example.com/u/unsub>" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers: %q %q", h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subj != email().Subject {
		t.Fatalf("subject %q (%v)", subj, err)
	}
	if _, err := h.Date(); err != nil {
		t.Fatal("Date header:", err)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q", h.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // quoted-printable is decoded by the reader
		types = append(types, p.Header.Get("Content-Type"))
		bodies = append(bodies, strings.ReplaceAll(string(b), "\r\n", "\n")) // mail lines end in CRLF
	}
	if len(types) != 2 || types[0] != "text/plain; charset=utf-8" || types[1] != "text/html; charset=utf-8" {
		t.Fatalf("parts %v", types)
	}
	if bodies[0] != email().Text || bodies[1] != email().HTML {
		t.Fatalf("bodies changed in transit:\n%q\n%q", bodies[0], bodies[1])
	}
}

func TestSendPlain(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := &smtp.Mailer{Host: srv.Host, Port: srv.Port, From: "Créancier <relances@example.com>", TLS: smtp.TLSNone,
		Clock: &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	id, attempts, err := m.SendEmail(context.Background(), email())
	if err != nil || attempts != 1 {
		t.Fatal(err, attempts)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].From != "relances@example.com" || len(msgs[0].To) != 1 || msgs[0].To[0] != "debtor@example.org" {
		t.Fatalf("envelope: %+v", msgs)
	}
	parseBack(t, msgs[0], id)
}

func TestSendStartTLSAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: true, User: "relais", Password: "s3cret-pass"})
	m := &smtp.Mailer{Host: srv.Host, Port: srv.Port, From: "relances@example.com", TLS: smtp.TLSStartTLS,
		Username: "relais", Password: "s3cret-pass", TLSConfig: srv.RootCAs}
	t.Run("OK", func(t *testing.T) {
		id, _, err := m.SendEmail(context.Background(), email())
		if err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].Authed != "relais" {
			t.Fatalf("%+v", msgs)
		}
		parseBack(t, msgs[0], id)
	})
	t.Run("WrongPassword", func(t *testing.T) {
		bad := *m
		bad.Password = "nope"
		_, attempts, err := bad.SendEmail(context.Background(), email())
		if err == nil || attempts != 1 || strings.Contains(err.Error(), "nope") {
			t.Fatalf("want one failed attempt without the password in the error, got %v after %d", err, attempts)
		}
	})
	t.Run("UntrustedCertificate", func(t *testing.T) {
		bad := *m
		bad.TLSConfig = nil
		bad.MaxAttempts = 1
		if _, _, err := bad.SendEmail(context.Background(), email()); err == nil {
			t.Fatal("a self-signed certificate must not be trusted by default")
		}
	})
}

func TestStartTLSRequired(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{}) // no TLS offered
	m := &smtp.Mailer{Host: srv.Host, Port: srv.Port, From: "relances@example.com"}
	_, _, err := m.SendEmail(context.Background(), email())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || len(srv.Messages()) != 0 {
		t.Fatalf("want a STARTTLS refusal, got %v", err)
	}
}

func TestTemporaryFailureRetried(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{FailRcpt: 2})
	m := &smtp.Mailer{Host: srv.Host, Port: srv.Port, From: "relances@example.com", TLS: smtp.TLSNone}
	id, attempts, err := m.SendEmail(context.Background(), email())
	if err != nil || attempts != 3 || len(srv.Messages()) != 1 {
		t.Fatalf("err %v attempts %d messages %d", err, attempts, len(srv.Messages()))
	}
	parseBack(t, srv.Messages()[0], id)

	srv2 := smtptest.Start(t, smtptest.Options{FailRcpt: 5})
	m2 := &smtp.Mailer{Host: srv2.Host, Port: srv2.Port, From: "relances@example.com", TLS: smtp.TLSNone, MaxAttempts: 2}
	if _, attempts, err := m2.SendEmail(context.Background(), email()); err == nil || attempts != 2 {
		t.Fatalf("want failure after 2 attempts, got %v after %d", err, attempts)
	}
}

func TestBuildRejectsHeaderInjection(t *testing.T) {
	e := email()
	e.Subject = "Hi\r\nBcc: victim@example.org"
	m := &smtp.Mailer{Host: "127.0.0.1", Port: 1, From: "relances@example.com", TLS: smtp.TLSNone}
	if _, _, err := m.SendEmail(context.Background(), e); err == nil {
		t.Fatal("a subject with a line break must be refused")
	}
}
