package match

import (
	"testing"
	"text/template"
)

func TestTemplateMayReadPayload(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"{{.App}}/{{.Room}}/{{.User}}", false},
		{"{{describe .}}", false},
		{"{{upper .Reason.Meaning}} in {{.Room}}", false},
		{"{{if .User}}{{.User}}{{else}}room {{.Room}}{{end}}", false},
		{"{{.Payload.Stats}}", true},
		{"{{with .Payload}}{{.Loss}}{{end}}", true},
		{"{{.Raw.Payload.Code}}", true},
		{"{{$.Payload.Code}}", true},
		{"{{if .User}}x{{else}}{{.Payload.Code}}{{end}}", true},
		{"{{range $k, $v := .Payload}}{{$k}}{{end}}", true},
		{`{{printf "%v" .}}`, true},
		{"{{.}}", true},
		{"{{$}}", true},
		{"{{range .Raw}}{{end}}", false},
		{"{{with $x := .}}{{$x.Room}}{{end}}", true},
		{`{{define "sub"}}{{.Payload.A}}{{end}}{{template "sub" .}}`, true},
		{"{{(.Payload).Code}}", true},
	} {
		tpl := template.Must(template.New("t").Funcs(TemplateFuncs()).Parse(tc.src))
		if got := TemplateMayReadPayload(tpl); got != tc.want {
			t.Errorf("%s: may read the payload %v, want %v", tc.src, got, tc.want)
		}
	}
}

// A key names the room when any part of it reads the room: only then is
// it counted in the room's partition.
func TestNamesRoom(t *testing.T) {
	for src, want := range map[string]bool{
		`{{.App}}/{{.RoomKey}}`:                 true,
		`{{.App}}/{{.Room}}/{{.Task}}`:          true,
		`{{.App}}-{{.Raw.RoomID}}`:              true,
		`{{printf "%s/%s" .App .Room}}`:         true,
		`{{with .Facts}}{{.Room}}{{end}}`:       true,
		`{{if .User}}{{$.RoomKey}}{{end}}`:      true,
		`{{.App}}`:                              false,
		`{{.App}}/{{.Task}}`:                    false,
		`{{.App}}/{{.Event.Value}}/{{.Reason}}`: false,
		`everything`:                            false,
	} {
		tpl := template.Must(template.New("per").Funcs(TemplateFuncs()).Parse(src))
		if got := NamesRoom(tpl); got != want {
			t.Errorf("NamesRoom(%s) = %v, want %v", src, got, want)
		}
	}
}
