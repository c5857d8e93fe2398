package portal_test

import (
	"testing"
	"time"

	"github.com/relais/relais/portal"
)

// FuzzIdentity checks that normalisation is stable (normalising twice
// changes nothing), that an answer always matches itself once stored, and
// that no input panics.
func FuzzIdentity(f *testing.F) {
	for _, s := range []string{"69002", " 69 002 ", "K-20417", "17/05/1980", "1980-05-17", "", "ÉÈ-ß", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, check := range []portal.IdentityCheck{portal.CheckPostcode, portal.CheckCustomerNumber, portal.CheckInvoiceNumber} {
			n := portal.NormaliseIdentity(check, s)
			if again := portal.NormaliseIdentity(check, n); again != n {
				t.Fatalf("%s: normalise(%q) = %q but normalise(%q) = %q", check, s, n, n, again)
			}
			c := &portal.Claim{IdentityCheck: check, Debtor: &portal.Debtor{Postcode: s, CustomerNumber: s}, Invoices: []*portal.Invoice{{Number: s}}}
			if got := portal.IdentityMatches(c, s); got != (n != "") {
				t.Fatalf("%s: %q matches itself: %v", check, s, got)
			}
		}
		c := &portal.Claim{IdentityCheck: portal.CheckBirthDate, Debtor: &portal.Debtor{BirthDate: portal.MustDate("1980-05-17")}}
		_ = portal.IdentityMatches(c, s)
		_ = portal.AcceptedDocument(s, []byte(s))
		_ = portal.ValidSecret(portal.NormaliseToken(s))
	})
}

func TestAcceptedDocument(t *testing.T) {
	pdf, png, jpeg := []byte("%PDF-1.7\n"), []byte("\x89PNG\r\n\x1a\n...."), []byte("\xff\xd8\xff\xe0....")
	for _, tc := range []struct {
		name    string
		content []byte
		ok      bool
	}{
		{"a.pdf", pdf, true}, {"A.PDF", pdf, true}, {"scan", pdf, true}, {"photo.png", png, true}, {"photo.JPG", jpeg, true},
		{"photo.jpeg", jpeg, true}, {"photo.pdf", png, false}, {"scan.png", pdf, false}, {"x.pdf", []byte("MZ\x90\x00"), false},
		{"x.exe", pdf, true}, {"x.txt", []byte("hello"), false}, {"x.pdf", nil, false},
	} {
		if got := portal.AcceptedDocument(tc.name, tc.content); got != tc.ok {
			t.Errorf("AcceptedDocument(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestIdentityLockoutFor(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 15 * time.Minute, 1: 15 * time.Minute, 2: 30 * time.Minute, 3: time.Hour,
		7: 16 * time.Hour, 8: 24 * time.Hour, 30: 24 * time.Hour} {
		if got := portal.IdentityLockoutFor(n); got != want {
			t.Errorf("IdentityLockoutFor(%d) = %s, want %s", n, got, want)
		}
	}
}
