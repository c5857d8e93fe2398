package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"gorm.io/gorm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/rules"
)

// LetterStore implements portal.LetterService on a DB: letters are
// rendered by package letters from the claim as it is today, with the
// amounts of rules, and kept byte for byte.
type LetterStore struct {
	DB    *DB
	Rates *rules.Rates
	// PortalLink, when set, issues a fresh letter-channel portal link for a
	// claim and returns it with its URL; a request without a portal_url
	// then gets one. Wired in cmd/relais to DB.IssueLink.
	PortalLink func(ctx context.Context, tenantID, claimID string) (linkID, url string, err error)
}

var (
	_ portal.LetterService    = (*LetterStore)(nil)
	_ portal.AttachmentSource = (*LetterStore)(nil)
)

// letterRow is the letters table. PrintPDF, the copy to print with the
// debtor's working portal link, is sealed with the data key and bound to
// the row (secrets.go) until the letter is sent, when it is dropped.
type letterRow struct {
	ID               string
	TenantID         string
	ClaimID          string
	Kind             string
	Language         string
	LetterDate       portal.Date
	PayBy            portal.Date
	LinkID           string
	Total            int64
	SHA256           string `gorm:"column:sha256"`
	PDF              []byte `gorm:"column:pdf"`
	PrintSHA256      string `gorm:"column:print_sha256"`
	PrintPDF         []byte `gorm:"column:print_pdf"`
	CreatedAt        timeUTC
	SentAt           *timeUTC
	SentOn           portal.Date
	SentBy           *string
	RegisteredNumber string
}

func (letterRow) TableName() string { return "letters" }

func (r *letterRow) toLetter() *portal.Letter {
	l := &portal.Letter{
		ID: r.ID, TenantID: r.TenantID, ClaimID: r.ClaimID, Kind: portal.LetterKind(r.Kind), Language: r.Language,
		LetterDate: r.LetterDate, PayBy: r.PayBy, LinkID: r.LinkID, Total: r.Total, SHA256: r.SHA256, PrintSHA256: r.PrintSHA256,
		CreatedAt: r.CreatedAt.Time(), SentOn: r.SentOn, RegisteredNumber: r.RegisteredNumber, PDF: r.PDF,
	}
	if r.SentAt != nil {
		t := r.SentAt.Time()
		l.SentAt = &t
	}
	if r.SentBy != nil {
		l.SentBy = portal.SendChannel(*r.SentBy)
	}
	return l
}

// letterColumns are the columns listed without the PDF.
const letterColumns = "id, tenant_id, claim_id, kind, language, letter_date, pay_by, link_id, total, sha256, print_sha256, created_at, sent_at, sent_on, sent_by, registered_number"

// CreateLetter implements portal.LetterService.
func (s *LetterStore) CreateLetter(ctx context.Context, tenantID, claimID string, req portal.LetterRequest) (*portal.Letter, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	db := s.DB
	c, err := db.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return nil, err
	}
	if c.PersonalDataErasedAt != nil {
		return nil, errErased()
	}
	if escalation.Ended(c.Status) {
		return nil, portal.Errorf(portal.ECONFLICT, "the claim is %s: no letter can be sent for it", strings.ReplaceAll(string(c.Status), "_", " "))
	}
	if req.Kind == portal.LetterReminder && escalation.Pauses(c.Status) {
		return nil, portal.Errorf(portal.ECONFLICT, "reminders are paused while the claim is %s", strings.ReplaceAll(string(c.Status), "_", " "))
	}
	if req.Kind == portal.LetterFormalNotice && c.Stage == portal.StageAmicable {
		// Sending it will move the claim: refuse now what would be refused then.
		if err := escalation.Transition(escalation.SnapshotOf(c, escalation.Procedure(c.Procedure), crossBorder(c)), portal.StageFormalNotice, ""); err != nil {
			return nil, err
		}
	}
	today := db.Today(ctx, tenantID)
	balance, err := s.Rates.Compute(c, today)
	if err != nil {
		return nil, err
	}
	var agency *letters.Party
	if req.Agency != nil {
		agency = &letters.Party{Name: req.Agency.Name, Address: req.Agency.Address}
		if agency.Name == "" {
			t, err := db.FindTenant(ctx, tenantID)
			if err != nil {
				return nil, err
			}
			agency.Name = t.Name
		}
	}
	url, linkID := req.PortalURL, ""
	if url == "" && s.PortalLink != nil {
		if linkID, url, err = s.PortalLink(ctx, tenantID, c.ID); err != nil {
			return nil, err
		}
	}
	first := c.FirstReminderOn.IsZero()
	// The transfer reference the portal and its QR code give: one
	// reference to quote everywhere.
	ref, err := db.ClaimPaymentReference(ctx, tenantID, c.ID)
	if err != nil {
		return nil, err
	}
	in := letters.Input{Kind: req.Kind, Date: today, Claim: c, Balance: balance, Agency: agency, PortalURL: url,
		PaymentReference: ref.Printed, FirstReminder: first, PayBy: letters.Deadline(req.Kind, c, today, first)}
	// Two copies: the one printed, with the debtor's working link, and the
	// record, with the link's token removed, for the evidence: a bundle or
	// an export handed to others never opens the debtor's claim.
	// The tenant's own text of the formal notice replaces the letter's
	// opening wording (the request, the invoices and the legal mentions
	// stay); the evidence says which text was used.
	var txt *portal.TemplateText
	textSource, textSHA := reminders.TextShipped, ""
	if req.Kind == portal.LetterFormalNotice {
		if txt, err = db.TemplateTextFor(ctx, tenantID, c.CreditorID, "formal_notice", c.Debtor.Language); err != nil {
			return nil, err
		}
	}
	opening := func(url string) (string, error) {
		if txt == nil {
			return "", nil
		}
		return reminders.LetterOpening(txt, c, balance.Total, in.PayBy, url)
	}
	if txt != nil {
		textSource, textSHA = reminders.SourceOf(txt), txt.SHA256
	}
	if in.Opening, err = opening(url); err != nil {
		return nil, err
	}
	print, err := letters.Render(in)
	if err != nil {
		return nil, err
	}
	in.PortalURL = redactedLink(url)
	if in.Opening, err = opening(in.PortalURL); err != nil {
		return nil, err
	}
	pdf, err := letters.Render(in)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	row := &letterRow{
		ID: portal.NewID(now), TenantID: tenantID, ClaimID: c.ID, Kind: string(req.Kind), Language: c.Debtor.Language,
		LetterDate: today, PayBy: in.PayBy, LinkID: linkID, Total: balance.Total, SHA256: portal.SHA256Hex(pdf), PDF: pdf,
		PrintSHA256: portal.SHA256Hex(print), CreatedAt: timeUTC(now),
	}
	sealed, err := db.seal("letters", "print_pdf", row.ID, string(print))
	if err != nil {
		return nil, err
	}
	row.PrintPDF = []byte(sealed)
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(row).Error; err != nil {
			return translate("create letter", err)
		}
		_, err := db.appendEvent(ctx, tx, tenantID, c.ID, portal.EventLetterGenerated, map[string]any{
			"letter_id": row.ID, "kind": row.Kind, "language": row.Language, "letter_date": today.String(),
			"pay_by": in.PayBy.String(), "total": balance.Total, "currency": c.Currency, "sha256": row.SHA256,
			"print_sha256": row.PrintSHA256, "size": len(pdf), "link_id": linkID, "agency": agency != nil,
			"text_source": textSource, "text_sha256": textSHA, // "" for the shipped wording
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	l := row.toLetter()
	l.PortalURL = url
	l.PDF = nil
	return l, nil
}

// redactedLink is a portal URL with its token removed: the record copy of a
// letter shows where the link went, not the capability itself.
func redactedLink(url string) string {
	if i := strings.LastIndex(url, "/p/"); i >= 0 {
		return url[:i+3] + "link-removed-from-this-copy"
	}
	return url
}

func (s *LetterStore) findRow(tx *gorm.DB, tenantID, claimID, letterID string, withPDF bool) (*letterRow, error) {
	if !portal.ValidID(letterID) || !portal.ValidID(claimID) {
		return nil, portal.Errorf(portal.ENOTFOUND, "Letter not found.")
	}
	var r letterRow
	q := tx.Where("id = ? AND tenant_id = ? AND claim_id = ?", letterID, tenantID, claimID)
	if !withPDF {
		q = q.Select(letterColumns)
	}
	if err := q.Take(&r).Error; err != nil {
		if portal.ErrorCode(translate("", err)) == portal.ENOTFOUND {
			return nil, portal.Errorf(portal.ENOTFOUND, "Letter not found.")
		}
		return nil, translate("find letter", err)
	}
	return &r, nil
}

// FindLetter implements portal.LetterService.
func (s *LetterStore) FindLetter(ctx context.Context, tenantID, claimID, letterID string) (*portal.Letter, error) {
	r, err := s.findRow(s.DB.conn(ctx), tenantID, claimID, letterID, true)
	if err != nil {
		return nil, err
	}
	if len(r.PDF) == 0 {
		return nil, erasedFile("letter")
	}
	l := r.toLetter()
	if len(r.PrintPDF) > 0 { // the copy to print, until the letter is sent
		print, err := s.DB.open("letters", "print_pdf", r.ID, string(r.PrintPDF))
		if err != nil {
			return nil, fmt.Errorf("the letter's copy to print: %w", err)
		}
		l.PDF = []byte(print)
	}
	return l, nil
}

// FindLetters implements portal.LetterService.
func (s *LetterStore) FindLetters(ctx context.Context, tenantID, claimID string) ([]*portal.Letter, error) {
	if _, err := s.DB.FindClaim(ctx, tenantID, claimID); err != nil {
		return nil, err
	}
	var rows []letterRow
	if err := s.DB.conn(ctx).Select(letterColumns).Where("tenant_id = ? AND claim_id = ?", tenantID, claimID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("list letters", err)
	}
	out := make([]*portal.Letter, len(rows))
	for i := range rows {
		out[i] = rows[i].toLetter()
	}
	return out, nil
}

// MarkLetterSent implements portal.LetterService. A formal notice sent
// while the claim is amicable moves it to formal_notice with the sending
// date as Claim.FormalNoticeOn; a reminder becomes the first reminder of
// the claim and of each invoice already due that has none earlier
// (markReminded). All of it, events included, commits together or not at
// all.
func (s *LetterStore) MarkLetterSent(ctx context.Context, tenantID, claimID, letterID string, snd portal.LetterSending) (*portal.Letter, error) {
	db := s.DB
	today := db.Today(ctx, tenantID)
	if err := snd.Validate(today); err != nil {
		return nil, err
	}
	var out *portal.Letter
	err := db.tx(ctx, func(tx *gorm.DB) error {
		r, err := s.findRow(tx, tenantID, claimID, letterID, false)
		if err != nil {
			return err
		}
		if r.SentAt != nil {
			return portal.Errorf(portal.ECONFLICT, "this letter was already recorded as sent on %s", r.SentOn)
		}
		if snd.SentOn.Before(r.LetterDate) {
			return portal.FieldError("sent_on", "sent_on %s is before the letter's date %s", snd.SentOn, r.LetterDate)
		}
		now := db.Now()
		ch := string(snd.Channel)
		// Sent: the copy with the working link is no longer kept.
		res := tx.Model(&letterRow{}).Where("id = ? AND sent_at IS NULL", r.ID).Updates(map[string]any{
			"sent_at": timeUTC(now), "sent_on": snd.SentOn, "sent_by": ch, "registered_number": snd.RegisteredNumber,
			"print_pdf": nil,
		})
		if res.Error != nil {
			return translate("mark letter sent", res.Error)
		}
		if res.RowsAffected != 1 {
			return portal.Errorf(portal.ECONFLICT, "this letter was recorded as sent by someone else at the same time")
		}
		if _, err := db.appendEvent(ctx, tx, tenantID, claimID, portal.EventLetterSent, map[string]any{
			"letter_id": r.ID, "kind": r.Kind, "channel": ch, "registered_number": snd.RegisteredNumber,
			"sent_on": snd.SentOn.String(), "sha256": r.SHA256,
		}); err != nil {
			return err
		}
		c, err := db.claimInTx(tx, tenantID, claimID)
		if err != nil {
			return err
		}
		how := strings.ReplaceAll(ch, "_", " ")
		switch {
		case r.Kind == string(portal.LetterFormalNotice) && c.Stage == portal.StageAmicable:
			err = db.changeStage(ctx, tx, c, portal.StageChange{
				To: portal.StageFormalNotice, FormalNoticeOn: snd.SentOn,
				Reason: fmt.Sprintf("formal notice letter %s sent by %s on %s", r.ID, how, snd.SentOn),
			}, today, map[string]any{"letter_id": r.ID})
		case r.Kind == string(portal.LetterFormalNotice) && c.FormalNoticeOn.IsZero():
			err = tx.Model(&portal.Claim{}).Where("id = ? AND formal_notice_on IS NULL", c.ID).
				Updates(map[string]any{"formal_notice_on": snd.SentOn, "updated_at": now}).Error
		case r.Kind == string(portal.LetterReminder):
			// A reminder covers the invoices already due when it went out:
			// the first one of each stays its first (Book XIX).
			channel := escalation.ChannelLetter
			if snd.Channel == portal.SendEmail {
				channel = escalation.ChannelEmail
			}
			err = markReminded(tx, c.ID, snd.SentOn, string(channel), now)
		}
		if err != nil {
			return translate("record letter sending", err)
		}
		sentAt := timeUTC(now)
		r.SentAt, r.SentOn, r.SentBy, r.RegisteredNumber = &sentAt, snd.SentOn, &ch, snd.RegisteredNumber
		out = r.toLetter()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LetterFiles implements portal.LetterService.
func (s *LetterStore) LetterFiles(ctx context.Context, tenantID, claimID string) ([]portal.LetterFile, error) {
	var rows []letterRow
	// The record copy only: the copy to print (print_pdf) is not read.
	err := s.DB.conn(ctx).Select(letterColumns+", pdf").Where("tenant_id = ? AND claim_id = ? AND length(pdf) > 0", tenantID, claimID).Order("id").Find(&rows).Error
	if err != nil {
		return nil, translate("list letter files", err)
	}
	out := make([]portal.LetterFile, len(rows))
	for i := range rows {
		l := rows[i].toLetter() // the record copy, never the one with the working link
		out[i] = portal.LetterFile{LetterID: l.ID, Name: "letters/" + l.Filename(), SHA256: l.SHA256, Data: l.PDF}
	}
	return out, nil
}

// Attachments implements portal.AttachmentSource for the evidence bundle:
// every letter of the claim under the names of LetterFiles, with the
// SHA-256 recorded in its letter.generated event. Only names and hashes
// are listed here; each PDF is read when the bundle writes it. A letter
// erased with its claim's personal data is left out (its SHA-256 stays in
// the letter's record and, until then, in every bundle made before).
func (s *LetterStore) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	var rows []letterRow
	err := s.DB.conn(ctx).Select(letterColumns).Where("tenant_id = ? AND claim_id = ? AND length(pdf) > 0", tenantID, claimID).Order("id").Find(&rows).Error
	if err != nil {
		return nil, translate("list letters", err)
	}
	out := make([]portal.Attachment, len(rows))
	for i := range rows {
		l := rows[i].toLetter()
		id := l.ID
		out[i] = portal.Attachment{Name: "letters/" + l.Filename(), SHA256: l.SHA256,
			Open: func() (io.ReadCloser, error) {
				var r letterRow
				if err := s.DB.conn(ctx).Select("pdf").Where("id = ? AND tenant_id = ?", id, tenantID).Take(&r).Error; err != nil {
					return nil, translate("read letter", err)
				}
				return io.NopCloser(bytes.NewReader(r.PDF)), nil
			}}
	}
	return out, nil
}
