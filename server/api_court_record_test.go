package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store/storetest"
)

// recorded is the answer of POST /api/v1/claims/{id}/court/{document}.
type recorded struct {
	File  portal.ClaimFile `json:"file"`
	Event portal.Event     `json:"event"`
}

// TestCourtRecordAPI (issue 23): each court document is made through the
// API, stored as the claim's file and entered in the chain as
// court.document_made with its SHA-256, size, the head its exhibits cite,
// the amounts and the court; downloaded back byte for byte; listed; put in
// the evidence bundle's attachments/court/ with the same hashes, the bundle
// still verifying; another tenant gets 404. Every payload field is in the
// OpenAPI document. On SQLite and PostgreSQL.
func TestCourtRecordAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newCourtEnv(t, dialect)
			e.clock.T = time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC)
			var openapi struct {
				Components struct {
					Schemas map[string]struct {
						Properties map[string]any `json:"properties"`
					} `json:"schemas"`
				} `json:"components"`
			}
			if _, _, body := e.get("/api/openapi.json", ""); json.Unmarshal(body, &openapi) != nil {
				t.Fatal("openapi.json")
			}
			documented := openapi.Components.Schemas["Payload_court_document_made"].Properties

			made := map[string][]recorded{}
			for _, tc := range []struct {
				document, kind string
				claim          *portal.Claim
				court, text    string
			}{
				{"fr-injonction", portal.FileCourtInjonction, e.c, "tribunal_de_commerce", "REQUÊTE EN INJONCTION DE PAYER"},
				{"bordereau", portal.FileCourtBordereau, e.c, "tribunal_de_commerce", "BORDEREAU DES PIÈCES"},
				{"eu-form-a", portal.FileCourtFormA, e.german, "european_order_for_payment", "Müller Feinkost GmbH"},
				{"be-file", portal.FileCourtBEFile, e.belgian, "be_uncontested_b2b", "DOSSIER DE RECOUVREMENT D'UNE DETTE D'ARGENT NON CONTESTÉE"},
			} {
				t.Run(tc.document, func(t *testing.T) {
					head, err := e.db.LastEvent(e.ctx, e.tenant, tc.claim.ID)
					if err != nil {
						t.Fatal(err)
					}
					path := "/api/v1/claims/" + tc.claim.ID + "/court/" + tc.document
					if status, _, _ := e.do("POST", path, e.keys[1]); status != 404 {
						t.Fatalf("another tenant records: %d", status)
					}
					status, h, body := e.do("POST", path, e.keys[0])
					var rec recorded
					if status != 201 || json.Unmarshal(body, &rec) != nil {
						t.Fatalf("%d %s", status, body)
					}
					f := rec.File
					if f.Kind != tc.kind || f.ID == "" || f.ContentType != "application/pdf" || f.Size == 0 || len(f.SHA256) != 64 ||
						h.Get("Location") != "/api/v1/claims/"+tc.claim.ID+"/court/documents/"+f.ID {
						t.Fatalf("file %+v, Location %s", f, h.Get("Location"))
					}
					ev := rec.Event
					if ev.Kind != portal.EventCourtDocumentMade || ev.Seq != head.Seq+1 || ev.PrevHash != head.Hash || ev.Actor.Kind != portal.ActorAPIKey {
						t.Fatalf("event %+v after head %d", ev, head.Seq)
					}
					var p map[string]any
					if err := json.Unmarshal([]byte(ev.Payload), &p); err != nil {
						t.Fatal(err)
					}
					full, err := e.db.FindClaim(e.ctx, e.tenant, tc.claim.ID)
					if err != nil {
						t.Fatal(err)
					}
					b, err := e.rates.Compute(full, portal.MustDate("2024-06-30"))
					if err != nil {
						t.Fatal(err)
					}
					for k, want := range map[string]any{"document": tc.kind, "sha256": f.SHA256, "size": float64(f.Size), "file_id": f.ID,
						"chain_seq": float64(head.Seq), "chain_head": head.Hash, "total": float64(b.Total), "principal_due": float64(b.PrincipalDue),
						"interest_due": float64(b.InterestDue), "indemnities_due": float64(b.IndemnitiesDue), "currency": "EUR", "court": tc.court,
						"interest_to": "2024-06-30"} {
						if p[k] != want {
							t.Errorf("payload %s = %v, want %v", k, p[k], want)
						}
					}
					for k := range p {
						if documented[k] == nil {
							t.Errorf("payload field %q is not in the OpenAPI schema", k)
						}
					}
					if tc.kind == portal.FileCourtInjonction && (p["court_locality"] != "Lyon" || p["court_postcode"] != "69002" || p["consumer_credit"] != false) {
						t.Errorf("the court chosen: %v", p)
					}

					// Downloaded back: the bytes recorded.
					status, h, pdf := e.get(h.Get("Location"), e.keys[0])
					if status != 200 || portal.SHA256Hex(pdf) != f.SHA256 || h.Get("X-Content-SHA256") != f.SHA256 || int64(len(pdf)) != f.Size ||
						!strings.Contains(h.Get("Content-Disposition"), f.Name) {
						t.Fatalf("download: %d %v", status, h)
					}
					if txt := pdftest.Joined(t, pdf); !strings.Contains(txt, tc.text) {
						t.Errorf("the recorded PDF lacks %q", tc.text)
					} else if strings.Contains(txt, "PROJET") || strings.Contains(txt, "DRAFT") || strings.Contains(txt, "ONTWERP") || strings.Contains(f.Name, "projet-") {
						t.Errorf("the recorded PDF %s is marked as a draft", f.Name)
					}
					if status, _, body := e.get("/api/v1/claims/"+tc.claim.ID+"/court/documents/"+f.ID, e.keys[1]); status != 404 || bytes.HasPrefix(body, []byte("%PDF")) {
						t.Errorf("another tenant downloads: %d", status)
					}
					made[tc.claim.ID] = append(made[tc.claim.ID], rec)
				})
			}

			t.Run("ListAndBundle", func(t *testing.T) {
				for _, cl := range []*portal.Claim{e.c, e.german, e.belgian} {
					status, _, body := e.get("/api/v1/claims/"+cl.ID+"/court/documents", e.keys[0])
					var list struct{ Documents []portal.ClaimFile }
					if status != 200 || json.Unmarshal(body, &list) != nil || len(list.Documents) != len(made[cl.ID]) {
						t.Fatalf("%s: %d %s", cl.Reference, status, body)
					}
					for i, f := range list.Documents {
						if f.ID != made[cl.ID][i].File.ID || f.SHA256 != made[cl.ID][i].File.SHA256 {
							t.Errorf("listed %+v, recorded %+v", f, made[cl.ID][i].File)
						}
					}
					if status, _, _ := e.get("/api/v1/claims/"+cl.ID+"/court/documents", e.keys[1]); status != 404 {
						t.Errorf("another tenant lists: %d", status)
					}

					status, _, zipped := e.get("/api/v1/claims/"+cl.ID+"/evidence.zip", e.keys[0])
					if status != 200 {
						t.Fatalf("bundle: %d", status)
					}
					report, err := evidence.VerifyBundle(bytes.NewReader(zipped), int64(len(zipped)))
					if err != nil {
						t.Fatalf("the bundle with court documents does not verify: %v", err)
					}
					zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
					if err != nil {
						t.Fatal(err)
					}
					inZip := map[string][]byte{}
					for _, zf := range zr.File {
						r, _ := zf.Open()
						inZip[zf.Name], _ = io.ReadAll(r)
						r.Close()
					}
					court := map[string]string{} // sha256 -> name, in attachments/court/
					for _, fe := range manifestOf(t, zipped).Files {
						if strings.HasPrefix(fe.Name, "attachments/court/") {
							court[fe.SHA256] = fe.Name
						}
					}
					if len(court) != len(made[cl.ID]) {
						t.Errorf("%s: %d files in attachments/court/, %d recorded", cl.Reference, len(court), len(made[cl.ID]))
					}
					for _, rec := range made[cl.ID] {
						name := court[rec.File.SHA256]
						if name == "" || portal.SHA256Hex(inZip[name]) != rec.File.SHA256 || !strings.Contains(name, strings.ToLower(rec.File.ID)) {
							t.Errorf("recorded %s (%s) is not in the bundle's court/ folder with its hash: %v", rec.File.Name, rec.File.SHA256, court)
						}
					}
					// The dossier lists the document among the files, with its hash.
					if cl == e.c {
						txt := pdftest.Joined(t, inZip[evidence.FileDossier])
						if !strings.Contains(txt, "Document pour le tribunal établi") || !strings.Contains(txt, made[cl.ID][0].File.SHA256) {
							t.Errorf("the dossier does not list the recorded document:\n%s", txt)
						}
					}
					events := 0
					for _, line := range bytes.Split(inZip[evidence.FileEvents], []byte("\n")) {
						if bytes.Contains(line, []byte(`"court.document_made"`)) {
							events++
						}
					}
					if events != len(made[cl.ID]) || report.Head.Seq != made[cl.ID][len(made[cl.ID])-1].Event.Seq {
						t.Errorf("%s: %d court.document_made in events.jsonl, head %d", cl.Reference, events, report.Head.Seq)
					}
				}
			})
			t.Run("IdempotentRetry", func(t *testing.T) {
				post := func() (int, recorded) {
					req := httptest.NewRequest("POST", "/api/v1/claims/"+e.german.ID+"/court/eu-form-a", nil)
					req.Header.Set("Authorization", "Bearer "+e.keys[0])
					req.Header.Set("Idempotency-Key", "form-a-once")
					resp, err := e.srv.App().Test(req, -1)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					var rec recorded
					json.NewDecoder(resp.Body).Decode(&rec)
					return resp.StatusCode, rec
				}
				before, _ := e.db.ClaimFiles(e.ctx, e.tenant, e.german.ID, portal.IsCourtFile)
				s1, r1 := post()
				s2, r2 := post()
				after, _ := e.db.ClaimFiles(e.ctx, e.tenant, e.german.ID, portal.IsCourtFile)
				if s1 != 201 || s2 != 201 || r1.File.ID == "" || r2.File.ID != r1.File.ID || len(after) != len(before)+1 {
					t.Errorf("retry: %d %d, files %s %s, %d then %d recorded", s1, s2, r1.File.ID, r2.File.ID, len(before), len(after))
				}
			})
			t.Run("ErrUnknownDocument", func(t *testing.T) {
				status, _, body := e.do("POST", "/api/v1/claims/"+e.c.ID+"/court/cerfa", e.keys[0])
				if status != 400 || !strings.Contains(string(body), "be-file, bordereau, eu-form-a, fr-injonction") {
					t.Errorf("%d %s", status, body)
				}
				if status, _, _ := e.do("POST", "/api/v1/claims/"+e.c.ID+"/court/cerfa", e.keys[1]); status != 404 {
					t.Errorf("another tenant: %d", status)
				}
			})
		})
	}
}

// TestCourtRefusals (issue 23): a claim that lacks a precondition is
// refused every court document with the reason, by the API (409 with the
// reason in words; reason_code in GET .../court) and by the console (the
// reason in the user's language, French here), and nothing is recorded:
// no formal notice for a French consumer, the notice period running, an
// open dispute, an amicable claim, an invoice not yet due, a Belgian
// consumer without a free first reminder, and an amount that is not liquid
// (a rate not recorded). On SQLite and PostgreSQL.
func TestCourtRefusals(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newCourtEnv(t, dialect)
			newClaim := func(ref string, j portal.Jurisdiction, kind portal.DebtorKind, status portal.Status, notice string, invoices ...*portal.Invoice) *portal.Claim {
				t.Helper()
				d := &portal.Debtor{Kind: kind, Name: "Jeanne Petit", Language: "fr", Address: "3 place Bellecour, 69002 Lyon", Postcode: "69002", Country: string(j)}
				if j == portal.JurisdictionBE {
					d.Address, d.Postcode = "Rue Neuve 1, 1000 Bruxelles", "1000"
				}
				c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: j, Stage: portal.StagePreLitigation, Status: status, Debtor: d,
					Invoices: append([]*portal.Invoice{{Number: ref + "-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 50_000}}, invoices...)}
				if notice != "" {
					c.FormalNoticeOn = portal.MustDate(notice)
				}
				if err := e.db.CreateClaim(e.ctx, e.tenant, c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			consumer := newClaim("FR-C-NONOTICE", portal.JurisdictionFR, portal.DebtorConsumer, portal.StatusOpen, "")
			disputed := newClaim("FR-B2B-DISPUTED", portal.JurisdictionFR, portal.DebtorBusiness, portal.StatusDisputed, "2024-06-01")
			notDue := newClaim("FR-B2B-NOTDUE", portal.JurisdictionFR, portal.DebtorBusiness, portal.StatusOpen, "2024-06-01",
				&portal.Invoice{Number: "LATER", IssueDate: portal.MustDate("2024-06-01"), DueDate: portal.MustDate("2024-12-31"), Amount: 10_000})
			beConsumer := newClaim("BE-C-NOREMINDER", portal.JurisdictionBE, portal.DebtorConsumer, portal.StatusOpen, "2024-06-01")
			readyConsumer := newClaim("FR-C-READY", portal.JurisdictionFR, portal.DebtorConsumer, portal.StatusOpen, "2024-06-01")

			// An agent of the tenant, in French.
			u := &portal.User{TenantID: e.tenant, Email: "agent@recouvr.test", Name: "Ann", Role: portal.RoleAgent, Language: "fr"}
			if err := e.db.CreateUser(e.ctx, u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			sess, tok, err := e.db.CreateConsoleSession(e.ctx, u, 3*365*24*time.Hour) // the clock moves to 2026
			if err != nil {
				t.Fatal(err)
			}
			console := func(method, path string, form url.Values) (int, string) {
				t.Helper()
				req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
				if form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				req.AddCookie(&http.Cookie{Name: "relais_console", Value: tok})
				resp, err := e.srv.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}

			for _, tc := range []struct {
				name     string
				day      string
				claim    *portal.Claim
				document string
				offer    string
				reason   string
				api, fr  string
			}{
				{"NoFormalNoticeFrenchConsumer", "2024-06-30", consumer, "fr-injonction", "fr_injonction", court.ReasonNoFormalNotice,
					"No formal notice is recorded", "aucune mise en demeure n'est enregistrée"},
				{"NoticePeriod", "2024-06-05", e.c, "fr-injonction", "fr_injonction", court.ReasonNoticeRunning,
					"gives the debtor until 2024-06-09", "laisse au débiteur jusqu'au 9 juin 2024"},
				{"OpenDispute", "2024-06-30", disputed, "bordereau", "fr_injonction", court.ReasonDisputed,
					"The claim is disputed", "la créance est contestée"},
				{"Amicable", "2024-06-30", e.amicable, "fr-injonction", "fr_injonction", court.ReasonAmicable,
					"send the formal notice", "envoyez d'abord la mise en demeure"},
				{"NotDue", "2024-06-30", notDue, "fr-injonction", "fr_injonction", court.ReasonNotDue,
					"Invoice LATER falls due on 2024-12-31", "la facture LATER n'échoit que le 31 décembre 2024"},
				{"BelgianConsumerFirstReminder", "2024-06-30", beConsumer, "be-file", "be_file", court.ReasonFirstReminder,
					"No free first reminder is recorded", "aucun premier rappel gratuit n'est enregistré"},
				// No rate is recorded for the second half of 2026.
				{"NotLiquid", "2026-08-15", e.c, "fr-injonction", "fr_injonction", court.ReasonNotLiquid,
					"The amount is not liquid today: the fr_b2b rate from 2026-07-01 is not recorded", "le montant n'est pas liquide aujourd'hui : le taux fr_b2b à partir du 1er juillet 2026"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.clock.T = portal.MustDate(tc.day).Time().Add(9 * time.Hour)
					head, err := e.db.LastEvent(e.ctx, e.tenant, tc.claim.ID)
					if err != nil {
						t.Fatal(err)
					}
					status, _, body := e.do("POST", "/api/v1/claims/"+tc.claim.ID+"/court/"+tc.document, e.keys[0])
					if status != 409 || !strings.Contains(string(body), tc.api) || !strings.Contains(string(body), `"reason":"`+tc.reason+`"`) {
						t.Errorf("POST: %d %s, want 409 with %q", status, body, tc.api)
					}
					_, _, body = e.get("/api/v1/claims/"+tc.claim.ID+"/court", e.keys[0])
					var offers struct{ Documents []court.Offer }
					if err := json.Unmarshal(body, &offers); err != nil {
						t.Fatal(err)
					}
					for _, o := range offers.Documents {
						if o.Kind == tc.offer && (o.Available || o.ReasonCode != tc.reason || !strings.Contains(o.Reason, tc.api)) {
							t.Errorf("offer %+v, want reason %s", o, tc.reason)
						}
					}

					// The console: no button, the reason in French; a forced
					// POST is refused with it.
					status, page := console("GET", "/console/claims/"+tc.claim.ID+"/manage", nil)
					page = strings.ReplaceAll(page, "\u00a0", " ") // dates keep their day and month together
					if status != 200 || strings.Contains(page, `id="court-record-`+tc.document+`"`) || !strings.Contains(page, `id="court-refused-`+tc.offer+`"`) ||
						!strings.Contains(page, htmlEscaped(tc.fr)) {
						t.Errorf("manage page: %d, want the refusal %q in the court section:\n%s", status, tc.fr, section(page, `<section id="court">`))
					}
					status, page = console("POST", "/console/claims/"+tc.claim.ID+"/court/"+tc.document, url.Values{"csrf": {sess.CSRFToken}})
					page = strings.ReplaceAll(page, "\u00a0", " ")
					if status != 409 || !strings.Contains(page, htmlEscaped(tc.fr)) {
						t.Errorf("console POST: %d, want 409 with %q:\n%s", status, tc.fr, section(page, `<section id="court">`))
					}
					if after, _ := e.db.LastEvent(e.ctx, e.tenant, tc.claim.ID); after.Seq != head.Seq {
						t.Errorf("a refusal appended event %d (%s)", after.Seq, after.Kind)
					}
					if files, err := e.db.ClaimFiles(e.ctx, e.tenant, tc.claim.ID, portal.IsCourtFile); err != nil || len(files) != 0 {
						t.Errorf("a refusal stored %d files (%v)", len(files), err)
					}
				})
			}

			t.Run("ConsoleRecords", func(t *testing.T) {
				e.clock.T = time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC)
				status, page := console("GET", "/console/claims/"+e.c.ID+"/manage", nil)
				if status != 200 || !strings.Contains(page, `id="court-record-fr-injonction"`) || !strings.Contains(page, `id="court-record-bordereau"`) {
					t.Fatalf("no court buttons: %d\n%s", status, section(page, `<section id="court">`))
				}
				if status, _ := console("POST", "/console/claims/"+e.c.ID+"/court/fr-injonction", url.Values{}); status != 403 {
					t.Errorf("without CSRF: %d, want 403", status)
				}
				status, _ = console("POST", "/console/claims/"+e.c.ID+"/court/fr-injonction", url.Values{"csrf": {sess.CSRFToken}})
				if status != 303 {
					t.Fatalf("record: %d", status)
				}
				files, err := e.db.ClaimFiles(e.ctx, e.tenant, e.c.ID, portal.IsCourtFile)
				if err != nil || len(files) != 1 || files[0].Kind != portal.FileCourtInjonction {
					t.Fatalf("files %v %v", files, err)
				}
				last, _ := e.db.LastEvent(e.ctx, e.tenant, e.c.ID)
				if last.Kind != portal.EventCourtDocumentMade || last.Actor.Kind != portal.ActorUser || last.Actor.ID != u.ID || !strings.Contains(last.Payload, files[0].SHA256) {
					t.Errorf("event %+v", last)
				}
				_, page = console("GET", "/console/claims/"+e.c.ID+"/manage?done=court", nil)
				if !strings.Contains(page, `href="/console/claims/`+e.c.ID+`/court/documents/`+files[0].ID+`"`) || !strings.Contains(page, files[0].SHA256) ||
					!strings.Contains(page, "enregistré comme preuve") {
					t.Errorf("the recorded document is not listed:\n%s", section(page, `<section id="court">`))
				}
				status, pdf := console("GET", "/console/claims/"+e.c.ID+"/court/documents/"+files[0].ID, nil)
				if status != 200 || portal.SHA256Hex([]byte(pdf)) != files[0].SHA256 {
					t.Errorf("download: %d", status)
				}

				// A consumer credit claim goes to the juge des contentieux de
				// la protection when the box is ticked.
				_, page = console("GET", "/console/claims/"+readyConsumer.ID+"/manage", nil)
				if !strings.Contains(page, `name="consumer_credit"`) {
					t.Errorf("no consumer credit box for a consumer claim:\n%s", section(page, `<section id="court">`))
				}
				status, _ = console("POST", "/console/claims/"+readyConsumer.ID+"/court/fr-injonction", url.Values{"csrf": {sess.CSRFToken}, "consumer_credit": {"true"}})
				last, _ = e.db.LastEvent(e.ctx, e.tenant, readyConsumer.ID)
				if status != 303 || last.Kind != portal.EventCourtDocumentMade || !strings.Contains(last.Payload, `"court":"juge_contentieux_protection"`) || !strings.Contains(last.Payload, `"consumer_credit":true`) {
					t.Errorf("consumer credit: %d %s", status, last.Payload)
				}
			})
		})
	}
}

// htmlEscaped is s as html/template writes it in text.
func htmlEscaped(s string) string {
	return strings.NewReplacer("'", "&#39;", "\"", "&#34;").Replace(s)
}

// section is the part of page from marker, for failure messages.
func section(page, marker string) string {
	if i := strings.Index(page, marker); i >= 0 {
		page = page[i:]
	}
	if len(page) > 3000 {
		page = page[:3000]
	}
	return page
}
