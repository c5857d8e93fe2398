package server

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConversationTranscript: the transcript of a conversation with a
// text, an offer outside the policy refused with a reason, an internal
// note and an agent's answer reads back (pdftotext) with every message,
// its time and author, the offer's terms and outcome; the note is left out
// unless an owner asks (an agent asking gets 403); the CSV has one row a
// message with the outcome and defuses formulas; the API serves both, in
// the language asked, and another tenant's key gets 404.
func TestConversationTranscript(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour, je propose un échéancier."})
			debtor.until("text")
			debtor.send(map[string]any{"type": "offer", "id": "d-2", "offer": map[string]any{
				"kind": "plan", "count": 12, "amount": (e.balance + 11) / 12, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
			offer := debtor.until("offer")
			agent := e.agentClient(t, e.agent, convID, 0)
			agent.expect("welcome")
			agent.send(map[string]any{"type": "note", "id": "a-1", "text": "Client connu, vérifier le dossier papier."})
			agent.until("note")
			agent.send(map[string]any{"type": "refuse", "id": "a-2", "offer_id": offer["offer_id"], "reason": "L'échéancier proposé est trop long."})
			agent.until("refuse")
			agent.send(map[string]any{"type": "text", "id": "a-3", "text": "=HYPERLINK(\"http://evil\") six mois au plus"})
			agent.until("text")

			get := func(cookie, auth, path string) (int, http.Header, []byte) {
				t.Helper()
				req, _ := http.NewRequest("GET", e.base+path, nil)
				if cookie != "" {
					req.Header.Set("Cookie", consoleCookie+"="+cookie)
				}
				if auth != "" {
					req.Header.Set("Authorization", "Bearer "+auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header, b
			}
			page := "/console/conversations/" + convID
			st, h, pdf := get(e.cookies[e.agent.ID], "", page+"/transcript.pdf")
			if st != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(h.Get("Content-Disposition"), `attachment; filename="conversation-R-1.pdf"`) {
				t.Fatalf("agent's PDF: %d %v", st, h)
			}
			text := pdftest.Joined(t, pdf)
			mustContain(t, "transcript", text, "Conversation transcript · R-1", "Alpha SAS", "Dupont SARL",
				"#1 · 2024-06-30 10:00:00 UTC · Debtor", "Bonjour, je propose un échéancier.", "Debtor's offer", "plan 12 ×",
				"Outcome: refused by Agent Ann agent on 2024-06-30 10:00:00 UTC", "outside the policy", "“L'échéancier proposé est trop long.”",
				"Offer refused", "Offer #2: plan 12 ×", "Agent Ann agent", "six mois au plus", "internal notes are left out", "Transcript R-1 – page 1/1")
			mustNotContain(t, "transcript", text, "Client connu")
			if st, _, _ := get(e.cookies[e.agent.ID], "", page+"/transcript.pdf?notes=1"); st != 403 {
				t.Fatalf("agent asks for the notes: %d", st)
			}
			if st, _, _ := get(e.cookies[e.viewer.ID], "", page+"/transcript.csv"); st != 200 {
				t.Fatalf("viewer's CSV: %d", st)
			}
			st, h, pdf = get(e.cookies[e.owner.ID], "", page+"/transcript.pdf?notes=1")
			if st != 200 || !strings.Contains(h.Get("Content-Disposition"), "with-notes") {
				t.Fatalf("owner's PDF with notes: %d %v", st, h)
			}
			mustContain(t, "transcript with notes", pdftest.Joined(t, pdf), "Internal note · internal, not seen by the debtor", "Client connu, vérifier le dossier papier.", "internal notes are included")

			st, h, body := get(e.cookies[e.agent.ID], "", page+"/transcript.csv")
			if st != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("CSV: %d %v", st, h)
			}
			rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 5 || strings.Join(rows[0], ",") != "seq,at,author_kind,author,kind,internal,text,offer_id,offer_status,outcome" {
				t.Fatalf("CSV rows: %q", rows)
			}
			if r := rows[2]; r[4] != "offer" || r[7] != offer["offer_id"] || r[8] != "refused" || !strings.HasPrefix(r[9], "refused by Agent Ann agent") || r[1] != "2024-06-30T10:00:00Z" {
				t.Errorf("offer row: %q", r)
			}
			if r := rows[4]; r[6] != "'=HYPERLINK(\"http://evil\") six mois au plus" || r[2] != "user" {
				t.Errorf("agent's text row: %q", r)
			}

			// The API, in French; another tenant's key sees nothing.
			_, keyA, err := e.db.CreateAPIKey(ctx, e.tenantID, "test")
			if err != nil {
				t.Fatal(err)
			}
			api := "/api/v1/claims/" + e.claim.ID + "/conversation"
			st, _, pdf = get("", keyA, api+".pdf?lang=fr")
			if st != 200 {
				t.Fatalf("API PDF: %d %s", st, pdf)
			}
			mustContain(t, "API transcript", pdftest.Joined(t, pdf), "Transcription de la conversation · R-1", "Proposition du débiteur", "refusée par Agent Ann agent", "Bonjour, je propose un échéancier.")
			if st, _, b := get("", keyA, api+".csv?notes=1"); st != 200 || !strings.Contains(string(b), "Client connu") {
				t.Fatalf("API CSV with notes: %d", st)
			}
			if st, _, _ := get("", keyA, api+".pdf?lang=es"); st != 400 {
				t.Fatalf("unknown language: %d", st)
			}
			ownerB := otherTenantOwner(t, e)
			if st, _, _ := get(ownerB.cookie, "", page+"/transcript.pdf"); st != 404 {
				t.Fatalf("other tenant's console: %d", st)
			}
		})
	}
}
