package match_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/rules"
)

// hiddenOnPage says why a page leaves a code out of its lines ("" when it
// shows it), as words.Fields and words.CodeLines decide: every other code
// shows as a line labelled with its row's label.
func hiddenOnPage(c catalog.Code) string {
	switch {
	case c.Field == catalog.FieldGroup:
		return "the event names it"
	case c.Field == catalog.FieldRoomType && c.Value == callback.RoomNumeric:
		return "a numeric room is the usual case"
	}
	return ""
}

// TestCodeFieldRows proves, for every row of the code-field table, what the
// row alone is meant to give a field: its code is decoded from a callback
// and named by the catalogue, a rule can match it by its key, a `when:`
// expression and a template can read it by its Facts name, the notification
// carries it under the row's label, and the page shows it. A new row is
// covered as it is added: nothing here names the rows.
func TestCodeFieldRows(t *testing.T) {
	cat := catalogtest.New(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, cf := range match.CodeFieldRows() {
		t.Run(string(cf.Field), func(t *testing.T) {
			ev, code := carrying(t, cat, cf)
			facts := match.NewFacts(cat, ev)
			if got := *cf.Of(&facts); got.Value != code.Value || got.Name != code.Name || !got.Known {
				t.Fatalf("decoded %+v, want %s %d (%s)", got, cf.Field, code.Value, code.Name)
			}
			if !slices.Contains(match.MatchKeys(), string(cf.Field)) {
				t.Errorf("MatchKeys %v lack %s", match.MatchKeys(), cf.Field)
			}
			name := cf.Name
			rs := compile(t, fmt.Sprintf(`
rules:
  - name: by-key
    match: {%s: %q}
    title: "{{.%s.Name}}"
    continue: true
  - name: by-when
    when: '%s.Name == %q'
`, cf.Field, code.Name, name, name, code.Name))
			facts = match.Facts{}
			rs.Facts(&facts, cat, ev)
			alerts := engine.Alerts(rs, &facts, now)
			var rules []string
			for _, a := range alerts {
				rules = append(rules, a.Rule)
			}
			if !slices.Equal(rules, []string{"by-key", "by-when"}) {
				t.Fatalf("rules matched %v, want [by-key by-when]", rules)
			}
			// The page as the outbox's reader has it: its codes' facts
			// given the catalogue's words.
			n := alerts[0].Notification
			match.NewCodeWords(cat).Fill(&n)
			if n.Title != code.Name {
				t.Errorf("template {{.%s.Name}} = %q, want %q", name, n.Title, code.Name)
			}
			c, ok := n.Event.Code(string(cf.Field))
			if !ok || c.Label != cf.Label || c.Value != code.Value || c.Name != code.Name || c.Meaning != code.Title {
				t.Errorf("notification code %+v (carried %v), want label %q, %d %s %q", c, ok, cf.Label, code.Value, code.Name, code.Title)
			}
			shown := slices.Contains(words.Fields(n), words.Field{Name: cf.Label, Value: code.Title}) ||
				slices.ContainsFunc(words.CodeLines(n), func(l alert.Code) bool { return l.Field == string(cf.Field) })
			if why := hiddenOnPage(code); shown == (why != "") {
				t.Errorf("page shows %s: %v, want %v (%s); lines %v", cf.Label, shown, why == "", why, words.Fields(n))
			}
		})
	}
}

// carrying finds a callback that carries a known code of cf's field, and
// that code: an event type of the catalogue, and the callback's numeric
// field that cf.Wire reads, set to a value the catalogue names for it.
func carrying(t *testing.T, cat *catalog.Catalog, cf match.CodeFieldRow) (callback.Event, catalog.Code) {
	t.Helper()
	et := reflect.TypeFor[callback.Event]()
	var types []int
	for _, name := range cat.Names(catalog.FieldEvent) {
		vals, _ := cat.Values(catalog.FieldEvent, name)
		for _, v := range vals {
			types = append(types, v.Value)
		}
	}
	slices.Sort(types)
	for _, typ := range types {
		for _, name := range cat.Names(cf.Field) {
			vals, _ := cat.Values(cf.Field, name)
			for _, v := range vals {
				if v.EventType != 0 && v.EventType != typ {
					continue
				}
				for i := range et.NumField() {
					if et.Field(i).Type.Kind() != reflect.Int {
						continue
					}
					ev := absentEvent(typ)
					reflect.ValueOf(&ev).Elem().Field(i).SetInt(int64(v.Value))
					if cf.Wire(ev) != v.Value {
						continue
					}
					if code := cat.Code(cf.Field, ev.Type, v.Value); code.Known && code.Name == name {
						return ev, code
					}
				}
			}
		}
	}
	t.Fatalf("no callback of the catalogue's event types carries a known %s", cf.Field)
	return callback.Event{}, catalog.Code{}
}

// absentEvent is a callback of event type typ in a room, every optional
// numeric field absent.
func absentEvent(typ int) callback.Event {
	ev := callback.Event{AppID: "1400000001", Type: typ, CallbackMs: 1700000000000, EventMs: 1700000000000,
		RoomID: "8489", UserID: "u42"}
	v := reflect.ValueOf(&ev).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Int && v.Type().Field(i).Name != "Type" {
			f.SetInt(callback.Absent)
		}
	}
	return ev
}

// compile compiles rules with a receiver for them.
func compile(t *testing.T, rulesYAML string) *rules.Ruleset {
	t.Helper()
	cat := catalogtest.New(t)
	rs, err := rules.Compile("test.yaml", []byte("receivers: [{name: oncall, console: {}}]\ndefault_receiver: oncall\n"+rulesYAML), cat, func(string) string { return "" })
	if err != nil {
		t.Fatalf("compile:\n%v", err)
	}
	return rs
}
