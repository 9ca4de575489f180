package rules

import "testing"

// TestMisplaced: a key valid at another level of the file says where it
// belongs, and which way to move it when that is the level above or below.
func TestMisplaced(t *testing.T) {
	tests := []struct{ key, path, want string }{
		{"severity", "rules[3].match", "`severity` is a rule field; it is under `match:` here (outdent it to line up with `match:`)"},
		{"per", "rules[0]", "`per` is a threshold field; it is directly in the rule here (indent it under `threshold:`)"},
		{"event", "rules[0]", "`event` is a match field; it is directly in the rule here (indent it under `match:`)"},
		{"channel", "receivers[1]", "`channel` is a slack field; it is directly in the receiver here (indent it under `slack:`)"},
		{"interval", "delivery", "`interval` is a flood field; it is under `delivery:` here (indent it under `flood:`)"},
		{"severity", "", "`severity` is a defaults field; it is at the top level here (indent it under `defaults:`)"},
		{"match", "", "`match` is a rule field; it is at the top level here (it goes in a rule, under `rules:`)"},
		{"default_receiver", "receivers[0]", "`default_receiver` is a top-level key; it is directly in the receiver here (top-level keys are not indented)"},
		{"name", "receivers[0].slack", "`name` is a receiver field; it is under `slack:` here (outdent it to line up with `slack:`)"},
		{"receivers", "routes[2].match", "`receivers` is a route field; it is under `match:` here (outdent it to line up with `match:`)"},
		{"rule", "rules[0].match", "`rule` is an inhibit source field, an inhibit target field or a route label; it is under `match:` here"},
		{"continue", "routes[0]", "a route has no `continue`: the first route that matches picks the receivers; list every receiver the pages should reach in that route's receivers"},
		// Valid here, or nowhere: nothing to say (a misspelling gets "did you mean").
		{"severity", "rules[0]", ""},
		{"sevrity", "rules[0].match", ""},
	}
	for _, tt := range tests {
		if got := misplaced(tt.key, tt.path); got != tt.want {
			t.Errorf("misplaced(%q, %q) =\n %q\nwant\n %q", tt.key, tt.path, got, tt.want)
		}
	}
}
