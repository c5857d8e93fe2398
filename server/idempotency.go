package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// HeaderIdempotencyKey names the key a client sends with a POST to make
// its retries safe (as Stripe does).
const HeaderIdempotencyKey = "Idempotency-Key"

// idempotencyStore is where the keys are kept: the tenant store
// (store.DB) implements portal.IdempotencyStore; without it, keys are
// ignored.
func (s *Server) idempotencyStore() portal.IdempotencyStore {
	st, _ := s.deps.Tenants.(portal.IdempotencyStore)
	return st
}

// idempotency makes a POST of the API sent with an Idempotency-Key run
// once within its tenant: the first answer (status, body, Content-Type and
// Location) is kept 24 hours and replayed, with "Idempotent-Replayed:
// true", to a retry of the same request (same method, path and body); the
// same key with another request is 422; a retry while the first request
// runs is 409. A 5xx answer is not kept (the change it failed has been
// rolled back), so the key's retry runs again. It runs after the API key
// is checked (the key's tenant scopes the keys).
func (s *Server) idempotency(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost {
		return c.Next()
	}
	key := strings.Clone(c.Get(HeaderIdempotencyKey))
	if key == "" {
		return c.Next()
	}
	st := s.idempotencyStore()
	if st == nil {
		return c.Next()
	}
	if !validIdempotencyKey(key) {
		return portal.Errorf(portal.EINVALID, "The Idempotency-Key header must be 1 to 255 printable ASCII characters.")
	}
	// c.Body() reads a streamed upload whole; limitBody checked its
	// length and the API key was checked before this.
	path := strings.Clone(c.OriginalURL())
	req := portal.IdempotentRequest{TenantID: tenantOf(c), Key: key, Method: c.Method(), Path: truncate(path, 500),
		Fingerprint: idempotencyFingerprint(c.Method(), path, c.Body())}
	ctx, cancel := s.userContext(c)
	token, replay, err := st.BeginIdempotent(ctx, req)
	cancel()
	switch {
	case portal.ErrorCode(err) == portal.EIDEMPOTENCYREUSED:
		return c.Status(fiber.StatusUnprocessableEntity).JSON(apiError{Error: apiErrorBody{
			Code: portal.EIDEMPOTENCYREUSED, Message: portal.ErrorMessage(err), Field: HeaderIdempotencyKey}})
	case portal.ErrorCode(err) == portal.ECONFLICT:
		c.Set(fiber.HeaderRetryAfter, "1")
		return c.Status(fiber.StatusConflict).JSON(apiError{Error: apiErrorBody{
			Code: "idempotency_key_in_progress", Message: portal.ErrorMessage(err), Field: HeaderIdempotencyKey}})
	case err != nil:
		return err
	case replay != nil:
		c.Set("Idempotent-Replayed", "true")
		if replay.ContentType != "" {
			c.Set(fiber.HeaderContentType, replay.ContentType)
		}
		if replay.Location != "" {
			c.Set(fiber.HeaderLocation, replay.Location)
		}
		return c.Status(replay.Status).Send(replay.Body)
	}
	// The key is this request's until it answers. A panic frees it.
	done := false
	after := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
	}
	defer func() {
		if !done {
			actx, cancel := after()
			defer cancel()
			_ = st.AbandonIdempotent(actx, req, token)
		}
	}()
	if err := c.Next(); err != nil {
		// Rendered here, so that the answer kept is the one sent.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	resp := c.Response()
	status := resp.StatusCode()
	actx, acancel := after()
	defer acancel()
	if status >= 500 {
		done = true
		if err := st.AbandonIdempotent(actx, req, token); err != nil {
			s.log.Warn("idempotency key not freed", "err", err, "route", routePattern(c))
		}
		return nil
	}
	kept := portal.IdempotentResponse{Status: status, ContentType: string(resp.Header.ContentType()),
		Location: string(resp.Header.Peek(fiber.HeaderLocation)), Body: append([]byte(nil), resp.Body()...)}
	done = true
	if err := st.FinishIdempotent(actx, req, token, kept); err != nil {
		// The answer goes out; a retry within IdempotencyLock is 409,
		// after it the request runs again.
		s.log.Warn("idempotent answer not kept", "err", err, "route", routePattern(c))
	}
	return nil
}

// idempotencyFingerprint identifies a request: the SHA-256 of its
// method, path with query, and body SHA-256.
func idempotencyFingerprint(method, path string, body []byte) string {
	sum := sha256.Sum256(body)
	fp := sha256.Sum256([]byte(method + "\n" + path + "\n" + hex.EncodeToString(sum[:])))
	return hex.EncodeToString(fp[:])
}

// validIdempotencyKey: 1 to 255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
