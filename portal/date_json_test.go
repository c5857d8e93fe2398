package portal

import (
	"encoding/json"
	"testing"
	"time"
)

// TestDateAppendJSON: AppendJSON writes what json.Marshal of the date's
// String wrote, for every day of years around the leap rules, and for
// dates out of range or not normalised (Day 31 of April, Month 13, year
// 10000 or -1); the zero date is null.
func TestDateAppendJSON(t *testing.T) {
	var dates []Date
	for _, y := range []int{0, 1, 1900, 1999, 2000, 2023, 2024, 2100, 9999} {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			dates = append(dates, DateOf(d))
		}
	}
	dates = append(dates, Date{2024, 4, 31}, Date{2023, 2, 29}, Date{2024, 13, 1}, Date{2024, 0, 5}, Date{2024, 5, 0},
		Date{10000, 1, 1}, Date{-1, 6, 15}, Date{2024, 6, 99})
	for _, d := range dates {
		want, _ := json.Marshal(d.String())
		if got := d.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("%+v: %s, json.Marshal of String %s", d, got, want)
		}
	}
	if got := (Date{}).AppendJSON([]byte("x")); string(got) != "xnull" {
		t.Fatalf("zero date: %s", got)
	}
	if len(dates) < 9*365 {
		t.Fatalf("%d dates", len(dates))
	}
}
