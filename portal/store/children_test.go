package store

import (
	"sort"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/relais/relais/portal"
)

// TestChildColumns checks that loadChildren's statement reads every column
// of the invoice, payment and credit note models, and nothing else: a field
// added to one of them must be added there too.
func TestChildColumns(t *testing.T) {
	for kind, model := range []any{&portal.Invoice{}, &portal.Payment{}, &portal.CreditNote{}} {
		sch, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string(nil), sch.DBNames...)
		seen := map[string]bool{}
		var got []string
		for _, c := range childColumns[kind] {
			if c == "''" || c == "NULL" || seen[c] {
				continue
			}
			seen[c] = true
			got = append(got, c)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%T: loadChildren reads %v, the model has %v", model, got, want)
		}
	}
}

// TestListColumns checks that FindClaims reads every column of the claim
// and debtor models, and nothing else: a field added to one of them must
// be added to listFields too.
func TestListColumns(t *testing.T) {
	var cols []string
	r := &listRow{}
	for _, f := range listFields {
		cols = append(cols, f.col)
		if f.dest(r) == nil {
			t.Fatalf("%s has no destination", f.col)
		}
	}
	for _, m := range []struct {
		table string
		model any
	}{{"claims", &portal.Claim{}}, {"debtors", &portal.Debtor{}}} {
		sch, err := schema.Parse(m.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string(nil), sch.DBNames...)
		var got []string
		for _, c := range cols {
			if name, ok := strings.CutPrefix(c, m.table+"."); ok {
				got = append(got, name)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%T: FindClaims reads %v, the model has %v", m.model, got, want)
		}
	}
}
