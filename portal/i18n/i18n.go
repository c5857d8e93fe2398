// Package i18n translates debtor-facing text with go-i18n, from the
// message files embedded in messages/ (one per language of
// portal.Languages), and formats amounts, dates and rates per locale with
// integer arithmetic.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/relais/relais/portal"
)

//go:embed messages/*.json
var messageFS embed.FS

// Fallback is the language used when nothing tells the debtor's.
const Fallback = "fr"

// Bundle holds the messages of every language.
type Bundle struct {
	b    *goi18n.Bundle
	keys map[string]map[string]bool
	locs map[string]*goi18n.Localizer
	// plain holds, per language, the messages without a placeholder: they
	// read the same whatever the data, and a page asks for a hundred of
	// them, so they skip the localizer.
	plain map[string]map[string]string
}

// New loads the embedded message files.
func New() (*Bundle, error) {
	b := goi18n.NewBundle(language.French)
	out := &Bundle{b: b, keys: map[string]map[string]bool{}, locs: map[string]*goi18n.Localizer{}, plain: map[string]map[string]string{}}
	for _, lang := range portal.Languages {
		path := "messages/" + lang + ".json"
		raw, err := fs.ReadFile(messageFS, path)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		if _, err := b.ParseMessageFileBytes(raw, path); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", path, err)
		}
		var flat map[string]string
		if err := json.Unmarshal(raw, &flat); err != nil {
			return nil, fmt.Errorf("i18n: %s must be a flat object of strings: %w", path, err)
		}
		out.keys[lang], out.plain[lang] = map[string]bool{}, map[string]string{}
		for k, v := range flat {
			out.keys[lang][k] = true
			if !strings.Contains(v, "{{") {
				out.plain[lang][k] = v
			}
		}
		out.locs[lang] = goi18n.NewLocalizer(b, lang)
	}
	return out, nil
}

// Keys returns the message keys defined for lang, sorted.
func (b *Bundle) Keys(lang string) []string {
	var out []string
	for k := range b.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether lang defines key.
func (b *Bundle) Has(lang, key string) bool { return b.keys[lang][key] }

// For returns the translator of a language (the fallback for an unknown one).
func (b *Bundle) For(lang string) *T {
	if !portal.ValidLanguage(lang) {
		lang = Fallback
	}
	return &T{Lang: lang, b: b, loc: b.locs[lang]}
}

// T translates into one language.
type T struct {
	Lang string
	b    *Bundle
	loc  *goi18n.Localizer
}

// Text returns the message key with data (pairs "Name", value) filled in.
// A key the language lacks gives the key itself, which the completeness
// test prevents from ever shipping.
func (t *T) Text(key string, pairs ...any) string {
	if s, ok := t.b.plain[t.Lang][key]; ok {
		return s
	}
	var data map[string]any
	if len(pairs) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(pairs); i += 2 {
			if k, ok := pairs[i].(string); ok {
				data[k] = pairs[i+1]
			}
		}
	}
	s, err := t.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil || !t.b.Has(t.Lang, key) {
		return key
	}
	return s
}

// Match picks the first language of an Accept-Language header that the
// portal speaks, or "".
func Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return ""
	}
	for _, tag := range tags {
		base, _ := tag.Base()
		if l := strings.ToLower(base.String()); portal.ValidLanguage(l) {
			return l
		}
	}
	return ""
}
