package record

import "github.com/hookdev/hook/internal/keyspace"

// keys are the partition's share of the record of accepted callbacks: a
// stream of batches of callbacks, whose ids are arrival times, the number
// of callbacks in each of its entries (a list, oldest first), and how many
// it holds in all.
func keys(ks keyspace.Keyspace) (stream, counts, total string) {
	r := ks.Key("record")
	return r, r + ":n", r + ":total"
}
