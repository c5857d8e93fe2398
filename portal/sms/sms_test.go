package sms_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/sms"
)

// provider stands in for an SMS provider: it answers with the statuses of
// script in turn (0 = hang past the client's timeout), then 200.
func provider(t *testing.T, script ...int) (*httptest.Server, *atomic.Int32, chan sms.Request) {
	var calls atomic.Int32
	reqs := make(chan sms.Request, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		if r.Header.Get("Authorization") != "Bearer tok-123" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Idempotency-Key") != "send-1" {
			http.Error(w, "bad headers", http.StatusUnauthorized)
			return
		}
		var req sms.Request
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		reqs <- req
		if n <= len(script) {
			if script[n-1] == 0 {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				return
			}
			w.WriteHeader(script[n-1])
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"prov-42"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls, reqs
}

func msg() *reminders.SMS {
	text := "Acme: 12,00 € restent dus. https://pay.example.com/p/x"
	n, gsm := reminders.Segments(text)
	return &reminders.SMS{To: "+32470123456", Text: text, GSM7: gsm, Segments: n, Ref: "send-1"}
}

func TestSend(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv, calls, reqs := provider(t)
		p := &sms.Provider{Endpoint: srv.URL, Token: "tok-123", Sender: "Relais"}
		id, attempts, err := p.SendSMS(context.Background(), msg())
		if err != nil || id != "prov-42" || attempts != 1 || calls.Load() != 1 {
			t.Fatal(err, id, attempts, calls.Load())
		}
		req := <-reqs
		if req.To != "+32470123456" || req.From != "Relais" || req.Text != msg().Text || req.Encoding != "gsm7" || req.Segments != 1 || req.Reference != "send-1" {
			t.Fatalf("payload %+v", req)
		}
	})
	t.Run("RetriedAfter500", func(t *testing.T) {
		srv, calls, _ := provider(t, 500, 503)
		p := &sms.Provider{Endpoint: srv.URL, Token: "tok-123", Backoff: time.Millisecond}
		id, attempts, err := p.SendSMS(context.Background(), msg())
		if err != nil || id != "prov-42" || attempts != 3 || calls.Load() != 3 {
			t.Fatal(err, id, attempts, calls.Load())
		}
	})
	t.Run("TimeoutsUntilFailure", func(t *testing.T) {
		srv, calls, _ := provider(t, 0, 0, 0, 0)
		p := &sms.Provider{Endpoint: srv.URL, Token: "tok-123", MaxAttempts: 3, Timeout: 50 * time.Millisecond, Backoff: time.Millisecond}
		_, attempts, err := p.SendSMS(context.Background(), msg())
		if err == nil || attempts != 3 || calls.Load() != 3 || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("err %v attempts %d calls %d", err, attempts, calls.Load())
		}
	})
	t.Run("ClientErrorNotRetried", func(t *testing.T) {
		srv, calls, _ := provider(t, 422)
		p := &sms.Provider{Endpoint: srv.URL, Token: "tok-123", Backoff: time.Millisecond}
		_, attempts, err := p.SendSMS(context.Background(), msg())
		if err == nil || attempts != 1 || calls.Load() != 1 {
			t.Fatalf("err %v attempts %d", err, attempts)
		}
	})
	t.Run("WrongTokenNotRetriedNorLeaked", func(t *testing.T) {
		srv, _, _ := provider(t)
		p := &sms.Provider{Endpoint: srv.URL, Token: "wrong-secret", Backoff: time.Millisecond}
		_, attempts, err := p.SendSMS(context.Background(), msg())
		if err == nil || attempts != 1 || strings.Contains(err.Error(), "wrong-secret") {
			t.Fatalf("err %v attempts %d", err, attempts)
		}
	})
}
