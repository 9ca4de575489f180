package match

import (
	"strconv"
	"strings"
	"text/template"
	tparse "text/template/parse"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
)

// KeyTemplate is a compiled key template (dedup.key, threshold.per). Keys are
// rendered for every alerting callback, and nearly all of them are field
// paths joined by text ("{{.App}}/{{.Room}}/{{.User}}/{{.Event.Value}}"):
// those are rendered by concatenation, with the same result as the
// template, without text/template's reflection on the hot path. Anything
// else (functions, pipelines, conditionals) runs the template.
type KeyTemplate struct {
	t     *template.Template
	parts []keyPart // nil: not a plain key; execute t
}

// keyPart is literal text or one field of the template data. client marks
// a field a TRTC client chose, made inert when shown (see forDisplay).
type keyPart struct {
	lit    string
	field  func(d *TemplateData) string
	client bool
	count  bool // {{.Count}}: shown as alert.CountMark when d.countMark
}

// NewKeyTemplate compiles t into a key template; nil for nil (a template
// that did not compile).
func NewKeyTemplate(t *template.Template) *KeyTemplate {
	if t == nil {
		return nil
	}
	return &KeyTemplate{t: t, parts: plainParts(t)}
}

// Name is the template's name, for messages.
func (k *KeyTemplate) Name() string { return k.t.Name() }

// plainParts returns the parts of a template made only of text and field
// paths, or nil.
func plainParts(t *template.Template) []keyPart {
	if t.Tree == nil || t.Tree.Root == nil || len(t.Templates()) > 1 {
		return nil
	}
	var parts []keyPart
	for _, n := range t.Tree.Root.Nodes {
		switch n := n.(type) {
		case *tparse.TextNode:
			parts = append(parts, keyPart{lit: string(n.Text)})
		case *tparse.ActionNode:
			if n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return nil
			}
			f, ok := n.Pipe.Cmds[0].Args[0].(*tparse.FieldNode)
			if !ok {
				return nil
			}
			get := fieldGetter(f.Ident)
			if get == nil {
				return nil
			}
			one := len(f.Ident) == 1
			parts = append(parts, keyPart{field: get, client: one && isClientField(f.Ident[0]), count: one && f.Ident[0] == "Count"})
		default:
			return nil
		}
	}
	return parts
}

// isClientField reports the fields fieldGetter reads that forDisplay makes
// inert: what a TRTC client chose.
func isClientField(name string) bool {
	switch name {
	case "App", "Room", "User", "Task", "ErrorCode":
		return true
	}
	return false
}

// fieldGetter reads a field path of TemplateData as text/template prints it,
// or nil for a path it does not know (the template then runs as written).
func fieldGetter(path []string) func(d *TemplateData) string {
	switch len(path) {
	case 1:
		switch path[0] {
		case "App":
			return func(d *TemplateData) string { return d.App }
		case "Room":
			return func(d *TemplateData) string { return d.Room }
		case "RoomKey":
			return func(d *TemplateData) string { return d.RoomKey }
		case "User":
			return func(d *TemplateData) string { return d.User }
		case "Task":
			return func(d *TemplateData) string { return d.Task }
		case "ErrorCode":
			return func(d *TemplateData) string { return d.ErrorCode }
		case "Scene":
			return func(d *TemplateData) string { return d.Scene }
		case "Rule":
			return func(d *TemplateData) string { return d.Rule }
		case "Count":
			return func(d *TemplateData) string { return strconv.Itoa(d.Count) }
		}
	case 2:
		var code func(d *TemplateData) *catalog.Code
		for _, cf := range codeFields {
			if codeFieldName(cf.field) == path[0] {
				of := cf.of
				code = func(d *TemplateData) *catalog.Code { return of(d.Facts) }
			}
		}
		if code == nil {
			return nil
		}
		switch path[1] {
		case "Value":
			return func(d *TemplateData) string { return strconv.Itoa(code(d).Value) }
		case "Name":
			return func(d *TemplateData) string { return code(d).Name }
		case "Title":
			return func(d *TemplateData) string { return code(d).Title }
		}
	}
	return nil
}

// codeFieldName is a code field's name in Facts ("leave_code" -> "LeaveCode").
func codeFieldName(f catalog.Field) string {
	var b strings.Builder
	for _, w := range strings.Split(string(f), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// Render writes the key for d; ok is false when the template fails on d.
func (k *KeyTemplate) Render(d *TemplateData) (string, bool) {
	if k.parts == nil {
		var b strings.Builder
		if err := k.t.Execute(&b, *d); err != nil {
			return "", false
		}
		return b.String(), true
	}
	if len(k.parts) == 1 && k.parts[0].field != nil {
		return k.parts[0].field(d), true
	}
	return k.join(d, false), true
}

// join concatenates the parts of a plain template for d, with the values a
// client chose made inert when shown.
func (k *KeyTemplate) join(d *TemplateData, shown bool) string {
	var b strings.Builder
	for _, p := range k.parts {
		switch {
		case p.field == nil:
			b.WriteString(p.lit)
		case shown && p.client:
			b.WriteString(alert.Inert(p.field(d)))
		case shown && p.count && d.countMark:
			b.WriteString(alert.CountMark)
		default:
			b.WriteString(p.field(d))
		}
	}
	return b.String()
}

// executes reports whether k runs text/template (it is not plain).
func (k *KeyTemplate) executes() bool { return k != nil && k.parts == nil }

// display renders a title or text template for a page, as the template
// would on shown, d.forDisplay() (which plain templates do not need). Nil,
// or a template failing on this event, gives "" (see render in render.go).
func (k *KeyTemplate) display(d, shown *TemplateData) string {
	switch {
	case k == nil:
		return ""
	case k.parts != nil:
		return k.join(d, true)
	}
	return render(k.t, shown.shownData())
}
