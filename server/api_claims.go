package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// claimInput is the JSON body of POST /api/v1/claims. Dates are strings so
// that a bad one is reported with the field it is in.
type claimInput struct {
	Reference      string        `json:"reference"`
	Currency       string        `json:"currency"`
	Jurisdiction   string        `json:"jurisdiction"`
	CreditorID     string        `json:"creditor_id"`
	ContractRateBP *int64        `json:"contract_rate_bp"`
	DamagesClause  bool          `json:"damages_clause"`
	Prescription   string        `json:"prescription"`
	IdentityCheck  string        `json:"identity_check"`
	Debtor         *debtorInput  `json:"debtor"`
	Invoices       []invoiceJSON `json:"invoices"`
}

type debtorInput struct {
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	Language       string `json:"language"`
	Email          string `json:"email"`
	Phone          string `json:"phone"`
	Address        string `json:"address"`
	Postcode       string `json:"postcode"`
	Country        string `json:"country"`
	CustomerNumber string `json:"customer_number"`
	BirthDate      string `json:"birth_date"`
}

type invoiceJSON struct {
	Number    string `json:"number"`
	IssueDate string `json:"issue_date"`
	DueDate   string `json:"due_date"`
	Amount    int64  `json:"amount"`
}

// decodeJSON decodes a JSON body strictly: unknown fields and trailing data
// are errors that name what is wrong.
func decodeJSON(c *fiber.Ctx, dst any) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return portal.Errorf(portal.EINVALID, "Send a JSON body with Content-Type: application/json.")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return portal.Errorf(portal.EINVALID, "The body holds more than one JSON value.")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return portal.FieldError(typeErr.Field, "%s must be a %s", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return portal.Errorf(portal.EINVALID, "The body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return portal.Errorf(portal.EINVALID, "The body is empty.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return portal.FieldError(field, "unknown field %q", field)
	}
	return portal.Errorf(portal.EINVALID, "The body is not valid JSON.")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int64", "int", "int32":
		return "whole number (minor units, e.g. cents)"
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "slice":
		return "list"
	case "ptr", "struct":
		return "object"
	}
	return kind
}

func parseDateField(field, v string) (portal.Date, error) {
	if v == "" {
		return portal.Date{}, nil
	}
	d, err := portal.ParseDate(v)
	if err != nil {
		return d, portal.FieldError(field, "%s %q is not a valid date (use YYYY-MM-DD)", field, v)
	}
	return d, nil
}

func (in *claimInput) toClaim() (*portal.Claim, error) {
	c := &portal.Claim{
		Reference: in.Reference, Currency: portal.Currency(in.Currency), Jurisdiction: portal.Jurisdiction(in.Jurisdiction),
		CreditorID: in.CreditorID, ContractRateBP: in.ContractRateBP, DamagesClause: in.DamagesClause, Prescription: in.Prescription,
		IdentityCheck: portal.IdentityCheck(in.IdentityCheck),
	}
	if d := in.Debtor; d != nil {
		c.Debtor = &portal.Debtor{
			Kind: portal.DebtorKind(d.Kind), Name: d.Name, Language: d.Language, Email: d.Email, Phone: d.Phone,
			Address: d.Address, Postcode: d.Postcode, Country: d.Country, CustomerNumber: d.CustomerNumber,
		}
		var err error
		if c.Debtor.BirthDate, err = parseDateField("debtor.birth_date", d.BirthDate); err != nil {
			return nil, err
		}
	}
	for i, inv := range in.Invoices {
		p := fmt.Sprintf("invoices[%d].", i)
		issue, err := parseDateField(p+"issue_date", inv.IssueDate)
		if err != nil {
			return nil, err
		}
		due, err := parseDateField(p+"due_date", inv.DueDate)
		if err != nil {
			return nil, err
		}
		c.Invoices = append(c.Invoices, &portal.Invoice{Number: inv.Number, IssueDate: issue, DueDate: due, Amount: inv.Amount})
	}
	return c, c.Validate()
}

func (s *Server) handleClaimCreate(c *fiber.Ctx) error {
	var in claimInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	claim, err := in.toClaim()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Claims.CreateClaim(ctx, tenantOf(c), claim); err != nil {
		return err
	}
	c.Location("/api/v1/claims/" + claim.ID)
	return c.Status(fiber.StatusCreated).JSON(claim)
}

func (s *Server) handleClaimShow(c *fiber.Ctx) error {
	return c.JSON(claimOf(c))
}

type claimPage struct {
	Claims     []*portal.Claim `json:"claims"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func (s *Server) handleClaimList(c *fiber.Ctx) error {
	f := claimFilterOf(c)
	if v := c.Query("limit"); v != "" {
		n, err := parseLimit(v)
		if err != nil {
			return err
		}
		f.Limit = n
	}
	if f.After != "" && !portal.ValidID(f.After) {
		return portal.FieldError("cursor", "cursor is not a cursor returned by this API")
	}
	// Each claim with its payments and credit notes, as GET /claims/{id}
	// shows them (two more queries for the page, [] when none).
	f.WithPayments = true
	ctx, cancel := s.userContext(c)
	defer cancel()
	claims, next, err := s.deps.Claims.FindClaims(ctx, tenantOf(c), f)
	if err != nil {
		return err
	}
	if claims == nil {
		claims = []*portal.Claim{}
	}
	// The page written by hand into a pooled buffer, the bytes c.JSON
	// would send (issue 22); SetBody copies them.
	buf := claimPageBuffers.Get().(*[]byte)
	body, err := marshalClaimPage((*buf)[:0], claimPage{Claims: claims, NextCursor: next})
	if err != nil {
		claimPageBuffers.Put(buf)
		return err
	}
	c.Response().SetBody(body)
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	if cap(body) <= maxPooledPage {
		*buf = body[:0]
	}
	claimPageBuffers.Put(buf)
	return nil
}

func parseLimit(v string) (int, error) {
	n := 0
	for _, r := range v {
		if r < '0' || r > '9' || n > 1000 {
			return 0, portal.FieldError("limit", "limit must be a number from 1 to 200")
		}
		n = n*10 + int(r-'0')
	}
	if n < 1 || n > 200 {
		return 0, portal.FieldError("limit", "limit must be a number from 1 to 200")
	}
	return n, nil
}

type paymentInput struct {
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	ReceivedOn string `json:"received_on"`
	Method     string `json:"method"`
	Reference  string `json:"reference"`
	// InvoiceID names the invoice the debtor chose to pay, one of the
	// claim's (Code civil 1342-10); empty, the default order applies.
	InvoiceID string `json:"invoice_id"`
}

// toPayment reads a payment on claimID (by transfer unless told), the
// API's and the console's.
func (in *paymentInput) toPayment(claimID string) (*portal.Payment, error) {
	on, err := parseDateField("received_on", in.ReceivedOn)
	if err != nil {
		return nil, err
	}
	p := &portal.Payment{ClaimID: claimID, Amount: in.Amount, Currency: portal.Currency(in.Currency), ReceivedOn: on,
		Method: portal.PaymentMethod(in.Method), Reference: in.Reference, InvoiceID: in.InvoiceID}
	if p.Method == "" {
		p.Method = portal.PaymentTransfer
	}
	return p, p.Validate()
}

func (s *Server) handlePaymentCreate(c *fiber.Ctx) error {
	var in paymentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := in.toPayment(claimOf(c).ID)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Claims.AddPayment(ctx, tenantOf(c), p); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) handleEventList(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	events, err := s.deps.Events.ListEvents(ctx, tenantOf(c), claimOf(c).ID, int64(c.QueryInt("after", 0)), c.QueryInt("limit", 1000))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"events": events})
}

// handlePaymentReverse reverses a payment recorded by mistake: a negative
// payment naming it, with the reason, never a deletion.
func (s *Server) handlePaymentReverse(c *fiber.Ctx) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	rev, err := s.deps.Claims.ReversePayment(ctx, tenantOf(c), claimOf(c).ID, c.Params("payment_id"), in.Reason)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(rev)
}
