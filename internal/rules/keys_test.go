package rules

import (
	"testing"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

// Ruleset.Key: an app's own key wins; TRTC_CALLBACK_KEY covers every other
// app, listed without a callback_key (app 3, for its scene) or not listed;
// with neither, the app is unknown.
func TestRulesetKeys(t *testing.T) {
	const src = `
apps:
  - sdk_app_id: "1"
    callback_key: {env: OWN_KEY}
  - sdk_app_id: "3"
    scene: call
receivers: [{name: c, console: {}}]
default_receiver: c
rules: [{name: r, match: {event: room.exit}}]
`
	env := func(all string) func(string) string {
		return func(k string) string {
			return map[string]string{"OWN_KEY": "own", AllAppsKeyEnv: all}[k]
		}
	}
	withAll, err := Compile("keys.yaml", []byte(src), catalogtest.New(t), env("shared"))
	if err != nil {
		t.Fatal(err)
	}
	ownOnly, err := Compile("keys.yaml", []byte(src), catalogtest.New(t), env(""))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rs   *Ruleset
		app  string
		want string
		ok   bool
	}{
		{withAll, "1", "own", true},
		{withAll, "2", "shared", true},
		{withAll, "3", "shared", true},
		{ownOnly, "1", "own", true},
		{ownOnly, "2", "", false},
		{ownOnly, "3", "", false},
	}
	for _, tt := range tests {
		k, ok := tt.rs.Key(tt.app)
		if string(k) != tt.want || ok != tt.ok {
			t.Errorf("Key(%s) = %q, %v; want %q, %v", tt.app, k, ok, tt.want, tt.ok)
		}
	}
	if !ownOnly.HasKeys() {
		t.Error("a ruleset with an app key says it has none")
	}
	if got := ownOnly.KeylessApps(); len(got) != 1 || got[0] != "3" || ownOnly.Apps() != 2 {
		t.Errorf("KeylessApps() = %v, Apps() = %d; want [3] of 2 apps", got, ownOnly.Apps())
	}
	if ownOnly.Scene("3") != "call" {
		t.Errorf("app 3 without a key lost its scene: %s", ownOnly.Scene("3"))
	}
	// An app without a key of its own and no key for every app: no key at all.
	keyless, err := Compile("keyless.yaml", []byte(`
apps: [{sdk_app_id: "3", scene: call}]
receivers: [{name: c, console: {}}]
default_receiver: c
rules: [{name: r, match: {event: room.exit}}]
`), catalogtest.New(t), env(""))
	if err != nil {
		t.Fatal(err)
	}
	if keyless.HasKeys() {
		t.Error("apps without keys and no TRTC_CALLBACK_KEY: HasKeys says there is one")
	}
}

// An inhibit rule's marker id follows what it says, not its place in the
// list: reordering rules on a reload must not orphan markers set before it.
func TestInhibitIDIgnoresOrder(t *testing.T) {
	a := InhibitRule{Source: map[string]MatchValue{"rule": {Values: []string{"storm"}}}, Target: map[string]MatchValue{"rule": {Values: []string{"user"}}}, Equal: []string{"app", "room"}}
	b := InhibitRule{Source: map[string]MatchValue{"rule": {Values: []string{"storm"}}}, Target: map[string]MatchValue{"rule": {Values: []string{"other"}}}, Equal: []string{"app", "room"}}
	if inhibitID(a) != inhibitID(a) || inhibitID(a) == inhibitID(b) {
		t.Errorf("ids: %s, %s: want stable and distinct", inhibitID(a), inhibitID(b))
	}
}
