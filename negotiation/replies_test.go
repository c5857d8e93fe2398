package negotiation

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
)

// TestFillReply: every variable is replaced; one the claim has no value
// for is refused by name, never left as braces; braces that are not a
// variable stay as written.
func TestFillReply(t *testing.T) {
	vals := map[string]string{"debtor_name": "Jan Peeters", "balance": "1.234,56 EUR", "next_due_date": " "}
	got, err := FillReply("Dag {debtor_name}, u betaalt {balance}. {balance}! {not_a_var} {", vals)
	if err != nil || got != "Dag Jan Peeters, u betaalt 1.234,56 EUR. 1.234,56 EUR! {not_a_var} {" {
		t.Fatalf("filled: %q %v", got, err)
	}
	_, err = FillReply("Volgende termijn {next_due_date}, link {portal_link}", vals)
	if portal.ErrorCode(err) != portal.EINVALID || !strings.Contains(portal.ErrorMessage(err), "{next_due_date}, {portal_link}") {
		t.Fatalf("missing: %v", err)
	}
	if v := UnfilledVariable("Il reste {balance} à payer"); v != "{balance}" {
		t.Fatalf("unfilled: %q", v)
	}
	if v := UnfilledVariable("JSON {\"a\": 1} {other}"); v != "" {
		t.Fatalf("not a variable: %q", v)
	}
	r := PreparedReply{Body: "{balance} {debtor_name} {balance}"}
	if vs := r.Variables(); strings.Join(vs, ",") != "balance,debtor_name" {
		t.Fatalf("variables: %v", vs)
	}
	for i := 1; i < len(ReplyVariables); i++ {
		if ReplyVariables[i-1] >= ReplyVariables[i] {
			t.Fatalf("ReplyVariables must stay sorted: %v", ReplyVariables)
		}
	}
}
