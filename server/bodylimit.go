package server

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

// Request bodies are streamed (fiber.Config.StreamRequestBody): fasthttp
// reads the headers and at most 8 KiB of the body before the app runs,
// and limitBody decides how much more is read. Beware that on a streamed
// request c.Body() reads the whole stream, however long: limitBody must
// run first.

const (
	// DefaultBodyLimit bounds the body of an API call: a claim, a policy,
	// a payment. Config.BodyLimit changes it.
	DefaultBodyLimit = 1 << 20
	// formBodyLimit bounds portal and console forms, webhookBodyLimit a
	// provider's event (both lowered to Config.BodyLimit if it is less).
	formBodyLimit    = 64 << 10
	webhookBodyLimit = maxStripeWebhookBody
	// DefaultBodyBudget bounds the bytes of request bodies held at once
	// by all requests together: twice the largest upload.
	DefaultBodyBudget = 2 * disputeBodyLimit

	claimsCSVBodyLimit = 32 << 20 // csvimport.MaxRows rows of about 650 bytes
	statementBodyLimit = banking.MaxStatementSize
	disputeBodyLimit   = portal.MaxDisputeFiles*portal.MaxFileSize + 1<<20 // the files and the form's fields
)

// uploadLimits are the POST routes whose body may be megabytes. Their
// handler reads it from the stream, which ends at the Content-Length
// limitBody has checked; it must check the API key or the portal session
// before it does.
var uploadLimits = map[string]int{
	"/api/v1/claims/import": claimsCSVBodyLimit,
	"/api/v1/statements":    statementBodyLimit,
	"/p/contest":            disputeBodyLimit,
	// The console's CSV import: the file, then the previewed file sent
	// back in base64 (4/3 of its size) to import it.
	"/console/claims/import":         claimsCSVBodyLimit,
	"/console/claims/import/confirm": claimsCSVBodyLimit/3*4 + formBodyLimit,
	"/console/statements":            statementUploadLimit,
}

// bodyLimit is the limit of the route a request goes to, and whether it
// is an upload route.
func (s *Server) bodyLimit(c *fiber.Ctx) (limit int, upload bool) {
	// Routes match whatever the case and a trailing slash (Fiber's
	// defaults); a path written otherwise falls to a smaller limit.
	path := strings.ToLower(c.Path())
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	if n, ok := uploadLimits[path]; ok && c.Method() == fiber.MethodPost {
		return n, true
	}
	switch {
	case strings.HasPrefix(path, "/api/"):
		return s.cfg.BodyLimit, false
	case strings.HasPrefix(path, "/webhooks/"):
		return min(webhookBodyLimit, s.cfg.BodyLimit), false
	}
	return min(formBodyLimit, s.cfg.BodyLimit), false
}

// limitBody reads the body of a request up to its route's limit, within
// the byte budget of the server, before any handler or authentication.
// Upload routes are left to their handler, after their authentication:
// only their Content-Length is checked here, and the budget taken if the
// request carries a credential at all. A body over the limit is 413 and a
// full budget 503, before the body is read and anything is done.
func (s *Server) limitBody(c *fiber.Ctx) error {
	stream := c.Context().RequestBodyStream()
	n := c.Request().Header.ContentLength() // -1: chunked
	if stream == nil || n == 0 {
		return c.Next()
	}
	if ce := c.Get(fiber.HeaderContentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		// Inflating a body would escape its limit.
		dropBody(c)
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(apiError{Error: apiErrorBody{
			Code: "unsupported_encoding", Message: "Send the request body without Content-Encoding."}})
	}
	limit, upload := s.bodyLimit(c)
	if n > limit {
		return s.refuseBody(c, tooLarge(limit))
	}
	if upload && n < 0 {
		dropBody(c)
		return c.Status(fiber.StatusLengthRequired).JSON(apiError{Error: apiErrorBody{
			Code: "length_required", Message: "Send the file with a Content-Length header, not chunked."}})
	}
	if upload && c.Get(fiber.HeaderAuthorization) == "" && c.Cookies(cookieSession) == "" && c.Cookies(consoleCookie) == "" {
		// Refused by the route before it reads the body: no budget.
		err := c.Next()
		dropBody(c)
		return err
	}
	held := n
	if n < 0 {
		held = limit
	}
	if !s.bodies.acquire(held) {
		c.Set(fiber.HeaderRetryAfter, "5")
		return s.refuseBody(c, portal.Errorf(portal.EUNAVAILABLE,
			"The server is receiving too many request bodies at once; try again in a few seconds."))
	}
	if upload {
		err := s.holding(held, c.Next)
		dropBody(c) // what the handler left, if it refused the request
		return err
	}
	body, err := readBody(stream, n, limit)
	if err != nil {
		s.bodies.release(held)
		if errors.Is(err, errBodyTooLarge) {
			return s.refuseBody(c, tooLarge(limit))
		}
		return s.refuseBody(c, portal.Errorf(portal.EINVALID, "The request body could not be read."))
	}
	c.Request().SetBodyRaw(body)
	return s.holding(held, c.Next)
}

// holding runs next, then gives back the held bytes of the budget.
func (s *Server) holding(held int, next func() error) error {
	defer s.bodies.release(held)
	return next()
}

// dropBody reads and drops what is left of a body that will not be used,
// so that the client, which may still be sending it, gets the answer: a
// connection closed with bytes unread is reset, and the client may lose
// the answer. Nothing is kept. A body longer than dropLimit, or one that
// does not end in time (the 30 s ReadTimeout), closes the connection after
// the answer instead.
func dropBody(c *fiber.Ctx) {
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		return // read whole
	}
	if c.Request().Header.ContentLength() <= dropLimit {
		if _, err := io.CopyN(io.Discard, stream, dropLimit+1); err == io.EOF {
			return
		}
	}
	c.Context().SetConnectionClose()
}

// dropLimit bounds the bytes dropBody reads.
const dropLimit = 64 << 20

var errBodyTooLarge = errors.New("request body too large")

// readBody reads n bytes of r, or all of it up to limit when n < 0.
func readBody(r io.Reader, n, limit int) ([]byte, error) {
	if n >= 0 {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err == nil && len(b) > limit {
		return nil, errBodyTooLarge
	}
	return b, err
}

// refuseBody answers err without using the body. Portal pages get their
// localised error page.
func (s *Server) refuseBody(c *fiber.Ctx, err error) error {
	dropBody(c)
	if p := c.Path(); p == "/p" || strings.HasPrefix(p, "/p/") {
		c.Locals(localErrorRenderer, s.renderPortalError)
	}
	return err
}

func tooLarge(limit int) error {
	return portal.Errorf(portal.ETOOLARGE, "The request body is larger than %s, the limit of this route.", byteSize(limit))
}

func byteSize(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// byteBudget bounds the bytes of request bodies in flight.
type byteBudget struct {
	mu        sync.Mutex
	used, max int
}

// acquire reserves n bytes, or reports false if they would exceed the
// budget.
func (b *byteBudget) acquire(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

func (b *byteBudget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
