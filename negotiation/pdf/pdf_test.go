package pdf_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/negotiation/pdf"
	"github.com/relais/relais/portal"
)

func input(lang string, ack bool) pdf.Input {
	o := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 33334, FirstDate: portal.MustDate("2024-07-15"), Frequency: negotiation.Monthly, Method: negotiation.MethodCard}
	s := negotiation.ScheduleFor(o, 100000)
	s.Currency = "EUR"
	return pdf.Input{
		Agreement: &negotiation.Agreement{ID: "01j1m9cm80apnfewz5j14rnpky", Balance: 100000, Schedule: s},
		Claim: &portal.Claim{Reference: "R-1", Currency: "EUR", Creditor: &portal.Creditor{LegalName: "Société Générale d'Électricité"},
			Debtor: &portal.Debtor{Name: "Müller & Söhne"}},
		Terms: o, Language: lang, SignedAt: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC), Acknowledged: ack,
	}
}

// text inflates the page content streams.
func text(t *testing.T, doc []byte) string {
	var out bytes.Buffer
	re := regexp.MustCompile(`(?s)stream\r?\n(.*?)endstream`)
	for _, m := range re.FindAllSubmatch(doc, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r)
		out.Write(b)
	}
	return out.String()
}

func TestRender(t *testing.T) {
	a, err := pdf.Render(input("fr", true))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pdf.Render(input("fr", true))
	if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Equal(a, b) {
		t.Fatal("not a PDF, or not deterministic (its SHA-256 must identify it)")
	}
	body := text(t, a)
	// cp1252: é is \xe9, ü \xfc; the acknowledgement cites article 2240.
	for _, want := range []string{"Reconnaissance de dette", "article 2240", "333.32 EUR", "2024-09-15", "Soci\xe9t\xe9", "M\xfcller"} {
		if !bytes.Contains([]byte(body), []byte(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	noAck, _ := pdf.Render(input("fr", false))
	if bytes.Contains([]byte(text(t, noAck)), []byte("Reconnaissance de dette")) {
		t.Error("acknowledgement printed without being given")
	}
	de, _ := pdf.Render(input("de", true))
	if !bytes.Contains([]byte(text(t, de)), []byte("Schuldanerkenntnis")) {
		t.Error("German PDF not in German")
	}
}
