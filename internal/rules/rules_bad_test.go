package rules

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/catalog/catalogtest"
)

// TestBadFiles holds one file per class of mistake, each with the exact
// messages and positions an operator sees.
func TestBadFiles(t *testing.T) {
	cat := catalogtest.New(t)
	covered := map[string]bool{}
	for _, tc := range badFiles {
		covered[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "bad", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Compile(tc.file, data, cat, envMap(nil))
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Compile = %v, want a *LoadError", err)
			}
			if !slices.Equal(le.Errs, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(le.Errs, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expected errors in badFiles", f)
		}
	}
}

var badFiles = []struct {
	file string
	want []string
}{
	{"bad_duration.yaml", []string{
		`bad_duration.yaml:9:15: rule "a": window: bad duration "10" (a bare number has no unit; write "10s" or "10m")`,
	}},
	{"bad_operator.yaml", []string{
		"bad_operator.yaml:8:14: rule \"a\": unknown match operator `regx`, did you mean `regex`?",
	}},
	{"bad_regex.yaml", []string{
		"bad_regex.yaml:8:21: rule \"a\": match.room: bad regex: missing closing ]: `[`",
	}},
	{"app_id.yaml", []string{
		`app_id.yaml:2:17: apps[0]: sdk_app_id "01400000001" must be a decimal number like 1400000001 (no sign, spaces or leading zeros)`,
		`app_id.yaml:3:19: app 01400000001: callback_key: environment variable HOME is not set`,
	}},
	{"duplicate_key.yaml", []string{
		`duplicate_key.yaml:9:5: rule "a": severity: key given twice (first at line 8)`,
	}},
	{"duplicate_rule.yaml", []string{
		`duplicate_rule.yaml:8:11: rule "a": name already used at line 6; names identify rules in pages and dedup keys`,
	}},
	{"empty.yaml", []string{
		`empty.yaml:1:1: the file is empty: it needs at least receivers and rules`,
	}},
	// A duration in words: the rule is named, the hint is the duration meant,
	// and clear is not also said to need a for.
	{"flood.yaml", []string{
		"flood.yaml:10:16: delivery.flood.threshold 0: must be at least 1 (to send every page on its own, write enabled: false)",
		"flood.yaml:11:15: delivery.flood.interval 500ms is too short: Slack takes about one message a second per channel, and the digest shares it with pages (use at least 2s)",
		"flood.yaml:12:15: delivery.flood.examples 50: use 0 (none) to 20",
		"flood.yaml:13:5: unknown field `enabld`, did you mean `enabled`?",
	}},
	{"for_in_words.yaml", []string{
		`for_in_words.yaml:8:10: rule "a": for: bad duration "30 seconds" (write "30s")`,
	}},
	{"many.yaml", []string{
		`many.yaml:9:15: rule "dropped": match.reason: unknown reason "timout", did you mean "reason.timeout"?`,
		`many.yaml:11:12: rule "dropped": title: unknown field .Usr, did you mean .User?`,
		`many.yaml:14:14: rule "recording": match.event: unknown event "recording.strat", did you mean "recording.start"?`,
		"many.yaml:15:29: rule \"recording\": match.status: bad regex: missing closing ): `(`",
		`many.yaml:16:17: rule "recording": unknown receiver "oncal", did you mean "oncall"?`,
		"many.yaml:17:5: rule \"recording\": unknown field `continu`, did you mean `continue`?",
	}},
	{"missing.yaml", []string{
		`missing.yaml:2:5: receivers[0]: every receiver needs a name`,
		`missing.yaml:4:12: receiver "team": slack.channel is required`,
		`missing.yaml:7:5: rules[0]: every rule needs a name`,
	}},
	{"no_rules.yaml", []string{
		`no_rules.yaml:4:8: no rules: nothing would ever page (add at least one under rules:)`,
	}},
	{"receivers.yaml", []string{
		`receivers.yaml:2:5: receiver "both": give exactly one of slack or console`,
		`receivers.yaml:5:11: receiver "both" defined twice`,
		`receivers.yaml:7:19: default_receiver "nobody" is not defined, did you mean "both"?`,
	}},
	// A misspelt receivers: key is reported once; references are checked
	// against the names written under it, so only wrong ones are reported.
	{"receivers_typo.yaml", []string{
		"receivers_typo.yaml:1:1: unknown field `recievers`, did you mean `receivers`?",
		`receivers_typo.yaml:6:19: default_receiver "oncal" is not defined, did you mean "oncall"?`,
		`receivers_typo.yaml:14:17: rule "b": unknown receiver "consol", did you mean "console"?`,
	}},
	// Receivers that cannot be read leave every reference to them unchecked
	// (default_receiver and the fallback alike), not called undefined.
	{"receivers_unreadable.yaml", []string{
		`receivers_unreadable.yaml:1:12: receivers: expected a list, got "oncall" (write [oncall] for a list of one)`,
	}},
	// A runbook is a link, a short text, or both: each mistake at its place.
	// Routes are checked like rules: labels, values, receivers; a route
	// after one that takes every page is never reached.
	{"routes.yaml", []string{
		`routes.yaml:7:38: routes[0]: match.event: unknown event "recording.strat", did you mean "recording.start"?`,
		`routes.yaml:8:17: routes[0]: unknown receiver "medai", did you mean "media"?`,
		"routes.yaml:9:13: routes[1]: a route matches pages by app, event, group, rule, scene, severity; `room` is matched by rules (to page someone else for it, give the rule that matches it receivers of its own)",
		"routes.yaml:9:27: routes[1]: unknown route label `severty`, did you mean `severity`?",
		`routes.yaml:11:23: routes[2]: unknown severity "urgent" (critical, warning, info)`,
		`routes.yaml:11:37: routes[2]: unknown rule "nosuch"`,
		`routes.yaml:11:57: routes[2]: match.scene: "meeting" is neither live nor call (TRTC's VideoCall and AudioCall scenes are call)`,
		`routes.yaml:13:23: routes[3]: severity takes a value or a list`,
		`routes.yaml:14:16: routes[3]: needs receivers, e.g. receivers: [oncall]`,
		"routes.yaml:17:5: a route has no `continue`: the first route that matches picks the receivers; list every receiver the pages should reach in that route's receivers",
		`routes.yaml:19:5: routes[6] is never reached: routes[5] (line 18) has no match and takes every page before it`,
		`routes.yaml:21:5: routes[7] is never reached: routes[5] (line 18) has no match and takes every page before it`,
		"routes.yaml:23:7: routes[7]: `receivers` is a route field; it is under `match:` here (outdent it to line up with `match:`)",
	}},
	// Without default_receiver, a rule's pages that may miss every route
	// have nowhere to go.
	{"routes_unrouted.yaml", []string{
		`routes_unrouted.yaml:11:5: rule "a": no receivers and no default_receiver, and the routes may not take all of its pages (routes[1] takes app: 1400000001): give it receivers, add default_receiver, or end routes with one without match`,
	}},
	{"runbook.yaml", []string{
		`runbook.yaml:7:14: rule "a": runbook: "ftp://wiki.example.com/rb": a runbook link must be http or https`,
		"runbook.yaml:9:49: rule \"b\": unknown field `txt` in runbook, did you mean `text`?",
		`runbook.yaml:11:20: rule "c": runbook.url: "wiki.example.com/rb" is not a link: write it whole, e.g. https://wiki.example.com/runbooks/room-outage`,
		`runbook.yaml:13:14: rule "d": runbook: the URL holds ' ', which a page cannot link: percent-encode it (%20)`,
		`runbook.yaml:15:14: rule "e": runbook is empty: give a URL or a short text, or leave runbook out`,
		`runbook.yaml:17:14: rule "f": runbook: give url, text or both, e.g. {url: https://wiki.example.com/runbooks/x, text: "Check the CDN first"}`,
		`runbook.yaml:19:14: rule "g": runbook: expected a URL or a short text, got the number 42 (quote it if you mean the text)`,
		`runbook.yaml:21:14: rule "h": runbook: expected a URL, a short text or {url: ..., text: ...}, got a list`,
		`runbook.yaml:23:21: rule "i": runbook.text: expected a string, got a mapping`,
		`runbook.yaml:25:14: rule "j": runbook: "https:///no-host" has no host`,
		`runbook.yaml:27:14: rule "k": runbook: the URL holds '|', which a page cannot link: percent-encode it (%7C)`,
	}},
	// A scene is live or call, exactly so: each mistake is named with both,
	// and with the scene meant where it can be guessed.
	{"scene.yaml", []string{
		`scene.yaml:4:12: app 1400000001: scene "Live" is neither live nor call (write live, in lower case)`,
		`scene.yaml:7:12: app 1400000002: scene "videocall" is neither live nor call (TRTC's VideoCall and AudioCall scenes are call)`,
		`scene.yaml:10:12: app 1400000003: scene "" is neither live nor call (live: LIVE and VoiceChatRoom, anchors and audience; call: VideoCall and AudioCall, everyone role 20)`,
		`scene.yaml:13:12: scene: expected a string, got a list`,
		`scene.yaml:20:45: rule "a": match.scene: "meeting" is neither live nor call (TRTC's VideoCall and AudioCall scenes are call)`,
	}},
	{"secrets.yaml", []string{
		`secrets.yaml:3:19: app 1400000001: callback_key: environment variable HOOK_TEST_UNSET_KEY is not set`,
		`secrets.yaml:5:19: app 1400000002: callback_key: give env or file, not both`,
		`secrets.yaml:7:19: app 1400000003: callback_key: needs {env: VAR} or {file: PATH} (keys are never written in the rules file; without callback_key the app takes TRTC_CALLBACK_KEY)`,
		`secrets.yaml:9:5: apps[4]: sdk_app_id is required`, // 1400000004, without callback_key, is fine
	}},
	{"severity.yaml", []string{
		`severity.yaml:6:9: receiver "oncall": mentions for unknown severity "urgent" (critical, warning or info)`,
		`severity.yaml:7:20: receiver "oncall": "@here" is not a Slack mention token (write <!here>)`,
		`severity.yaml:12:15: rule "a": unknown severity "critcal", did you mean "critical"?`,
	}},
	{"short_window.yaml", []string{
		`short_window.yaml:8:21: rule "a": dedup.window 30s is shorter than 1m, so TRTC's redeliveries would page again`,
	}},
	// Relative thresholds and rearm: a share is a percentage, of says whose,
	// and state that would live in two partitions is refused.
	{"threshold_share.yaml", []string{
		`threshold_share.yaml:8:34: rule "bare": share: a bare number is not a share: write it as a percentage, e.g. "50%"`,
		`threshold_share.yaml:11:34: rule "fraction": share: a bare number is not a share: write it as a percentage, e.g. "30%"`,
		`threshold_share.yaml:14:34: rule "too-much": share: 150% is not between 1% and 100%`,
		`threshold_share.yaml:17:34: rule "words": share: expected a percentage like "50%", got "half"`,
		`threshold_share.yaml:20:31: rule "of-alone": threshold.of needs threshold.share: of says whose users the share is of`,
		`threshold_share.yaml:23:43: rule "of-what": threshold.of "rom": use room or app, did you mean "room"?`,
		`threshold_share.yaml:26:57: rule "room-share-app-key": a share of the room needs threshold.per to name the room ({{.Room}} or {{.RoomKey}}); for a share of the app's users write of: app`,
		`threshold_share.yaml:29:47: rule "empty-rearm": threshold.rearm needs at least one field to match, e.g. {relay_status: running}`,
		`threshold_share.yaml:32:62: rule "bad-rearm": threshold.rearm: match.relay_status: unknown relay_status "runing", did you mean "relay.running"?`,
		`threshold_share.yaml:39:5: inhibit[0]: rule "app-storm" counts app-wide (its threshold.per does not name the room) and rule "anchor" per room: their state lives in different partitions, so one cannot inhibit the other`,
	}},
	// A syntax error is at the line at fault, not where yaml.v3 says (the
	// start of the block around it: line 4, rules:), and an indentation
	// mistake says how far the line is indented and how far it should be.
	{"syntax.yaml", []string{
		"syntax.yaml:6:4: syntax error: `match` is indented 3 spaces, which lines up with nothing above it; as a rule field it goes 4 spaces in, like `name` on line 5 (yaml: did not find expected '-' indicator)",
	}},
	// A tab does not hide the syntax error after it.
	{"tab_then_syntax.yaml", []string{
		`tab_then_syntax.yaml:3:1: syntax error: a tab in the indentation (YAML indents with spaces only)`,
		"tab_then_syntax.yaml:7:4: syntax error: `match` is indented 3 spaces, which lines up with nothing above it; as a rule field it goes 4 spaces in, like `name` on line 6 (yaml: did not find expected '-' indicator)",
	}},
	// Issue 24: a slip on the last rule of a long file was reported at the
	// first rule (yaml.v3 names the block the parser was in).
	{"indent_near_end.yaml", []string{
		"indent_near_end.yaml:50:4: syntax error: `per` is indented 3 spaces, which lines up with nothing above it; as a threshold field it goes 6 spaces in, like `within` on line 49 (yaml: did not find expected '-' indicator)",
	}},
	{"indent_deeper.yaml", []string{
		"indent_deeper.yaml:12:9: syntax error: `per` is indented more than `within` on line 11 (8 spaces, not 6), so it reads as more of `within`'s value; as a threshold field it goes 6 spaces in, like `within` on line 11 (yaml: mapping values are not allowed in this context)",
	}},
	{"indent_dash.yaml", []string{
		"indent_dash.yaml:7:3: syntax error: `match` is indented 2 spaces, like the `-` of the list item on line 6, so it is not in that item (its keys are 4 spaces in); as a rule field it goes 4 spaces in, like `name` on line 6 (yaml: did not find expected '-' indicator)",
	}},
	// Unclosed brackets and quotes are reported where they open, and a
	// colon in a plain value where it is.
	{"unclosed.yaml", []string{
		"unclosed.yaml:7:12: syntax error: this `{` is not closed by a `}`, or its entries lack a `,` between them (yaml: did not find expected ',' or '}')",
	}},
	{"unclosed_quote.yaml", []string{
		`unclosed_quote.yaml:8:12: syntax error: the " that starts this value is never closed (yaml: found unexpected end of stream)`,
	}},
	{"colon_in_value.yaml", []string{
		"colon_in_value.yaml:8:26: syntax error: the value of `title` holds \": \", which YAML reads as the start of another key: quote the value (yaml: mapping values are not allowed in this context)",
	}},
	// Issue 24: a key of another level says where it belongs, not "did you
	// mean" a lookalike of this one (`severity` was "did you mean `event`?").
	{"severity_in_match.yaml", []string{
		"severity_in_match.yaml:9:7: rule \"a\": `severity` is a rule field; it is under `match:` here (outdent it to line up with `match:`)",
	}},
	{"misplaced.yaml", []string{
		"misplaced.yaml:3:5: `channel` is a slack field; it is directly in the receiver here (indent it under `slack:`)",
		"misplaced.yaml:6:1: `fallback_receiver` is a delivery field; it is at the top level here (indent it under `delivery:`)",
		"misplaced.yaml:8:3: `window` is a dedup field; it is under `defaults:` here (indent it under `dedup:`)",
		"misplaced.yaml:15:7: rule \"storm\": `for` is a rule field; it is under `threshold:` here (outdent it to line up with `threshold:`)",
		"misplaced.yaml:16:5: rule \"storm\": `per` is a threshold field; it is directly in the rule here (indent it under `threshold:`)",
		"misplaced.yaml:17:5: rule \"storm\": `event` is a match field; it is directly in the rule here (indent it under `match:`)",
		"misplaced.yaml:21:7: rule \"recorded\": `receivers` is a rule field; it is under `match:` here (outdent it to line up with `match:`)",
	}},
	{"template_field.yaml", []string{
		`template_field.yaml:8:11: rule "a": text: unknown field .Usr, did you mean .User?`,
	}},
	{"template_parse.yaml", []string{
		`template_parse.yaml:8:12: rule "a": title: function "shout" not defined`,
	}},
	{"unknown_field.yaml", []string{
		"unknown_field.yaml:1:1: unknown field `recievers`, did you mean `receivers`?",
		`unknown_field.yaml:5:5: rule "a": no receivers and no default_receiver`,
	}},
	{"unknown_match_field.yaml", []string{
		"unknown_match_field.yaml:8:7: rule \"a\": unknown match field `evnt`, did you mean `event`?",
	}},
	{"unknown_name.yaml", []string{
		`unknown_name.yaml:9:25: rule "a": match.reason: unknown reason "timout", did you mean "reason.timeout"?`,
	}},
	{"unknown_receiver.yaml", []string{
		`unknown_receiver.yaml:7:17: rule "a": unknown receiver "oncal", did you mean "oncall"?`,
	}},
	{"unknown_rule_field.yaml", []string{
		"unknown_rule_field.yaml:8:5: rule \"a\": unknown field `sevrity`, did you mean `severity`?",
	}},
	{"when.yaml", []string{
		`when.yaml:8:46: rule "a": when: unknown name Stauts, did you mean Status?`,
	}},
	// A code's field misspelt: named as written, with a suggestion, and no
	// Go type name.
	{"when_field.yaml", []string{
		`when_field.yaml:8:18: rule "a": when: Status has no field Nme, did you mean Name?`,
	}},
	{"when_type.yaml", []string{
		`when_type.yaml:8:17: rule "a": when: invalid operation: + (mismatched types string and int)`,
	}},
	{"wrong_type.yaml", []string{
		`wrong_type.yaml:7:16: rule "a": receivers: expected a list, got "oncall" (write [oncall] for a list of one)`,
		`wrong_type.yaml:8:15: rule "a": continue: expected true or false, got "yes"`,
	}},
}
