package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/cli"
)

func runCatalog(args ...string) (stdout string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"catalog"}, args...), func(string) string { return "" }, nil, &out, &errOut)
	return out.String(), err
}

func exitCode(err error) int {
	var exit cli.Exit
	if errors.As(err, &exit) {
		return exit.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestCmdCatalog(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want []string // substrings of stdout, or of the error message when code != 0
	}{
		{"sdk 4013", []string{"sdk", "4013", "12", "1"}, 0,
			[]string{"sdk 4013: (Hardware) decoding failed (Number of frames failed to be decoded (3s) = 12)\n"}},
		{"sdk 4003", []string{"sdk", "4003", "1280", "720"}, 0, []string{"Resolution width = 1280", "Resolution height = 720"}},
		{"sdk 6001", []string{"sdk", "6001", "101", "0"}, 0, []string{"(Qos: cloud control mode - smoothness preferred) video call"}},
		{"params default to -1", []string{"dismissal", "1001"}, 0, []string{"dismissal 1001: Failed to initialize audio device"}},
		{"sdk 1001 is not dismissal 1001", []string{"sdk", "1001", "0"}, 0, []string{"The user unplugged wired earphone"}},
		{"fallback is still known", []string{"sdk", "1003", "9"}, 0, []string{"Network type changed", "parameter 9 matched no documented row"}},
		{"json", []string{"sdk", "3003", "11", "--json"}, 0, []string{`"text": "Audio codec: opus"`, `"known": true`}},
		{"callback 104", []string{"callback", "104"}, 0, []string{
			"event 104: room.exit (EVENT_TYPE_EXIT_ROOM): User left the room", "group 1: room",
			"reason 2: reason.timeout: Timeout", "reason 5: reason.force_closed", "role 20: role.anchor"}},
		{"callback 401", []string{"callback", "401"}, 0, []string{"relay.cdn_status", "relay_status 4: relay.failure: Failure"}},
		{"callback json", []string{"callback", "308", "--json"}, 0, []string{`"name": "recording.upload_error"`}},
		{"help", []string{"--help"}, 0, []string{"hook catalog TABLE ID"}},
		{"unknown sdk id", []string{"sdk", "9999"}, 1, []string{"unknown sdk id 9999"}},
		{"unknown dismissal id", []string{"dismissal", "1033"}, 1, []string{"unknown dismissal id 1033"}},
		{"unknown event type", []string{"callback", "999"}, 1, []string{"unknown event 999"}},
		{"no args", nil, 2, []string{"missing TABLE"}},
		{"unknown table", []string{"nope", "1"}, 2, []string{`unknown table "nope"`}},
		{"missing id", []string{"sdk"}, 2, []string{"missing ID"}},
		{"non-numeric id", []string{"sdk", "abc"}, 2, []string{`ID "abc" is not a number`}},
		{"non-numeric param", []string{"sdk", "4013", "x"}, 2, []string{`parameter "x" is not a number`}},
		{"too many args", []string{"sdk", "1", "2", "3", "4"}, 2, []string{"too many arguments"}},
		{"callback with params", []string{"callback", "104", "2"}, 2, []string{"event type only"}},
		{"list unknown table", []string{"list", "nope"}, 2, []string{`unknown table "nope"`}},
		{"list two tables", []string{"list", "sdk", "webrtc"}, 2, []string{"at most one"}},
		{"list experience", []string{"list", "experience"}, 0, []string{"experience\t1\t-1\t-1\tRoom entry was slow\n", "experience\t5\t-1\t-1\tAudio lagged\n"}},
		{"list callback", []string{"list", "callback"}, 0, []string{"callback\tevent\t0\t104\troom.exit\tEVENT_TYPE_EXIT_ROOM\tUser left the room\n",
			"callback\treason\t104\t2\treason.timeout\t-\tTimeout\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCatalog(tt.args...)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit %d (%v), want %d; stdout %q", got, err, tt.code, out)
			}
			text := out
			if err != nil {
				text = err.Error()
			}
			outputHas(t, text, tt.want)
		})
	}
}

// TestCmdCatalogEveryRow decodes every documented row through the command line and
// checks the row's own text comes back: the data file, the decoder and the CLI agree.
func TestCmdCatalogEveryRow(t *testing.T) {
	cat := catalogtest.New(t)
	rows := 0
	for _, table := range catalog.IDTables() {
		for _, row := range cat.Rows(table) {
			rows++
			args := []string{string(table), strconv.Itoa(row.ID), cliParam(row.Param1), cliParam(row.Param2)}
			out, err := runCatalog(args...)
			if err != nil {
				t.Errorf("hook catalog %v: %v", args, err)
				continue
			}
			want := string(table) + " " + strconv.Itoa(row.ID) + ": " + row.Text
			if !strings.HasPrefix(out, want) || strings.Contains(out, "general meaning") {
				t.Errorf("hook catalog %v = %q, want it to start with %q", args, out, want)
			}
			for _, p := range []string{row.Param1, row.Param2} {
				if _, err := strconv.Atoi(p); err != nil && !strings.Contains(out, p+" = 42") {
					t.Errorf("hook catalog %v = %q, want %q = 42", args, out, p)
				}
			}
		}
	}
	if rows != 173 {
		t.Errorf("%d rows, want 173", rows)
	}
}

// TestCmdCatalogEveryEvent names every documented event type through the command line.
func TestCmdCatalogEveryEvent(t *testing.T) {
	cat := catalogtest.New(t)
	listing, _ := cat.Entries(catalog.Callback)
	events := 0
	for _, sc := range listing.Callback {
		if sc.Field != catalog.FieldEvent {
			continue
		}
		events++
		out, err := runCatalog("callback", strconv.Itoa(sc.Value))
		if err != nil || !strings.Contains(out, sc.Name) || !strings.Contains(out, sc.Title) {
			t.Errorf("hook catalog callback %d = %q, %v; want %s", sc.Value, out, err, sc.Name)
		}
	}
	if events != 39 {
		t.Errorf("%d events, want 39", events)
	}
}

func TestCmdCatalogListJSON(t *testing.T) {
	out, err := runCatalog("list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var listing catalog.Listing
	if err := json.Unmarshal([]byte(out), &listing); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rows := range listing.Tables {
		total += len(rows)
	}
	if total != 173 || len(listing.Callback) == 0 {
		t.Errorf("list --json: %d rows, %d callback codes", total, len(listing.Callback))
	}
	text, err := runCatalog("list")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(text, "\n"); lines != total+len(listing.Callback) {
		t.Errorf("list: %d lines, want %d", lines, total+len(listing.Callback))
	}
}

// cliParam turns a row's parameter into a command-line value: literals as they are,
// named quantities as a sample reading of 42.
func cliParam(p string) string {
	if _, err := strconv.Atoi(p); err != nil {
		return "42"
	}
	return p
}
