package stripe

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
)

// FuzzParseEvent feeds correctly signed but arbitrary bodies to the webhook
// parser (the part after the signature check): it must return an event or
// a portal error, never panic, and never an event without an id or type.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		`{"id":"evt_1","object":"event","api_version":"2023-10-16","type":"checkout.session.completed","data":{"object":{"id":"cs_1","object":"checkout.session","amount_total":1000,"currency":"eur","payment_status":"paid","metadata":{"claim_id":"x","tenant_id":"y"}}}}`,
		`{"id":"evt_2","object":"event","api_version":"2023-10-16","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge","amount_refunded":-5}}}`,
		`{"id":"evt_3","object":"event","api_version":"2023-10-16","type":"charge.dispute.created","data":{"object":{}}}`,
		`{"id":"evt_4","object":"event","api_version":"2023-10-16","type":"unknown.type","data":{"object":null}}`,
		`{}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	const secret = "whsec_fuzz"
	f.Fuzz(func(t *testing.T, body []byte) {
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()})
		ev, err := ParseEvent(signed.Payload, signed.Header, secret)
		if err != nil {
			if portal.ErrorCode(err) == portal.EINTERNAL {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if ev == nil || ev.ID == "" {
			t.Fatalf("event without id: %+v", ev)
		}
	})
}
