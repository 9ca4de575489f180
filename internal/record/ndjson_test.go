package record

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// What AppendLine writes, LineReader reads back: every field, a body with
// line breaks compacted onto its line, an app that needs escaping, and the
// end line that says the stream is whole.
func TestLinesRoundTrip(t *testing.T) {
	entries := []Entry{
		{At: t0.Add(123 * time.Millisecond), App: app, Body: roomBody(103, 9000, "u1", t0.UnixMilli())},
		{At: t0.Add(time.Second), App: "14\"00", Body: []byte("{\n  \"EventGroupId\": 1,\r\n  \"EventType\": 101\n}")},
		{At: t0.Add(2 * time.Second), App: app, Body: []byte(`{"EventGroupId":3,"EventInfo":{"Payload":{"Message":"a \"quoted\" }}"}}}`)},
	}
	var b []byte
	for _, e := range entries {
		b = AppendLine(b, e)
	}
	b = AppendEnd(b, len(entries))
	if n := bytes.Count(b, []byte("\n")); n != len(entries)+1 {
		t.Fatalf("%d lines for %d callbacks and the end:\n%s", n, len(entries), b)
	}
	r := NewLineReader(bytes.NewReader(b))
	for i, want := range entries {
		got, ok, err := r.Next()
		if err != nil || !ok {
			t.Fatalf("line %d: %v %v", i+1, ok, err)
		}
		wantBody := want.Body
		if i == 1 {
			wantBody = []byte(`{"EventGroupId":1,"EventType":101}`)
		}
		if !got.At.Equal(want.At) || got.App != want.App || !bytes.Equal(got.Body, wantBody) {
			t.Errorf("line %d: %v %q %s, want %v %q %s", i+1, got.At, got.App, got.Body, want.At, want.App, wantBody)
		}
	}
	if _, ok, err := r.Next(); ok || err != nil {
		t.Errorf("after the end line: %v %v, want the end", ok, err)
	}
}

// A stream without its end line, one ended by an error, one whose count
// disagrees, or a line that is not JSON is never taken for a whole period.
func TestLinesRefuseCutStreams(t *testing.T) {
	line := string(AppendLine(nil, Entry{At: t0, App: app, Body: roomBody(104, 1, "u", 0)}))
	for _, tc := range []struct {
		name, stream, want string
	}{
		{"cut", line + line, "ended early"},
		{"cut mid-line", line + line[:40], "record stream line 2"},
		{"error line", line + `{"error":"redis: i/o timeout"}` + "\n", "could not read the whole record: redis: i/o timeout"},
		{"count disagrees", line + string(AppendEnd(nil, 2)), "says 2 callbacks, 1 came"},
		{"not JSON", "hello\n", "record stream line 1"},
		{"no body", `{"at":"2026-03-01T12:00:00.000Z","app":"1"}` + "\n", "no body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewLineReader(strings.NewReader(tc.stream))
			var err error
			for {
				var ok bool
				if _, ok, err = r.Next(); !ok || err != nil {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if tc.name == "cut" && !errors.Is(err, ErrCut) {
				t.Errorf("error %v is not ErrCut", err)
			}
		})
	}
}

// Lines another writer spelled differently (spaces, key order) still read,
// through encoding/json.
func TestLinesOfOtherShapes(t *testing.T) {
	stream := `{ "app": "1400000001", "at": "2026-03-01T12:00:01Z", "body": {"EventGroupId": 1} }` + "\n" + `{"end":true,"callbacks":1}` + "\n"
	r := NewLineReader(strings.NewReader(stream))
	e, ok, err := r.Next()
	if err != nil || !ok || e.App != app || !e.At.Equal(t0.Add(time.Second)) || string(e.Body) != `{"EventGroupId": 1}` {
		t.Fatalf("%+v %v %v", e, ok, err)
	}
}

func BenchmarkLineReader(b *testing.B) {
	line := AppendLine(nil, Entry{At: t0, App: app, Body: roomBody(104, 9000, "viewer-1234567", t0.UnixMilli())})
	stream := bytes.Repeat(line, 1000)
	stream = AppendEnd(stream, 1000)
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		r := NewLineReader(bytes.NewReader(stream))
		for {
			_, ok, err := r.Next()
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
		}
	}
}
