package rules

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/hookdev/hook/internal/alert"
)

// TemplateData is what title, text and dedup key templates see: the event's
// fields ({{.User}}, {{.Reason.Title}}) plus the rule that fired.
type TemplateData struct {
	Facts
	Rule     string
	Severity alert.Severity
	Count    int
}

var templateFuncs = template.FuncMap{
	"describe": describe,
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
}

// describe is the default text of a page as a template function, e.g.
// "User `u42` left room `8489`: Timeout".
func describe(d TemplateData) string { return d.AlertEvent().Describe() }

// render executes a rule's own template; nil (the rule has none) or a
// template that fails on this event (say, indexing a payload key it lacks)
// gives "": the page still goes out in notify's default words, because
// losing it would be worse than plainer words.
func render(t *template.Template, d TemplateData) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return ""
	}
	return b.String()
}

// renderOr renders key t, or fallback if t fails on this event.
func renderOr(t, fallback *keyTemplate, d TemplateData) string {
	if s, ok := t.render(&d); ok {
		return s
	}
	if s, ok := fallback.render(&d); ok {
		return s
	}
	return fmt.Sprintf("(template %s failed)", t.Name())
}

// defaultTemplates are the built-in keys, parsed once per ruleset.
type defaultTemplates struct {
	dedupKey *keyTemplate
}

func parseDefaults() defaultTemplates {
	return defaultTemplates{
		dedupKey: newKeyTemplate(template.Must(template.New("default dedup key").Funcs(templateFuncs).Parse(DefaultDedupKey))),
	}
}
