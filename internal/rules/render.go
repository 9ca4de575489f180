package rules

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/notify"
)

// TemplateData is what title, text and dedup key templates see: the event's
// fields ({{.User}}, {{.Reason.Title}}) plus the rule that fired.
type TemplateData struct {
	Facts
	Rule     string
	Severity notify.Severity
	Count    int
}

// Default templates: the catalogue's words, so a rule without templates still
// pages in plain language.
const (
	defaultTitle = `{{.Event.Title}}{{with .Reason.Title}}: {{.}}{{end}}{{with .Status.Title}}: {{.}}{{end}}{{with .RelayStatus.Title}}: {{.}}{{end}}`
	defaultText  = `{{describe .}}`
)

var templateFuncs = template.FuncMap{
	"describe": describe,
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
}

// describe says what happened in one plain sentence, e.g.
// "User `u42` left room `8489`: Timeout".
func describe(d TemplateData) string {
	var b strings.Builder
	switch {
	case d.Event.Name == "room.exit":
		fmt.Fprintf(&b, "User `%s` left room `%s`", d.User, d.Room)
	case d.Event.Name == "room.enter":
		fmt.Fprintf(&b, "User `%s` entered room `%s`", d.User, d.Room)
	case d.Task != "":
		fmt.Fprintf(&b, "%s: task `%s` in room `%s`", d.Event.Title, d.Task, d.Room)
	case d.User != "":
		fmt.Fprintf(&b, "%s: user `%s` in room `%s`", d.Event.Title, d.User, d.Room)
	default:
		fmt.Fprintf(&b, "%s in room `%s`", d.Event.Title, d.Room)
	}
	for _, c := range []string{d.Reason.Title, d.Status.Title, d.LeaveCode.Title, d.RelayStatus.Title} {
		if c != "" {
			fmt.Fprintf(&b, ": %s", c)
		}
	}
	if d.ErrorCode != "" || d.ErrorMessage != "" {
		fmt.Fprintf(&b, " (error %s %s)", d.ErrorCode, d.ErrorMessage)
	}
	return strings.TrimSpace(b.String())
}

// renderOr executes t, or fallback if t fails on this event.
func renderOr(t, fallback *template.Template, d TemplateData) string {
	var b strings.Builder
	if err := t.Execute(&b, d); err == nil {
		return b.String()
	}
	b.Reset()
	if err := fallback.Execute(&b, d); err != nil {
		return fmt.Sprintf("(template %s failed: %v)", t.Name(), err)
	}
	return b.String()
}

// defaultTemplates are the built-in wordings, parsed once per ruleset.
type defaultTemplates struct {
	title, text, dedupKey *template.Template
}

func parseDefaults() defaultTemplates {
	parse := func(name, src string) *template.Template {
		return template.Must(template.New(name).Funcs(templateFuncs).Parse(src))
	}
	return defaultTemplates{
		title:    parse("default title", defaultTitle),
		text:     parse("default text", defaultText),
		dedupKey: parse("default dedup key", DefaultDedupKey),
	}
}

// pageFields lists the event's facts in display order, skipping what it lacks.
func pageFields(e Facts) []notify.Field {
	var fs []notify.Field
	add := func(name, value string) {
		if value != "" {
			fs = append(fs, notify.Field{Name: name, Value: value})
		}
	}
	add("App", e.App)
	add("Room", e.Room)
	add("User", e.User)
	add("Event", e.Event.Title)
	add("Role", e.Role.Title)
	add("Terminal", e.Terminal.Title)
	add("Reason", e.Reason.Title)
	add("Status", e.Status.Title)
	add("Leave code", e.LeaveCode.Title)
	add("Relay status", e.RelayStatus.Title)
	add("Task", e.Task)
	add("Error", strings.TrimSpace(e.ErrorCode+" "+e.ErrorMessage))
	add("URL", e.URL)
	add("When", e.Time.Format("2006-01-02 15:04:05 UTC"))
	return fs
}

// Codes lists every numeric code the event carries with the catalogue's
// words, as pages show them (and `hook test` prints them).
func (e Facts) Codes() []notify.Code {
	var cs []notify.Code
	for _, c := range []struct {
		field string
		code  catalog.Code
	}{
		{"group", e.Group}, {"event", e.Event}, {"reason", e.Reason}, {"role", e.Role},
		{"terminal", e.Terminal}, {"user_type", e.UserType}, {"status", e.Status},
		{"leave_code", e.LeaveCode}, {"relay_status", e.RelayStatus},
	} {
		if c.code.Value < 0 {
			continue
		}
		cs = append(cs, notify.Code{Field: c.field, Value: c.code.Value, Name: c.code.Name, Meaning: c.code.Title})
	}
	return cs
}
