package negotiation_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// The ways to pay a plan at signing: those of the policy that this claim
// and this server allow, and nothing else.
func TestChoosePay(t *testing.T) {
	be := &portal.Claim{Currency: "EUR", Jurisdiction: portal.JurisdictionBE}
	fr := &portal.Claim{Currency: "EUR", Jurisdiction: portal.JurisdictionFR}
	gbp := &portal.Claim{Currency: "GBP", Jurisdiction: portal.JurisdictionFR}
	all := negotiation.Policy{PayMethods: []string{negotiation.PaySEPADebit, negotiation.PayBancontact, negotiation.PayCard, negotiation.PayTransfer}, DebitNoticeDays: 5}
	for _, tt := range []struct {
		name   string
		p      negotiation.Policy
		c      *portal.Claim
		stripe bool
		want   string
	}{
		{"default", negotiation.Policy{}, fr, true, "card transfer"},
		{"all BE", all, be, true, "sepa_debit bancontact card transfer"},
		{"all FR: no Bancontact", all, fr, true, "sepa_debit card transfer"},
		{"not euro: no SEPA", all, gbp, true, "card transfer"},
		{"no Stripe", all, be, false, "transfer"},
		{"SEPA only, no Stripe: transfer stays", negotiation.Policy{PayMethods: []string{negotiation.PaySEPADebit}}, fr, false, "transfer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.p.SigningMethods(tt.c, tt.stripe), " "); got != tt.want {
				t.Fatalf("methods %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		pc, err := all.ChoosePay(negotiation.PayBancontact, be, true)
		if err != nil || pc.Method != negotiation.MethodSEPADebit || pc.MandateVia != negotiation.PayBancontact || pc.NoticeDays != 5 {
			t.Fatalf("%+v %v", pc, err)
		}
		only := negotiation.Policy{PayMethods: []string{negotiation.PaySEPADebit}}
		pc, err = only.ChoosePay(negotiation.PaySEPADebit, fr, true)
		if err != nil || pc.NoticeDays != 14 {
			t.Fatalf("default notice: %+v %v", pc, err)
		}
	})
	t.Run("EINVALID", func(t *testing.T) {
		for _, way := range []string{negotiation.PayBancontact, "cash", ""} {
			if _, err := all.ChoosePay(way, fr, true); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("%q: %v", way, err)
			}
		}
		for _, p := range []negotiation.Policy{{PayMethods: []string{"cash"}}, {PayMethods: []string{negotiation.PayCard, negotiation.PayCard}}, {DebitNoticeDays: 15}, {DebitNoticeDays: -1}} {
			if err := p.Validate(); portal.ErrorCode(err) != portal.EINVALID {
				t.Errorf("policy %+v: %v", p, err)
			}
		}
	})
}
