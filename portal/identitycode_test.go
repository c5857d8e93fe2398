package portal_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/relais/relais/portal"
)

func TestCodeChannel(t *testing.T) {
	consumer := &portal.Debtor{Kind: portal.DebtorConsumer, Email: "jan@example.be", Phone: "+32470123456"}
	business := &portal.Debtor{Kind: portal.DebtorBusiness, Email: "info@hoek.example", Phone: "+32470123456"}
	phoneOnly := &portal.Debtor{Kind: portal.DebtorConsumer, Phone: "+32470123456"}
	none := &portal.Debtor{Kind: portal.DebtorConsumer}
	erased := time.Now()
	for _, tc := range []struct {
		name       string
		claim      *portal.Claim
		policy     string
		email, sms bool
		want       portal.LinkChannel
		wantTo     string
	}{
		{"ConsumerEmail", &portal.Claim{Debtor: consumer}, "", true, true, portal.ChannelEmail, "jan@example.be"},
		{"ConsumerNoSMTP", &portal.Claim{Debtor: consumer}, "", false, true, portal.ChannelSMS, "+32470123456"},
		{"ConsumerNoChannel", &portal.Claim{Debtor: consumer}, portal.SecondFactorConsumer, false, false, "", ""},
		{"PhoneOnlyNoSMS", &portal.Claim{Debtor: phoneOnly}, "", true, false, "", ""},
		{"NoContact", &portal.Claim{Debtor: none}, "", true, true, "", ""},
		{"Business", &portal.Claim{Debtor: business}, "", true, true, "", ""},
		{"BusinessAll", &portal.Claim{Debtor: business}, portal.SecondFactorAll, true, true, portal.ChannelEmail, "info@hoek.example"},
		{"Off", &portal.Claim{Debtor: consumer}, portal.SecondFactorOff, true, true, "", ""},
		{"Erased", &portal.Claim{Debtor: consumer, PersonalDataErasedAt: &erased}, "", true, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, to := portal.CodeChannel(tc.claim, tc.policy, tc.email, tc.sms)
			if ch != tc.want || to != tc.wantTo {
				t.Errorf("got %q %q, want %q %q", ch, to, tc.want, tc.wantTo)
			}
		})
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c := portal.NewCode()
		if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(c) {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Errorf("only %d different codes in 200", len(seen))
	}
	for in, want := range map[string]string{"123456": "123456", " 123 456 ": "123456", "123-456": "123456", "12345": "", "1234567": "", "12345a": "", "": ""} {
		if got := portal.NormaliseCode(in); got != want {
			t.Errorf("NormaliseCode(%q) = %q, want %q", in, got, want)
		}
	}
	h := portal.HashCode("id1", "123456")
	if h == portal.HashCode("id2", "123456") {
		t.Error("the hash does not depend on the code's id")
	}
	if !portal.CodeMatches("id1", h, "123 456") || portal.CodeMatches("id1", h, "123457") || portal.CodeMatches("id1", portal.HashCode("id1", ""), "") {
		t.Error("CodeMatches")
	}
	if got := portal.MaskEmail("jan.peeters@example.be"); got != "j***@example.be" {
		t.Errorf("MaskEmail: %q", got)
	}
	if got := portal.MaskPhone("+32470123456"); got != "+32 *** ** 56" {
		t.Errorf("MaskPhone: %q", got)
	}
}
