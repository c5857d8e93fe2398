package server

import (
	"html/template"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
)

// TestStaticTranslations renders the portal's pages in every language from
// the pages as parsed for serving (each translation without arguments
// written in as text, parsePages) and from the templates as written (every
// Tr called at render time): they must be the same bytes.
func TestStaticTranslations(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	e.withPayments(t, "")
	asWritten := map[string]map[string]*template.Template{}
	plain, err := parsePagesWith(func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range portal.Languages {
		asWritten[lang] = plain
	}
	served := e.srv.pages
	// Most of the claim page's translations take no argument.
	trs := func(p map[string]*template.Template) int {
		return strings.Count(p["claim"].Lookup("content").Tree.Root.String(), ".Tr ")
	}
	if n, all := trs(served["fr"]), trs(plain); n == 0 || n*3 > all {
		t.Errorf("claim page: %d of %d Tr calls left at render time", n, all)
	} else {
		t.Logf("claim page: %d of %d Tr calls left at render time", n, all)
	}
	both := func(name string, get func() page) {
		t.Helper()
		e.srv.pages = served
		a := get()
		e.srv.pages = asWritten
		b := get()
		e.srv.pages = served
		if a.status != b.status || a.body != b.body {
			t.Errorf("%s: served (%d, %d bytes) and as written (%d, %d bytes) differ:\n%s",
				name, a.status, len(a.body), b.status, len(b.body), firstDifference(a.body, b.body))
		}
		if len(a.body) < 500 {
			t.Errorf("%s: %d %q", name, a.status, a.body)
		}
	}
	debtor := e.verified(e.be, "K-20417")
	stranger := e.browser("")
	_, token := e.issue(e.fr.ID)
	if p := stranger.get("/p/" + token); p.status != 303 {
		t.Fatalf("open: %d", p.status)
	}
	for _, lang := range portal.Languages {
		debtor.get("/p/lang/" + lang)
		stranger.get("/p/lang/" + lang)
		both(lang+" claim", func() page { return debtor.get("/p") })
		both(lang+" computation", func() page { return debtor.get("/p/computation") })
		both(lang+" identity", func() page { return stranger.get("/p") })
		both(lang+" not found", func() page { return e.browser(lang).get("/p/" + portal.NewSecret()) })
	}
}

// firstDifference shows where a and b first differ.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "served:     …" + a[from:min(len(a), i+80)] + "\nas written: …" + b[from:min(len(b), i+80)]
}
