package engine_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hookdev/hook"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

func noEnv(string) string { return "" }

// TestExampleRules pins what the shipped example promises a new user: real
// failures page, routine traffic does not.
func TestExampleRules(t *testing.T) {
	cat := catalogtest.New(t)
	rs, err := rules.Compile(hook.ExampleRulesName, hook.ExampleRules, cat, noEnv)
	if err != nil {
		t.Fatalf("the example does not compile:\n%v", err)
	}
	tests := []struct {
		name  string
		group int
		typ   int
		info  map[string]any
		pages bool
	}{
		{"user left by timeout", 1, 104, map[string]any{"Reason": 2, "UserId": "u", "RoomId": 1}, true},
		{"user force-closed", 1, 104, map[string]any{"Reason": 5, "UserId": "u", "RoomId": 1}, true},
		{"recording failed to start", 3, 301, map[string]any{"Payload": map[string]any{"Status": 1}}, true},
		{"upload stopped with files remaining (Status)", 3, 305, map[string]any{"Payload": map[string]any{"Status": 1}}, true},
		{"upload stopped with files remaining (LeaveCode)", 3, 305, map[string]any{"Payload": map[string]any{"LeaveCode": 1}}, true},
		{"upload error", 3, 308, map[string]any{"Payload": map[string]any{"Code": "x", "Message": "y"}}, true},
		{"relay failure", 4, 401, map[string]any{"Payload": map[string]any{"Status": 4}}, true},
		{"ingest failed", 7, 701, map[string]any{"Status": 1}, true},

		{"room created", 1, 101, map[string]any{"RoomId": 1}, false},
		{"user entered normally", 1, 103, map[string]any{"Reason": 1, "UserId": "u", "RoomId": 1}, false},
		{"video started", 2, 201, map[string]any{"UserId": "u", "RoomId": 1}, false},
		{"audio started", 2, 203, map[string]any{"UserId": "u", "RoomId": 1}, false},
		{"user left normally", 1, 104, map[string]any{"Reason": 1, "UserId": "u", "RoomId": 1}, false},
		{"recording started fine", 3, 301, map[string]any{"Payload": map[string]any{"Status": 0}}, false},
		{"upload stopped, all uploaded", 3, 305, map[string]any{"Payload": map[string]any{"Status": 0}}, false},
		{"relay running", 4, 401, map[string]any{"Payload": map[string]any{"Status": 2}}, false},
		{"ingest started", 7, 701, map[string]any{"Status": 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"EventGroupId": tt.group, "EventType": tt.typ, "CallbackTs": 1, "EventInfo": tt.info})
			ev, err := callback.Decode("1400000001", body)
			if err != nil {
				t.Fatal(err)
			}
			f := match.NewFacts(cat, ev)
			matched := engine.Evaluate(rs, &f)
			if got := len(matched) > 0; got != tt.pages {
				t.Fatalf("pages = %v, want %v (matched %s)", got, tt.pages, fmt.Sprint(matched))
			}
		})
	}
}
