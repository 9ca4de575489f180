package hook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goslack "github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/handler"
	slacknotify "github.com/hookdev/hook/internal/notify/slack"
)

// slackManifest is the Slack app manifest docs/slack.md creates the app from.
const slackManifest = "deploy/slack/manifest.yaml"

// slackCall is what one slack-go function or method hook uses asks of the
// Slack app: the Web API method it calls ("" for none) and the bot scope
// that method (or option) needs ("" for none).
type slackCall struct {
	method string
	scope  string
}

// slackCalls maps every slack-go function hook may call to what it needs,
// from Slack's own method and scope reference
// (https://docs.slack.dev/reference/methods/METHOD, "Required scopes").
// Methods of *slack.Client are keyed "Client.Name". A slack-go method of
// Client, a MsgOption (some options need a scope of their own) or a Post/Get
// function that hook calls and this table does not list fails
// TestSlackManifestScopesCoverWhatHookCalls: add it here, with its scope.
var slackCalls = map[string]slackCall{
	// Pages, thread replies, follow-ups and flood digests.
	"Client.PostMessageContext": {method: "chat.postMessage", scope: "chat:write"},
	// The head of an incident's thread, edited to show its state; digests.
	"Client.UpdateMessageContext": {method: "chat.update", scope: "chat:write"},

	// Message options: parts of the chat.postMessage / chat.update request.
	"MsgOptionBlocks":            {},
	"MsgOptionText":              {},
	"MsgOptionTS":                {},
	"MsgOptionDisableLinkUnfurl": {},
	// Posting under another name or icon needs chat:write.customize.
	"MsgOptionUsername":  {scope: "chat:write.customize"},
	"MsgOptionIconEmoji": {scope: "chat:write.customize"},
	"MsgOptionIconURL":   {scope: "chat:write.customize"},

	// Incoming webhooks (SLACK_WEBHOOK_URL): the URL is its own credential,
	// made in the app's settings; the bot token and its scopes play no part.
	"PostWebhookCustomHTTPContext": {method: "incoming webhook"},
}

// needsTableEntry says whether a slack-go function must be in slackCalls:
// anything that talks to Slack or shapes what a Web API call asks for.
// Block Kit builders (NewSectionBlock, ...) and types do neither.
func needsTableEntry(name string) bool {
	return strings.HasPrefix(name, "Client.") || strings.HasPrefix(name, "MsgOption") ||
		strings.HasPrefix(name, "Post") || strings.HasPrefix(name, "Get")
}

// readManifest decodes the manifest strictly into slack-go's own manifest
// type (the one apps.manifest.create takes): a misspelt or misplaced key is
// an error here, as it would be when Slack reads it.
func readManifest(t *testing.T) (goslack.Manifest, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(slackManifest)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", slackManifest, err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("%s: %v", slackManifest, err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	var m goslack.Manifest
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s is not a Slack app manifest: %v", slackManifest, err)
	}
	return m, doc
}

// TestSlackManifestIsValid checks the manifest against the limits of Slack's
// app manifest reference (https://docs.slack.dev/reference/app-manifest).
func TestSlackManifestIsValid(t *testing.T) {
	m, _ := readManifest(t)
	if m.Metadata.MajorVersion != 1 {
		t.Errorf("_metadata.major_version = %d, want 1 (2 is for apps on Slack's own runtime)", m.Metadata.MajorVersion)
	}
	d := m.Display
	runes := utf8.RuneCountInString
	if n := runes(d.Name); n == 0 || n > 35 {
		t.Errorf("display_information.name %q: %d characters, want 1 to 35", d.Name, n)
	}
	if n := runes(d.Description); n > 140 {
		t.Errorf("display_information.description: %d characters, at most 140", n)
	}
	if n := runes(d.LongDescription); n != 0 && (n < 175 || n > 4000) {
		t.Errorf("display_information.long_description: %d characters, want 175 to 4000 (or none)", n)
	}
	if c := d.BackgroundColor; c != "" && !regexp.MustCompile(`^#([0-9a-fA-F]{3}){1,2}$`).MatchString(c) {
		t.Errorf("display_information.background_color %q is not #RGB or #RRGGBB", c)
	}
	// The bot user is what posts the pages: without it there is no bot token.
	if n := runes(m.Features.BotUser.DisplayName); n == 0 || n > 80 {
		t.Errorf("features.bot_user.display_name %q: %d characters, want 1 to 80", m.Features.BotUser.DisplayName, n)
	}
	if len(m.OAuthConfig.Scopes.User) > 0 || len(m.OAuthConfig.Scopes.UserOptional) > 0 {
		t.Errorf("user scopes %v: hook acts as its bot only", m.OAuthConfig.Scopes.User)
	}
	// hook answers Slack over HTTP (the interactivity request URL); socket
	// mode would need an app-level token and a connection hook does not open.
	if m.Settings.SocketModeEnabled {
		t.Error("settings.socket_mode_enabled: hook serves HTTP request URLs, not socket mode")
	}
	if m.Settings.TokenRotationEnabled {
		t.Error("settings.token_rotation_enabled: hook reads one long-lived SLACK_BOT_TOKEN and cannot refresh it")
	}
	if i := m.Settings.Interactivity; i == nil || !i.IsEnabled || i.RequestUrl == "" {
		t.Errorf("settings.interactivity %+v: the buttons on pages need it on, with a request_url", i)
	}
}

// TestSlackManifestScopesCoverWhatHookCalls finds every slack-go function
// and method the hook binary's own packages call (type-checked, so a call
// through any variable or field counts), maps each to the scope it needs
// (slackCalls), and checks the manifest asks for exactly those bot scopes:
// none missing, or Slack refuses the call with missing_scope; none more,
// or the app asks a workspace for rights it never uses.
func TestSlackManifestScopesCoverWhatHookCalls(t *testing.T) {
	used := slackFunctionsUsed(t, "./cmd/hook")
	for _, want := range []string{"Client.PostMessageContext", "Client.UpdateMessageContext"} {
		if _, ok := used[want]; !ok {
			t.Errorf("the scan did not find %s, which hook calls: the scan is broken", want)
		}
	}
	need := map[string][]string{} // scope -> what needs it
	names := slices.Sorted(maps.Keys(used))
	for _, name := range names {
		call, known := slackCalls[name]
		if !known {
			if needsTableEntry(name) {
				t.Errorf("%s: hook calls slack.%s, which slackCalls does not list: add it there with the Web API method "+
					"it calls and the scope that needs (https://docs.slack.dev/reference/methods), then that scope to %s",
					used[name], name, slackManifest)
			}
			continue
		}
		if call.scope != "" {
			need[call.scope] = append(need[call.scope], name)
		}
	}
	m, _ := readManifest(t)
	have := m.OAuthConfig.Scopes.Bot
	for _, scope := range slices.Sorted(maps.Keys(need)) {
		if !slices.Contains(have, scope) {
			t.Errorf("%s: oauth_config.scopes.bot lacks %s, which %s needs", slackManifest, scope, strings.Join(need[scope], ", "))
		}
	}
	for _, scope := range have {
		if _, ok := need[scope]; !ok {
			t.Errorf("%s: oauth_config.scopes.bot asks for %s, which nothing hook calls needs", slackManifest, scope)
		}
	}
	t.Logf("slack-go functions hook calls: %s; bot scopes: %v", strings.Join(names, ", "), have)
}

// listedPackage is what `go list -json` says of one package.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	Standard   bool
	Module     *struct{ Main bool }
}

// slackFunctionsUsed type-checks the main module's packages that go into
// the binary built from pattern (tests excluded: they may call what hook
// does not) and returns every slack-go function and method they use, with
// where it is first used. Dependencies come from the compiler's export data
// (go list -export), so only hook's own packages are type-checked here.
func slackFunctionsUsed(t *testing.T, pattern string) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-export", "-json=ImportPath,Dir,GoFiles,CgoFiles,Export,Standard,Module", pattern)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	var own []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Main {
			own = append(own, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if f, ok := exports[path]; ok && f != "" {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
	used := map[string]string{}
	for _, p := range own {
		if len(p.CgoFiles) > 0 {
			t.Fatalf("%s has cgo files, which this scan does not type-check", p.ImportPath)
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("type-check %s: %v", p.ImportPath, err)
		}
		for id, obj := range info.Uses {
			fn, ok := obj.(*types.Func)
			if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "github.com/slack-go/slack" {
				continue
			}
			name := fn.Name()
			if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
				rt := recv.Type()
				if ptr, ok := rt.(*types.Pointer); ok {
					rt = ptr.Elem()
				}
				if named, ok := rt.(*types.Named); ok {
					name = named.Obj().Name() + "." + name
				}
			}
			pos := fset.Position(id.Pos())
			where := relPath(pos.Filename) + ":" + strconv.Itoa(pos.Line)
			if prev, ok := used[name]; !ok || where < prev {
				used[name] = where
			}
		}
	}
	return used
}

func relPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil {
		return r
	}
	return p
}

// TestSlackManifestURLsAreServed checks every URL the manifest gives Slack
// (the interactivity request URL, and any other it may grow) is a path the
// server answers, with a placeholder host for the reader to replace: a
// signed request there is handled, an unsigned one refused, and the same
// signed request on a path hook does not serve is 404, so the probe tells
// the two apart.
func TestSlackManifestURLsAreServed(t *testing.T) {
	_, doc := readManifest(t)
	urls := manifestURLs(doc, "")
	if len(urls) == 0 {
		t.Fatal("the manifest gives Slack no request URL: the buttons need settings.interactivity.request_url")
	}
	const secret = "manifest-test-secret"
	srv := httptest.NewServer(handler.New(handler.Config{SlackSigningSecret: secret}, handler.Deps{
		Log: slog.New(slog.DiscardHandler), Now: time.Now,
		Slack: handler.SlackActions{Seen: firstSeen{}, Responder: noResponder{}},
	}))
	t.Cleanup(srv.Close)

	// A block_actions interaction with no action: verified, then ignored.
	body := "payload=" + url.QueryEscape(`{"type":"block_actions","actions":[]}`)
	post := func(path string, signed bool) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signed {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			mac := hmac.New(sha256.New, []byte(secret))
			fmt.Fprintf(mac, "v0:%s:%s", ts, body)
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("/slack/not-a-route", true); got != http.StatusNotFound {
		t.Fatalf("a path hook does not serve answered %d, want 404: the probe cannot tell", got)
	}
	for _, key := range slices.Sorted(maps.Keys(urls)) {
		u, err := url.Parse(urls[key])
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if u.Scheme != "https" || u.Host != "YOUR-HOST" || u.RawQuery != "" {
			t.Errorf("%s = %s: want https://YOUR-HOST/PATH, the host left for the reader (docs/slack.md)", key, urls[key])
		}
		if got := post(u.Path, true); got != http.StatusOK {
			t.Errorf("%s = %s: a signed request to %s answered %d, want 200: hook does not serve it", key, urls[key], u.Path, got)
		}
		if got := post(u.Path, false); got != http.StatusUnauthorized {
			t.Errorf("%s = %s: an unsigned request answered %d, want 401", key, urls[key], got)
		}
	}
}

// manifestURLs returns every string value in the manifest that is a URL,
// keyed by its path in the document (settings.interactivity.request_url).
func manifestURLs(v any, at string) map[string]string {
	out := map[string]string{}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			for kk, u := range manifestURLs(x, strings.TrimPrefix(at+"."+k, ".")) {
				out[kk] = u
			}
		}
	case []any:
		for i, x := range v {
			for kk, u := range manifestURLs(x, at+"["+strconv.Itoa(i)+"]") {
				out[kk] = u
			}
		}
	case string:
		if strings.Contains(v, "://") {
			out[at] = v
		}
	}
	return out
}

type firstSeen struct{}

func (firstSeen) FirstSeen(context.Context, string, time.Duration) (bool, error) { return true, nil }

type noResponder struct{}

func (noResponder) Respond(context.Context, string, slacknotify.Response) error { return nil }
