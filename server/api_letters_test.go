package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store/storetest"
)

// pdfText returns the text shown in a PDF's content streams (the embedded
// font's UTF-16 strings, pdftest.Strings), non-breaking spaces as spaces,
// whitespace collapsed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(strings.ReplaceAll(pdftest.Strings(pdf), "\u00a0", " ")), " ")
}

type letterJSON struct {
	ID, ClaimID, Kind, Language, SHA256 string
	PrintSHA256                         string `json:"print_sha256"`
	LetterDate                          string `json:"letter_date"`
	PayBy                               string `json:"pay_by"`
	LinkID                              string `json:"link_id"`
	PortalURL                           string `json:"portal_url"`
	Total                               int64
	SentOn                              string `json:"sent_on"`
	SentBy                              string `json:"sent_by"`
	RegisteredNumber                    string `json:"registered_number"`
}

func (f *escFixture) get(path string) (int, []byte, map[string]string) {
	f.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+f.key)
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	h := map[string]string{}
	for k := range resp.Header {
		h[k] = resp.Header.Get(k)
	}
	return resp.StatusCode, b, h
}

func TestLettersAPI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			f := newEscFixture(t, dialect)
			ctx := context.Background()
			c := f.claim("LT-1", portal.JurisdictionFR, portal.DebtorBusiness, "fr")
			base := "/api/v1/claims/" + c.ID + "/letters"

			// A French agency's formal notice, with a fresh letter link.
			code, b := f.do("POST", base, map[string]any{"kind": "formal_notice", "agency": map[string]any{"address": "8 quai de Saône, 69002 Lyon"}})
			if code != 201 {
				t.Fatalf("create: %d %s", code, b)
			}
			l := decode[letterJSON](t, b)
			if len(l.SHA256) != 64 || l.Kind != "formal_notice" || l.Language != "fr" || l.LetterDate != "2024-06-30" ||
				l.PayBy != "2024-07-08" || l.Total != 109999 || l.LinkID == "" || !strings.HasPrefix(l.PortalURL, "https://relais.example/p/") {
				t.Fatalf("letter: %s", b)
			}

			code, pdf, h := f.get(base + "/" + l.ID + ".pdf")
			// The copy to print, with the working link, until it is sent.
			if code != 200 || h["Content-Type"] != "application/pdf" || portal.SHA256Hex(pdf) != l.PrintSHA256 ||
				h["Content-Disposition"] != `attachment; filename="2024-06-30-formal_notice-`+l.ID+`.pdf"` {
				t.Fatalf("download: %d %v sha %s", code, h, portal.SHA256Hex(pdf))
			}
			txt := pdfText(t, pdf)
			for _, want := range []string{"LT-1", "1 099,99 €", "59,99 €", "40,00 €", l.PortalURL, "Recouvra SAS", "8 quai de Saône",
				"Boulangerie Martin SARL", "R124-4", "débiteur de mauvaise foi", "au plus tard le 8 juillet 2024"} {
				if !strings.Contains(txt, want) {
					t.Errorf("the PDF lacks %q", want)
				}
			}
			if t.Failed() {
				t.Fatalf("text: %s", txt)
			}
			evs, _ := f.db.ListEvents(ctx, f.tenant.ID, c.ID, 0, 0)
			var gen map[string]any
			for _, e := range evs {
				if e.Kind == portal.EventLetterGenerated {
					json.Unmarshal([]byte(e.Payload), &gen)
				}
				if strings.Contains(e.Payload, strings.TrimPrefix(l.PortalURL, "https://relais.example/p/")) {
					t.Fatalf("the link's token is in event %s", e.Kind)
				}
			}
			if gen["sha256"] != l.SHA256 || gen["letter_id"] != l.ID {
				t.Fatalf("letter.generated: %v", gen)
			}

			t.Run("SentRefused", func(t *testing.T) {
				for _, tt := range []struct {
					body  map[string]any
					field string
				}{
					{map[string]any{"channel": "registered_post", "sent_on": "2024-06-30"}, "registered_number"},
					{map[string]any{"channel": "pigeon", "sent_on": "2024-06-30"}, "channel"},
					{map[string]any{"channel": "post", "sent_on": "2024-07-01"}, "sent_on"},
					{map[string]any{"channel": "post"}, "sent_on"},
					{map[string]any{"channel": "post", "sent_on": "2024-06-29"}, "sent_on"},
				} {
					code, b := f.do("POST", base+"/"+l.ID+"/sent", tt.body)
					if e := decode[apiErr](t, b); code != 400 || e.Error.Field != tt.field {
						t.Errorf("%v: %d %s", tt.body, code, b)
					}
				}
				if got, _ := f.db.FindClaim(ctx, f.tenant.ID, c.ID); got.Stage != portal.StageAmicable {
					t.Fatalf("a refused sending moved the claim to %s", got.Stage)
				}
			})

			t.Run("SentMovesStage", func(t *testing.T) {
				code, b := f.do("POST", base+"/"+l.ID+"/sent", map[string]any{"channel": "registered_post", "registered_number": "1A 123 456 7890 1", "sent_on": "2024-06-30"})
				sent := decode[letterJSON](t, b)
				if code != 200 || sent.SentBy != "registered_post" || sent.RegisteredNumber != "1A 123 456 7890 1" || sent.SentOn != "2024-06-30" {
					t.Fatalf("sent: %d %s", code, b)
				}
				got, _ := f.db.FindClaim(ctx, f.tenant.ID, c.ID)
				if got.Stage != portal.StageFormalNotice || got.FormalNoticeOn != portal.MustDate("2024-06-30") {
					t.Fatalf("claim after the notice: %s %s", got.Stage, got.FormalNoticeOn)
				}
				evs, _ := f.db.ListEvents(ctx, f.tenant.ID, c.ID, 0, 0)
				n := len(evs)
				var sentP, stageP map[string]any
				json.Unmarshal([]byte(evs[n-2].Payload), &sentP)
				json.Unmarshal([]byte(evs[n-1].Payload), &stageP)
				if evs[n-2].Kind != portal.EventLetterSent || sentP["registered_number"] != "1A 123 456 7890 1" || sentP["sha256"] != l.SHA256 ||
					evs[n-1].Kind != portal.EventStageChanged || stageP["to"] != "formal_notice" || stageP["letter_id"] != l.ID ||
					!strings.Contains(stageP["reason"].(string), "registered post") {
					t.Fatalf("events: %s %s / %s %s", evs[n-2].Kind, evs[n-2].Payload, evs[n-1].Kind, evs[n-1].Payload)
				}
				code, b = f.do("POST", base+"/"+l.ID+"/sent", map[string]any{"channel": "post", "sent_on": "2024-06-30"})
				if code != 409 || !strings.Contains(string(b), "already recorded as sent") {
					t.Fatalf("sent twice: %d %s", code, b)
				}
				code, b, _ = f.get(base)
				var list struct{ Letters []letterJSON }
				json.Unmarshal(b, &list)
				if code != 200 || len(list.Letters) != 1 || list.Letters[0].SentBy != "registered_post" || list.Letters[0].PortalURL != "" {
					t.Fatalf("list: %d %s", code, b)
				}
			})

			t.Run("Attachments", func(t *testing.T) {
				// The evidence bundle reads letters through LetterStore's
				// attachment source, under LetterFiles' names.
				atts, err := f.lt.Attachments(ctx, f.tenant.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				files, err := f.lt.LetterFiles(ctx, f.tenant.ID, c.ID)
				if err != nil || len(files) != 1 || files[0].Name != "letters/2024-06-30-formal_notice-"+l.ID+".pdf" ||
					files[0].SHA256 != l.SHA256 || portal.SHA256Hex(files[0].Data) != l.SHA256 {
					t.Fatalf("letter files: %v %+v", err, files)
				}
				found := false
				for _, a := range atts {
					if a.Name != files[0].Name {
						continue
					}
					found = true
					rc, err := a.Open()
					if err != nil {
						t.Fatal(err)
					}
					data, _ := io.ReadAll(rc)
					rc.Close()
					if a.SHA256 != l.SHA256 || portal.SHA256Hex(data) != l.SHA256 {
						t.Fatalf("attachment %s: sha %s", a.Name, a.SHA256)
					}
				}
				if !found {
					t.Fatalf("the letter is not among the claim's attachments: %+v", atts)
				}
			})

			t.Run("BelgianConsumerReminder", func(t *testing.T) {
				bc := f.claim("LT-BE", portal.JurisdictionBE, portal.DebtorConsumer, "nl")
				bbase := "/api/v1/claims/" + bc.ID + "/letters"
				var shas []string
				for i := 0; i < 2; i++ {
					code, b := f.do("POST", bbase, map[string]any{"kind": "reminder", "portal_url": "https://pay.example/p/abc"})
					r := decode[letterJSON](t, b)
					if code != 201 || r.LinkID != "" || r.PortalURL != "https://pay.example/p/abc" || r.Total != 100000 || r.PayBy != "2024-07-17" {
						t.Fatalf("BE reminder: %d %s", code, b)
					}
					shas = append(shas, r.SHA256)
				}
				// Same claim, same day, same link: the same bytes.
				if shas[0] != shas[1] {
					t.Fatalf("two identical letters differ: %v", shas)
				}
				code, b := f.do("GET", bbase, nil)
				var list struct{ Letters []letterJSON }
				json.Unmarshal(b, &list)
				first := list.Letters[0].ID
				_, pdf, _ := f.get(bbase + "/" + first + ".pdf")
				txt := pdfText(t, pdf)
				for _, want := range []string{"Betalingsherinnering", "€ 1.000,00", "Deze eerste herinnering is kosteloos", "uiterlijk op 17 juli 2024", "https://pay.example/p/abc", "LT-BE"} {
					if !strings.Contains(txt, want) {
						t.Errorf("BE reminder lacks %q", want)
					}
				}
				code, b = f.do("POST", bbase+"/"+first+"/sent", map[string]any{"channel": "email", "sent_on": "2024-06-30"})
				if code != 200 {
					t.Fatalf("%d %s", code, b)
				}
				got, _ := f.db.FindClaim(ctx, f.tenant.ID, bc.ID)
				if got.Stage != portal.StageAmicable || got.FirstReminderOn != portal.MustDate("2024-06-30") || got.FirstReminderChannel != "email" {
					t.Fatalf("after the first reminder: %s %s %s", got.Stage, got.FirstReminderOn, got.FirstReminderChannel)
				}
			})

			t.Run("Refused", func(t *testing.T) {
				dc := f.claim("LT-D", portal.JurisdictionFR, portal.DebtorBusiness, "en")
				if _, err := f.db.ChangeStatus(ctx, f.tenant.ID, dc.ID, portal.StatusChange{To: portal.StatusDisputed, Reason: "contested"}); err != nil {
					t.Fatal(err)
				}
				code, b := f.do("POST", "/api/v1/claims/"+dc.ID+"/letters", map[string]any{"kind": "formal_notice"})
				if code != 409 || !strings.Contains(string(b), "cannot escalate a disputed claim") {
					t.Fatalf("formal notice on a disputed claim: %d %s", code, b)
				}
				code, b = f.do("POST", "/api/v1/claims/"+dc.ID+"/letters", map[string]any{"kind": "reminder"})
				if code != 409 || !strings.Contains(string(b), "reminders are paused while the claim is disputed") {
					t.Fatalf("reminder on a disputed claim: %d %s", code, b)
				}
				code, b = f.do("POST", base, map[string]any{"kind": "summons"})
				if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "kind" {
					t.Fatalf("unknown kind: %d %s", code, b)
				}
				code, b = f.do("POST", base, map[string]any{"kind": "reminder", "portal_url": "javascript:alert(1)"})
				if e := decode[apiErr](t, b); code != 400 || e.Error.Field != "portal_url" {
					t.Fatalf("bad url: %d %s", code, b)
				}
				// A letter is only found under its own claim.
				if code, _, _ := f.get("/api/v1/claims/" + dc.ID + "/letters/" + l.ID + ".pdf"); code != 404 {
					t.Fatalf("letter under another claim: %d", code)
				}
				if code, _, _ := f.get(base + "/01j0000000000000000000000a.pdf"); code != 404 {
					t.Fatalf("unknown letter: %d", code)
				}
			})
		})
	}
}
