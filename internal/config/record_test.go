package main

import (
	"io"
	"net/http"
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
		want recordConfig
		err  string
	}{
		{"defaults", nil, nil, recordConfig{on: true, maxAge: 24 * time.Hour}, ""},
		{"off by variable", nil, map[string]string{"HOOK_RECORD": "off"}, recordConfig{maxAge: 24 * time.Hour}, ""},
		{"the flag wins", []string{"--record", "on"}, map[string]string{"HOOK_RECORD": "off"}, recordConfig{on: true, maxAge: 24 * time.Hour}, ""},
		{"age and size", nil, map[string]string{"HOOK_RECORD_AGE": "6h", "HOOK_RECORD_MAX": "2000000"}, recordConfig{on: true, maxAge: 6 * time.Hour, maxLen: 2_000_000}, ""},
		{"not on or off", nil, map[string]string{"HOOK_RECORD": "maybe"}, recordConfig{}, `--record "maybe": use on or off`},
		{"age too short", []string{"--record-age", "10s"}, nil, recordConfig{}, "at least 1m"},
		{"size not a number", nil, map[string]string{"HOOK_RECORD_MAX": "lots"}, recordConfig{}, "not a whole number"},
		{"size too small", []string{"--record-max", "10"}, nil, recordConfig{}, "not a whole number from 1000"},
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

// With HOOK_RECORD=off a server keeps nothing (and says so), and its admin
// API serves an empty record.
func TestRecordOff(t *testing.T) {
	srv := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_RECORD": "off", "HOOK_ADMIN_TOKEN": "a"})
	if code, _ := postBody(t, srv.url, "1400000001", "k", callbackBody(1, 103, map[string]any{"RoomId": 1, "UserId": "u"})); code != 200 {
		t.Fatal(code)
	}
	_, m := get(t, srv.url+"/metrics")
	if strings.Contains(m, "hook_record_written_total") {
		t.Error("the record's metrics are exported while it is off")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.url+"/api/v1/record", nil)
	req.Header.Set("Authorization", "Bearer a")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != `{"end":true,"callbacks":0}`+"\n" {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if !strings.Contains(srv.stderr.String(), "HOOK_RECORD=off") {
		t.Errorf("the log does not say the record is off:\n%s", srv.stderr.String())
	}
}
