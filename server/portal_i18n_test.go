package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/rules"
)

// TestPortalMessageKeys fails when a language lacks a key another has,
// when a template or handler uses a key no file defines, or when a key
// built at run time (stages, statuses, rules, reasons) is missing.
func TestPortalMessageKeys(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, lang := range portal.Languages {
		keys := b.Keys(lang)
		if len(keys) < 100 {
			t.Fatalf("%s has only %d keys", lang, len(keys))
		}
		for _, k := range keys {
			all[k] = true
		}
	}
	used := map[string]string{}
	// Keys written in the templates: {{$.Tr "key" ...}}.
	literal := regexp.MustCompile(`Tr "([^"]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		raw, _ := fs.ReadFile(templateFS, f)
		for _, m := range literal.FindAllStringSubmatch(string(raw), -1) {
			used[m[1]] = f
		}
		// The scripts allowed are the live chat's file and the page
		// helpers', never inline code.
		if strings.Contains(string(raw), "style=") || strings.Contains(strings.ReplaceAll(strings.ReplaceAll(string(raw), chatScriptTag, ""), helpersScriptTag, ""), "<script") {
			t.Errorf("%s has inline style or script (the CSP forbids them)", f)
		}
	}
	if len(used) < 80 {
		t.Fatalf("only %d keys found in templates", len(used))
	}
	// Keys the handlers pick.
	for _, k := range errorKeys {
		used[k[0]], used[k[1]] = "errorKeys", "errorKeys"
	}
	for _, k := range []string{"identity.wrong", "identity.locked",
		"code.wrong", "code.spent", "code.expired", "code.too_many", "code.not_sent", "code.email.subject", "code.email.body", "code.sms",
		"wait.minute", "wait.minutes", "wait.hour", "wait.hours",
		"contest.error.reason", "contest.error.text_too_long", "contest.error.too_many_files", "contest.error.too_large",
		"contest.error.empty_file", "contest.error.file_type", "contest.error.conflict", "contest.error.invalid"} {
		used[k] = "handlers"
	}
	// Promises to pay (portal_promise.go): the refusals, and the status
	// sentences by printf.
	for _, k := range []string{"promise.error.amount", "promise.error.date", "promise.error.conflict", "promise.error.invalid",
		"promise.status.expected", "promise.status.kept", "promise.status.partly_kept", "promise.status.broken"} {
		used[k] = "portal_promise.go"
	}
	// Asking for a new plan after a hardship (portal_plan_manage.go): the
	// refusals, and the kinds by printf on the form and in the chat.
	for _, k := range []string{"hardship.error.kind", "hardship.error.reason", "hardship.error.conflict"} {
		used[k] = "portal_plan_manage.go"
	}
	for _, k := range portal.HardshipKinds {
		used["hardship.kind."+k], used["chat.hardship."+k] = "portal.HardshipKinds", "portal.HardshipKinds"
	}
	for _, k := range []escalation.DeadlineKind{escalation.KindNoticePeriod, escalation.KindBEConsumerPeriod} {
		used["deadline."+string(k)] = "debtorDeadlines"
	}
	for _, p := range pageNames {
		used["title."+p] = "render"
	}
	for k, v := range escalation.DefaultMessages() {
		if v != "" {
			used[k] = "escalation.DefaultMessages"
		}
	}
	for _, r := range portal.DisputeReasons {
		used["dispute.reason."+string(r)] = "DisputeReasons"
	}
	for _, s := range []portal.DisputeStatus{portal.DisputeOpen, portal.DisputeUpheld, portal.DisputePartlyAccepted, portal.DisputeAccepted} {
		used["dispute.outcome."+string(s)] = "DisputeStatus"
	}
	for _, k := range []string{rules.KindIndemnity, rules.KindInterest, rules.KindPrincipal, rules.KindUnallocated} {
		used["allocation."+k] = "rules allocation kinds"
	}
	for _, k := range rules.RuleKeys() {
		used["rule."+k] = "rules keys"
	}
	for _, k := range payments.NoticeKeys() {
		used[k] = "payments notices"
	}
	for _, st := range []string{portal.InstalmentDue, portal.InstalmentProcessing, portal.InstalmentPaid, portal.InstalmentFailed, portal.InstalmentMissed, portal.InstalmentWaived} {
		used["pay.instalment."+st] = "instalment statuses"
	}
	for _, k := range []string{"claim.rate_pending.h1", "claim.rate_pending.h2", "claim.rate_pending.year"} {
		used[k] = "pendingNoteOf"
	}
	used["signout.title"], used["signout.text"] = "handlePortalSignOut", "handlePortalSignOut"
	// The e-mail to an account's owners when an endpoint is disabled.
	used["console.webhooks.mail.subject"], used["console.webhooks.mail.body"] = "webhooks.MailOwners", "webhooks.MailOwners"
	// The satisfaction survey's answers ({{printf "survey.score.%d" .}})
	// and the closing message of a resolved conversation (issue 21).
	for i := negotiation.MinScore; i <= negotiation.MaxScore; i++ {
		used["survey.score."+strconv.Itoa(i)] = "claimView.SurveyScores"
	}
	used["chat.resolved"], used["chat.resolved.survey"] = "handleConsoleResolve", "handleConsoleResolve"
	// Console keys: literals of the console templates and of the server's
	// Go code, and the families they name by prefix ({{words
	// "console.stage." .Stage}}, "console.error." + status).
	var prefixes []string
	consoleLiteral := regexp.MustCompile(`"(console\.[A-Za-z0-9_.+-]*)(?:%s)?"`)
	consoleFiles, _ := fs.Glob(consoleTemplateFS, "console_templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range append(consoleFiles, goFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		var raw []byte
		if strings.HasSuffix(f, ".go") {
			raw, _ = os.ReadFile(f)
		} else {
			raw, _ = fs.ReadFile(consoleTemplateFS, f)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			for _, m := range consoleLiteral.FindAllStringSubmatch(line, -1) {
				if strings.HasSuffix(m[1], ".") {
					prefixes = append(prefixes, m[1])
				} else {
					used[m[1]] = f
				}
			}
		}
	}
	for k := range all {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				used[k] = "prefix " + p
			}
		}
	}
	for k, where := range used {
		for _, lang := range portal.Languages {
			if !b.Has(lang, k) {
				t.Errorf("key %q (used by %s) is missing in %s", k, where, lang)
			}
		}
	}
	for k := range all {
		for _, lang := range portal.Languages {
			if !b.Has(lang, k) {
				t.Errorf("key %q is missing in %s", k, lang)
			}
		}
		if _, ok := used[k]; !ok {
			t.Errorf("key %q is defined but never used", k)
		}
	}
}

func TestPortalTranslationsRender(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"fr": "Comment joindre ACME", "nl": "Zo bereikt u ACME", "en": "How to reach ACME", "de": "So erreichen Sie ACME"} {
		if got := b.For(lang).Text("contact.title", "Name", "ACME"); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := b.For("xx").Lang; got != "fr" {
		t.Errorf("unknown language falls back to %q", got)
	}
}
