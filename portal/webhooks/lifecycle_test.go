package webhooks_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestWebhookRotation: after a rotation the deliveries carry two
// signatures, one per secret, each verified independently, until the
// former secret expires; then only the new one signs.
func TestWebhookRotation(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			ep := e.endpoint(t, e.tenantA, rc.URL)
			rot, err := e.db.RotateWebhookSecret(ctx, e.tenantA, ep.ID, 24*time.Hour)
			must(t, err)
			if rot.Secret == ep.Secret || !strings.HasPrefix(rot.Secret, "whsec_") || rot.PreviousSecretExpiresAt == nil ||
				!rot.PreviousSecretExpiresAt.Equal(e.clock.T.Add(24*time.Hour)) {
				t.Fatalf("rotation %+v", rot)
			}
			if shown, _ := e.db.FindWebhookEndpoint(ctx, e.tenantA, ep.ID); shown.Secret != "" || shown.PreviousSecretExpiresAt == nil {
				t.Fatalf("endpoint after rotation %+v", shown)
			}
			if _, err := e.db.RotateWebhookSecret(ctx, e.tenantB, ep.ID, 0); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("tenant B rotates A's secret: %v", err)
			}
			if _, err := e.db.RotateWebhookSecret(ctx, e.tenantA, ep.ID, 8*24*time.Hour); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("eight days of overlap: %v", err)
			}
			e.event(t, e.tenantA, e.claimA, 1)
			runOnce(t, e.worker("w1"))
			got := rc.requests()
			if len(got) != 1 {
				t.Fatalf("%d requests", len(got))
			}
			h := got[0].header
			if sigs := strings.Fields(h.Get("webhook-signature")); len(sigs) != 2 {
				t.Fatalf("overlap: %q", h.Get("webhook-signature"))
			}
			for _, secret := range []string{rot.Secret, ep.Secret} {
				if !independentVerify(secret, h, got[0].body) || webhooks.VerifyAt(secret, h, got[0].body, 0, e.clock.T) != nil {
					t.Fatalf("secret %s does not verify the overlap's delivery", secret)
				}
			}
			// After the overlap: the new secret only.
			e.clock.Advance(25 * time.Hour)
			e.event(t, e.tenantA, e.claimA, 2)
			runOnce(t, e.worker("w1"))
			got = rc.requests()
			h = got[len(got)-1].header
			if len(got) != 2 || len(strings.Fields(h.Get("webhook-signature"))) != 1 ||
				!independentVerify(rot.Secret, h, got[1].body) || independentVerify(ep.Secret, h, got[1].body) {
				t.Fatalf("after the overlap: %v", h)
			}
			// A rotation without overlap drops the former secret at once.
			rot2, err := e.db.RotateWebhookSecret(ctx, e.tenantA, ep.ID, 0)
			must(t, err)
			e.event(t, e.tenantA, e.claimA, 3)
			runOnce(t, e.worker("w1"))
			got = rc.requests()
			h = got[len(got)-1].header
			if rot2.PreviousSecretExpiresAt != nil || !independentVerify(rot2.Secret, h, got[2].body) || independentVerify(rot.Secret, h, got[2].body) {
				t.Fatalf("rotation without overlap: %+v %v", rot2, h)
			}
		})
	}
}

// TestWebhookTimeout: a receiver that does not answer in time is retried
// like a 5xx, and the log says it timed out.
func TestWebhookTimeout(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			slow := true
			rc := newReceiver(t)
			rc.status = func(int, webhooks.Body) int {
				if slow {
					time.Sleep(400 * time.Millisecond)
				}
				return 200
			}
			ep := e.endpoint(t, e.tenantA, rc.URL)
			e.event(t, e.tenantA, e.claimA, 1)
			w := e.worker("w1")
			w.Client = webhooks.NewClient(true)
			w.Client.Timeout = 100 * time.Millisecond
			if rep := runOnce(t, w); rep.Retried != 1 {
				t.Fatalf("first attempt: %+v", rep)
			}
			d := ds0(t, e)
			if d.Status != webhooks.Retry || !strings.Contains(d.LastError, "timed out") {
				t.Fatalf("after the timeout: %+v", d)
			}
			slow = false
			e.clock.Advance(time.Minute)
			if rep := runOnce(t, w); rep.Delivered != 1 {
				t.Fatalf("second attempt: %+v", rep)
			}
			log, err := e.db.WebhookDeliveryLog(context.Background(), e.tenantA, ep.ID, 10)
			must(t, err)
			if len(log) != 1 || len(log[0].Attempts) != 2 || log[0].Attempts[0].Status != 200 || log[0].Attempts[1].Status != 0 ||
				!strings.Contains(log[0].Attempts[1].Error, "timed out") || log[0].Attempts[1].DurationMS < 90 {
				t.Fatalf("log %+v", log)
			}
		})
	}
}

// TestWebhookDeliveryLog: each attempt is logged with its time, status,
// duration, error and the start of the answer's body; a delivery is sent
// again from the log with the same webhook-id; another tenant sees and
// resends nothing.
func TestWebhookDeliveryLog(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			n := 0
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				n++
				if n == 1 {
					w.WriteHeader(500)
					io.WriteString(w, "boom \x00"+strings.Repeat("é", 2000))
					return
				}
				io.WriteString(w, `{"ok":true}`)
			}))
			defer rc.Close()
			ep := e.endpoint(t, e.tenantA, rc.URL)
			ev := e.event(t, e.tenantA, e.claimA, 1)
			w := e.worker("w1")
			runOnce(t, w)
			e.clock.Advance(time.Minute)
			runOnce(t, w)
			log, err := e.db.WebhookDeliveryLog(ctx, e.tenantA, ep.ID, 10)
			must(t, err)
			if len(log) != 1 || log[0].EventID != ev.ID || log[0].Status != webhooks.Delivered || len(log[0].Attempts) != 2 {
				t.Fatalf("log %+v", log)
			}
			first, second := log[0].Attempts[1], log[0].Attempts[0]
			if first.Status != 500 || !strings.Contains(first.Error, "500") || !strings.HasPrefix(first.ResponseBody, "boom ") ||
				len(first.ResponseBody) > webhooks.MaxLoggedBody || strings.Contains(first.ResponseBody, "\x00") || !first.At.Equal(e.clock.T.Add(-time.Minute)) {
				t.Fatalf("first attempt %+v", first)
			}
			if second.Status != 200 || second.Error != "" || second.ResponseBody != `{"ok":true}` {
				t.Fatalf("second attempt %+v", second)
			}
			if _, err := e.db.WebhookDeliveryLog(ctx, e.tenantB, ep.ID, 10); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("tenant B reads A's log: %v", err)
			}
			if err := e.db.ResendWebhookDelivery(ctx, e.tenantB, ep.ID, log[0].ID); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("tenant B resends: %v", err)
			}
			must(t, e.db.ResendWebhookDelivery(ctx, e.tenantA, ep.ID, log[0].ID))
			if rep := runOnce(t, w); rep.Delivered != 1 || n != 3 {
				t.Fatalf("resend: %+v, %d requests", rep, n)
			}
			log, _ = e.db.WebhookDeliveryLog(ctx, e.tenantA, ep.ID, 10)
			if len(log[0].Attempts) != 3 || log[0].Status != webhooks.Delivered {
				t.Fatalf("log after the resend %+v", log[0])
			}
		})
	}
}

// TestWebhookDisabledOwnersTold: a receiver down for three days has its
// endpoint disabled, and the tenant's owners (not its agents, nor another
// tenant's owners) get an e-mail in their language through SMTP naming
// the endpoint and the console page; once the receiver is back and the
// endpoint enabled, the waiting deliveries go in order and the failed
// one is resent from the log with its webhook-id.
func TestWebhookDisabledOwnersTold(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			for _, u := range []*portal.User{
				{TenantID: e.tenantA, Email: "owner@alpha.test", Role: portal.RoleOwner, Language: "de"},
				{TenantID: e.tenantA, Email: "agent@alpha.test", Role: portal.RoleAgent},
				{TenantID: e.tenantB, Email: "owner@beta.test", Role: portal.RoleOwner},
			} {
				must(t, e.db.CreateUser(ctx, u, "a long enough password"))
			}
			bundle, err := i18n.New()
			must(t, err)
			mx := smtptest.Start(t, smtptest.Options{})
			mailer := &smtp.Mailer{Host: mx.Host, Port: mx.Port, From: "Relais <relais@relais.test>", TLS: smtp.TLSNone, Clock: e.clock}
			down := true
			rc := newReceiver(t)
			rc.status = func(int, webhooks.Body) int {
				if down {
					return 502
				}
				return 200
			}
			ep := e.endpoint(t, e.tenantA, rc.URL+"/erp")
			first := e.event(t, e.tenantA, e.claimA, 1)
			e.event(t, e.tenantA, e.claimA, 2)
			w := e.worker("w1")
			w.Notify = &webhooks.MailOwners{Users: e.db, Mail: mailer, Text: bundle, BaseURL: "https://relais.test"}
			for i := 0; ; i++ {
				if i > 100 {
					t.Fatal("never disabled")
				}
				runOnce(t, w)
				if d := ds0(t, e); d.Status == webhooks.Failed {
					break
				} else {
					e.clock.T = d.NextAttemptAt
				}
			}
			shown, err := e.db.FindWebhookEndpoint(ctx, e.tenantA, ep.ID)
			must(t, err)
			if shown.DisabledAt == nil || !shown.DisabledAt.Equal(e.clock.T) || !strings.Contains(shown.DisabledReason, "502") {
				t.Fatalf("endpoint %+v", shown)
			}
			msgs := mx.Messages()
			if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "owner@alpha.test" {
				t.Fatalf("%d messages: %+v", len(msgs), msgs)
			}
			m, err := msgs[0].Parse()
			must(t, err)
			raw, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
			text := string(raw)
			if !strings.Contains(m.Header.Get("Subject"), "Webhook") || !strings.Contains(text, rc.URL+"/erp") ||
				!strings.Contains(text, "https://relais.test/console/webhooks/"+ep.ID) || !strings.Contains(text, "deaktiviert") {
				t.Fatalf("mail %q\n%s", m.Header.Get("Subject"), text)
			}
			// Recorded in the account log, by Relais; the log is append-only.
			entries, err := e.db.AccountLog(ctx, e.tenantA, 10)
			must(t, err)
			if len(entries) == 0 || entries[0].Kind != portal.AccountWebhookDisabled || entries[0].Actor.Kind != portal.ActorSystem ||
				!strings.Contains(string(entries[0].Payload), ep.ID) {
				t.Fatalf("account log %+v", entries)
			}
			for _, q := range []string{"UPDATE account_log SET kind = 'x'", "DELETE FROM account_log"} {
				if _, err := e.db.SQL().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("%s: %v", q, err)
				}
			}
			// Disabled: the claim's next event waits, even when due.
			down = false
			before := len(rc.requests())
			e.clock.Advance(time.Hour)
			if rep := runOnce(t, w); rep.Claimed != 0 {
				t.Fatalf("sent while disabled: %+v", rep)
			}
			if _, err := e.db.SetWebhookEndpointEnabled(ctx, e.tenantB, ep.ID, true, ""); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("tenant B enables A's endpoint: %v", err)
			}
			shown, err = e.db.SetWebhookEndpointEnabled(ctx, e.tenantA, ep.ID, true, "")
			must(t, err)
			if shown.DisabledAt != nil || shown.DisabledReason != "" {
				t.Fatalf("enabled %+v", shown)
			}
			runOnce(t, w)
			got := rc.requests()[before:]
			if len(got) != 1 || got[0].event.Seq != 3 {
				t.Fatalf("after enabling: %d requests", len(got))
			}
			// The failed one, resent from the log: the same webhook-id.
			log, err := e.db.WebhookDeliveryLog(ctx, e.tenantA, ep.ID, 10)
			must(t, err)
			var failed *webhooks.LoggedDelivery
			for _, d := range log {
				if d.Status == webhooks.Failed {
					failed = d
				}
			}
			if failed == nil || failed.EventID != first.ID || len(failed.Attempts) < 15 {
				t.Fatalf("log %+v", log)
			}
			must(t, e.db.ResendWebhookDelivery(ctx, e.tenantA, ep.ID, failed.ID))
			runOnce(t, w)
			got = rc.requests()[before:]
			if len(got) != 2 || got[1].header.Get("webhook-id") != first.ID || got[1].event.Seq != 2 {
				t.Fatalf("resend: %d requests", len(got))
			}
			if len(mx.Messages()) != 1 {
				t.Fatal("the owners were told twice")
			}
		})
	}
}

// TestWebhookOneRefusedNotDisabled: a receiver that refuses one event
// for three days but takes the others meanwhile keeps its endpoint: the
// refused delivery fails alone, and its claim's next events go on.
func TestWebhookOneRefusedNotDisabled(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			rc := newReceiver(t)
			var refused string
			rc.status = func(_ int, ev webhooks.Body) int {
				if ev.ID == refused {
					return 500
				}
				return 200
			}
			ep := e.endpoint(t, e.tenantA, rc.URL)
			refused = e.event(t, e.tenantA, e.claimA, 1).ID
			e.event(t, e.tenantA, e.claimA, 2)
			second := newClaim("Alpha-2")
			must(t, e.db.CreateClaim(ctx, e.tenantA, second))
			w := e.worker("w1")
			for i := 0; ; i++ {
				if i > 200 {
					t.Fatal("never given up")
				}
				runOnce(t, w)
				if d := ds0(t, e); d.Status == webhooks.Failed {
					break
				} else {
					e.clock.T = d.NextAttemptAt
					e.event(t, e.tenantA, second.ID, i) // the other claim's events reach it
				}
			}
			shown, err := e.db.FindWebhookEndpoint(ctx, e.tenantA, ep.ID)
			must(t, err)
			if shown.DisabledAt != nil {
				t.Fatalf("disabled though other deliveries reached it: %+v", shown)
			}
			before := len(rc.requests())
			runOnce(t, w)
			next := false
			for _, r := range rc.requests()[before:] {
				next = next || (r.event.ClaimID == e.claimA && r.event.Seq == 3)
			}
			if !next {
				t.Fatal("the claim's next event was not sent after the failure")
			}
		})
	}
}
