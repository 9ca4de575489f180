package match

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/hookdev/hook/internal/alert"
)

// TemplateData is what title, text and dedup key templates see: the event's
// fields ({{.User}}, {{.Reason.Title}}) plus the rule that fired. The facts
// are the callback's own, not a copy: an alert's templates read them in place.
type TemplateData struct {
	*Facts
	Rule     string
	Severity alert.Severity
	// Count is how many the page stands for. A rule whose page stands for
	// many events (threshold, group_by) only learns that when the store
	// pages: its title and text show .Count as the number of members the
	// page lists (see countMark); comparisons and keys see the threshold's
	// count, which is all that is known when the callback is judged.
	Count int

	// countMark: a title or text shows .Count as alert.CountMark, for
	// notify to write the page's count in (the rule is aggregated).
	countMark bool
}

// Data is the template data of rule's alert for e. aggregated says the
// rule's page stands for many events (threshold, group_by): its title and
// text then show .Count as alert.CountMark.
func Data(e *Facts, rule string, sev alert.Severity, count int, aggregated bool) TemplateData {
	return TemplateData{Facts: e, Rule: rule, Severity: sev, Count: count, countMark: aggregated}
}

// Page renders a page's title and text templates for d, as each template
// would on d.forDisplay(): plain templates join d's values made inert
// themselves, so d is copied for display only when one of them executes.
// Nil, or a template failing on this event, gives "".
func Page(title, text *KeyTemplate, d *TemplateData) (titleText, textText string) {
	var shown TemplateData
	if title.executes() || text.executes() {
		shown = d.forDisplay()
	}
	return title.display(d, &shown), text.display(d, &shown)
}

// shownCount is .Count in the title or text of an aggregated rule: it
// compares as the threshold's count, and prints as alert.CountMark.
type shownCount int

func (shownCount) String() string { return alert.CountMark }

// countData is what an aggregated rule's title and text templates execute
// on: d, with .Count a shownCount.
type countData struct {
	TemplateData
	Count shownCount
}

// shownData is what a title or text template executes on for d.
func (d TemplateData) shownData() any {
	if d.countMark {
		return countData{TemplateData: d, Count: shownCount(d.Count)}
	}
	return d
}

// TemplateFuncs are the functions title, text and key templates may call.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"describe": describe,
		"upper":    strings.ToUpper,
		"lower":    strings.ToLower,
	}
}

// describe is the default text of a page as a template function, e.g.
// "User `u42` left room `8489`: Timeout". It takes TemplateData, or what
// an aggregated rule's title sees (countData).
func describe(d interface{ AlertEvent() alert.Event }) string { return d.AlertEvent().Describe() }

// forDisplay is d for the title and text templates, whose output is shown
// on a page: every value a TRTC client chose (ids, error, URL, payload
// strings, and the same in Raw) made inert with alert.Inert, so that a
// value cannot add a line, close the code span the operator put it in,
// start a quote block or add emphasis, wherever the template puts it. What
// the operator wrote around the values (line breaks, *bold*, `code`) stays
// as written. Dedup keys use d itself: they must tell values apart exactly.
func (d TemplateData) forDisplay() TemplateData {
	shown := *d.Facts
	f := &shown
	for _, s := range []*string{&f.App, &f.Room, &f.User, &f.Task, &f.ErrorCode, &f.ErrorMessage, &f.URL,
		&f.Raw.AppID, &f.Raw.RoomID, &f.Raw.UserID, &f.Raw.TaskID, &f.Raw.ErrorCode, &f.Raw.ErrorMessage, &f.Raw.URL} {
		*s = alert.Inert(*s)
	}
	if f.Payload != nil {
		f.Payload = inertJSON(f.Payload).(map[string]any)
	}
	f.Raw.Payload = f.Payload
	d.Facts = f
	return d
}

// inertJSON copies a decoded JSON value with every string (keys included)
// made inert; the callback's own value is left as it was.
func inertJSON(v any) any {
	switch v := v.(type) {
	case string:
		return alert.Inert(v)
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[alert.Inert(k)] = inertJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = inertJSON(x)
		}
		return s
	}
	return v
}

// render executes a rule's own template; nil (the rule has none) or a
// template that fails on this event (say, indexing a payload key it lacks)
// gives "": the page still goes out in notify's default words, because
// losing it would be worse than plainer words.
func render(t *template.Template, d any) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return ""
	}
	return b.String()
}

// RenderOr renders key t, or fallback if t fails on this event.
func RenderOr(t, fallback *KeyTemplate, d *TemplateData) string {
	if s, ok := t.Render(d); ok {
		return s
	}
	if s, ok := fallback.Render(d); ok {
		return s
	}
	return fmt.Sprintf("(template %s failed)", t.Name())
}
