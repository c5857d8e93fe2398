package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/negotiation/transcript"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

// The transcript of a conversation (issue 21): every message with its
// time and author, offers with their outcome, as PDF or CSV, from the
// console (/console/conversations/:id/transcript.pdf, .csv) and the API
// (/api/v1/claims/:id/conversation.pdf, .csv). Internal notes and
// transfers are left out unless asked for with ?notes=1, which in the
// console only owners may ask.

// conversationTranscript is a conversation worded for its transcript.
type conversationTranscript struct {
	claim   *portal.Claim
	entries []transcript.Entry
	// kinds and authors are the raw codes of each entry, for the CSV.
	kinds, authorKinds, offerIDs, statuses []string
}

// allMessages reads every message of a conversation, a page at a time.
func (s *Server) allMessages(ctx context.Context, tenantID, convID string, internal bool) ([]*negotiation.Message, error) {
	var out []*negotiation.Message
	after := int64(0)
	for {
		page, err := s.deps.Conversations.Messages(ctx, tenantID, convID, after, 1000, internal)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].Seq
	}
}

// buildTranscript words conv's messages in t's language.
func (s *Server) buildTranscript(ctx context.Context, t *i18n.T, tenantID string, conv *negotiation.Conversation, notes bool) (*conversationTranscript, error) {
	claim, err := s.deps.Claims.FindClaim(ctx, tenantID, conv.ClaimID)
	if err != nil {
		return nil, err
	}
	msgs, err := s.allMessages(ctx, tenantID, conv.ID, notes)
	if err != nil {
		return nil, err
	}
	offers, err := s.deps.Conversations.ClaimOffers(ctx, tenantID, claim.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]*negotiation.OfferRecord{}
	for _, o := range offers {
		byID[o.ID] = o
	}
	users := map[string]string{}
	if us, err := s.deps.Tenants.ListUsers(ctx, tenantID); err == nil {
		for _, u := range us {
			users[u.ID] = u.Name
			if u.Name == "" {
				users[u.ID] = u.Email
			}
		}
	}
	author := func(a negotiation.Author) string {
		switch a.Kind {
		case portal.ActorDebtor:
			name := a.Name
			if name == "" && claim.Debtor != nil {
				name = claim.Debtor.Name
			}
			return t.Text("console.transcript.debtor", "Name", name)
		case portal.ActorUser:
			name := users[a.ID]
			if name == "" {
				name = a.Name
			}
			return t.Text("console.transcript.agent", "Name", name)
		}
		return t.Text("console.actor.system")
	}
	cur := claim.Currency
	out := &conversationTranscript{claim: claim}
	for _, m := range msgs {
		e := transcript.Entry{Seq: m.Seq, At: m.CreatedAt, Author: author(m.Author), Kind: textOr(t, "console.transcript.kind."+string(m.Kind), string(m.Kind)),
			Internal: m.Kind.Internal()}
		var lines []string
		rec := byID[m.OfferID]
		status := ""
		switch m.Kind {
		case negotiation.MsgOffer, negotiation.MsgCounterOffer:
			if m.Offer != nil {
				lines = append(lines, offerSummary(t, *m.Offer, cur))
			}
			if rec != nil {
				status = string(rec.Status)
				o := textOr(t, "console.offer.status."+string(rec.Status), string(rec.Status))
				if rec.DecidedAt != nil && rec.DecidedBy != nil {
					o = t.Text("console.transcript.decided", "Status", o, "By", author(*rec.DecidedBy), "At", rec.DecidedAt.UTC().Format(transcript.TimeFormat))
				}
				if len(rec.Verdict.Breaches) > 0 {
					o += " · " + t.Text("console.panel.outside", "Breaches", breachesText(t, rec.Verdict, cur))
				}
				if rec.Reason != "" {
					o += " · “" + rec.Reason + "”"
				}
				e.Outcome = o
			}
		case negotiation.MsgAccept, negotiation.MsgRefuse:
			if rec != nil {
				lines = append(lines, t.Text("console.transcript.about", "Seq", seqOfMessage(msgs, rec.MessageID), "Terms", offerSummary(t, rec.Terms, cur)))
			}
		case negotiation.MsgTransfer:
			lines = append(lines, t.Text("console.transcript.handed", "Name", users[m.ToUserID]))
		}
		if m.Text != "" {
			lines = append(lines, m.Text)
		}
		e.Text = strings.Join(lines, "\n")
		out.entries = append(out.entries, e)
		out.kinds, out.authorKinds, out.offerIDs, out.statuses = append(out.kinds, string(m.Kind)), append(out.authorKinds, string(m.Author.Kind)),
			append(out.offerIDs, m.OfferID), append(out.statuses, status)
	}
	return out, nil
}

// seqOfMessage is the seq of message id in msgs ("?" when it is not there).
func seqOfMessage(msgs []*negotiation.Message, id string) string {
	for _, m := range msgs {
		if m.ID == id {
			return "#" + strconv.FormatInt(m.Seq, 10)
		}
	}
	return "?"
}

// transcriptPDF lays tr out in t's language.
func (s *Server) transcriptPDF(t *i18n.T, tr *conversationTranscript, notes bool) ([]byte, error) {
	c := tr.claim
	var header [][2]string
	if c.Creditor != nil {
		header = append(header, [2]string{t.Text("console.replies.creditor"), c.Creditor.LegalName})
	}
	if c.Debtor != nil {
		header = append(header, [2]string{t.Text("console.transcript.debtorlabel"), c.Debtor.Name})
	}
	header = append(header, [2]string{t.Text("console.transcript.claim"), c.Reference})
	return transcript.PDF(transcript.Input{Reference: c.Reference, Header: header, Entries: tr.entries, Notes: notes, GeneratedAt: s.deps.Clock.Now(),
		Labels: transcript.Labels{Title: t.Text("console.transcript.title"), Generated: t.Text("console.transcript.generated"),
			Outcome: t.Text("console.transcript.outcome"), Internal: t.Text("console.transcript.internal"),
			NotesIncluded: t.Text("console.transcript.notes.included"), NotesLeftOut: t.Text("console.transcript.notes.leftout"),
			Empty: t.Text("console.transcript.empty"), Page: t.Text("console.transcript.page")}})
}

// transcriptCSV is one row a message: seq, time (RFC 3339, UTC), author
// kind and name, message kind, internal, text, offer id, offer status and
// outcome in words. Cells a spreadsheet would run are defused (csvText).
func transcriptCSV(tr *conversationTranscript) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"seq", "at", "author_kind", "author", "kind", "internal", "text", "offer_id", "offer_status", "outcome"})
	for i, e := range tr.entries {
		_ = w.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format("2006-01-02T15:04:05Z"), tr.authorKinds[i], csvText(e.Author), tr.kinds[i],
			strconv.FormatBool(e.Internal), csvText(e.Text), tr.offerIDs[i], tr.statuses[i], csvText(e.Outcome)})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// sendTranscript answers with the transcript of conv as format (pdf or csv).
func (s *Server) sendTranscript(c *fiber.Ctx, t *i18n.T, tenantID string, conv *negotiation.Conversation, notes bool, format string) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	tr, err := s.buildTranscript(ctx, t, tenantID, conv, notes)
	if err != nil {
		return err
	}
	name := "conversation-" + tr.claim.Reference
	if notes {
		name += "-with-notes"
	}
	name = safeFileName(name)
	if format == "csv" {
		body, err := transcriptCSV(tr)
		if err != nil {
			return err
		}
		return sendCSV(c, name+".csv", body)
	}
	pdf, err := s.transcriptPDF(t, tr, notes)
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", name+".pdf")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(pdf)
}

// safeFileName keeps letters, digits, "-", "_" and "." of a name built
// from a claim reference.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return r
		}
		return '_'
	}, s)
}

// transcriptNotes reads ?notes: "1" asks for the internal notes.
func transcriptNotes(c *fiber.Ctx) (bool, error) {
	switch c.Query("notes") {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, portal.FieldError("notes", "notes is 1 (include internal notes) or 0")
}

// handleConsoleTranscript is GET /console/conversations/:id/transcript.pdf
// and .csv, in the console's language; ?notes=1 is for owners only.
func (s *Server) handleConsoleTranscript(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.negotiationReady(); err != nil {
			return err
		}
		notes, err := transcriptNotes(c)
		if err != nil {
			return err
		}
		if notes {
			if err := requireRole(c, portal.RoleOwner); err != nil {
				return portal.Errorf(portal.EFORBIDDEN, "Only owners include the internal notes in a transcript.")
			}
		}
		u := consoleUserOf(c)
		ctx, cancel := s.userContext(c)
		conv, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id"))
		cancel()
		if err != nil {
			return err
		}
		return s.sendTranscript(c, s.consoleT(c), u.TenantID, conv, notes, format)
	}
}

// handleConversationTranscript is GET /api/v1/claims/{id}/conversation.pdf
// and .csv: ?lang= (fr, nl, en, de; English by default), ?notes=1 for the
// internal notes.
func (s *Server) handleConversationTranscript(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.negotiationReady(); err != nil {
			return err
		}
		notes, err := transcriptNotes(c)
		if err != nil {
			return err
		}
		lang := c.Query("lang", "en")
		if !portal.ValidLanguage(lang) {
			return portal.FieldError("lang", "lang is one of fr, nl, en, de")
		}
		ctx, cancel := s.userContext(c)
		conv, err := s.deps.Conversations.OpenConversation(ctx, tenantOf(c), claimOf(c).ID)
		cancel()
		if err != nil {
			return err
		}
		return s.sendTranscript(c, s.i18n.For(lang), tenantOf(c), conv, notes, format)
	}
}
