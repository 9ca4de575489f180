package rules

import (
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

func TestStatefulConfigErrors(t *testing.T) {
	cat := catalogtest.New(t)
	head := "receivers: [{name: c, console: {}}]\ndefault_receiver: c\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"threshold count", "rules: [{name: r, match: {event: room.exit}, threshold: {count: 1, within: 60s}}]", "threshold.count must be at least 2"},
		{"threshold within", "rules: [{name: r, match: {event: room.exit}, threshold: {count: 3}}]", "threshold.within must be a duration"},
		{"for without clear", "rules: [{name: r, match: {event: room.exit}, for: 30s}]", "for needs clear"},
		{"clear without for", "rules: [{name: r, match: {event: room.exit}, clear: {event: room.enter}}]", "clear needs for"},
		{"clear unknown name", "rules: [{name: r, match: {event: room.exit}, for: 30s, clear: {event: room.entr}}]", `did you mean "room.enter"?`},
		{"threshold waiting with no clear", "rules: [{name: r, match: {event: room.exit}, for: 30s, threshold: {count: 3, within: 1m}}]", "for needs clear"},
		{"group label", "rules: [{name: r, match: {event: room.exit}, group_by: [rom]}]", `unknown label "rom"`},
		{"group wait alone", "rules: [{name: r, match: {event: room.exit}, group_wait: 10s}]", "group_wait and group_interval need group_by"},
		{"for too long", "rules: [{name: r, match: {event: room.exit}, for: 48h, clear: {event: room.enter}}]", "for 48h0m0s must be between"},
		{"inhibit unknown rule", "rules: [{name: r, match: {event: room.exit}}]\ninhibit: [{source: {rule: x}, target: {rule: r}, equal: [room]}]", `unknown rule "x"`},
		{"inhibit no equal", "rules: [{name: r, match: {event: room.exit}}]\ninhibit: [{source: {rule: r}, target: {rule: r}}]", "needs equal labels"},
		{"inhibit bad severity", "rules: [{name: r, match: {event: room.exit}}]\ninhibit: [{source: {severity: loud}, target: {rule: r}, equal: [room]}]", `unknown severity "loud"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile("f.yaml", []byte(head+tc.yaml), cat, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
