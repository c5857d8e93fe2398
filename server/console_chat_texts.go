package server

import (
	"encoding/json"
	"time"

	"github.com/relais/relais/portal/i18n"
)

// consoleBreachKeys are the messages of a policy breach (console.breach.…)
// that breachText writes; the conversation page gives them to its script
// for the offers that arrive live.
var consoleBreachKeys = []string{
	"plan_length", "no_plan", "no_plan.balance", "min_instalment", "min_down_payment", "min_down_payment.none",
	"covers_balance", "max_discount", "max_discount.balance", "promise_too_far", "needs_agent",
}

// consoleChatTexts is what static/js/console-chat.js writes, in t's
// language, as JSON for a data attribute of the conversation page (the
// CSP allows no inline script, and the script hard-codes no text): the
// breach sentences of breachText and the units they count, with {got},
// {limit}, {balance}, {short}, {discount}, {max_discount} and {count} for
// the script to fill; how amounts are written (i18n.Amount's separators);
// the month names of i18n.Date; and the zone in which message times are
// shown, with its label (the tenant's time zone, else UTC).
func consoleChatTexts(t *i18n.T, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	fill := []any{"Got", "{got}", "Limit", "{limit}", "Balance", "{balance}", "Short", "{short}",
		"Discount", "{discount}", "MaxDiscount", "{max_discount}", "Count", "{count}"}
	texts := map[string]string{
		"outside":    t.Text("console.chat.outside", "Breaches", "{breaches}"),
		"time.title": t.Text("console.chat.time.title", "When", "{when}"),
	}
	for _, k := range consoleBreachKeys {
		texts["breach."+k] = t.Text("console.breach."+k, fill...)
	}
	for _, u := range []string{"month", "day", "instalment"} {
		for _, form := range []string{"one", "many"} {
			texts["unit."+u+"."+form] = t.Text("console.unit."+u+"."+form, fill...)
		}
	}
	group, decimal := i18n.Separators(t.Lang)
	months := i18n.MonthNames(t.Lang)
	b, _ := json.Marshal(map[string]any{
		"lang": t.Lang, "texts": texts, "group": group, "decimal": decimal, "months": months[:],
		"zone": zone.String(), "zone_label": zoneLabel(zone),
	})
	return string(b)
}

// zoneLabel names a time zone after the times shown in it: "UTC", or its
// IANA name ("Europe/Brussels").
func zoneLabel(zone *time.Location) string {
	if zone == nil || zone == time.UTC || zone.String() == "UTC" || zone.String() == "" {
		return "UTC"
	}
	return zone.String()
}
