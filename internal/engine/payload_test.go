package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog/catalogtest"
	"github.com/hookdev/hook/internal/match"
)

// The payload is decoded for the rules only when one of them reads it, and
// then a rule reading it sees it just as when it was always decoded.
func TestPayloadDecodedOnlyWhenRead(t *testing.T) {
	now := time.Now()
	body := fmt.Sprintf(`{"EventGroupId":3,"EventType":308,"CallbackTs":%d,"EventInfo":{"RoomId":"8489","TaskId":"t1","Payload":{"Code":"E","Message":"m","Retries":3}}}`, now.UnixMilli())
	ev, err := callback.Decode("1400000001", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Payload != nil || len(ev.RawPayload) == 0 {
		t.Fatalf("Decode: Payload %v, RawPayload %q; want it kept raw", ev.Payload, ev.RawPayload)
	}
	for _, tc := range []struct {
		name, rule string
		decoded    bool
		matches    int
	}{
		{"no rule reads it", "  - name: r\n    match: {event: 308}\n", false, 1},
		{"a when reads it", "  - name: r\n    match: {event: 308}\n    when: Payload.Retries > 2\n", true, 1},
		{"a when reads it and says no", "  - name: r\n    match: {event: 308}\n    when: Payload.Retries > 5\n", true, 0},
		{"the whole environment", "  - name: r\n    match: {event: 308}\n    when: $env != nil\n", true, 1},
		{"a title reads it", "  - name: r\n    match: {event: 308}\n    title: \"{{.Payload.Message}}\"\n", true, 1},
		{"a dedup key reads it", "  - name: r\n    match: {event: 308}\n    dedup: {key: \"{{.Raw.Payload.Code}}\"}\n", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := mustCompile(t, "rules:\n"+tc.rule)
			var f match.Facts
			rs.Facts(&f, catalogtest.New(t), ev)
			if got := f.Payload != nil; got != tc.decoded {
				t.Fatalf("payload decoded %v, want %v", got, tc.decoded)
			}
			if tc.decoded && f.Payload["Retries"] != 3.0 {
				t.Fatalf("payload %v", f.Payload)
			}
			if got := len(Alerts(rs, &f, now)); got != tc.matches {
				t.Fatalf("%d alerts, want %d", got, tc.matches)
			}
		})
	}
}
