package evidence

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/pdffont"
	"github.com/relais/relais/portal/rules"
)

// Bounds that keep the dossier's memory in check on long chains: the cover
// lists keep at most maxSectionItems entries each (the timeline and
// events.jsonl have everything), and one event's text in the timeline is
// cut at maxSummaryRunes (transcripts at maxMessageRunes).
const (
	maxSectionItems = 1000
	maxSummaryRunes = 1500
	maxMessageRunes = 20000
)

// DisputeSource is what a Builder's Source may also implement (store.DB
// does) for the dossier to quote each dispute's own text and list its
// files; without it the dossier shows the dispute events only.
type DisputeSource interface {
	FindDisputes(ctx context.Context, tenantID, claimID string) ([]*portal.Dispute, error)
}

// UserDirectory is what a Builder's Source may also implement (store.DB
// does) for the dossier to name the creditor's agents; without it they are
// shown by identifier.
type UserDirectory interface {
	ListUsers(ctx context.Context, tenantID string) ([]*portal.User, error)
}

// section groups the event kinds a dossier chapter lists.
type section struct {
	key   string
	kinds []portal.EventKind
	items []*portal.Event
	more  int
}

func dossierSections() []*section {
	return []*section{
		{key: "h.stages", kinds: []portal.EventKind{portal.EventStageChanged, portal.EventStatusChanged}},
		{key: "h.offers", kinds: []portal.EventKind{portal.EventOfferMade, portal.EventOfferAccepted, portal.EventOfferRefused, portal.EventAgreementSigned, portal.EventInstalmentPaid, portal.EventInstalmentMoved, portal.EventPlanMethodChanged, portal.EventHardshipRequested, portal.EventInstalmentMissed, portal.EventPlanCompleted, portal.EventPlanBroken}},
		{key: "h.disputes", kinds: []portal.EventKind{portal.EventDisputeFiled, portal.EventDisputeResolved}},
		{key: "h.payments", kinds: []portal.EventKind{portal.EventPaymentRecorded, portal.EventPaymentStarted, portal.EventPaymentFailed, portal.EventPaymentRefunded, portal.EventPaymentReversed, portal.EventChargeback,
			portal.EventMandateRecorded, portal.EventMandateUpdated, portal.EventDebitPrenotified, portal.EventDebitSubmitted, portal.EventCreditNoteRecorded, portal.EventStatementMatched}},
		{key: "h.letters", kinds: []portal.EventKind{portal.EventLetterGenerated, portal.EventLetterSent, portal.EventReminderSent, portal.EventReminderFailed, portal.EventReminderBounced}},
		{key: "h.files", kinds: []portal.EventKind{portal.EventFileUploaded, portal.EventCourtDocumentMade}},
	}
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + " [...]"
}

// pdfDoc is the dossier's document: the embedded font (any script the
// debtor writes in) and the court's words.
type pdfDoc struct {
	*pdffont.Doc
	*dossierWords
}

// h1 is a numbered chapter heading, kept on the page of the lines after it.
func (d *pdfDoc) h1(s string) {
	d.Ln(4)
	d.KeepSpace(2 + 7 + 2 + 3*5.5)
	d.Font("B", 14)
	d.MultiCell(0, 7, d.Str(s), "", "L", false)
	d.Ln(2)
	d.Font("", 10)
}

// h2 is a sub-heading, kept with what follows.
func (d *pdfDoc) h2(s string) {
	d.Ln(1)
	d.KeepSpace(6 + 3*5.5)
	d.Font("B", 11)
	d.MultiCell(0, 6, d.Str(s), "", "L", false)
}

// kv is a label and its value, each wrapped in its own column.
func (d *pdfDoc) kv(k, v string) {
	d.Row([]pdffont.Cell{{W: 55, Text: k, Style: "B"}, {W: 0, Text: v}}, 10, 5.5, "", false)
}

func (d *pdfDoc) para(size float64, s string) {
	d.Font("", size)
	d.MultiCell(0, size*0.5, d.Str(s), "", "L", false)
}

// entry is one event: its number, time and title, who, then its text; the
// first lines stay with the title.
func (d *pdfDoc) entry(e *portal.Event, body string) {
	d.KeepSpace(4.6 + 4 + 4.4)
	d.Font("B", 9)
	d.MultiCell(0, 4.6, d.Str(d.t("entry", e.Seq, d.when(e.At), d.title(e.Kind))), "", "L", false)
	d.Font("I", 8)
	d.MultiCell(0, 4, d.Str(d.t("by", d.actor(e.Actor))), "", "L", false)
	if body != "" {
		d.Font("", 9)
		d.MultiCell(0, 4.4, d.Str(body), "", "L", false)
	}
	d.Ln(1.5)
}

func (b *Builder) dossier(ctx context.Context, c *portal.Claim, head Head, atts []portal.Attachment, events *chainReader, rates *rules.Rates, at time.Time) ([]byte, error) {
	lang := CourtLanguage(c)
	w := &dossierWords{lang: lang, m: dossierMsgs[lang], c: c, zone: CourtZone(c),
		users: map[string]string{}, invoices: map[string]string{}, files: map[string]string{}}
	for _, inv := range c.Invoices {
		w.invoices[inv.ID] = inv.Number
	}
	for _, a := range atts {
		if a.SHA256 != "" {
			w.files[strings.ToLower(a.SHA256)] = a.Name
		}
	}
	if ud, ok := b.Source.(UserDirectory); ok {
		users, err := ud.ListUsers(ctx, c.TenantID)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if n := strings.TrimSpace(u.Name); n != "" {
				w.users[u.ID] = n
			} else {
				w.users[u.ID] = u.Email
			}
		}
	}
	var mandates []*portal.Mandate
	if ms, ok := b.Source.(MandateSource); ok {
		var err error
		if mandates, err = ms.ClaimMandates(ctx, c.TenantID, c.ID); err != nil {
			return nil, err
		}
	}
	var disputes []*portal.Dispute
	if ds, ok := b.Source.(DisputeSource); ok {
		var err error
		if disputes, err = ds.FindDisputes(ctx, c.TenantID, c.ID); err != nil {
			return nil, err
		}
	}

	// Pass 1: the short lists of the cover chapters.
	sections := dossierSections()
	byKind := map[portal.EventKind]*section{}
	for _, s := range sections {
		for _, k := range s.kinds {
			byKind[k] = s
		}
	}
	messages := 0
	filed := map[string]*portal.Event{} // dispute id -> its dispute.filed event
	err := events.each(ctx, func(e *portal.Event) error {
		if e.Kind == portal.EventMessageSent {
			messages++
		}
		if e.Kind == portal.EventDisputeFiled {
			if id := payloadString(e, "dispute_id"); id != "" {
				filed[id] = e
			}
		}
		if s := byKind[e.Kind]; s != nil {
			if len(s.items) < maxSectionItems {
				s.items = append(s.items, e)
			} else {
				s.more++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(at)
	f.SetModificationDate(at)
	f.SetCatalogSort(true)
	// fpdf would start a new 1 MB deflate writer for every page (about 1 GB
	// of garbage for 10,000 events); the zip entry deflates the PDF anyway.
	f.SetCompression(false)
	d := &pdfDoc{Doc: pdffont.New(f), dossierWords: w}
	f.SetTitle(w.t("title")+" - "+c.Reference, true)
	f.SetCreator("Relais "+b.Version, true)
	f.SetMargins(18, 18, 18)
	f.SetAutoPageBreak(true, 18)
	d.PageFooter(12, 7.5, func(page int) string { return w.t("footer", c.Reference, head.Seq, short(head.Hash), page) })
	d.AddPage()
	d.Font("B", 18)
	d.MultiCell(0, 9, d.Str(w.t("title")), "", "L", false)
	d.para(11, w.t("subtitle", c.Reference, w.when(at)))
	d.Ln(2)
	zone := w.t("zone.fr")
	if c.Jurisdiction == portal.JurisdictionBE {
		zone = w.t("zone.be")
	}
	d.para(9, w.t("intro", zone))

	n := 1
	chapter := func(key string, args ...any) {
		d.h1(fmt.Sprintf("%d. %s", n, w.t(key, args...)))
		n++
	}

	chapter("h.parties")
	if cr := c.Creditor; cr != nil {
		d.kv(w.t("creditor"), cr.LegalName)
		d.kv(w.t("company"), dash(cr.CompanyNumber))
		d.kv(w.t("address"), dash(strings.TrimSpace(oneLine(cr.Address)+" "+cr.Country)))
		d.kv(w.t("contact"), dash(strings.TrimSpace(cr.Email+" "+cr.Phone)))
	}
	if db := c.Debtor; db != nil {
		d.Ln(2)
		d.kv(w.t("debtor"), db.Name+" ("+w.word("debtor_kind", string(db.Kind))+")")
		d.kv(w.t("address"), dash(strings.TrimSpace(oneLine(db.Address)+" "+db.Postcode+" "+db.Country)))
		d.kv(w.t("contact"), dash(strings.TrimSpace(db.Email+" "+db.Phone)))
		if db.CustomerNumber != "" {
			d.kv(w.t("customer"), db.CustomerNumber)
		}
	}

	chapter("h.claim")
	d.kv(w.t("reference"), c.Reference)
	d.kv(w.t("relais.id"), c.ID)
	d.kv(w.t("law"), w.t("law."+string(c.Jurisdiction)))
	d.kv(w.t("stage.now"), w.word("stage", string(c.Stage)))
	d.kv(w.t("status.now"), w.word("status", string(c.Status)))
	if c.ContractRateBP != nil {
		d.kv(w.t("contract"), w.value("contract_rate_bp", jsonNumber(*c.ContractRateBP), c.Currency, ""))
	}
	d.Ln(1)
	for _, inv := range c.Invoices {
		d.kv(w.t("invoice", inv.Number), w.t("invoice.line", w.date(inv.IssueDate), w.date(inv.DueDate), w.money(inv.Amount, c.Currency)))
	}
	for _, p := range c.Payments {
		how := w.word("method", string(p.Method))
		if p.Reference != "" {
			how += " (" + p.Reference + ")"
		}
		if num := w.invoices[p.InvoiceID]; num != "" {
			how += ", " + w.t("invoice", num)
		}
		d.kv(w.t("payment"), w.t("payment.line", w.date(p.ReceivedOn), w.money(p.Amount, c.Currency), how))
	}
	for _, cn := range c.CreditNotes {
		d.kv(w.t("credit.note", cn.Number), w.t("credit.line", w.date(cn.IssueDate), w.money(cn.Amount, c.Currency)))
	}

	asOf := portal.DateOf(at.In(w.zone))
	chapter("h.amounts", w.date(asOf))
	if bal, err := rates.Compute(c, asOf); err != nil {
		d.para(10, w.t("no.compute", portal.ErrorMessage(err)))
	} else {
		d.kv(w.t("principal"), w.money(bal.Principal, bal.Currency))
		d.kv(w.t("credits"), w.money(bal.CreditNotes, bal.Currency))
		d.kv(w.t("interest"), w.money(bal.Interest, bal.Currency))
		d.kv(w.t("indemnities"), w.money(bal.Indemnities, bal.Currency))
		d.kv(w.t("paid"), w.money(bal.Paid, bal.Currency))
		d.kv(w.t("due"), w.money(bal.Total, bal.Currency))
		if !bal.Complete {
			d.para(9, w.t("pending", w.date(bal.ComputedTo)))
		}
		d.Ln(1)
		for _, inv := range bal.Invoices {
			for _, p := range inv.Periods {
				d.para(8.5, w.t("period", inv.Number, w.date(p.From), w.date(p.To), p.Days, rate(lang, p.RateBP),
					w.money(p.Base, bal.Currency), w.money(p.Amount, bal.Currency), basis(lang, p.Rule)))
			}
		}
		for _, l := range bal.IndemnityLines {
			d.para(8.5, w.t("indemnity", dash(l.InvoiceNumber), w.date(l.On), w.money(l.Amount, bal.Currency), basis(lang, l.Rule)))
		}
		if len(bal.Rules) > 0 {
			d.Ln(1)
			d.para(8.5, w.t("rules"))
			for _, r := range bal.Rules {
				text := ruleText(lang, r.Key)
				if text == "" {
					text = r.Text
				}
				d.para(8.5, "- "+basis(lang, r.Key)+w.colon()+text)
			}
		}
	}

	for _, s := range sections {
		chapter(s.key)
		if s.key == "h.disputes" && len(disputes) > 0 {
			d.disputes(disputes, filed)
			continue
		}
		if s.key == "h.payments" && len(mandates) > 0 {
			d.mandates(mandates, atts)
		}
		if len(s.items) == 0 {
			d.para(10, w.t("none"))
		}
		for _, e := range s.items {
			d.entry(e, cut(w.describe(e), maxSummaryRunes))
		}
		if s.more > 0 {
			d.para(9, w.t("more", s.more))
		}
	}

	chapter("h.atts")
	if len(atts) == 0 {
		d.para(10, w.t("none.f"))
	}
	for _, a := range atts {
		d.KeepSpace(4.6 + 4 + 4)
		d.Font("B", 9)
		d.MultiCell(0, 4.6, d.Str(a.Name), "", "L", false)
		d.para(8.5, attachmentKind(w, a.Name))
		d.Mono(8)
		d.MultiCell(0, 4, "SHA-256 "+a.SHA256, "", "L", false)
		d.Ln(1)
	}

	// Pass 2: the conversation.
	chapter("h.messages", messages)
	if messages == 0 {
		d.para(10, w.t("no.messages"))
	}
	err = events.each(ctx, func(e *portal.Event) error {
		if e.Kind != portal.EventMessageSent {
			return nil
		}
		text, ok := messageText(e)
		if !ok {
			text = w.describe(e)
		}
		d.entry(e, cut(text, maxMessageRunes))
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Pass 3: everything, in order.
	d.AddPage()
	chapter("h.timeline", head.Seq)
	err = events.each(ctx, func(e *portal.Event) error {
		body, ok := "", false
		if e.Kind == portal.EventMessageSent {
			body, ok = messageText(e)
		}
		if !ok {
			body = w.describe(e)
		}
		d.entry(e, cut(body, maxSummaryRunes))
		return nil
	})
	if err != nil {
		return nil, err
	}

	d.h1(w.t("h.integrity"))
	d.para(9, w.t("integrity", head.Seq, head.Hash, w.when(at), b.Signer.Fingerprint()))

	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// disputes quotes each dispute: its reason, what it is about, the debtor's
// own text (checked against the hash its event recorded), its files with
// their place in the bundle, and the creditor's decision.
func (d *pdfDoc) disputes(list []*portal.Dispute, filed map[string]*portal.Event) {
	w := d.dossierWords
	// Oldest first, as the rest of the dossier.
	for i := len(list) - 1; i >= 0; i-- {
		ds := list[i]
		d.h2(w.t("dispute", w.when(ds.CreatedAt)))
		d.kv(w.t("d.reason"), w.word("reason", string(ds.Reason)))
		scope := w.t("d.whole")
		if num := w.invoices[ds.InvoiceID]; num != "" {
			scope = w.t("invoice", num)
		}
		d.kv(w.t("d.scope"), scope)
		text := ds.Text
		switch {
		case strings.HasPrefix(text, "[") && strings.Contains(text, "erased"):
			text = w.t("d.erased")
		case strings.TrimSpace(text) == "":
			text = w.t("d.notext")
		default:
			text = "« " + text + " »"
		}
		d.kv(w.t("d.text"), text)
		if e := filed[ds.ID]; e != nil && ds.Text != "" {
			sum := portal.SHA256Hex([]byte(ds.Text))
			if rec := payloadString(e, "text_sha256"); rec == sum {
				d.para(8, w.t("d.textsum", sum, e.Seq))
			} else if rec != "" {
				d.para(8, w.t("d.textdiff", sum, e.Seq, rec))
			}
		}
		if len(ds.Files) == 0 {
			d.kv(w.t("d.files"), w.t("d.nofiles"))
		} else {
			var lines []string
			for _, f := range ds.Files {
				where := w.t("d.notinzip")
				if name := w.files[strings.ToLower(f.SHA256)]; name != "" {
					where = "attachments/" + name
				}
				lines = append(lines, "- "+w.t("d.file", f.Name, dash(contentType(f.ContentType)), w.size(f.Size), where)+"\n  SHA-256 "+f.SHA256)
			}
			d.kv(w.t("d.files"), strings.Join(lines, "\n"))
		}
		d.kv(w.t("d.status"), w.word("outcome", string(ds.Status)))
		if ds.Resolution != "" {
			d.kv(w.t("d.resolution"), "« "+ds.Resolution+" »")
		}
		if ds.AdjustedAmount != 0 {
			d.kv(w.t("d.adjusted"), w.money(ds.AdjustedAmount, w.c.Currency))
		}
		if ds.ResolvedAt != nil {
			d.kv(w.t("d.resolved"), w.when(*ds.ResolvedAt))
		}
		d.Ln(2)
	}
}

// attachmentKind says what a bundled file is, by its folder.
func attachmentKind(w *dossierWords, name string) string {
	dir, _, _ := strings.Cut(name, "/")
	if isMandateAnnex(name) {
		return w.t("att.mandate")
	}
	switch dir {
	case "disputes", "letters", "agreements", "reminders":
		return w.t("att." + dir)
	}
	return w.t("att.other")
}

func payloadString(e *portal.Event, key string) string {
	var m map[string]any
	if e.Payload == "" || jsonUnmarshal(e.Payload, &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

func rate(lang string, bp int64) string {
	s := portal.FormatMinor(bp, 2)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0%"
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "..."
	}
	return h
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), ", ")
}
