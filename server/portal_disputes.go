package server

import (
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// contestView is the data of the contest form; it keeps what was typed.
type contestView struct {
	Claim     *portal.Claim
	Reasons   []portal.DisputeReason
	InvoiceID string
	Reason    string
	Text      string
	Error     string
	MaxFiles  int
	MaxText   int
}

func (s *Server) renderContest(c *fiber.Ctx, ps *portal.PortalSession, status int, page *contestView) error {
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	page.Claim, page.Reasons, page.MaxFiles, page.MaxText = cl, portal.DisputeReasons, portal.MaxDisputeFiles, portal.MaxDisputeText
	v := s.newView(c, s.portalLang(c, ""), "/p/contest", cl.Creditor)
	v.Currency, v.Page = cl.Currency, page
	return s.render(c, status, "contest", v)
}

// handlePortalContestForm shows the contest form.
func (s *Server) handlePortalContestForm(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	return s.renderContest(c, ps, fiber.StatusOK, &contestView{})
}

// contestError is a form error: the status and the message key shown.
type contestError struct {
	status int
	key    string
}

func (e *contestError) Error() string { return e.key }

// handlePortalContest files a dispute with its files, all or nothing.
func (s *Server) handlePortalContest(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	page := &contestView{InvoiceID: strings.Clone(c.FormValue("invoice_id")), Reason: strings.Clone(c.FormValue("reason")),
		Text: strings.Clone(c.FormValue("text"))}
	d, cerr := readDispute(c, page)
	if cerr != nil {
		return s.renderContest(c, ps, cerr.status, withError(page, cerr.key))
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Disputes.FileDispute(ctx, ps, d); err != nil {
		switch portal.ErrorCode(err) {
		case portal.ECONFLICT:
			return s.renderContest(c, ps, fiber.StatusConflict, withError(page, "contest.error.conflict"))
		case portal.EINVALID:
			return s.renderContest(c, ps, fiber.StatusBadRequest, withError(page, "contest.error.invalid"))
		case portal.ETOOLARGE:
			return s.renderContest(c, ps, fiber.StatusRequestEntityTooLarge, withError(page, "contest.error.too_large"))
		}
		return err
	}
	return c.Redirect("/p#dispute", fiber.StatusSeeOther)
}

func withError(p *contestView, key string) *contestView {
	p.Error = key
	return p
}

// readDispute validates the form the way the debtor reads the result: one
// message key per problem, in the order the form shows the fields.
func readDispute(c *fiber.Ctx, page *contestView) (*portal.Dispute, *contestError) {
	d := &portal.Dispute{InvoiceID: page.InvoiceID, Reason: portal.DisputeReason(page.Reason), Text: page.Text}
	if !d.Reason.Valid() {
		return nil, &contestError{fiber.StatusBadRequest, "contest.error.reason"}
	}
	if !portal.ValidText(d.Text) || utf8.RuneCountInString(d.Text) > portal.MaxDisputeText {
		return nil, &contestError{fiber.StatusBadRequest, "contest.error.text_too_long"}
	}
	var headers []*multipart.FileHeader
	if form, err := c.MultipartForm(); err == nil {
		for _, fh := range form.File["files"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // the empty file input of a form sent without files
			}
			headers = append(headers, fh)
		}
	}
	if len(headers) > portal.MaxDisputeFiles {
		return nil, &contestError{fiber.StatusBadRequest, "contest.error.too_many_files"}
	}
	for _, fh := range headers {
		if fh.Size > portal.MaxFileSize {
			return nil, &contestError{fiber.StatusRequestEntityTooLarge, "contest.error.too_large"}
		}
		if fh.Size == 0 {
			return nil, &contestError{fiber.StatusBadRequest, "contest.error.empty_file"}
		}
		content, err := readUpload(fh)
		if err != nil {
			return nil, &contestError{fiber.StatusBadRequest, "contest.error.file_type"}
		}
		if !portal.AcceptedDocument(fh.Filename, content) {
			return nil, &contestError{fiber.StatusBadRequest, "contest.error.file_type"}
		}
		name := fh.Filename
		if utf8.RuneCountInString(name) > 200 || !portal.ValidText(name) {
			name = "file"
		}
		d.Files = append(d.Files, &portal.DisputeFile{Name: name, Content: content})
	}
	return d, nil
}

func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, portal.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > portal.MaxFileSize {
		return nil, errors.New("file too large")
	}
	return b, nil
}
