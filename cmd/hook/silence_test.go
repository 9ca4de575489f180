package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/engine"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/redistest"
	"github.com/hookdev/hook/internal/silence"
	"github.com/hookdev/hook/internal/state"
)

func TestSilenceCLI(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	cat, rs := exampleRules(t)
	st := state.New(rdb, "hook")
	srv := adminServer(t, handler.Deps{Silences: silence.New(rdb, st.Layout()), Catalog: cat, Rules: engine.New(cat, rs, st, time.Now, nil)})
	getenv := func(k string) string {
		return map[string]string{"HOOK_ADMIN_TOKEN": "tok", "USER": "alice"}[k]
	}
	hook := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"silence"}, args...), getenv, nil, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := hook("add", "--url", srv.URL, "--comment", "known bad room", "--for", "2h", "room=8489", "rule=live-anchor-gone")
	if err != nil {
		t.Fatalf("add: %v %s", err, out)
	}
	id := regexp.MustCompile(`silence (\w+): room=8489,rule=live-anchor-gone until`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("add printed %q", out)
	}
	out, err = hook("list", "--url", srv.URL)
	if err != nil || !strings.Contains(out, id[1]) || !strings.Contains(out, "known bad room") || !strings.Contains(out, "alice") {
		t.Fatalf("list: %v %q", err, out)
	}
	if out, err = hook("expire", "--url", srv.URL, id[1]); err != nil {
		t.Fatalf("expire: %v %s", err, out)
	}
	if out, _ = hook("list", "--url", srv.URL); strings.Contains(out, id[1]) {
		t.Errorf("expired silence still listed: %q", out)
	}
	_, err = hook("expire", "--url", srv.URL, id[1])
	var exit cli.Exit
	if !errors.As(err, &exit) || exit.Code != 1 || !strings.Contains(exit.Msg, "404") {
		t.Errorf("expiring twice: %v, want exit 1 with 404", err)
	}
	_, err = hook("add", "--url", srv.URL, "room")
	if !errors.As(err, &exit) || exit.Code != 2 {
		t.Errorf("bad matcher: %v, want exit 2", err)
	}
}
