package payments_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/store/storetest"
)

// camtEntry is one entry of a generated camt.053 statement.
type camtEntry struct {
	ref, amount, ccy, cd, name, remit, booked string
}

// camt053 writes a minimal camt.053.001.02 statement; a remittance that
// parses as a structured or RF reference goes in <Strd>, else in <Ustrd>.
func camt053(entries ...camtEntry) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>T</MsgId><CreDtTm>2024-06-30T18:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2024-06-30T18:00:00+01:00</CreDtTm><Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ccy>EUR</Ccy></Acct>`)
	for _, e := range entries {
		remit := fmt.Sprintf("<Ustrd>%s</Ustrd>", e.remit)
		if strings.HasPrefix(e.remit, "RF") || (len(e.remit) == 12 && strings.Trim(e.remit, "0123456789") == "") {
			remit = fmt.Sprintf("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>%s</Ref></CdtrRefInf></Strd>", e.remit)
		}
		party := "Dbtr"
		if e.cd == "DBIT" {
			party = "Cdtr"
		}
		fmt.Fprintf(&b, `<Ntry><Amt Ccy="%s">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>%s</Dt></BookgDt><AcctSvcrRef>%s</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><%s><Nm>%s</Nm></%s></RltdPties><RmtInf>%s</RmtInf></TxDtls></NtryDtls></Ntry>`,
			e.ccy, e.amount, e.cd, e.booked, e.ref, party, e.name, party, remit)
	}
	b.WriteString(`</Stmt></BkToCstmrStmt></Document>`)
	return []byte(b.String())
}

func TestImportStatement(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			e.svc.Statements = e.db
			c1 := e.claim
			d1, err := e.transfer(t, e.tenantID, c1.ID)
			if err != nil {
				t.Fatal(err)
			}
			c2 := &portal.Claim{Reference: "R-2", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Jan Peeters", Language: "nl", Postcode: "2000"},
				Invoices: []*portal.Invoice{{Number: "F-9", IssueDate: portal.MustDate("2024-06-01"), DueDate: portal.MustDate("2024-07-31"), Amount: 12345}}}
			if err := e.db.CreateClaim(ctx, e.tenantID, c2); err != nil {
				t.Fatal(err)
			}
			body := camt053(
				camtEntry{"BANK-1", "300.00", "EUR", "CRDT", "PEETERS BV", d1.Reference, "2024-06-29"},
				camtEntry{"BANK-2", "123.45", "EUR", "CRDT", "PEETERS JAN", "invoice F-9", "2024-06-29"},
				camtEntry{"BANK-3", "77.00", "EUR", "CRDT", "SOMEONE ELSE", "gift", "2024-06-29"},
				camtEntry{"BANK-4", "10.00", "EUR", "DBIT", "BANK FEES", "fees", "2024-06-29"},
			)
			st, err := e.svc.ImportStatement(ctx, e.tenantID, payments.FormatCamt053, body)
			if err != nil {
				t.Fatal(err)
			}
			if st.ID == "" || st.Lines != 4 || len(st.Matched) != 1 || len(st.Suggested) != 1 || len(st.Unmatched) != 1 || len(st.Skipped) != 1 {
				t.Fatalf("statement %+v", st)
			}
			if st.Matched[0].ClaimID != c1.ID || st.Matched[0].PaymentID == "" || st.Suggested[0].Candidates[0] != c2.ID {
				t.Fatalf("matched %+v suggested %+v", st.Matched[0], st.Suggested[0])
			}
			got, _ := e.db.FindClaim(ctx, e.tenantID, c1.ID)
			if len(got.Payments) != 1 || got.Payments[0].Amount != 30000 || got.Payments[0].Method != portal.PaymentTransfer || got.Payments[0].ReceivedOn.String() != "2024-06-29" {
				t.Fatalf("payments %+v", got.Payments)
			}
			if k := lastKinds(t, e.db, c1, 2); k[0] != portal.EventStatementMatched || k[1] != portal.EventPaymentRecorded {
				t.Fatalf("events %v", k)
			}
			events := len(lastKinds(t, e.db, c1, 1000))

			t.Run("ImportTwiceNothingNew", func(t *testing.T) {
				again, err := e.svc.ImportStatement(ctx, e.tenantID, payments.FormatCamt053, body)
				if err != nil {
					t.Fatal(err)
				}
				if again.ID != "" || again.Duplicates != 4 || again.Lines != 0 {
					t.Fatalf("second import %+v", again)
				}
				got, _ := e.db.FindClaim(ctx, e.tenantID, c1.ID)
				if len(got.Payments) != 1 || len(lastKinds(t, e.db, c1, 1000)) != events {
					t.Fatal("the second import recorded something")
				}
			})
			t.Run("AcceptSuggestion", func(t *testing.T) {
				l, err := e.svc.AcceptLine(ctx, e.tenantID, st.ID, st.Suggested[0].ID, "")
				if err != nil {
					t.Fatal(err)
				}
				if l.Status != portal.LineAccepted || l.ClaimID != c2.ID || l.PaymentID == "" {
					t.Fatalf("line %+v", l)
				}
				got, _ := e.db.FindClaim(ctx, e.tenantID, c2.ID)
				if len(got.Payments) != 1 || got.Payments[0].Amount != 12345 {
					t.Fatalf("payments %+v", got.Payments)
				}
				if _, err := e.svc.AcceptLine(ctx, e.tenantID, st.ID, st.Suggested[0].ID, ""); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("accepted twice: %v", err)
				}
				if _, err := e.svc.AcceptLine(ctx, e.tenantID, st.ID, st.Unmatched[0].ID, c1.ID[:5]+"zzzzzzzzzzzzzzzzzzzzz"); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("unknown claim: %v", err)
				}
				if _, err := e.svc.AcceptLine(ctx, e.tenantID, st.ID, st.Skipped[0].ID, c1.ID); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("skipped debit accepted: %v", err)
				}
				if _, err := e.svc.AcceptLine(ctx, "01HZZZZZZZZZZZZZZZZZZZZZZZ", st.ID, st.Unmatched[0].ID, c1.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("other tenant: %v", err)
				}
			})
			t.Run("CSV", func(t *testing.T) {
				csv := "date,amount,currency,reference,counterparty_name,counterparty_iban,bank_ref\n" +
					"2024-06-30,50.00,EUR," + d1.Reference + ",Peeters BV,,CSV-1\n"
				st, err := e.svc.ImportStatement(ctx, e.tenantID, payments.FormatCSV, []byte(csv))
				if err != nil || len(st.Matched) != 1 {
					t.Fatalf("%+v %v", st, err)
				}
				if _, err := e.svc.ImportStatement(ctx, e.tenantID, payments.FormatCSV, []byte("date,amount\nnot a date,1\n")); portal.ErrorCode(err) != portal.EINVALID {
					t.Fatalf("bad csv: %v", err)
				}
			})
		})
	}
}
