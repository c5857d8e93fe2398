package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestIdentityCodes: the second factor's codes on both databases. Only a
// hash is stored; a wrong code is counted and the fifth ends the code; an
// expired, replaced or used code is refused; a right code verifies the
// session under a new secret.
func TestIdentityCodes(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn := &portal.Tenant{Name: "T"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "BE"}))
			c := &portal.Claim{Reference: "CODE-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
				Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl", Postcode: "9000", Email: "jan@example.be"},
				Invoices: []*portal.Invoice{{Number: "F", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 1000}}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			_, token, err := db.IssueLink(ctx, tn.ID, c.ID, portal.ChannelEmail, 0)
			noErr(t, err)
			// passed opens the link and passes the identity answer.
			passed := func() (*portal.LinkOpening, string) {
				t.Helper()
				op, err := db.OpenLink(ctx, token)
				noErr(t, err)
				noErr(t, db.PassIdentity(ctx, op.Session.ID, "9000"))
				return op, op.Session.ID
			}
			issue := func(s string) (*portal.IdentityCode, string) {
				t.Helper()
				ic, code, err := db.IssueCode(ctx, s, portal.ChannelEmail, "jan@example.be")
				noErr(t, err)
				return ic, code
			}
			wrongOf := func(code string) string { return string(rune('0'+(code[0]-'0'+1)%10)) + code[1:] }

			t.Run("BeforeIdentity", func(t *testing.T) {
				op, err := db.OpenLink(ctx, token)
				noErr(t, err)
				if _, _, err := db.IssueCode(ctx, op.Session.ID, portal.ChannelEmail, "jan@example.be"); portal.ErrorCode(err) != portal.EFORBIDDEN {
					t.Errorf("code before the identity answer: %v", err)
				}
				if err := db.PassIdentity(ctx, op.Session.ID, "1000"); portal.ErrorCode(err) != portal.EFORBIDDEN {
					t.Errorf("wrong answer: %v", err)
				}
				if _, _, err := db.IssueCode(ctx, op.Session.ID, portal.ChannelEmail, "jan@example.be"); portal.ErrorCode(err) != portal.EFORBIDDEN {
					t.Errorf("code after a wrong answer: %v", err)
				}
			})
			t.Run("OK", func(t *testing.T) {
				op, s := passed()
				ps, err := db.FindSession(ctx, op.Secret)
				noErr(t, err)
				if ps.Verified || !ps.IdentityPassed {
					t.Fatalf("after the answer: verified %v, identity passed %v", ps.Verified, ps.IdentityPassed)
				}
				ic, code := issue(s)
				if len(code) != portal.CodeDigits || ic.Destination != "j***@example.be" || ic.CodeHash == "" || strings.Contains(ic.CodeHash, code) {
					t.Fatalf("code %q, destination %q, hash %q", code, ic.Destination, ic.CodeHash)
				}
				var stored []string
				rows, err := db.SQL().QueryContext(ctx, "SELECT code_hash, destination FROM portal_codes")
				noErr(t, err)
				for rows.Next() {
					var h, d string
					noErr(t, rows.Scan(&h, &d))
					stored = append(stored, h, d)
				}
				rows.Close()
				if all := strings.Join(stored, " "); strings.Contains(all, code) || strings.Contains(all, "jan@") {
					t.Errorf("portal_codes holds the code or the address: %s", all)
				}
				_, err = db.VerifyCode(ctx, s, wrongOf(code))
				var ce *portal.CodeError
				if portal.ErrorCode(err) != portal.EFORBIDDEN || !errors.As(err, &ce) || ce.Left != portal.MaxCodeAttempts-1 {
					t.Fatalf("wrong code: %v", err)
				}
				if got, _ := db.FindCode(ctx, s); got.Attempts != 1 {
					t.Errorf("attempts %d, want 1", got.Attempts)
				}
				secret, err := db.VerifyCode(ctx, s, code[:3]+" "+code[3:])
				noErr(t, err)
				if _, err := db.FindSession(ctx, op.Secret); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
					t.Errorf("the secret before the code still works: %v", err)
				}
				ps, err = db.FindSession(ctx, secret)
				noErr(t, err)
				if !ps.Verified {
					t.Error("the session is not verified after the code")
				}
				if _, err := db.VerifyCode(ctx, s, code); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Errorf("the code used again: %v", err)
				}
				if got, _ := db.FindCode(ctx, s); got.EndReason != portal.CodeUsed || got.Live(clock.Now()) {
					t.Errorf("used code: %+v", got)
				}
			})
			t.Run("ErrReuseInOtherSession", func(t *testing.T) {
				_, s1 := passed()
				_, code := issue(s1)
				_, s2 := passed()
				if _, err := db.VerifyCode(ctx, s2, code); portal.ErrorCode(err) != portal.EGONE {
					t.Errorf("another session's code, none issued here: %v", err)
				}
				if _, own := issue(s2); own == code {
					t.Skip("the two codes drew the same digits")
				}
				if _, err := db.VerifyCode(ctx, s2, code); portal.ErrorCode(err) != portal.EFORBIDDEN {
					t.Errorf("another session's code: %v", err)
				}
			})
			t.Run("ErrExpired", func(t *testing.T) {
				_, s := passed()
				_, code := issue(s)
				clock.Advance(portal.CodeTTL)
				if _, err := db.VerifyCode(ctx, s, code); portal.ErrorCode(err) != portal.EGONE {
					t.Errorf("expired code: %v", err)
				}
			})
			t.Run("ErrReplaced", func(t *testing.T) {
				_, s := passed()
				_, first := issue(s)
				_, second := issue(s)
				if first == second {
					t.Skip("the two codes drew the same digits")
				}
				if _, err := db.VerifyCode(ctx, s, first); portal.ErrorCode(err) != portal.EFORBIDDEN {
					t.Errorf("replaced code: %v", err)
				}
				if _, err := db.VerifyCode(ctx, s, second); err != nil {
					t.Errorf("the newer code: %v", err)
				}
			})
			t.Run("ErrSpent", func(t *testing.T) {
				_, s := passed()
				_, code := issue(s)
				for i := 1; i <= portal.MaxCodeAttempts; i++ {
					_, err := db.VerifyCode(ctx, s, wrongOf(code))
					var ce *portal.CodeError
					if !errors.As(err, &ce) || ce.Left != portal.MaxCodeAttempts-i {
						t.Fatalf("wrong code %d: %v", i, err)
					}
				}
				if _, err := db.VerifyCode(ctx, s, code); portal.ErrorCode(err) != portal.EGONE {
					t.Errorf("the right code after %d wrong ones: %v", portal.MaxCodeAttempts, err)
				}
				if got, _ := db.FindCode(ctx, s); got.EndReason != portal.CodeSpent || got.Attempts != portal.MaxCodeAttempts {
					t.Errorf("spent code: %+v", got)
				}
			})
			t.Run("Events", func(t *testing.T) {
				_, s := passed()
				ic, code := issue(s)
				noErr(t, db.RecordCodeSent(ctx, ic, "<m1@example>", nil))
				noErr(t, db.RecordCodeSent(ctx, ic, "", errors.New("smtp: 451 try later")))
				evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
				noErr(t, err)
				n := map[portal.EventKind]int{}
				for _, ev := range evs {
					n[ev.Kind]++
					if strings.Contains(string(ev.Payload), code) && strings.HasPrefix(string(ev.Kind), "identity.code") {
						t.Errorf("%s holds the code: %s", ev.Kind, ev.Payload)
					}
					if ev.Kind == portal.EventIdentityCodeSent && !strings.Contains(string(ev.Payload), `"destination":"j***@example.be"`) {
						t.Errorf("code_sent payload %s", ev.Payload)
					}
				}
				if n[portal.EventIdentityCodeSent] != 1 || n[portal.EventIdentityCodeUndelivered] != 1 || n[portal.EventIdentityCodePassed] != 2 ||
					n[portal.EventIdentityCodeFailed] != 3+portal.MaxCodeAttempts {
					t.Errorf("events %v", n)
				}
			})
			t.Run("Erased", func(t *testing.T) {
				var before int
				noErr(t, db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM portal_codes").Scan(&before))
				if before == 0 {
					t.Fatal("no code to erase")
				}
				// A settled claim past its retention (five years) is erased.
				if _, err := db.ChangeStatus(ctx, tn.ID, c.ID, portal.StatusChange{To: portal.StatusSettled, Reason: "paid"}); err != nil {
					t.Fatal(err)
				}
				clock.Advance(6 * 366 * 24 * time.Hour)
				if _, err := db.ErasePersonalData(ctx, tn.ID, c.ID, false); err != nil {
					t.Fatal(err)
				}
				var n int
				noErr(t, db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM portal_codes").Scan(&n))
				if n != 0 {
					t.Errorf("%d codes (masked destinations) left after the erasure", n)
				}
			})
		})
	}
}
