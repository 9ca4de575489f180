package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A batch is how one stream entry holds many callbacks: a version byte,
// the first arrival (Unix ms, uvarint), then for each callback its arrival
// less the first (varint: a batch is in queue order, which concurrent
// callbacks may have entered a millisecond apart), its app and its body,
// each as a uvarint length and the bytes. One entry a batch is what makes
// the record cheap: one XADD for thousands of callbacks, and a few bytes
// each besides the body.
const batchVersion = 1

// appendBatch encodes items.
func appendBatch(b []byte, items []item) []byte {
	base := items[0].at
	b = append(b, batchVersion)
	b = binary.AppendUvarint(b, uint64(base))
	for _, it := range items {
		b = binary.AppendVarint(b, it.at-base)
		b = binary.AppendUvarint(b, uint64(len(it.app)))
		b = append(b, it.app...)
		b = binary.AppendUvarint(b, uint64(len(it.body)))
		b = append(b, it.body...)
	}
	return b
}

var errBatch = errors.New("record: not a batch of callbacks")

// decodeBatch appends the callbacks of a batch to out, in arrival order.
// Their bodies are copies: b may be reused.
func decodeBatch(out []Entry, b []byte) ([]Entry, error) {
	if len(b) == 0 || b[0] != batchVersion {
		return out, errBatch
	}
	b = b[1:]
	base, n := binary.Uvarint(b)
	if n <= 0 {
		return out, errBatch
	}
	b = b[n:]
	first := len(out)
	for len(b) > 0 {
		delta, n := binary.Varint(b)
		if n <= 0 {
			return out, errBatch
		}
		b = b[n:]
		app, rest, err := lenPrefixed(b)
		if err != nil {
			return out, err
		}
		body, rest, err := lenPrefixed(rest)
		if err != nil {
			return out, err
		}
		b = rest
		out = append(out, Entry{At: time.UnixMilli(int64(base) + delta).UTC(), App: string(app), Body: slices.Clone(body)})
	}
	slices.SortStableFunc(out[first:], func(x, y Entry) int { return x.At.Compare(y.At) })
	return out, nil
}

func lenPrefixed(b []byte) (field, rest []byte, err error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < l {
		return nil, nil, fmt.Errorf("%w: a field runs past its end", errBatch)
	}
	return b[n : n+int(l)], b[n+int(l):], nil
}
