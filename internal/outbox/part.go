package outbox

import (
	"strings"

	"github.com/hookdev/hook/internal/keyspace"
)

// part is one outbox stream with its dead letters and later set: a
// partition, or the drained single-slot layout (keyspace.Part).
type part struct{ keyspace.Part }

// id is the outbox or dead-letter id of stream entry sid of part p: ids
// carry their part ("p07:<stream id>"), so Ack, DeadLetter, retry and drop
// find the stream; the single-slot layout's ids are bare stream ids, as
// they always were.
func (p part) id(sid string) string {
	if p.Name == "" {
		return sid
	}
	return p.Name + ":" + sid
}

func (p part) stream() string      { return Stream(p.Keys) }
func (p part) deadLetters() string { return DeadLetters(p.Keys) }
func (p part) later() string       { return Later(p.Keys) }

// locate splits an outbox or dead-letter id into its part and stream id;
// ok is false for an id that names no part of this outbox or no stream entry.
func (o *Outbox) locate(id string) (p part, sid string, ok bool) {
	name, sid, prefixed := strings.Cut(id, ":")
	if !prefixed {
		name, sid = "", id
	}
	for _, p := range o.parts {
		if p.Name == name {
			return p, sid, validStreamID(sid)
		}
	}
	return part{}, "", false
}
