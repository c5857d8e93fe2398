// Package sms sends reminder SMS through an HTTP JSON provider: one POST
// per message to a configurable endpoint with a bearer token. The payload
// is documented in docs/sms-provider.md, so that an operator can put a small
// adapter in front of their country's provider.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/relais/relais/portal/reminders"
)

// Provider posts SMS to an HTTP endpoint.
type Provider struct {
	Endpoint string
	Token    string // sent as "Authorization: Bearer <token>"; never logged
	Sender   string // sender name or number, optional
	Client   *http.Client
	// MaxAttempts bounds tries on network errors, timeouts, 429 and 5xx
	// (default 3). Other 4xx answers are final.
	MaxAttempts int
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Backoff is the wait before the second attempt, doubled each time
	// (default 1 s).
	Backoff time.Duration
}

var _ reminders.SMSSender = (*Provider)(nil)

// Request is the JSON body posted for each message.
type Request struct {
	To        string `json:"to"`
	From      string `json:"from,omitempty"`
	Text      string `json:"text"`
	Encoding  string `json:"encoding"` // "gsm7" or "ucs2"
	Segments  int    `json:"segments"`
	Reference string `json:"reference"` // also the Idempotency-Key header
}

// Response is what the provider answers on success.
type Response struct {
	ID string `json:"id"`
}

// permanent marks an answer that retrying will not change.
type permanent struct{ error }

// SendSMS implements reminders.SMSSender.
func (p *Provider) SendSMS(ctx context.Context, m *reminders.SMS) (string, int, error) {
	enc := "ucs2"
	if m.GSM7 {
		enc = "gsm7"
	}
	body, err := json.Marshal(Request{To: m.To, From: p.Sender, Text: m.Text, Encoding: enc, Segments: m.Segments, Reference: m.Ref})
	if err != nil {
		return "", 0, err
	}
	max, wait := p.MaxAttempts, p.Backoff
	if max <= 0 {
		max = 3
	}
	if wait <= 0 {
		wait = time.Second
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		id, err := p.post(ctx, body, m.Ref)
		if err == nil {
			return id, attempt, nil
		}
		lastErr = err
		var perm permanent
		if errors.As(err, &perm) || attempt >= max || ctx.Err() != nil {
			return "", attempt, fmt.Errorf("sms provider: %w (after %d attempts)", lastErr, attempt)
		}
		select {
		case <-ctx.Done():
			return "", attempt, fmt.Errorf("sms provider: %w (after %d attempts)", lastErr, attempt)
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (p *Provider) post(ctx context.Context, body []byte, ref string) (string, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint, bytes.NewReader(body))
	if err != nil {
		return "", permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", ref)
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", errors.New("timed out")
		}
		return "", errors.New("request failed") // the error text may hold the URL; keep it out of records
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var r Response
		if err := json.Unmarshal(data, &r); err != nil || r.ID == "" {
			return "", permanent{fmt.Errorf("answer %d without a message id", resp.StatusCode)}
		}
		return r.ID, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", fmt.Errorf("HTTP %d", resp.StatusCode)
	default:
		return "", permanent{fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(string(data), 200))}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
