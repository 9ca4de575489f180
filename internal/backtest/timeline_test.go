package backtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/record"
)

func readAll(t *testing.T, src Source) ([]record.Entry, error) {
	t.Helper()
	var out []record.Entry
	err := src(context.Background(), func(e record.Entry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// A timeline written from callbacks is one body a line in a JSON array,
// as the shipped timelines are: written from a shipped timeline's bodies it
// is that file, byte for byte, and it reads back.
func TestTimelineRoundTrip(t *testing.T) {
	for _, path := range timelines(t) {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := readAll(t, ReadTimeline(bytes.NewReader(want), liveApp))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var got bytes.Buffer
		tl := NewTimeline(&got)
		for _, e := range entries {
			if err := tl.Add(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := tl.Close(); err != nil {
			t.Fatal(err)
		}
		if tl.Len() != len(entries) || tl.App() != liveApp {
			t.Errorf("%s: Len %d App %s", path, tl.Len(), tl.App())
		}
		if !strings.Contains(path, "examples/") && !bytes.Equal(got.Bytes(), want) {
			// examples/ are hand-written with spaces of their own; the scenes'
			// timelines are written as Timeline writes.
			t.Errorf("%s: written back differently:\n%s", path, got.String())
		}
		again, err := readAll(t, ReadTimeline(bytes.NewReader(got.Bytes()), liveApp))
		if err != nil || len(again) != len(entries) {
			t.Errorf("%s: read back %d of %d: %v", path, len(again), len(entries), err)
		}
	}
}

// Every shape a kept file may have reads: an array, one body, bodies a
// line, pretty-printed bodies, and the admin API's record stream; each
// body arrives as the app given, at its event time.
func TestReadTimelineShapes(t *testing.T) {
	body := func(user string, ms int64) string {
		return fmt.Sprintf(`{"EventGroupId":1,"EventType":103,"CallbackTs":%d,"EventInfo":{"RoomId":1,"UserId":%q,"EventMsTs":%d}}`, ms, user, ms)
	}
	ms := t0.UnixMilli()
	stream := record.AppendLine(nil, record.Entry{At: t0.Add(5e8), App: "1400000002", Body: []byte(body("a", ms))})
	stream = record.AppendEnd(stream, 1)
	for _, tc := range []struct {
		name, file string
		n          int
		app        string
		err        string
	}{
		{"array", "[\n " + body("a", ms) + ",\n " + body("b", ms+1) + "\n]\n", 2, liveApp, ""},
		{"one body", body("a", ms), 1, liveApp, ""},
		{"a body a line", body("a", ms) + "\n" + body("b", ms+1) + "\n", 2, liveApp, ""},
		{"pretty", "{\n  \"EventGroupId\": 1, \"EventType\": 101,\n  \"CallbackTs\": 1772366400000\n}\n", 1, liveApp, ""},
		{"record stream", string(stream), 1, "1400000002", ""},
		{"empty", "  \n", 0, "", "empty file"},
		{"empty array", "[\n]\n", 0, "", ""},
		{"not JSON", "[{\"EventGroupId\":", 0, "", "callback 1"},
		{"not a callback", `[{"EventGroupId":1}]`, 0, "", "callback 1: invalid callback: missing EventType"},
		{"cut record stream", string(stream[:len(stream)-27]), 0, "", "ended early"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, ReadTimeline(strings.NewReader(tc.file), liveApp))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != tc.n {
				t.Fatalf("%d callbacks, %v; want %d", len(got), err, tc.n)
			}
			if tc.n > 0 && (got[0].App != tc.app || got[0].At.IsZero()) {
				t.Errorf("first: app %s at %v", got[0].App, got[0].At)
			}
			if tc.name == "array" && (!got[0].At.Equal(t0) || got[0].At.Equal(got[1].At)) {
				t.Errorf("arrivals %v %v: want each body's EventMsTs", got[0].At, got[1].At)
			}
		})
	}
}

// A timeline has no SdkAppId: the callbacks of two apps cannot share one.
func TestTimelineRefusesSeveralApps(t *testing.T) {
	var b bytes.Buffer
	tl := NewTimeline(&b)
	if err := tl.Add(record.Entry{App: liveApp, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := tl.Add(record.Entry{App: "1400000002", Body: []byte(`{}`)}); !errors.Is(err, ErrSeveralApps) {
		t.Errorf("error %v, want ErrSeveralApps", err)
	}
}
