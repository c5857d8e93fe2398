package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// statusFor maps domain error codes to HTTP statuses.
func statusFor(err error) int {
	switch portal.ErrorCode(err) {
	case portal.EINVALID:
		return fiber.StatusBadRequest
	case portal.ENOTFOUND:
		return fiber.StatusNotFound
	case portal.ECONFLICT:
		return fiber.StatusConflict
	case portal.EUNAUTHORIZED:
		return fiber.StatusUnauthorized
	case portal.EFORBIDDEN:
		return fiber.StatusForbidden
	case portal.EGONE:
		return fiber.StatusGone
	case portal.ERATELIMIT:
		return fiber.StatusTooManyRequests
	case portal.ETOOLARGE:
		return fiber.StatusRequestEntityTooLarge
	case portal.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

// fiberCodes maps Fiber's own errors (unknown route, body too large, bad
// method) back to domain codes.
func fromFiberError(fe *fiber.Error) *portal.Error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return portal.Errorf(portal.ENOTFOUND, "No such page or API route.")
	case fiber.StatusRequestEntityTooLarge:
		return portal.Errorf(portal.ETOOLARGE, "The request is too large.")
	case fiber.StatusMethodNotAllowed:
		return &portal.Error{Code: "method_not_allowed", Message: "This method is not allowed here."}
	case fiber.StatusBadRequest:
		return portal.Errorf(portal.EINVALID, "The request is malformed.")
	case fiber.StatusTooManyRequests:
		return portal.Errorf(portal.ERATELIMIT, "Too many requests; try again later.")
	}
	return portal.Errorf(portal.EINTERNAL, "Internal error.")
}

// apiError is the JSON error body of every API error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Reason is a refusal's reason as a key, when the error has one (a
	// court document's, portal/court.Refusal).
	Reason string `json:"reason,omitempty"`
}

// reasonOf is the reason key of an error that has one.
func reasonOf(err error) string {
	var r interface{ ReasonCode() string }
	if errors.As(err, &r) {
		return r.ReasonCode()
	}
	return ""
}

// handleError is Fiber's error handler: one place that turns errors into
// responses. Internal errors are logged with detail and shown generically.
// Debtor pages render their own localised error pages before reaching here.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := statusFor(err)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
		err = fromFiberError(fe)
	}
	if status >= 500 && portal.ErrorCode(err) != portal.EUNAVAILABLE {
		s.log.Error("internal error", "err", err, "route", routePattern(c), "request_id", stringLocal(c, "requestid"))
	}
	if h, ok := c.Locals(localErrorRenderer).(func(*fiber.Ctx, int, error) error); ok {
		return h(c, status, err)
	}
	// Console pages (unknown ones too) render their errors as a console page.
	if isConsolePage(c.Path()) {
		return s.renderConsoleError(c, status, err)
	}
	code := portal.ErrorCode(err)
	if status == fiber.StatusMethodNotAllowed {
		code = "method_not_allowed"
	}
	return c.Status(status).JSON(apiError{Error: apiErrorBody{Code: code, Message: portal.ErrorMessage(err), Field: portal.ErrorField(err), Reason: reasonOf(err)}})
}

// Keys of request-scoped values.
const (
	localActor         = "relais.actor"
	localTenant        = "relais.tenant"
	localClaim         = "relais.claim"
	localErrorRenderer = "relais.error_renderer"
)
