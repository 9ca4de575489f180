package population

import (
	"strconv"

	"github.com/hookdev/hook/internal/keyspace"
)

// The population's keys, in the room's partition's keyspace.

// Key is who is in a room now: a hash of user id to what their entry (103)
// said. HLEN is the room's present users; the fire script (internal/state)
// reads it for thresholds relative to the room's population.
func Key(ks keyspace.Keyspace, app, roomKey string) string { return ks.Key("pop", app, roomKey) }

// roomsKey is the partition's rooms with someone in them, by when they last
// changed (a sorted set of "app:roomKey"), so that rooms that end without a
// dismissal age out.
func roomsKey(ks keyspace.Keyspace) string { return ks.Key("poprooms") }

// appsKey is how many users each app has present in the partition's rooms
// (a hash of app -> count), kept exact by the same script that changes the
// rooms.
func appsKey(ks keyspace.Keyspace) string { return ks.Key("popapps") }

// goneKey is the partition's rooms dismissed lately (a sorted set of
// "app:roomKey" by dismissal time), so that an entry older than its room's
// dismissal, arriving late, adds nobody.
func goneKey(ks keyspace.Keyspace) string { return ks.Key("popgone") }

// leftKey is the users who left the partition's rooms during one period
// (gen counts periods since the Unix epoch), what their entry said and when
// they left, kept for at least one more period.
func leftKey(ks keyspace.Keyspace, gen int64) string {
	return ks.Key("popleft", strconv.FormatInt(gen, 10))
}
