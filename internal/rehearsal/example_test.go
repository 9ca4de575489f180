package rehearsal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/rehearsal"
)

// The example's promises from before stateful rules still hold: failures page
// (a user drop after 30 s without return), routine events page nobody.
func TestExampleStillPagesFailuresAndNotRoutine(t *testing.T) {
	cat, err := catalog.New()
	if err != nil {
		t.Fatal(err)
	}
	rs := exampleRules(t, cat)
	ms := t0.UnixMilli()
	body := func(group, typ int, info string) string {
		return fmt.Sprintf(`{"EventGroupId":%d,"EventType":%d,"CallbackTs":%d,"EventInfo":{"RoomId":"r%d","EventMsTs":%d,"TaskId":"t1","UserId":"u1"%s}}`,
			group, typ, ms, typ, ms, info)
	}
	for _, tc := range []struct {
		name  string
		body  string
		pages int
	}{
		{"104 timeout, no return", body(1, 104, `,"Role":20,"Reason":2`), 1},
		{"104 force-closed, no return", body(1, 104, `,"Role":20,"Reason":5`), 1},
		{"301 start failed", body(3, 301, `,"Payload":{"Status":1}`), 1},
		{"305 files remain", body(3, 305, `,"Payload":{"Status":1}`), 1},
		{"308 upload error", body(3, 308, `,"Payload":{"Code":"E1","Message":"boom"}`), 1},
		{"401 relay failure", body(4, 401, `,"Payload":{"Status":4}`), 1},
		{"701 ingest failed", body(7, 701, `,"Status":1`), 1},
		{"101 room created", body(1, 101, ``), 0},
		{"103 normal enter", body(1, 103, `,"Role":20,"Reason":1`), 0},
		{"201 video start", body(2, 201, ``), 0},
		{"203 audio start", body(2, 203, ``), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := callback.Decode(app, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			steps, err := rehearsal.Run(context.Background(), cat, rs, []callback.Event{ev}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			pages := 0
			for _, st := range steps {
				pages += len(st.Pages)
			}
			if pages != tc.pages {
				t.Errorf("%d pages, want %d (steps %+v)", pages, tc.pages, steps)
			}
			if tc.pages == 0 && ev.Type != 103 && len(steps[0].Outcomes) != 0 {
				t.Errorf("a routine event reached the store: %+v", steps[0].Outcomes)
			}
		})
	}
}
