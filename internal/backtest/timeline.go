package backtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/record"
)

// A timeline file is what `hook test --sequence` reads: a JSON array of
// callback bodies, written one body a line (as the shipped timelines are),
// so that a kept incident diffs line by line. A body carries no SdkAppId
// (TRTC sends it as a header), so a timeline is one app's.

// Timeline writes callbacks as a timeline file, one body a line, as they
// come: call Add for each, then Close.
type Timeline struct {
	w   *bufio.Writer
	n   int
	app string
}

// NewTimeline starts a timeline on w.
func NewTimeline(w io.Writer) *Timeline { return &Timeline{w: bufio.NewWriterSize(w, 64<<10)} }

// ErrSeveralApps says a period holds callbacks of more than one app, which
// one timeline file cannot tell apart.
var ErrSeveralApps = errors.New("the callbacks come from more than one app, and a timeline file has no SdkAppId: pick one app")

// Add writes e's body on a line of its own (compacted, if it had line
// breaks). Every callback must be of the first one's app.
func (t *Timeline) Add(e record.Entry) error {
	if t.n == 0 {
		t.app = e.App
		t.w.WriteString("[\n")
	} else {
		if e.App != t.app {
			return fmt.Errorf("%w (%s and %s)", ErrSeveralApps, t.app, e.App)
		}
		t.w.WriteString(",\n")
	}
	t.n++
	t.w.WriteByte(' ')
	body := e.Body
	if bytes.ContainsAny(body, "\r\n") {
		var c bytes.Buffer
		if err := json.Compact(&c, body); err != nil {
			return fmt.Errorf("callback %d: %w", t.n, err)
		}
		body = c.Bytes()
	}
	_, err := t.w.Write(body)
	return err
}

// Close ends the array. A timeline of no callbacks is an empty array.
func (t *Timeline) Close() error {
	if t.n == 0 {
		t.w.WriteString("[")
	}
	t.w.WriteString("\n]\n")
	return t.w.Flush()
}

// Len is how many callbacks were written.
func (t *Timeline) Len() int { return t.n }

// App is the app of the callbacks written.
func (t *Timeline) App() string { return t.app }

// ReadTimeline is a Source of the callbacks in r: a timeline (a JSON array
// of bodies), one body, newline-delimited bodies, or the admin API's
// record stream (saved with curl). Bodies carry no app or arrival: each
// arrives as app, at its event's own time (EventMsTs, else its send time).
// The file is read as it is replayed, never whole.
func ReadTimeline(r io.Reader, app string) Source {
	return func(ctx context.Context, fn func(record.Entry) error) error {
		br := bufio.NewReaderSize(r, 64<<10)
		first, err := firstByte(br)
		if err != nil {
			return err
		}
		if first == '{' {
			if head, _ := br.Peek(7); string(head) == `{"at":"` {
				return readRecordStream(ctx, br, fn)
			}
		}
		dec := json.NewDecoder(br)
		array := first == '['
		if array {
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("not a timeline: %w", err)
			}
		}
		for i := 1; ; i++ {
			if array && !dec.More() {
				break
			}
			var body json.RawMessage
			if err := dec.Decode(&body); err != nil {
				if !array && errors.Is(err, io.EOF) {
					break
				}
				return fmt.Errorf("callback %d: %w", i, err)
			}
			ev, err := callback.Decode(app, body)
			if err != nil {
				return fmt.Errorf("callback %d: %w", i, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(record.Entry{At: ev.EventTime(), App: app, Body: body}); err != nil {
				return err
			}
		}
		return nil
	}
}

func readRecordStream(ctx context.Context, r io.Reader, fn func(record.Entry) error) error {
	lr := record.NewLineReader(r)
	for {
		e, ok, err := lr.Next()
		if err != nil || !ok {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// firstByte peeks at the first byte that is not white space.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, errors.New("empty file: no callbacks")
			}
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

// Filter is a Source of the callbacks of src that q picks.
func Filter(src Source, q record.Query) Source {
	return func(ctx context.Context, fn func(record.Entry) error) error {
		return src(ctx, func(e record.Entry) error {
			if !q.Match(e) {
				return nil
			}
			return fn(e)
		})
	}
}
