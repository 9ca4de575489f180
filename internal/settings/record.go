package settings

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/record"
)

// InProcessRecordMax is the record's default length on the in-process
// Redis, which lives in hook's own memory: 100,000 callbacks, about 25 MB
// (TRTC's room events).
const InProcessRecordMax = 100_000

// Record is the record of accepted callbacks `hook backtest` replays
// (internal/record).
type Record struct {
	On     bool          // HOOK_RECORD: on (default) or off
	MaxAge time.Duration // HOOK_RECORD_AGE
	MaxLen int           // HOOK_RECORD_MAX; 0: the default for the Redis in use
}

// recordFlags registers the record's settings on fs and returns the
// function that reads them once fs is parsed.
func recordFlags(fs *pflag.FlagSet) func() (Record, error) {
	on := fs.String("record", "on", "keep a record of accepted callbacks for hook backtest: on or off")
	cli.FromEnv(fs, "record", "HOOK_RECORD")
	age := fs.String("record-age", record.DefaultMaxAge.String(), "how long the record keeps a callback")
	cli.FromEnv(fs, "record-age", "HOOK_RECORD_AGE")
	maxLen := fs.String("record-max", "",
		fmt.Sprintf("callbacks the record keeps, at most (default %d, %d on the in-process Redis)", record.DefaultMaxLen, InProcessRecordMax))
	cli.FromEnv(fs, "record-max", "HOOK_RECORD_MAX")
	return func() (Record, error) {
		var c Record
		switch strings.ToLower(*on) {
		case "on", "true", "1", "yes":
			c.On = true
		case "off", "false", "0", "no":
		default:
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --record %q: use on or off", *on)}
		}
		var err error
		if c.MaxAge, err = time.ParseDuration(*age); err != nil || c.MaxAge < time.Minute {
			return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --record-age %q is not a duration of at least 1m, like 24h", *age)}
		}
		if *maxLen != "" {
			if c.MaxLen, err = strconv.Atoi(*maxLen); err != nil || c.MaxLen < 1000 || c.MaxLen > 100_000_000 {
				return c, cli.Exit{Code: 2, Msg: fmt.Sprintf("hook serve: --record-max %q is not a whole number from 1000 to 100000000", *maxLen)}
			}
		}
		return c, nil
	}
}
