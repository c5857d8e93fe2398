package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server"
)

// TestCourtDocumentsAPI (issue 23): an agency's French B2B claim, after
// a formal notice sent by registered post and a partial payment, gives the
// requête en injonction de payer: pdftotext finds its mentions and the
// amounts of the claim's balance, and every exhibit of the bordereau
// carries the SHA-256 the evidence bundle's manifest gives the same file.
// A claim not ready is refused in words; another tenant gets 404. Form A
// for a Berlin debtor and the Belgian file take the same hashes. On SQLite
// and PostgreSQL.
func TestCourtDocumentsAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newCourtEnv(t, dialect)
			ctx, clock, db, rates, s, keys, tenant := e.ctx, e.clock, e.db, e.rates, e.srv, e.keys, e.tenant
			c, amicable, belgian, german, notice := e.c, e.amicable, e.belgian, e.german, e.notice
			get := e.get
			url := "/api/v1/claims/" + c.ID + "/court/fr-injonction.pdf"

			t.Run("ErrNoticePeriod", func(t *testing.T) {
				status, _, body := get(url, keys[0])
				if status != 409 || !strings.Contains(string(body), "gives the debtor until") {
					t.Fatalf("during the notice period: %d %s", status, body)
				}
			})
			clock.T = time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC)

			t.Run("OK", func(t *testing.T) {
				status, h, pdf := get(url, keys[0])
				if status != 200 || h.Get("Content-Type") != "application/pdf" || !strings.Contains(h.Get("Content-Disposition"), "requete-injonction-FR-B2B-0001.pdf") {
					t.Fatalf("%d %v %s", status, h, pdf)
				}
				if h.Get("X-Content-SHA256") != portal.SHA256Hex(pdf) {
					t.Error("X-Content-SHA256 is not the PDF's hash")
				}
				// A GET makes a draft: named so, marked on every page.
				if h.Get("X-Relais-Draft") != "true" || !strings.Contains(h.Get("Content-Disposition"), "projet-requete-injonction-") {
					t.Errorf("not a draft: %v", h)
				}
				for i, p := range pdftest.Pages(t, pdf) {
					if !strings.Contains(p, court.DraftMark("fr")) {
						t.Errorf("page %d is not marked as a draft:\n%s", i+1, p)
					}
				}
				txt := pdftest.Joined(t, pdf)
				full, err := db.FindClaim(ctx, tenant, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				b, err := rates.Compute(full, portal.MustDate("2024-06-30"))
				if err != nil {
					t.Fatal(err)
				}
				money := func(v int64) string { return strings.ReplaceAll(i18n.Money("fr", v, "EUR"), "\u00a0", " ") }
				for _, want := range []string{
					"REQUÊTE EN INJONCTION DE PAYER", "président du tribunal de commerce dont le ressort comprend Lyon (69002)",
					"SIREN : 552 100 554", "Mandataire : Recouvr'Express", "Dénomination : Dupont Traiteur SARL",
					"réclame la somme de " + money(b.Total) + ", arrêtée au 30 juin 2024",
					"Principal restant dû " + money(b.PrincipalDue), "Intérêts de retard échus au 30 juin 2024 " + money(b.InterestDue),
					"Indemnités forfaitaires pour frais de recouvrement " + money(b.IndemnitiesDue), "Total réclamé " + money(b.Total),
					"au taux de 14,50 % l'an", "Paiements reçus : " + money(20_000),
					"envoyée en recommandé n° 1A00012345678 le 1 juin 2024", "CPC art. 1405, 1°", "BORDEREAU DES PIÈCES",
				} {
					if !strings.Contains(txt, want) {
						t.Errorf("the request lacks %q:\n%s", want, txt)
					}
				}
				if b.Total != b.PrincipalDue+b.InterestDue+b.IndemnitiesDue || b.Paid != 20_000 || b.InterestDue == 0 || b.IndemnitiesDue != 4000 {
					t.Fatalf("balance: %+v", b)
				}

				// The bundle made at the same head: every file of its
				// manifest but the README and the checker is an exhibit
				// with the same SHA-256.
				status, _, zipped := get("/api/v1/claims/"+c.ID+"/evidence.zip", keys[0])
				if status != 200 {
					t.Fatalf("bundle: %d", status)
				}
				m := manifestOf(t, zipped)
				if h.Get("X-Relais-Chain-Head") != m.ChainHead.Hash {
					t.Fatalf("chain head %s, bundle's %s", h.Get("X-Relais-Chain-Head"), m.ChainHead.Hash)
				}
				letterFile := "attachments/letters/" + notice.Filename()
				seen := false
				for _, f := range m.Files {
					if f.Name == evidence.FileReadme || f.Name == evidence.FileVerify {
						continue
					}
					if !strings.Contains(txt, f.Name+" SHA-256 "+f.SHA256) {
						t.Errorf("bundle file %s (%s) not in the bordereau with its hash", f.Name, f.SHA256)
					}
					if f.Name == letterFile {
						seen = f.SHA256 == notice.SHA256
					}
				}
				if !seen {
					t.Errorf("the formal notice %s is not in the bundle with the hash recorded when it was made (%s)", letterFile, notice.SHA256)
				}
				// The registered sending and the payment are cited by their
				// events' hashes.
				evs, err := db.ListEvents(ctx, tenant, c.ID, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range evs {
					if e.Kind == portal.EventLetterSent || e.Kind == portal.EventPaymentRecorded {
						if !strings.Contains(txt, "SHA-256 "+e.Hash) {
							t.Errorf("%s (event %d) not cited with its hash %s", e.Kind, e.Seq, e.Hash)
						}
					}
				}
			})
			t.Run("Bordereau", func(t *testing.T) {
				status, h, pdf := get("/api/v1/claims/"+c.ID+"/court/bordereau.pdf", keys[0])
				if status != 200 || !strings.Contains(h.Get("Content-Disposition"), "bordereau-FR-B2B-0001.pdf") {
					t.Fatalf("%d %v", status, h)
				}
				txt := pdftest.Joined(t, pdf)
				if !strings.Contains(txt, "BORDEREAU DES PIÈCES") || strings.Contains(txt, "REQUÊTE EN INJONCTION") {
					t.Errorf("bordereau alone:\n%s", txt)
				}
			})
			t.Run("FormA", func(t *testing.T) {
				status, _, body := get("/api/v1/claims/"+german.ID+"/court/eu-form-a.json", keys[0])
				var f court.FormA
				if status != 200 || json.Unmarshal(body, &f) != nil {
					t.Fatalf("%d %s", status, body)
				}
				full, _ := db.FindClaim(ctx, tenant, german.ID)
				b, err := rates.Compute(full, portal.MustDate("2024-06-30"))
				if err != nil {
					t.Fatal(err)
				}
				if f.Total != b.Total || f.Total != 109_999 || f.Cross.Defendant != "DE" || f.Parties[1].City != "Berlin" || f.Parties[2].Code != "03" {
					t.Errorf("form A: %s", body)
				}
				status, _, zipped := get("/api/v1/claims/"+german.ID+"/evidence.zip", keys[0])
				if status != 200 {
					t.Fatal(status)
				}
				hashes := map[string]bool{}
				for _, e := range f.Evidence {
					hashes[e.SHA256] = true
				}
				for _, file := range manifestOf(t, zipped).Files {
					if strings.HasPrefix(file.Name, "attachments/") && !hashes[file.SHA256] {
						t.Errorf("bundle file %s not in the evidence of form A", file.Name)
					}
				}
				status, h, pdf := get("/api/v1/claims/"+german.ID+"/court/eu-form-a.pdf", keys[0])
				if status != 200 || !strings.Contains(h.Get("Content-Disposition"), "draft-european-order-form-a-FR-DE-0004.pdf") ||
					!strings.Contains(pdftest.Joined(t, pdf), "Müller Feinkost GmbH") || !strings.Contains(pdftest.Joined(t, pdf), court.DraftMark("en")) {
					t.Fatalf("pdf: %d %v", status, h)
				}
				// The French request is refused for this debtor, and form A
				// for a French one.
				if status, _, body := get("/api/v1/claims/"+german.ID+"/court/fr-injonction.pdf", keys[0]); status != 400 || !strings.Contains(string(body), "European order for payment") {
					t.Errorf("French request for a German debtor: %d %s", status, body)
				}
				if status, _, body := get("/api/v1/claims/"+c.ID+"/court/eu-form-a.json", keys[0]); status != 400 || !strings.Contains(string(body), "like the claimant") {
					t.Errorf("form A for a French debtor: %d %s", status, body)
				}
				if status, _, _ := get("/api/v1/claims/"+german.ID+"/court/eu-form-a.json", keys[1]); status != 404 {
					t.Errorf("another tenant: %d", status)
				}
			})
			t.Run("BelgianFile", func(t *testing.T) {
				status, h, pdf := get("/api/v1/claims/"+belgian.ID+"/court/be-file.pdf", keys[0])
				if status != 200 || !strings.Contains(h.Get("Content-Disposition"), "be-uncontested-BE-B2B-0003.pdf") {
					t.Fatalf("%d %v %s", status, h, pdf)
				}
				txt := pdftest.Joined(t, pdf)
				status, _, zipped := get("/api/v1/claims/"+belgian.ID+"/evidence.zip", keys[0])
				if status != 200 {
					t.Fatal(status)
				}
				for _, f := range manifestOf(t, zipped).Files {
					if f.Name != evidence.FileReadme && f.Name != evidence.FileVerify && !strings.Contains(txt, f.Name+" SHA-256 "+f.SHA256) {
						t.Errorf("bundle file %s not in the Belgian file with its hash", f.Name)
					}
				}
				if !strings.Contains(txt, "DOSSIER DE RECOUVREMENT D'UNE DETTE D'ARGENT NON CONTESTÉE") || !strings.Contains(txt, "recommandé n° BE-RR-9") ||
					!strings.Contains(txt, court.DraftMark("fr")) {
					t.Errorf("Belgian file:\n%s", txt)
				}
				if status, _, body := get("/api/v1/claims/"+c.ID+"/court/be-file.pdf", keys[0]); status != 400 || !strings.Contains(string(body), "Belgian law") {
					t.Errorf("Belgian file of a French claim: %d %s", status, body)
				}
				if status, _, _ := get("/api/v1/claims/"+belgian.ID+"/court/be-file.pdf", keys[1]); status != 404 {
					t.Errorf("another tenant: %d", status)
				}
			})
			t.Run("Offers", func(t *testing.T) {
				offers := func(id string) map[string]court.Offer {
					status, _, body := get("/api/v1/claims/"+id+"/court", keys[0])
					var out struct{ Documents []court.Offer }
					if status != 200 || json.Unmarshal(body, &out) != nil || len(out.Documents) != 3 {
						t.Fatalf("%d %s", status, body)
					}
					m := map[string]court.Offer{}
					for _, o := range out.Documents {
						m[o.Kind] = o
					}
					return m
				}
				if o := offers(c.ID); !o["fr_injonction"].Available || !o["fr_injonction"].Applies || o["eu_form_a"].Applies || o["be_file"].Available {
					t.Errorf("French claim: %+v", o)
				}
				if o := offers(amicable.ID); o["fr_injonction"].Available || !strings.Contains(o["fr_injonction"].Reason, "send the formal notice") {
					t.Errorf("amicable claim: %+v", o)
				}
				if o := offers(german.ID); !o["eu_form_a"].Available || !o["eu_form_a"].Applies || o["fr_injonction"].Applies {
					t.Errorf("German debtor: %+v", o)
				}
				// A Belgian debtor of a French creditor: the Belgian file and
				// the European order both apply.
				if o := offers(belgian.ID); !o["be_file"].Applies || !o["be_file"].Available || !o["eu_form_a"].Applies || o["fr_injonction"].Applies {
					t.Errorf("Belgian debtor: %+v", o)
				}
				if status, _, _ := get("/api/v1/claims/"+c.ID+"/court", keys[1]); status != 404 {
					t.Errorf("another tenant: %d", status)
				}
			})
			t.Run("ErrRefused", func(t *testing.T) {
				for _, tc := range []struct {
					path   string
					status int
					want   string
				}{
					{"/api/v1/claims/" + amicable.ID + "/court/fr-injonction.pdf", 409, "send the formal notice"},
					{"/api/v1/claims/" + amicable.ID + "/court/be-file.pdf", 400, "Belgian law"},
					{"/api/v1/claims/" + belgian.ID + "/court/fr-injonction.pdf", 400, "French procedure"},
					{url + "?consumer_credit=maybe", 400, "consumer_credit must be true or false"},
				} {
					status, _, body := get(tc.path, keys[0])
					if status != tc.status || !strings.Contains(string(body), tc.want) || bytes.HasPrefix(body, []byte("%PDF")) {
						t.Errorf("%s: %d %s", tc.path, status, body)
					}
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				for _, u := range []string{url, "/api/v1/claims/" + c.ID + "/court/bordereau.pdf"} {
					if status, _, body := get(u, keys[1]); status != 404 || bytes.HasPrefix(body, []byte("%PDF")) {
						t.Fatalf("%s from another tenant: %d", u, status)
					}
				}
			})
			t.Run("Console", func(t *testing.T) {
				users, csrf := map[portal.Role]string{}, map[portal.Role]string{}
				for _, role := range []portal.Role{portal.RoleAgent, portal.RoleViewer} {
					u := &portal.User{TenantID: tenant, Email: string(role) + "@recouvr.test", Name: "Ann", Role: role}
					if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
						t.Fatal(err)
					}
					sess, tok, err := db.CreateConsoleSession(ctx, u, time.Hour)
					if err != nil {
						t.Fatal(err)
					}
					users[role], csrf[role] = tok, sess.CSRFToken
				}
				console := func(path, tok string) (int, []byte) {
					req := httptest.NewRequest("GET", path, nil)
					req.AddCookie(&http.Cookie{Name: "relais_console", Value: tok})
					resp, err := s.App().Test(req, -1)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					body, _ := io.ReadAll(resp.Body)
					return resp.StatusCode, body
				}
				// The claim page offers the documents as the manage page does:
				// a form (with the CSRF token) that makes and records each,
				// and previews that are drafts, marked on every page; no link
				// gives an unrecorded final document.
				status, page := console("/console/claims/"+c.ID, users[portal.RoleAgent])
				if status != 200 {
					t.Fatalf("claim page: %d", status)
				}
				for _, doc := range []string{"fr-injonction", "bordereau"} {
					form := `<form method="post" action="/console/claims/` + c.ID + `/court/` + doc + `" class="inline court-record" id="court-record-` + doc + `"><input type="hidden" name="csrf" value="` + csrf[portal.RoleAgent] + `">`
					if !bytes.Contains(page, []byte(form)) {
						t.Errorf("claim page: no form recording %s:\n%s", doc, section(string(page), `<section id="court">`))
					}
				}
				links := regexp.MustCompile(`href="(/console/claims/`+c.ID+`/court/[^"]*)"`).FindAllSubmatch(page, -1)
				if len(links) != 2 {
					t.Errorf("claim page: court links %q, want the two drafts", links)
				}
				for _, l := range links {
					href := html.UnescapeString(string(l[1]))
					if !strings.Contains(href, ".pdf") {
						t.Errorf("claim page links %s", href)
						continue
					}
					status, pdf := console(href, users[portal.RoleAgent])
					if status != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
						t.Fatalf("agent preview %s: %d", href, status)
					}
					for i, p := range pdftest.Pages(t, pdf) {
						if !strings.Contains(p, court.DraftMark("fr")) {
							t.Errorf("%s: page %d is not marked as a draft:\n%s", href, i+1, p)
						}
					}
				}
				if files, _ := db.ClaimFiles(ctx, tenant, c.ID, portal.IsCourtFile); len(files) != 0 {
					t.Errorf("previews recorded %d files", len(files))
				}
				_, page = console("/console/claims/"+amicable.ID, users[portal.RoleAgent])
				if bytes.Contains(page, []byte(`court-record-`)) || !bytes.Contains(page, []byte(`id="court-refused-fr_injonction"`)) {
					t.Errorf("claim at the amicable stage: a court form, or no reason:\n%s", section(string(page), `<section id="court">`))
				}
				if _, page := console("/console/claims/"+c.ID, users[portal.RoleViewer]); bytes.Contains(page, []byte(`court-record-`)) || bytes.Contains(page, []byte(`court-draft`)) {
					t.Error("a viewer is offered court documents")
				}
				if status, _ := console("/console/claims/"+c.ID+"/court/fr-injonction.pdf", users[portal.RoleViewer]); status != 403 {
					t.Errorf("viewer download: %d, want 403", status)
				}
			})
		})
	}
}

func manifestOf(t *testing.T, zipped []byte) evidence.Manifest {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(evidence.FileManifest)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m evidence.Manifest
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// courtEnv is the court documents' fixture: tenant "Recouvr'Express" (an
// agency) and "Beta", each with the creditor Boulangerie Martin SAS and an
// API key; tenant A's French B2B claim c (EUR 1,000 due 2024-01-31, EUR 200
// paid, formal notice sent by registered post on 2024-06-01), an amicable
// one, a Belgian one and one against a Berlin company, both put on notice
// that day. The clock is 2024-06-01.
type courtEnv struct {
	ctx                          context.Context
	clock                        *portal.FixedClock
	db                           *store.DB
	rates                        *rules.Rates
	letters                      *store.LetterStore
	srv                          *server.Server
	keys, tenants                [2]string
	tenant                       string
	c, amicable, belgian, german *portal.Claim
	notice                       *portal.Letter
}

func newCourtEnv(t *testing.T, dialect string) *courtEnv {
	ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorSystem, ID: "test"})
	clock := &portal.FixedClock{T: time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	db.UseRates(rates)
	signer, err := evidence.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	letters := &store.LetterStore{DB: db, Rates: rates}
	bundler := &evidence.Builder{Source: db, Signer: signer, Rates: rates, Version: "test",
		Attachments: []portal.AttachmentSource{db, letters, store.ReminderContent{DB: db}, store.AgreementFiles{DB: db}, store.MandateAnnexes{DB: db}}}
	s := server.New(server.Config{BaseURL: "http://relais.test", Version: "test"}, server.Deps{
		Claims: db, Tenants: db, Events: db, DB: db, Clock: clock, Rates: rates, Evidence: bundler, Letters: letters,
		Escalation: db, Conversations: db, ConsoleSessions: db, Disputes: db, Links: db,
		Negotiation: &negotiation.Service{Store: db, Claims: db, Balance: negotiation.RulesBalance(rates), Clock: clock, Location: negotiation.TenantLocation(db)},
		Court:       &court.Service{Source: db, Bundles: bundler, Letters: letters, Rates: rates, Files: db},
	})

	var keys [2]string
	var tenants [2]string
	for i, name := range []string{"Recouvr'Express", "Beta"} {
		tn := &portal.Tenant{Name: name, Timezone: "Europe/Paris"}
		if err := db.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		tenants[i] = tn.ID
		if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Boulangerie Martin SAS", CompanyNumber: "552 100 554",
			Address: "12 rue de la Paix, 75002 Paris", Country: "FR"}); err != nil {
			t.Fatal(err)
		}
		if _, keys[i], err = db.CreateAPIKey(ctx, tn.ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	tenant := tenants[0]
	newClaim := func(ref string, j portal.Jurisdiction) *portal.Claim {
		c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: j,
			Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont Traiteur SARL", Language: "fr",
				Address: "3 place Bellecour, 69002 Lyon", Postcode: "69002", Country: string(j)},
			Invoices: []*portal.Invoice{{Number: "F-2024-0012", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100_000}}}
		if err := db.CreateClaim(ctx, tenant, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newClaim("FR-B2B-0001", portal.JurisdictionFR)
	amicable := newClaim("FR-B2B-0002", portal.JurisdictionFR)
	belgian := newClaim("BE-B2B-0003", portal.JurisdictionBE)
	if err := db.AddPayment(ctx, tenant, &portal.Payment{ClaimID: c.ID, Amount: 20_000, Currency: "EUR", ReceivedOn: portal.MustDate("2024-05-15"), Method: portal.PaymentTransfer, Reference: "VIR-77"}); err != nil {
		t.Fatal(err)
	}
	notice, err := letters.CreateLetter(ctx, tenant, c.ID, portal.LetterRequest{Kind: portal.LetterFormalNotice, PortalURL: "https://relais.test/p/x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := letters.MarkLetterSent(ctx, tenant, c.ID, notice.ID, portal.LetterSending{Channel: portal.SendRegisteredPost, RegisteredNumber: "1A00012345678", SentOn: portal.MustDate("2024-06-01")}); err != nil {
		t.Fatal(err)
	}

	// A claim against a Berlin company, put on notice the same day.
	german := &portal.Claim{Reference: "FR-DE-0004", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Müller Feinkost GmbH", Language: "de",
			Address: "Invalidenstraße 1, 10115 Berlin", Postcode: "10115", Country: "DE"},
		Invoices: []*portal.Invoice{{Number: "F-2024-0020", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100_000}}}
	if err := db.CreateClaim(ctx, tenant, german); err != nil {
		t.Fatal(err)
	}
	gl, err := letters.CreateLetter(ctx, tenant, german.ID, portal.LetterRequest{Kind: portal.LetterFormalNotice, PortalURL: "https://relais.test/p/y"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := letters.MarkLetterSent(ctx, tenant, german.ID, gl.ID, portal.LetterSending{Channel: portal.SendEmail, SentOn: portal.MustDate("2024-06-01")}); err != nil {
		t.Fatal(err)
	}

	bl, err := letters.CreateLetter(ctx, tenant, belgian.ID, portal.LetterRequest{Kind: portal.LetterFormalNotice, PortalURL: "https://relais.test/p/z"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := letters.MarkLetterSent(ctx, tenant, belgian.ID, bl.ID, portal.LetterSending{Channel: portal.SendRegisteredPost, RegisteredNumber: "BE-RR-9", SentOn: portal.MustDate("2024-06-01")}); err != nil {
		t.Fatal(err)
	}

	return &courtEnv{ctx: ctx, clock: clock, db: db, rates: rates, letters: letters, srv: s, keys: keys, tenants: tenants, tenant: tenant,
		c: c, amicable: amicable, belgian: belgian, german: german, notice: notice}
}

// get sends a GET with key (none when empty).
func (e *courtEnv) get(path, key string) (int, http.Header, []byte) {
	return e.do("GET", path, key)
}

// do sends method on path with key (none when empty).
func (e *courtEnv) do(method, path, key string) (int, http.Header, []byte) {
	req := httptest.NewRequest(method, path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}
