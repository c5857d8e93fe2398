package i18n

import (
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/relais/relais/portal"
)

// TestPlainMessages: a message read without the localizer (no
// placeholder) is exactly what the localizer gives, in every language,
// and a message with placeholders still gets its data.
func TestPlainMessages(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range portal.Languages {
		if len(b.plain[lang]) == 0 || len(b.plain[lang]) == len(b.keys[lang]) {
			t.Fatalf("%s: %d plain messages of %d", lang, len(b.plain[lang]), len(b.keys[lang]))
		}
		for key, text := range b.plain[lang] {
			want, err := b.locs[lang].Localize(&goi18n.LocalizeConfig{MessageID: key})
			if err != nil || want != text {
				t.Fatalf("%s %s: plain %q, localizer %q (%v)", lang, key, text, want, err)
			}
		}
	}
	tr := b.For("en")
	for key := range b.keys["en"] {
		if _, plain := b.plain["en"][key]; !plain {
			if got := tr.Text(key, "Name", "X"); got == key || got == "" {
				t.Fatalf("en %s: %q", key, got)
			}
			return
		}
	}
}
