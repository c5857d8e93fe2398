package server

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/relais/relais/portal"
)

// FuzzChatFrame decodes arbitrary websocket frames the way handleFrame
// does and validates any offer: no panic, and an accepted offer never has
// a non-positive or overflowing total.
func FuzzChatFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"text","id":"c1","text":"Bonjour"}`,
		`{"type":"offer","id":"c2","offer":{"kind":"plan","count":6,"amount":5000,"first_date":"2026-12-01","frequency":"monthly","method":"card"}}`,
		`{"type":"offer","id":"c3","offer":{"kind":"settlement","amount":9223372036854775807}}`,
		`{"type":"offer","offer":{"kind":"plan","count":-1,"amount":-5}}`,
		`{"type":"accept","offer_id":"x"}`, `{"type":`, `[]`, `{"type":"text","extra":1}`,
	} {
		f.Add([]byte(s))
	}
	today := portal.MustDate("2026-11-25")
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr clientFrame
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fr); err != nil {
			frameDecodeError(err) // must classify any decoding error
			return
		}
		if dec.Decode(new(json.RawMessage)) != io.EOF {
			return
		}
		if fr.Offer == nil {
			return
		}
		const balance = 1_000_000
		if err := fr.Offer.Validate(today, balance); err != nil {
			return
		}
		if total := fr.Offer.Total(balance); total <= 0 || total > portal.MaxAmount*1000 {
			t.Fatalf("accepted offer with total %d: %s", total, data)
		}
	})
}
