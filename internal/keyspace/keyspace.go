// Package keyspace says where hook's Redis keys live: under which hash tag,
// in which partition. It names no key itself: each package that keeps state
// in Redis builds its own key names from a Keyspace (outbox.Stream,
// silence.Keys, ...), so the package that owns a key is the one place its
// name is made. Scripts never derive a key; they are handed each one in KEYS.
package keyspace

import "strings"

// Keyspace builds keys under one hash tag. Every key of a Keyspace starts
// with its hash tag ("{hook}" or "{hook:p07}"), so that all of them share
// one Redis Cluster slot and a script may touch any of them.
type Keyspace struct {
	tag string
}

// New returns the keys under the tag "{prefix}" (e.g. "{hook}"): the global
// keys (see Layout.Global).
func New(prefix string) Keyspace { return Tagged("{" + prefix + "}") }

// Tagged returns the keys under tag, braces included.
func Tagged(tag string) Keyspace { return Keyspace{tag: tag} }

// Tag is the hash tag every key of k starts with.
func (k Keyspace) Tag() string { return k.tag }

// Key joins the tag and parts with ":", in one allocation.
func (k Keyspace) Key(parts ...string) string {
	n := len(k.tag)
	for _, p := range parts {
		n += 1 + len(p)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(k.tag)
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}
