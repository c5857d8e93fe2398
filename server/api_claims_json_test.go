package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// jsonStrings are strings of every kind encoding/json escapes or not:
// every ASCII byte, HTML characters, invalid UTF-8, U+2028 and U+2029,
// accents and an emoji.
var jsonStrings = func() []string {
	var ascii []byte
	for c := 0; c < 0x80; c++ {
		ascii = append(ascii, byte(c))
	}
	return []string{"", "plain", string(ascii), `<a href="x">&amp;</a>`, "bad \xff\xfe utf-8 \xe2\x82", "line\u2028para\u2029end",
		"Débiteur «Zoë» 😀", "tab\tnew\nline\r\\ \"q\"", "\x00\x1f\x7f"}
}()

// fillJSON sets every field of v (a pointer) reachable by encoding/json
// to a value that is not its zero, strings from jsonStrings by seed, and
// lists to two elements: a field the hand encoder forgets shows.
func fillJSON(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillJSON(v.Elem(), seed)
	case reflect.Struct:
		switch x := v.Addr().Interface().(type) {
		case *time.Time:
			*x = time.Date(2024, time.Month(1+seed%12), 1+seed%28, seed%24, 7, 9, seed*1000+7, time.FixedZone("X", 3600*(seed%3-1)))
			return
		case *portal.Date:
			*x = portal.Date{Year: 2020 + seed%5, Month: time.Month(1 + seed%12), Day: 1 + seed%28}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
				fillJSON(v.Field(i), seed+i)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			fillJSON(s.Index(i), seed+i+1)
		}
		v.Set(s)
	case reflect.String:
		v.SetString(jsonStrings[seed%len(jsonStrings)] + fmt.Sprint(seed))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(seed*1000 + 1))
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("fillJSON: " + v.Type().String())
	}
}

// TestClaimPageJSON: the list's page written by hand is json.Marshal's,
// byte for byte, with every field set (a field added to a claim, its
// debtor, invoices, payments or credit notes and not to the encoder
// fails here), none set, nil lists and elements, and every kind of
// string; a claim with a creditor, or a time past year 9999, is left to
// json.Marshal.
func TestClaimPageJSON(t *testing.T) {
	var pages []claimPage
	for seed := 0; seed < 2*len(jsonStrings); seed++ {
		c := &portal.Claim{}
		fillJSON(reflect.ValueOf(c), seed)
		c.Creditor = nil
		pages = append(pages, claimPage{Claims: []*portal.Claim{c}, NextCursor: c.ID})
	}
	zero := &portal.Claim{Debtor: &portal.Debtor{}, Invoices: []*portal.Invoice{{}, nil}, Payments: []*portal.Payment{}, CreditNotes: []*portal.CreditNote{{}}}
	pages = append(pages, claimPage{}, claimPage{Claims: []*portal.Claim{}}, claimPage{Claims: []*portal.Claim{{}, nil, zero}, NextCursor: "x"})
	for i, p := range pages {
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendClaimPage([]byte("x")[:0], p)
		if err != nil || string(got) != string(want) {
			t.Fatalf("page %d (%v):\n%s\njson.Marshal:\n%s", i, err, got, want)
		}
	}
	if !strings.Contains(string(must(json.Marshal(pages[0]))), `"personal_data_erased_at":"2024-`) {
		t.Fatal("the filled claim has no erasure time")
	}
	withCreditor := pages[1]
	withCreditor.Claims[0].Creditor = &portal.Creditor{LegalName: "A SA"}
	late := pages[2]
	late.Claims[0].UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []claimPage{withCreditor, late} {
		want, wantErr := json.Marshal(p)
		got, err := marshalClaimPage(nil, p)
		if string(got) != string(want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("fallback: %s %v\njson.Marshal: %s %v", got, err, want, wantErr)
		}
	}
	if _, err := marshalClaimPage(nil, late); err == nil {
		t.Fatal("a time past 9999 was written")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestClaimListJSONAsMarshal: GET /api/v1/claims answers, page after page
// of a varied data set, the bytes c.JSON(claimPage) answered before, on
// both databases, and only the key's tenant's claims.
func TestClaimListJSONAsMarshal(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			ctx := context.Background()
			for i := 0; i < 7; i++ {
				tenant := e.tenantA
				if i == 6 {
					tenant = e.tenantB
				}
				c := &portal.Claim{Reference: fmt.Sprintf("J-%d <&>", i), Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: []string{`<a href="x">&amp;</a>`, "line\u2028para\u2029end", "Débiteur «Zoë» 😀", "tab\tnew\nline\r\\ \"q\"\x01"}[i%4], Language: "fr", Postcode: "75011", Email: "a@b.fr"},
					Invoices: []*portal.Invoice{
						{Number: "F-2", IssueDate: portal.MustDate("2024-02-01"), DueDate: portal.MustDate("2024-03-01"), Amount: 50000, PaymentReference: "RF18"},
						{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000 + int64(i)},
					}}
				if i%2 == 1 {
					rate := int64(1450)
					c.ContractRateBP = &rate
				}
				if i == 3 {
					c.Jurisdiction, c.Debtor.Kind, c.Debtor.Language, c.Debtor.Postcode = portal.JurisdictionBE, portal.DebtorConsumer, "nl", "1000"
				}
				if err := e.db.CreateClaim(ctx, tenant, c); err != nil {
					t.Fatal(err)
				}
				if i%2 == 0 {
					p := &portal.Payment{ClaimID: c.ID, Amount: 1000, ReceivedOn: portal.MustDate("2024-04-02"), Method: portal.PaymentTransfer, Reference: "VIR <1>", InvoiceID: c.Invoices[1].ID}
					if err := e.db.AddPayment(ctx, tenant, p); err != nil {
						t.Fatal(err)
					}
				}
				if i%3 == 0 {
					n := &portal.CreditNote{ClaimID: c.ID, InvoiceID: c.Invoices[0].ID, Number: "AV-1", IssueDate: portal.MustDate("2024-03-10"), Amount: 700}
					if err := e.db.AddCreditNote(ctx, tenant, n); err != nil {
						t.Fatal(err)
					}
				}
			}
			seen := 0
			for _, key := range []string{e.keyA, e.keyB} {
				tenant := map[string]string{e.keyA: e.tenantA, e.keyB: e.tenantB}[key]
				cursor := ""
				for pages := 0; ; pages++ {
					req := httptest.NewRequest("GET", "/api/v1/claims?limit=4&cursor="+cursor, nil)
					req.Header.Set("Authorization", "Bearer "+key)
					resp, err := e.srv.App().Test(req, -1)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					claims, next, err := e.db.FindClaims(ctx, tenant, portal.ClaimFilter{After: cursor, Limit: 4, WithPayments: true})
					if err != nil {
						t.Fatal(err)
					}
					want := must(json.Marshal(claimPage{Claims: claims, NextCursor: next}))
					if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || string(body) != string(want) {
						t.Fatalf("page %d: %d %s\n%s\nc.JSON:\n%s", pages, resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
					}
					for _, c := range claims {
						if c.TenantID != tenant {
							t.Fatalf("tenant %s lists %s's claim", tenant, c.TenantID)
						}
					}
					seen += len(claims)
					if next == "" {
						break
					}
					cursor = next
				}
			}
			if seen != 7 {
				t.Fatalf("%d claims listed, 7 made", seen)
			}
		})
	}
}

// BenchmarkClaimPageJSON encodes a page of 50 claims, each with its debtor,
// two invoices and a payment, by json.Marshal (c.JSON) and by hand:
//
//	go test ./server -run '^$' -bench ClaimPageJSON -benchmem
func BenchmarkClaimPageJSON(b *testing.B) {
	p := claimPage{NextCursor: "01hzzzzzzzzzzzzzzzzzzzzzzz"}
	at := time.Date(2024, 6, 30, 10, 0, 0, 123456000, time.UTC)
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("01j0000000000000000000%04d", i)
		p.Claims = append(p.Claims, &portal.Claim{ID: id, CreditorID: "01j00000000000000000000cr1", DebtorID: id + "d", Reference: fmt.Sprintf("INV-%06d", i),
			Currency: "EUR", Jurisdiction: portal.JurisdictionFR, IdentityCheck: portal.CheckPostcode, Stage: portal.StageAmicable, Status: portal.StatusOpen,
			FirstReminderOn: portal.MustDate("2024-02-10"), CreatedAt: at, UpdatedAt: at,
			Debtor: &portal.Debtor{ID: id + "d", Kind: portal.DebtorBusiness, Name: "Dupont & Fils SARL", Language: "fr", Address: "12 rue de la Roquette",
				Postcode: "75011", Country: "FR", Email: "compta@dupont.example", CreatedAt: at},
			Invoices: []*portal.Invoice{
				{ID: id + "i1", Number: "F-2024-001", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000, CreatedAt: at},
				{ID: id + "i2", Number: "F-2024-002", IssueDate: portal.MustDate("2024-02-01"), DueDate: portal.MustDate("2024-03-01"), Amount: 50000, CreatedAt: at}},
			Payments:    []*portal.Payment{{ID: id + "p1", ClaimID: id, Amount: 2500, Currency: "EUR", ReceivedOn: portal.MustDate("2024-05-01"), Method: portal.PaymentTransfer, Reference: "VIR 1", CreatedAt: at}},
			CreditNotes: []*portal.CreditNote{}})
	}
	for _, impl := range []struct {
		name string
		enc  func(claimPage) ([]byte, error)
	}{{"json.Marshal", func(p claimPage) ([]byte, error) { return json.Marshal(p) }}, {"by-hand", func(p claimPage) ([]byte, error) {
		buf := claimPageBuffers.Get().(*[]byte)
		b, err := marshalClaimPage((*buf)[:0], p)
		*buf = b[:0]
		claimPageBuffers.Put(buf)
		return b, err
	}}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := impl.enc(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
