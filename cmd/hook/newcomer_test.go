package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/notify/words"
	"github.com/hookdev/hook/internal/verify"
)

// TestHelpListsCommands: `go run ./cmd/hook --help` is the first thing a
// newcomer types: it lists the commands, then serve's flags, on stdout.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		if err != nil {
			t.Fatalf("%v: run = %v, want exit 0", args, err)
		}
		help := out.String()
		for _, want := range []string{"check ", "sign ", "silence ", "completion ", "--listen string"} {
			if !strings.Contains(help, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, help)
			}
		}
		if errOut.Len() > 0 {
			t.Errorf("%v: help wrote to stderr: %s", args, errOut.String())
		}
	}
}

// welcomeRecipe is the test callback printWelcome tells a newcomer to send.
func welcomeRecipe(t *testing.T) []string {
	t.Helper()
	var b bytes.Buffer
	printWelcome(&b, "[::]:8080", "KEY", "go run ./cmd/hook")
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "now=") || strings.HasPrefix(l, "body=") || strings.HasPrefix(l, "curl ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("welcome recipe is %q, want the now=, body= and curl lines:\n%s", lines, b.String())
	}
	return lines
}

// TestWelcomeRecipeLeavesNoFile: the recipe signs the body from stdin and
// posts it from a shell variable, so the clone gains no untracked body.json;
// the body it builds is a valid, fresh callback, and the signature it asks
// for is the one hook checks.
func TestWelcomeRecipeLeavesNoFile(t *testing.T) {
	lines := welcomeRecipe(t)
	for _, l := range lines {
		if strings.Contains(l, "body.json") || strings.Contains(l, "> ") || strings.Contains(l, "@") {
			t.Errorf("the recipe writes or reads a file: %s", l)
		}
	}
	if !strings.Contains(lines[2], `$(printf %s "$body" | go run ./cmd/hook sign --key KEY)`) ||
		!strings.Contains(lines[2], `--data-binary "$body"`) {
		t.Errorf("curl line does not sign and send $body: %s", lines[2])
	}
	sh := needTool(t, "sh", "the recipe's shell lines run with sh")
	out, err := exec.Command(sh, "-c", lines[0]+"\n"+lines[1]+"\nprintf %s \"$body\"").Output()
	if err != nil {
		t.Fatalf("recipe: %v", err)
	}
	ev, err := callback.Decode("1400000001", out)
	if err != nil {
		t.Fatalf("the recipe's body is not a callback: %v\n%s", err, out)
	}
	if ev.UserID != "u42" || ev.RoomID != "8489" || ev.CallbackMs == 0 || ev.EventMs/1000 != ev.CallbackMs/1000 {
		t.Errorf("decoded %+v", ev)
	}
	// What `printf %s "$body" | hook sign` prints is what verify accepts.
	var sig bytes.Buffer
	if err := run(context.Background(), []string{"sign", "--key", "KEY"}, func(string) string { return "" }, bytes.NewReader(out), &sig, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := verify.Check(keyFor("KEY"), "1400000001", strings.TrimSpace(sig.String()), out); err != nil {
		t.Errorf("signature from stdin does not verify: %v", err)
	}
}

type keyFor string

func (k keyFor) Key(string) ([]byte, bool) { return []byte(k), true }

// TestREADMEQuickStartMatchesWelcome keeps the README's quick start the
// recipe hook prints.
func TestREADMEQuickStartMatchesWelcome(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := welcomeRecipe(t)
	curl := regexp.MustCompile(`^curl (.*) --data-binary "\$body" http://localhost:8080/callback$`).FindStringSubmatch(lines[2])
	if curl == nil {
		t.Fatalf("unexpected curl line %s", lines[2])
	}
	for _, want := range []string{lines[0], lines[1], "curl " + curl[1], `--data-binary "$body" localhost:8080/callback`} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md's quick start lacks %s", want)
		}
	}
}

func TestStoppedMessage(t *testing.T) {
	if m := stoppedMessage(""); strings.Contains(m, "stay in the outbox") || !strings.Contains(m, "lost") {
		t.Errorf("embedded mode says %q", m)
	}
	if m := stoppedMessage("redis://r:6379"); !strings.Contains(m, "stay in the outbox") {
		t.Errorf("with Redis it says %q", m)
	}
}

// TestWelcomeCallbackPagesAsTheREADMESays: the test callback of the quick
// start, under the embedded rules, pages once, 30 s later, about the
// anchor u42 of the live app, saying why and what to do; the README says so.
func TestWelcomeCallbackPagesAsTheREADMESays(t *testing.T) {
	body, ok := strings.CutPrefix(welcomeRecipe(t)[1], "body='")
	if !ok {
		t.Fatalf("unexpected body line %s", welcomeRecipe(t)[1])
	}
	now := simStart
	body = strings.TrimSuffix(body, "'")
	body = strings.ReplaceAll(body, "'${now%???}'", strconv.FormatInt(now.Unix(), 10))
	body = strings.ReplaceAll(body, "'$now'", strconv.FormatInt(now.UnixMilli(), 10))
	ev, err := callback.Decode("1400000001", []byte(body))
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	steps := rehearseExample(t, []callback.Event{ev})
	var pages []string
	for _, st := range steps {
		for _, n := range st.Pages {
			if st.At.Sub(now) != 30*time.Second || n.Rule != "live-anchor-gone" || n.Runbook == nil {
				t.Errorf("page of %s at +%s (runbook %v)", n.Rule, st.At.Sub(now), n.Runbook)
			}
			pages = append(pages, words.RenderText(n))
		}
	}
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1:\n%s", len(pages), strings.Join(pages, "\n"))
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Anchor u42 gone from room 8489: Timeout", "not back within 30s"} {
		if !strings.Contains(pages[0], want) {
			t.Errorf("the page lacks %q:\n%s", want, pages[0])
		}
		if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), want) {
			t.Errorf("README.md's quick start does not say %q", want)
		}
	}
}
