package evidence_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
)

// judgeFixture is a claim a court would see: an agent by name in the
// chat, an offer in euros, a signed agreement, a dispute with its own text
// and a file, status changes.
type judgeFixture struct {
	*fixture
	agreementPDF []byte
	disputeText  string
}

func newJudgeFixture(t *testing.T, dialect string, j portal.Jurisdiction, lang string) *judgeFixture {
	t.Helper()
	f := newFixture(t, dialect, j, 0)
	ctx := context.Background()
	db := f.db
	if _, err := f.db.SQL().Exec("UPDATE debtors SET language = $1", lang); err != nil {
		t.Fatal(err)
	}
	c, err := db.FindClaim(ctx, f.tenantID, f.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.claim = c
	agent := &portal.User{TenantID: f.tenantID, Email: "marie@cabinet.example", Name: "Marie Martin", Role: portal.RoleAgent}
	if err := db.CreateUser(ctx, agent, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	conv, err := db.OpenConversation(ctx, f.tenantID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	agentCtx := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, ID: agent.ID, TenantID: f.tenantID})
	if _, _, err := db.PostMessage(agentCtx, &negotiation.Message{TenantID: f.tenantID, ConversationID: conv.ID, ClientID: "m-agent", Kind: negotiation.MsgText,
		Author: negotiation.Author{Kind: portal.ActorUser, ID: agent.ID, Name: agent.Name}, Text: "Bonjour, je vous propose un échéancier."}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	o := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 33334, FirstDate: portal.MustDate("2024-07-15"), Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}
	sch := negotiation.ScheduleFor(o, 100000)
	sch.Currency = "EUR"
	msgs, _, err := db.MakeOffer(agentCtx, &negotiation.Message{TenantID: f.tenantID, ConversationID: conv.ID, ClientID: "o-1", Kind: negotiation.MsgOffer,
		Author: negotiation.Author{Kind: portal.ActorUser, ID: agent.ID, Name: agent.Name}, Offer: &o, Verdict: &negotiation.Verdict{Accepted: true, Balance: 100000}},
		&negotiation.Decision{Accept: true, Agreement: &negotiation.Agreement{ClaimID: c.ID, Balance: 100000, Schedule: sch}})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("offer: %v %+v", err, msgs)
	}
	f.clock.Advance(time.Hour)
	jf := &judgeFixture{fixture: f, agreementPDF: []byte("%PDF-1.4 accord signé"),
		disputeText: "Je conteste : la livraison du 12 mars n'est jamais arrivée (voir le bon ci-joint). Ελένη Łódź سارة"}
	if _, err := db.SignAgreement(ctx, f.tenantID, msgs[1].AgreementID, false, lang, jf.agreementPDF, negotiation.PayChoice{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	sess := &portal.PortalSession{ID: "sess-1", TenantID: f.tenantID, ClaimID: c.ID, Verified: true, Language: lang}
	debtor := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorDebtor, ID: "sess-1", IP: "203.0.113.7"})
	if err := db.FileDispute(debtor, sess, &portal.Dispute{Reason: portal.ReasonNotReceived, Text: jf.disputeText,
		Files: []*portal.DisputeFile{{Name: "bon de livraison.pdf", Content: []byte("%PDF-1.4 bon de livraison")}}}); err != nil {
		t.Fatal(err)
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	f.builder.Rates = rates
	f.builder.Attachments = []portal.AttachmentSource{f.db, store.AgreementFiles{DB: f.db}}
	return jf
}

// field names, JSON and codes a judge should never have to read.
var machineWords = regexp.MustCompile(`[{}]|":|_id\b|\b(payload|amicable|formal_notice|in_plan|disputed|not_received_or_faulty|message\.sent|offer\.made|` +
	`dispute\.filed|status\.changed|stage\.changed|agreement\.signed|terms|verdict|author_kind|first_date|frequency|monthly|transfer)\b|\b\d{6,} EUR\b|\d{4}-\d\d-\d\dT`)

// dossier.pdf is written for a judge (issue 24.16): in the court's one
// language, with plain words instead of field names and JSON (offers in
// euros, agents by name, statuses in words), the dispute's own text with
// its files listed.
func TestDossierForAJudge(t *testing.T) {
	for _, tt := range []struct {
		name   string
		j      portal.Jurisdiction
		lang   string
		want   []string
		absent []string
	}{
		{"FR court", portal.JurisdictionFR, "fr", []string{
			"Dossier de preuve", "1. Parties", "Contestations",
			"Marie Martin, pour le créancier",
			"paiement en 3 échéances mensuelles de 333,34 €, à partir du 15 juillet 2024, par virement",
			"De « en cours » à « sous plan de paiement »", "accord de paiement signé",
			"De « sous plan de paiement » à « contestée »", "contestation déposée par le débiteur",
			"marchandise ou service non reçu, ou défectueux",
			"« Je conteste : la livraison du 12 mars n'est jamais arrivée (voir le bon ci-joint). Ελένη Łódź", "سارة",
			"bon de livraison.pdf (PDF, 25 octets) : attachments/disputes/",
			"accord de paiement signé par le débiteur", "attachments/agreements/",
			"1 250,00 €", "De « phase amiable » à « mise en demeure »",
			// The debtor's browser's emoji, which the font cannot draw.
			"ctl é \uFFFD €",
		}, []string{"Bewijsdossier", "Betwistingen", "Schuldenaar"}},
		{"BE court, Dutch-speaking debtor", portal.JurisdictionBE, "nl", []string{
			"Bewijsdossier", "1. Partijen", "Betwistingen",
			"Marie Martin, namens de schuldeiser",
			"betaling in 3 maandelijkse termijnen van € 333,34, vanaf 15 juli 2024, per overschrijving",
			"Van « lopend » naar « met afbetalingsplan »", "betalingsovereenkomst ondertekend",
			"goed of dienst niet ontvangen, of gebrekkig",
			"« Je conteste : la livraison du 12 mars n'est jamais arrivée (voir le bon ci-joint). Ελένη Łódź", "سارة",
			"bon de livraison.pdf (PDF, 25 bytes): attachments/disputes/", "nr. 12 - ",
		}, []string{"Dossier de preuve", "Contestations", "Débiteur", "pour le créancier", "n° "}},
		{"BE court, French-speaking debtor", portal.JurisdictionBE, "fr", []string{"Dossier de preuve", "Contestations", "droit belge"},
			[]string{"Bewijsdossier", "Betwistingen"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newJudgeFixture(t, store.SQLite, tt.j, tt.lang)
			_, files := entries(t, f.bundle(t))
			pdf := files["dossier.pdf"]
			txt := pdftest.Joined(t, pdf)
			for _, w := range tt.want {
				if !strings.Contains(txt, w) {
					t.Errorf("dossier lacks %q", w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(txt, w) {
					t.Errorf("dossier has %q: not one language throughout", w)
				}
			}
			if m := machineWords.FindAllString(txt, -1); len(m) > 0 {
				t.Errorf("dossier shows field names, codes or JSON: %q", m)
			}
			pdftest.NoOverlap(t, pdf)
			if t.Failed() {
				t.Logf("dossier text:\n%s", txt)
			}
		})
	}
}

// Which language the court reads: French in France, and in Belgium Dutch
// for a Dutch-speaking debtor, French otherwise.
func TestCourtLanguage(t *testing.T) {
	for _, tt := range []struct {
		j          portal.Jurisdiction
		lang, want string
	}{
		{portal.JurisdictionFR, "nl", "fr"}, {portal.JurisdictionFR, "fr", "fr"}, {portal.JurisdictionBE, "nl", "nl"},
		{portal.JurisdictionBE, "fr", "fr"}, {portal.JurisdictionBE, "de", "fr"}, {portal.JurisdictionBE, "en", "fr"},
	} {
		if got := evidence.CourtLanguage(&portal.Claim{Jurisdiction: tt.j, Debtor: &portal.Debtor{Language: tt.lang}}); got != tt.want {
			t.Errorf("%s debtor %s: %s, want %s", tt.j, tt.lang, got, tt.want)
		}
	}
}

var chapterHeading = regexp.MustCompile(`^(\d+\. \S|Intégrité$|Integriteit$)`)

// line is a line of text pdftotext found on a page.
type line struct {
	page       int
	yMin, yMax float64
	text       string
}

func pdfLines(words []pdftest.Word) []line {
	var out []line
	for _, w := range words {
		n := len(out)
		if n > 0 && out[n-1].page == w.Page && w.YMin < out[n-1].yMax-1 && w.YMax > out[n-1].yMin+1 {
			out[n-1].text += " " + w.Text
			out[n-1].yMax = max(out[n-1].yMax, w.YMax)
			continue
		}
		out = append(out, line{page: w.Page, yMin: w.YMin, yMax: w.YMax, text: w.Text})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].page != out[j].page {
			return out[i].page < out[j].page
		}
		return out[i].yMin < out[j].yMin
	})
	return out
}

// No chapter heading ends a page with nothing under it (issue 24.16):
// however many events push the layout down, a heading starts the page its
// first lines are on.
func TestDossierNoStrandedHeading(t *testing.T) {
	f := newFixture(t, store.SQLite, portal.JurisdictionFR, 0)
	ctx := context.Background()
	const footerY = 842 - 18*72/25.4 // points: the bottom margin
	stranded := 0
	for i := 0; i < 28; i++ {
		_, files := entries(t, f.bundle(t))
		lines := pdfLines(pdftest.Words(t, files["dossier.pdf"]))
		for k, l := range lines {
			if l.yMin > footerY || !chapterHeading.MatchString(l.text) {
				continue
			}
			if k+1 == len(lines) || lines[k+1].page != l.page || lines[k+1].yMin > footerY {
				stranded++
				t.Errorf("with %d extra notes, heading %q is the last line of page %d", i, l.text, l.page)
			}
		}
		f.clock.Advance(time.Minute)
		if _, err := f.db.AppendEvent(ctx, f.tenantID, f.claim.ID, portal.EventNoteWritten, map[string]any{"text": "Appel au débiteur, sans réponse."}); err != nil {
			t.Fatal(err)
		}
	}
	if stranded > 0 {
		t.Logf("%d stranded headings", stranded)
	}
}

// TestDossierPlanChanges (issue 20): the changes a debtor makes to a plan
// read in the court's words: a new plan asked for after a hardship (what
// happened, in words, and the debtor's own reason), the way to pay changed.
func TestDossierPlanChanges(t *testing.T) {
	f := newJudgeFixture(t, store.SQLite, portal.JurisdictionFR, "fr")
	ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorDebtor, ID: "sess-1"})
	// The fixture's dispute paused the plan; the debtor's changes need it in force.
	if _, err := f.db.SQL().Exec("UPDATE claims SET status = 'in_plan' WHERE id = $1", f.claim.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ChangePlanMethod(ctx, f.tenantID, f.claim.ID, portal.PlanPayment{Method: portal.MethodCard}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if err := f.db.RequestHardship(ctx, f.tenantID, f.claim.ID, portal.Hardship{Kind: portal.HardshipIllness, Reason: "Hospitalisé depuis mai."}); err != nil {
		t.Fatal(err)
	}
	_, files := entries(t, f.bundle(t))
	txt := pdftest.Joined(t, files["dossier.pdf"])
	for _, w := range []string{"Mode de paiement du plan changé par le débiteur", "De : virement", "À : carte bancaire",
		"Nouveau plan demandé par le débiteur après une difficulté", "Difficulté : maladie ou accident", "Hospitalisé depuis mai."} {
		if !strings.Contains(txt, w) {
			t.Errorf("dossier lacks %q", w)
		}
	}
}
