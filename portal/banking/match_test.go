package banking_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

func TestMatchLines(t *testing.T) {
	claims := []banking.OpenClaim{
		{ClaimID: "c1", Reference: "+++090/9337/55493+++", Balance: 12550, Currency: "EUR", DebtorName: "Jean Dupont"},
		{ClaimID: "c2", Reference: "RF18 5390 0754 7034", Balance: 50000, Currency: "EUR", DebtorName: "Müller GmbH"},
		{ClaimID: "c3", Reference: "+++000/0000/01212+++", Balance: 4210, Currency: "EUR", DebtorName: "Les Jardins de Lea SARL"},
		{ClaimID: "c4", Reference: "RF45G72UUR", Balance: 4210, Currency: "EUR", DebtorName: "Pierre Martin"},
		{ClaimID: "c5", Reference: "INV-2024/077", Balance: 990, Currency: "EUR", DebtorName: "Alpha BV"},
		{ClaimID: "c6", Reference: "RF712348231", Balance: 4210, Currency: "EUR", DebtorName: "Jardins Léa"},
		{ClaimID: "c7", Reference: "RF18000000000539007547034", Balance: 4210, Currency: "GBP", DebtorName: "Les Jardins de Léa"},
	}

	t.Run("Sample", func(t *testing.T) {
		lines, err := banking.ParseCamt053(bytes.NewReader(mustOpen(t, "camt053.xml")))
		if err != nil {
			t.Fatal(err)
		}
		got := banking.MatchLines(lines, claims)
		want := []banking.Match{
			{Line: 0, Kind: banking.MatchExact, ClaimIDs: []string{"c1"}},
			{Line: 1, Kind: banking.MatchExact, ClaimIDs: []string{"c2"}},
			{Line: 2, Kind: banking.MatchNear, ClaimIDs: []string{"c3", "c6"}},
			{Line: 3, Kind: banking.MatchSkipped},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})

	credit := func(ref, name string, amount int64) banking.StatementLine {
		return banking.StatementLine{BankRef: "x", BookedOn: portal.MustDate("2024-01-02"), Amount: amount, Currency: "EUR", Credit: true, Reference: ref, Name: name}
	}
	for _, tt := range []struct {
		name string
		line banking.StatementLine
		kind banking.MatchKind
		ids  []string
	}{
		{"StructuredDigits", credit("090933755493", "", 100), banking.MatchExact, []string{"c1"}},
		{"StructuredStars", credit("***090/9337/55493***", "", 100), banking.MatchExact, []string{"c1"}},
		{"StructuredInText", credit("Paiement facture +++090/9337/55493+++ merci", "X", 100), banking.MatchExact, []string{"c1"}},
		{"StructuredSlashedInText", credit("ref 090/9337/55493", "X", 100), banking.MatchExact, []string{"c1"}},
		{"StructuredBareInText", credit("betaling 090933755493 dank u", "X", 100), banking.MatchExact, []string{"c1"}},
		{"RFLowerInText", credit("ref rf18 5390 0754 7034 invoice 12", "X", 100), banking.MatchExact, []string{"c2"}},
		{"RFShort", credit("RF45 G72U UR", "X", 100), banking.MatchExact, []string{"c4"}},
		{"RFInEndToEnd", func() banking.StatementLine {
			l := credit("Thanks", "X", 100)
			l.EndToEndID = "RF712348231"
			return l
		}(), banking.MatchExact, []string{"c6"}},
		{"FreeReference", credit("inv 2024 077", "", 1), banking.MatchExact, []string{"c5"}},
		{"WrongCheckDigits", credit("+++090/9337/55494+++", "Jean Dupont", 100), banking.MatchNone, nil},
		{"Near", credit("virement", "DUPONT J.", 12550), banking.MatchNear, []string{"c1"}},
		{"NearNameOrder", credit("", "MR JEAN DUPONT", 12550), banking.MatchNear, []string{"c1"}},
		{"NearWrongAmount", credit("virement", "DUPONT JEAN", 12551), banking.MatchNone, nil},
		{"NearWrongName", credit("virement", "MARTIN PAUL", 12550), banking.MatchNone, nil},
		{"NearNoName", credit("virement", "", 12550), banking.MatchNone, nil},
		{"NearLegalFormOnly", credit("", "SARL", 4210), banking.MatchNone, nil},
		{"Debit", func() banking.StatementLine {
			l := credit("+++090/9337/55493+++", "", 100)
			l.Credit = false
			return l
		}(), banking.MatchSkipped, nil},
		{"Reversal", func() banking.StatementLine {
			l := credit("+++090/9337/55493+++", "", 100)
			l.Reversal = true
			return l
		}(), banking.MatchSkipped, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := banking.MatchLines([]banking.StatementLine{tt.line}, claims)
			want := []banking.Match{{Line: 0, Kind: tt.kind, ClaimIDs: tt.ids}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestNameSimilarity(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"Jean Dupont", "DUPONT JEAN", 1},
		{"Jean Dupont", "DUPONT J.", 1},
		{"Müller GmbH", "MULLER", 1},
		{"Société Générale SA", "SOCIETE GENERALE", 1},
		{"Jean Dupont", "Marie Dupont", 0.5},
		{"Jean Dupont", "Paul Martin", 0},
		{"", "Paul Martin", 0},
		{"SA", "SA", 0},
	} {
		if got := banking.NameSimilarity(tt.a, tt.b); got != tt.want {
			t.Errorf("NameSimilarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestReferencesIn(t *testing.T) {
	got := banking.ReferencesIn("Fact. 12 +++090/9337/55493+++ et RF18 5390 0754 7034 merci, RF99 1234, 123456789012")
	want := []string{"090933755493", "RF18539007547034"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReferencesIn = %q, want %q", got, want)
	}
}
