package csvimport_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/csvimport"
	"github.com/relais/relais/portal/store/storetest"
)

// parseShapes are inputs that grow with n (about n bytes): the seed rows
// repeated, and what a CSV reader can find hard (very long lines and
// values, runs of quotes, quoted values over many lines, huge field counts,
// a row error on every line). BenchmarkParse runs each at three sizes, 16×
// apart: a parser linear in its input keeps the same MB/s at every size.
var parseShapes = []struct {
	name string
	gen  func(n int) string
}{
	{"rows", func(n int) string { // good rows, a new claim every two rows
		var b strings.Builder
		b.WriteString(header)
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "R-%d,EUR,FR,business,Dupont SARL,fr,75011,F-%d,2024-01-01,2024-01-31,\"1 234,56\"\n", i/2, i)
		}
		return b.String()
	}},
	{"bad-rows", func(n int) string { // every row reported
		var b strings.Builder
		b.WriteString(header)
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "R-%d,EUR,XX,business,Dupont SARL,fr,75011,F-%d,2024-13-01,2024-01-31,12.5O\n", i, i)
		}
		return b.String()
	}},
	{"long-value", func(n int) string { // one row, a name of n bytes
		return header + "R-1,EUR,FR,business," + strings.Repeat("D", n) + ",fr,75011,F-1,2024-01-01,2024-01-31,10.00\n"
	}},
	{"long-amount", func(n int) string { // one row, an amount of n digits and separators
		return header + "R-1,EUR,FR,business,D,fr,75011,F-1,2024-01-01,2024-01-31,\"" + strings.Repeat("1 2.", n/4) + "\"\n"
	}},
	{"escaped-quotes", func(n int) string { // one value of n/2 escaped quotes
		return header + "R-1,EUR,FR,business,\"" + strings.Repeat(`""`, n/2) + "\",fr,75011,F-1,2024-01-01,2024-01-31,10.00\n"
	}},
	{"quoted-lines", func(n int) string { // one quoted value over n/2 lines
		return header + "R-1,EUR,FR,business,\"" + strings.Repeat("a\n", n/2) + "\",fr,75011,F-1,2024-01-01,2024-01-31,10.00\n"
	}},
	{"unterminated-quote", func(n int) string { // a quote opened and never closed: one value to the end
		return header + "R-1,EUR,FR,business,\"" + strings.Repeat("a,b\n", n/4)
	}},
	{"bare-quotes", func(n int) string { // a CSV error on every line (Parse stops after 100)
		return header + strings.Repeat("R-1,E\"UR,FR\n", n/12)
	}},
	{"many-columns", func(n int) string { // a header of n/8 columns and one row to match
		k := n / 16
		var h, r strings.Builder
		h.WriteString(strings.TrimSuffix(header, "\n"))
		r.WriteString("R-1,EUR,FR,business,D,fr,75011,F-1,2024-01-01,2024-01-31,10.00")
		for i := range k {
			fmt.Fprintf(&h, ",x%d", i)
			r.WriteString(",y")
		}
		return h.String() + "\n" + r.String() + "\n"
	}},
	{"wide-rows", func(n int) string { // rows of n/16 fields under an 11-column header
		row := strings.Repeat("a,", n/16) + "a\n"
		return header + row + row + row + row
	}},
	{"spaces", func(n int) string { // leading spaces before every field (TrimLeadingSpace)
		return header + strings.Repeat(strings.Repeat(" ", 50)+"a,", n/53) + "a\n"
	}},
}

// corpus is the fuzz target's seed inputs and its committed corpus
// (testdata/fuzz/FuzzParse), largest first.
func corpus(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{
		"seed-good":   header + goodRows,
		"seed-comma":  header + "R-3,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,\"12,5O\"\n",
		"seed-unterm": "reference\n\"unterminated\n",
		"seed-bom":    "\ufeff" + header + goodRows,
	}
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "string("); ok {
				s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
				if err != nil {
					tb.Fatalf("%s: %v", f, err)
				}
				out["corpus-"+filepath.Base(f)] = s
			}
		}
		fh.Close()
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	for name, in := range corpus(b) {
		b.Run(name, func(b *testing.B) { benchParse(b, in) })
	}
	for _, s := range parseShapes {
		for _, n := range []int{16 << 10, 256 << 10, 4 << 20} {
			in := s.gen(n)
			// The good rows must all be read, not stopped by MaxRows.
			if _, errs := csvimport.Parse(strings.NewReader(in), portal.Date{}); s.name == "rows" && errs != nil {
				b.Fatalf("rows/%d: %v", n, errs[0])
			}
			b.Run(fmt.Sprintf("%s/%dKiB", s.name, n>>10), func(b *testing.B) { benchParse(b, in) })
		}
	}
}

func benchParse(b *testing.B, in string) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		csvimport.Parse(strings.NewReader(in), portal.Date{})
	}
}

// BenchmarkImport measures an import into a real database, 50,000 rows
// (25,000 claims, the documented maximum) per operation; each operation
// uses a fresh tenant so that no reference is a duplicate.
//
//	go test ./portal/csvimport -run '^$' -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	var in strings.Builder
	in.WriteString(header)
	for i := 0; i < csvimport.MaxRows; i++ {
		fmt.Fprintf(&in, "R-%d,EUR,FR,business,Dupont SARL,fr,75011,F-%d,2024-01-01,2024-01-31,\"1 234,56\"\n", i/2, i)
	}
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			db := storetest.MustOpen(b, d, nil)
			ctx := context.Background()
			b.SetBytes(int64(in.Len()))
			for b.Loop() {
				b.StopTimer()
				tn := &portal.Tenant{Name: "T"}
				if err := db.CreateTenant(ctx, tn); err != nil {
					b.Fatal(err)
				}
				if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "FR"}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if n, err := csvimport.Import(ctx, db, tn.ID, strings.NewReader(in.String())); err != nil || n != csvimport.MaxRows/2 {
					b.Fatalf("%d %v", n, err)
				}
			}
		})
	}
}
