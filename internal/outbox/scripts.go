package outbox

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The outbox's scripts, each a file in lua/ beside this one. Each is one
// state transition, atomic in its part's slot: an entry is never in two
// places (outbox and dead letters, outbox and a digest) nor in none.
var (
	//go:embed lua/ack.lua
	luaAck string
	//go:embed lua/dead_letter.lua
	luaDeadLetter string
	//go:embed lua/retry.lua
	luaRetry string
	//go:embed lua/touch.lua
	luaTouch string
	//go:embed lua/absorb.lua
	luaAbsorb string
	//go:embed lua/dead_letter_digest.lua
	luaDeadLetterDigest string
	//go:embed lua/later_ack.lua
	luaLaterAck string
	//go:embed lua/later_release.lua
	luaLaterRelease string
)

// scripts are the outbox's scripts, loaded once per Outbox.
type scripts struct {
	ack, deadLetter, retry, touch, absorb, deadLetterDigest, laterAck, laterRelease *redis.Script
}

func newScripts() scripts {
	return scripts{
		ack:              redis.NewScript(luaAck),
		deadLetter:       redis.NewScript(luaDeadLetter),
		retry:            redis.NewScript(luaRetry),
		touch:            redis.NewScript(luaTouch),
		absorb:           redis.NewScript(luaAbsorb),
		deadLetterDigest: redis.NewScript(luaDeadLetterDigest),
		laterAck:         redis.NewScript(luaLaterAck),
		laterRelease:     redis.NewScript(luaLaterRelease),
	}
}
