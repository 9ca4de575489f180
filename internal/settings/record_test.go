package settings

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookdev/hook/internal/cli"
)

// The record's settings: flags over variables, and what is refused.
func TestRecordSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want Record
		err  string
	}{
		{"defaults", nil, nil, Record{On: true, MaxAge: 24 * time.Hour}, ""},
		{"off by variable", nil, map[string]string{"HOOK_RECORD": "off"}, Record{MaxAge: 24 * time.Hour}, ""},
		{"the flag wins", []string{"--record", "on"}, map[string]string{"HOOK_RECORD": "off"}, Record{On: true, MaxAge: 24 * time.Hour}, ""},
		{"age and size", nil, map[string]string{"HOOK_RECORD_AGE": "6h", "HOOK_RECORD_MAX": "2000000"}, Record{On: true, MaxAge: 6 * time.Hour, MaxLen: 2_000_000}, ""},
		{"not on or off", nil, map[string]string{"HOOK_RECORD": "maybe"}, Record{}, `--record "maybe": use on or off`},
		{"age too short", []string{"--record-age", "10s"}, nil, Record{}, "at least 1m"},
		{"size not a number", nil, map[string]string{"HOOK_RECORD_MAX": "lots"}, Record{}, "not a whole number"},
		{"size too small", []string{"--record-max", "10"}, nil, Record{}, "not a whole number from 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			fs.SetOutput(io.Discard)
			read := recordFlags(fs)
			if err := cli.ParseFlags(fs, tc.args, func(k string) string { return tc.env[k] }); err != nil {
				t.Fatal(err)
			}
			got, err := read()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("%+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
