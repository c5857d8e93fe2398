package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/relais/relais/portal"
)

// Limits of one delivery.
const (
	// RequestTimeout bounds one attempt: connection, TLS, request and
	// answer.
	RequestTimeout = 10 * time.Second
	// MaxResponseRead is how much of an answer is read (and dropped)
	// before the connection is closed.
	MaxResponseRead = 64 << 10
)

// Worker sends the outbox's deliveries.
type Worker struct {
	Store Store
	// Client sends the requests (nil: NewClient(AllowPrivate)). A client
	// given here must not follow redirects.
	Client *http.Client
	// AllowPrivate lets the default client connect to loopback, private
	// and link-local addresses (a receiver on the operator's own network,
	// tests); off, such an address is refused when it is dialled, after
	// DNS, and the delivery fails for good.
	AllowPrivate bool
	Clock        portal.Clock
	// Owner names this instance in the deliveries' leases.
	Owner string
	// Every is the pause between two polls of the outbox when there is
	// nothing more to send (default 2 s).
	Every time.Duration
	// Batch is how many deliveries one poll takes (default 32), Parallel
	// how many are sent at once (default 8), Lease how long a delivery is
	// held (default 2 minutes: more than Batch/Parallel timeouts).
	Batch, Parallel int
	Lease           time.Duration
	// RetryMin is the first retry's delay, doubled at each failure up to
	// RetryMax (defaults 30 s and 6 h), with up to a quarter of jitter;
	// MaxAge is the retry budget from the event (default 72 h), after
	// which a delivery is a permanent failure.
	RetryMin, RetryMax, MaxAge time.Duration
	// Keep is how long delivered and failed deliveries stay in the outbox
	// (default 30 days).
	Keep   time.Duration
	Health *portal.JobHealth
	Log    *slog.Logger
	// Notify tells the tenant's owners when an endpoint is disabled (nil:
	// only logged).
	Notify Notifier

	once   sync.Once
	client *http.Client
}

// Report says what one poll did.
type Report struct {
	Claimed, Delivered, Retried, Failed int
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func (w *Worker) now() time.Time {
	if w.Clock == nil {
		return time.Now().UTC()
	}
	return w.Clock.Now().UTC()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

func (w *Worker) httpClient() *http.Client {
	w.once.Do(func() {
		w.client = w.Client
		if w.client == nil {
			w.client = NewClient(w.AllowPrivate)
		}
	})
	return w.client
}

// RunOnce takes the due deliveries and sends them. A delivery's failure is
// not an error of the run: it is recorded on the delivery; err is the
// outbox's (the database's).
func (w *Worker) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	ds, err := w.Store.ClaimWebhookDeliveries(ctx, w.Owner, w.now(), orDuration(w.Lease, 2*time.Minute), orInt(w.Batch, 32))
	var held *UnreadableSecrets
	if errors.As(err, &held) {
		err = nil // the others are sent; the run fails with it afterwards
	}
	if err != nil {
		return rep, err
	}
	rep.Claimed = len(ds)
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, orInt(w.Parallel, 8))
	var wg sync.WaitGroup
	for _, d := range ds {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			a, ok := w.attempt(ctx, d)
			if !ok {
				return // stopped mid-attempt: the lease runs out and the delivery is sent again
			}
			disabled, err := w.Store.RecordWebhookAttempt(context.WithoutCancel(ctx), d.ID, w.Owner, a)
			if err == nil && disabled {
				w.notifyDisabled(context.WithoutCancel(ctx), d, a)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = cmpErr(firstErr, err)
				return
			}
			switch a.Outcome {
			case Delivered:
				rep.Delivered++
			case Retry:
				rep.Retried++
			case Failed:
				rep.Failed++
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && held != nil {
		firstErr = held
	}
	return rep, firstErr
}

// notifyDisabled logs that d's endpoint was disabled and tells its owners.
func (w *Worker) notifyDisabled(ctx context.Context, d *Delivery, a Attempt) {
	w.log().WarnContext(ctx, "webhook endpoint disabled after three days of failed deliveries", "endpoint_id", d.EndpointID, "reason", a.Error)
	if w.Notify == nil {
		return
	}
	if err := w.Notify.EndpointDisabled(ctx, Disabled{TenantID: d.TenantID, EndpointID: d.EndpointID, URL: d.URL, Reason: a.Error, At: a.At}); err != nil {
		w.log().ErrorContext(ctx, "webhooks: the owners could not be told that an endpoint was disabled (the console shows it)", "endpoint_id", d.EndpointID, "err", err)
	}
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// attempt sends d once and says what became of it; ok is false when ctx
// ended first (nothing to record).
func (w *Worker) attempt(ctx context.Context, d *Delivery) (a Attempt, ok bool) {
	a.At = w.now()
	body, err := d.body()
	if err != nil {
		a.Outcome, a.Error = Failed, "the event could not be encoded"
		return a, true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		a.Outcome, a.Error = Failed, "the endpoint's URL is not valid"
		return a, true
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Relais-Webhooks/1")
	if err := SetHeaders(req.Header, d.Secrets, d.eventID(), a.At, body); err != nil {
		a.Outcome, a.Error = Failed, "the endpoint's secret is not valid: rotate it"
		return a, true
	}
	start := time.Now()
	resp, err := w.httpClient().Do(req)
	a.Duration = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return a, false
		}
		var refused *refusedAddr
		if errors.As(err, &refused) {
			a.Outcome, a.Error = Failed, refused.Error()
			w.logAttempt(ctx, d, a)
			return a, true
		}
		a.Error = "no answer: " + shortError(err)
		a = w.retryOrFail(d, a, 0)
		w.logAttempt(ctx, d, a)
		return a, true
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxLoggedBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseRead-MaxLoggedBody))
	resp.Body.Close()
	a.Duration = time.Since(start)
	a.ResponseBody = strings.ToValidUTF8(string(head), "\uFFFD")
	a.Status = resp.StatusCode
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		a.Outcome = Delivered
		return a, true
	case s == http.StatusRequestTimeout || s == http.StatusTooEarly || s == http.StatusTooManyRequests || s >= 500:
		a.Error = fmt.Sprintf("the endpoint answered %d", s)
		a = w.retryOrFail(d, a, retryAfter(resp.Header.Get("Retry-After")))
	case s >= 300 && s < 400:
		a.Outcome, a.Error = Failed, fmt.Sprintf("the endpoint answered %d, a redirect, which Relais does not follow: register the final URL", s)
	default:
		a.Outcome, a.Error = Failed, fmt.Sprintf("the endpoint answered %d, which is not retried", s)
	}
	w.logAttempt(ctx, d, a)
	return a, true
}

// retryOrFail schedules the next attempt of a failed one, with
// exponential backoff and jitter, or gives up once the retry budget from
// the event is spent; the last attempt is at the budget's end.
func (w *Worker) retryOrFail(d *Delivery, a Attempt, after time.Duration) Attempt {
	maxAge := orDuration(w.MaxAge, 72*time.Hour)
	deadline := d.CreatedAt.Add(maxAge)
	if !a.At.Before(deadline) {
		a.Outcome, a.Exhausted = Failed, true
		a.Error += fmt.Sprintf("; given up after %d attempts over %s", d.Attempts+1, maxAge)
		return a
	}
	max := orDuration(w.RetryMax, 6*time.Hour)
	delay := portal.Backoff(orDuration(w.RetryMin, 30*time.Second), max, d.Attempts+1)
	if after > delay {
		delay = min(after, max)
	}
	a.Outcome, a.Next = Retry, a.At.Add(delay)
	if a.Next.After(deadline) {
		a.Next = deadline
	}
	return a
}

// retryAfter reads a Retry-After header in seconds (a date is ignored).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func (w *Worker) logAttempt(ctx context.Context, d *Delivery, a Attempt) {
	// The endpoint's ID, not its URL, which may hold a token of the
	// creditor's.
	args := []any{"endpoint_id", d.EndpointID, "event_id", d.eventID(), "attempt", d.Attempts + 1, "status", a.Status, "outcome", string(a.Outcome), "reason", a.Error}
	if a.Outcome == Retry {
		args = append(args, "next", a.Next.Format(time.RFC3339))
	}
	w.log().WarnContext(ctx, "webhook delivery failed", args...)
}

// shortError is an error of the HTTP client without the URL, which
// url.Error repeats.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// Run polls the outbox until ctx ends, and purges old deliveries once an
// hour.
func (w *Worker) Run(ctx context.Context) {
	every := orDuration(w.Every, 2*time.Second)
	failures := 0
	var lastPurge time.Time
	for {
		rep, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil && time.Since(lastPurge) > time.Hour {
			if _, err = w.Store.PurgeWebhookDeliveries(ctx, w.now().Add(-orDuration(w.Keep, 30*24*time.Hour))); err == nil {
				lastPurge = time.Now()
			}
		}
		w.Health.Record(time.Now(), err)
		next := every
		switch {
		case err != nil:
			failures++
			next = portal.Backoff(every, 5*time.Minute, failures)
			w.log().WarnContext(ctx, "webhooks: the outbox could not be read or updated", "err", err, "retry_in", next.String())
		case rep.Claimed >= orInt(w.Batch, 32):
			failures, next = 0, 0 // more are waiting
		default:
			failures = 0
		}
		if next > 0 {
			t := time.NewTimer(next)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// NewClient returns the client deliveries go through: no proxy, no
// redirect followed, RequestTimeout for the whole exchange, TLS 1.2 at
// least; unless allowPrivate, a connection to a loopback, private,
// link-local, shared, multicast or unspecified address is refused at the
// moment it is dialled (after DNS, so that a name resolving inside is
// refused too).
func NewClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return &refusedAddr{addr: address}
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !PublicAddr(ip) {
				return &refusedAddr{addr: host}
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  RequestTimeout,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{Transport: tr, Timeout: RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type refusedAddr struct{ addr string }

func (e *refusedAddr) Error() string {
	return "the endpoint's address " + e.addr + " is loopback, private or link-local: Relais does not connect there"
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (carrier NAT)
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64: may reach an IPv4 inside
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// PublicAddr reports whether ip is an address on the public internet:
// not loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with
// the cloud metadata services, fe80::/10), shared, multicast, unspecified
// or reserved.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
