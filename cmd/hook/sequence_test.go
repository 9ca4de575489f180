package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRehearseDropAndReturn(t *testing.T) {
	dir := t.TempDir()
	events := `[
 {"EventGroupId":1,"EventType":104,"CallbackTs":1772366400000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366400000,"UserId":"u1","Role":20,"Reason":2}},
 {"EventGroupId":1,"EventType":103,"CallbackTs":1772366460000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366460000,"UserId":"u1","Role":20,"Reason":1}},
 {"EventGroupId":1,"EventType":104,"CallbackTs":1772366400000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366500000,"UserId":"u2","Role":20,"Reason":2}},
 {"EventGroupId":1,"EventType":103,"CallbackTs":1772366400000,"EventInfo":{"RoomId":8489,"EventMsTs":1772366510000,"UserId":"u2","Role":20,"Reason":1}}
]`
	path := filepath.Join(dir, "events.json")
	if err := os.WriteFile(path, []byte(events), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"test", "--sequence", path}, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	for _, want := range []string{
		`12:00:00.000  event 104 user "u1" room "8489" -> room-timeout-storm: counted, user-dropped: pending`,
		"12:00:30.000  timer pending user-dropped -> paged",
		"-> user-dropped: resolved",
		"[RESOLVED]",
		"-> user-dropped: cleared",
		"2 page(s) in all",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// The shipped storm timeline rehearses as the README says: one room page,
// no per-user pages (two users came back, the rest are inhibited), and an
// unrelated failure elsewhere still pages.
func TestRehearseShippedStorm(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"test", "--sequence", "../../examples/storm.json"}, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	for _, want := range []string{
		"12:00:14.000  timer group room-timeout-storm -> paged",
		`12:00:20.000  event 103 user "viewer0" room "8489" -> user-dropped: cleared`,
		`12:00:25.000  event 308 user "recorder" room "9001" -> recording-upload-error: paged`,
		"12:00:40.000  timer pending user-dropped -> inhibited",
		"2 page(s) in all",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
