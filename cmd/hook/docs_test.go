package main

// The docs, tested: README.md and docs/*.md. Their relative links resolve
// (TestDocLinks), the blocks marked as generated are what the code renders
// (TestDocGeneratedBlocks), and every shell command they show runs
// (TestDocCommands, in doccommands_test.go).

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/notify/words"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated blocks of README.md and docs/*.md")

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../.."

// docFiles are the documents under test, relative to the repository root.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, f := range files {
		rel, _ := filepath.Rel(repoRoot, f)
		out = append(out, filepath.ToSlash(rel))
	}
	if len(out) < 5 {
		t.Fatalf("only %v: where did docs/ go?", out)
	}
	return out
}

// mdDoc is a Markdown file cut into what the tests read.
type mdDoc struct {
	path   string   // relative to the repository root
	lines  []string // the file's lines
	blocks []mdBlock
	prose  []int // the lines outside fenced code blocks (0-based)
}

// mdBlock is a fenced code block: its info string and its lines, without
// the fences; start is the 0-based index of its first content line.
type mdBlock struct {
	info  string
	start int
	lines []string
}

var fenceRE = regexp.MustCompile("^ {0,3}(```+|~~~+)\\s*([^`]*)$")

func readDoc(t *testing.T, path string) mdDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	d := mdDoc{path: path, lines: strings.Split(string(data), "\n")}
	var open *mdBlock
	var fence string
	for i, line := range d.lines {
		if open != nil {
			if strings.HasPrefix(strings.TrimLeft(line, " "), fence) && strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), fence[:1])) == "" {
				d.blocks = append(d.blocks, *open)
				open = nil
				continue
			}
			open.lines = append(open.lines, line)
			continue
		}
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			open, fence = &mdBlock{info: strings.TrimSpace(m[2]), start: i + 1}, m[1]
			continue
		}
		d.prose = append(d.prose, i)
	}
	if open != nil {
		t.Fatalf("%s:%d: a code block is never closed", path, open.start)
	}
	return d
}

var (
	headingRE  = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	htmlIDRE   = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	codeSpanRE = regexp.MustCompile("`+[^`]*`+")
	// linkRE finds inline links and images: [text](target "title").
	linkRE = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refDefRE finds reference definitions: [label]: target.
	refDefRE = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$`)
)

// anchors are the fragments a document answers to on GitHub: each
// heading's slug (made unique with -1, -2...) and explicit <a id> anchors.
func (d mdDoc) anchors() map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, i := range d.prose {
		line := d.lines[i]
		for _, m := range htmlIDRE.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := githubSlug(m[2])
		if n := seen[slug]; n > 0 {
			out[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// githubSlug is GitHub's anchor for a heading: the text as rendered (links
// reduced to their text, HTML tags dropped), lower-cased, everything but
// letters, digits, spaces, hyphens and underscores removed, spaces turned
// into hyphens.
func githubSlug(heading string) string {
	heading = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(heading, "$1")
	heading = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(heading, "")
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func TestGitHubSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Quick start":                             "quick-start",
		"Wait for recovery (`for` + `clear`)":     "wait-for-recovery-for--clear",
		"Partitions: where the keys live":         "partitions-where-the-keys-live",
		"`hook`, the command":                     "hook-the-command",
		"Relative thresholds (`share`, `of`)":     "relative-thresholds-share-of",
		"Redis down or hung: 503 within 2 s":      "redis-down-or-hung-503-within-2-s",
		"The [chart](deploy/helm) and <b>you</b>": "the-chart-and-you",
		"Émile's 1,000,000 users":                 "émiles-1000000-users",
	} {
		if got := githubSlug(in); got != want {
			t.Errorf("githubSlug(%q) = %q, want %q", in, got, want)
		}
	}
}

// docLink is one relative link and where it is.
type docLink struct {
	line   int // 1-based
	target string
}

// links are the document's links outside code blocks and code spans.
func (d mdDoc) links() []docLink {
	var out []docLink
	for _, i := range d.prose {
		line := codeSpanRE.ReplaceAllString(d.lines[i], "")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			out = append(out, docLink{i + 1, m[1]})
		}
		if m := refDefRE.FindStringSubmatch(line); m != nil {
			out = append(out, docLink{i + 1, m[1]})
		}
	}
	return out
}

// pendingDocs are documents other branches are writing; a link to one of
// them is checked once it exists. Remove an entry once its file landed.
var pendingDocs = map[string]string{}

// docsRunElsewhere are documents whose commands a test of their own runs,
// with the files and the recorded night they need: TestDocCommands leaves
// their blocks to it.
var docsRunElsewhere = map[string]string{
	"docs/tuning-rules.md": "TestTuningRulesWalkthrough",
}

// TestDocLinks: every relative link in README.md and docs/*.md names a file
// or directory of the repository and, with a #fragment, a heading (by
// GitHub's anchor rules) or an <a id> of that Markdown file.
func TestDocLinks(t *testing.T) {
	docs := map[string]mdDoc{}
	for _, p := range docFiles(t) {
		docs[p] = readDoc(t, p)
	}
	anchorsOf := func(p string) (map[string]bool, bool) {
		d, ok := docs[p]
		if !ok {
			if !strings.HasSuffix(p, ".md") {
				return nil, false
			}
			if _, err := os.Stat(filepath.Join(repoRoot, p)); err != nil {
				return nil, false
			}
			d = readDoc(t, p)
			docs[p] = d
		}
		return d.anchors(), true
	}
	checked := 0
	for _, p := range docFiles(t) {
		d := docs[p]
		for _, l := range d.links() {
			u, err := url.Parse(l.target)
			if err != nil {
				t.Errorf("%s:%d: link %q: %v", p, l.line, l.target, err)
				continue
			}
			if u.Scheme != "" || u.Host != "" || strings.HasPrefix(l.target, "//") {
				continue // not relative
			}
			checked++
			target := p
			if u.Path != "" {
				target = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(p), u.Path)))
				if strings.HasPrefix(target, "../") {
					t.Errorf("%s:%d: link %q leaves the repository", p, l.line, l.target)
					continue
				}
				if _, err := os.Stat(filepath.Join(repoRoot, target)); err != nil {
					if why, ok := pendingDocs[target]; ok {
						t.Logf("%s:%d: %s does not exist yet (%s)", p, l.line, target, why)
						continue
					}
					t.Errorf("%s:%d: link %q: %s does not exist", p, l.line, l.target, target)
					continue
				}
			}
			if u.Fragment == "" {
				continue
			}
			anchors, ok := anchorsOf(target)
			if !ok {
				t.Errorf("%s:%d: link %q: #%s in a file that is not Markdown", p, l.line, l.target, u.Fragment)
				continue
			}
			if !anchors[u.Fragment] {
				var near []string
				for a := range anchors {
					if strings.Contains(a, u.Fragment) || strings.Contains(u.Fragment, a) {
						near = append(near, a)
					}
				}
				slices.Sort(near)
				t.Errorf("%s:%d: link %q: %s has no heading #%s (near: %v)", p, l.line, l.target, target, u.Fragment, near)
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d relative links checked: is the link pattern stale?", checked)
	}
}

// TestREADMEIsShort: the README is the first hour, at most 250 lines; the
// rest is under docs/, and it leads with the two commands.
func TestREADMEIsShort(t *testing.T) {
	d := readDoc(t, "README.md")
	if n := len(d.lines) - 1; n > 250 {
		t.Errorf("README.md has %d lines, want at most 250: move the detail to docs/", n)
	}
	if len(d.blocks) == 0 || d.blocks[0].info != "sh" || !strings.HasPrefix(d.blocks[0].lines[0], "go run ./cmd/hook ") || !strings.HasPrefix(d.blocks[0].lines[1], "go test ./... ") {
		t.Errorf("README.md's first code block is not the two commands, go run ./cmd/hook and go test ./...")
	}
}

// generatedRE marks a text block the code renders: the marker line, then
// the fence. Kinds: first-page (the page the README's first callback gives),
// console FILE (a console golden page, verbatim), slack FILE (a Block Kit
// golden page, drawn as Slack shows it), transcript DIR (the block's first
// line, "$ hook ...", run in DIR, and what it printed); excerpt DIR is a
// transcript cut short, checked but not rewritten: each line it shows, but
// for a (remark) at its end, is a line of the output.
var generatedRE = regexp.MustCompile(`^<!-- generated: ([a-z-]+)(?: (\S+))? -->$`)

// TestDocGeneratedBlocks keeps the pictures of pages in the docs equal to
// what hook renders. -update-docs rewrites them.
func TestDocGeneratedBlocks(t *testing.T) {
	found := 0
	for _, p := range docFiles(t) {
		d := readDoc(t, p)
		changed := false
		for bi, b := range d.blocks {
			if b.start < 2 {
				continue
			}
			m := generatedRE.FindStringSubmatch(d.lines[b.start-2])
			if m == nil {
				continue
			}
			found++
			if m[1] == "excerpt" {
				checkExcerpt(t, fmt.Sprintf("%s:%d", p, b.start), m[2], b.lines)
				continue
			}
			want := generatedBlock(t, m[1], m[2], b.lines)
			got := strings.Join(b.lines, "\n")
			if got == want {
				continue
			}
			if !*updateDocs {
				t.Errorf("%s:%d: the %s %s block is stale (go test ./cmd/hook -run TestDocGeneratedBlocks -update-docs):\n--- in the doc\n%s\n--- rendered\n%s", p, b.start, m[1], m[2], got, want)
				continue
			}
			d.blocks[bi].lines = strings.Split(want, "\n")
			changed = true
		}
		if changed {
			writeBlocks(t, d)
		}
	}
	if found < 3 {
		t.Errorf("%d generated blocks found, want the README's first page and docs/pages.md's", found)
	}
}

// writeBlocks writes d back with its blocks' (new) lines.
func writeBlocks(t *testing.T, d mdDoc) {
	t.Helper()
	var out []string
	next := 0
	for _, b := range d.blocks {
		out = append(out, d.lines[next:b.start]...)
		out = append(out, b.lines...)
		next = closingFence(d, b)
	}
	out = append(out, d.lines[next:]...)
	if err := os.WriteFile(filepath.Join(repoRoot, d.path), []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// closingFence is the index of b's closing fence line in the file as read.
func closingFence(d mdDoc, b mdBlock) int {
	for i := b.start; i < len(d.lines); i++ {
		if fenceRE.MatchString(d.lines[i]) && strings.Trim(strings.TrimSpace(d.lines[i]), "`~") == "" {
			return i
		}
	}
	return len(d.lines)
}

func generatedBlock(t *testing.T, kind, arg string, lines []string) string {
	t.Helper()
	switch kind {
	case "transcript":
		return transcript(t, arg, lines)
	case "first-page":
		return strings.TrimRight(firstPage(t), "\n")
	case "console":
		data, err := os.ReadFile(filepath.Join(repoRoot, arg))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimRight(string(data), "\n")
	case "slack":
		data, err := os.ReadFile(filepath.Join(repoRoot, arg))
		if err != nil {
			t.Fatal(err)
		}
		return slackPicture(t, data)
	}
	t.Fatalf("unknown generated block %q", kind)
	return ""
}

// transcript runs the command on the first line of a transcript ("$ hook
// ARGS") in dir, as hook (this binary, see runAsHook), and returns the
// command line and what it printed on stdout and stderr.
func transcript(t *testing.T, dir string, lines []string) string {
	t.Helper()
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "$ hook ") {
		t.Fatalf("a transcript starts with $ hook ...; got %q", lines)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, shellWords(strings.TrimPrefix(lines[0], "$ hook "))...)
	cmd.Dir = filepath.Join(repoRoot, dir)
	cmd.Env = []string{asHookEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return lines[0] + "\n" + strings.TrimRight(out.String(), "\n")
}

func checkExcerpt(t *testing.T, where, dir string, lines []string) {
	t.Helper()
	out := strings.Split(transcript(t, dir, lines[:1]), "\n")
	remark := regexp.MustCompile(`\s+\([^()]*\)$`)
	for _, l := range lines[1:] {
		if l = remark.ReplaceAllString(l, ""); !slices.Contains(out, l) {
			t.Errorf("%s: %q is not what %s prints:\n%s", where, l, lines[0], strings.Join(out, "\n"))
		}
	}
}

// firstPage is the page the README's first callback gives under the
// embedded rules, as the console prints it: anchor u42 leaves room 8489 by
// timeout at simStart and is not back 30 s later. It goes through the real
// engine and scripts on a simulated clock (hook test --sequence's
// rehearsal), and RenderText is what the console sender prints. Only the
// page id, random for every page, is fixed.
func firstPage(t *testing.T) string {
	t.Helper()
	ms := simStart.UnixMilli()
	body := fmt.Appendf(nil, `{"EventGroupId":1,"EventType":104,"CallbackTs":%d,"EventInfo":{"RoomId":8489,"EventTs":%d,"EventMsTs":%d,"UserId":"u42","Role":20,"Reason":2}}`, ms, ms/1000, ms)
	ev, err := callback.Decode("1400000001", body)
	if err != nil {
		t.Fatal(err)
	}
	steps := rehearseExample(t, []callback.Event{ev})
	var pages []string
	for _, st := range steps {
		for _, n := range st.Pages {
			n.ID = "HX4ZQ7D2KM3PW6TB5RN8VJ9CYE" // page ids are random: this one stays put
			pages = append(pages, words.RenderText(n))
		}
	}
	if len(pages) != 1 {
		t.Fatalf("the first callback gives %d pages, want 1:\n%s", len(pages), strings.Join(pages, "\n"))
	}
	return pages[0]
}

// slackPicture draws a Block Kit message as Slack shows it, in text: the
// header, sections, fields two by two, the context line and the buttons;
// links as their text in brackets, mentions as @names, bold unmarked.
func slackPicture(t *testing.T, golden []byte) string {
	t.Helper()
	var msg struct {
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Text json.RawMessage `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(golden, &msg); err != nil {
		t.Fatal(err)
	}
	var out []string
	add := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			out = append(out, strings.TrimRight("│ "+l, " "))
		}
	}
	for _, b := range msg.Blocks {
		switch b.Type {
		case "header":
			add(slackEmoji(b.Text.Text))
		case "section":
			if b.Text != nil {
				add(slackText(b.Text.Text))
			}
			for i := 0; i < len(b.Fields); i++ {
				label, value, _ := strings.Cut(slackText(b.Fields[i].Text), "\n")
				if i+1 < len(b.Fields) && len(label) <= 24 && len(value) <= 24 {
					label2, value2, _ := strings.Cut(slackText(b.Fields[i+1].Text), "\n")
					if len(label2) <= 40 && len(value2) <= 40 {
						add(fmt.Sprintf("%-26s%s\n%-26s%s", label, label2, value, value2))
						i++
						continue
					}
				}
				add(label + "\n" + value)
			}
		case "context":
			var parts []string
			for _, e := range b.Elements {
				var s string
				if json.Unmarshal(e.Text, &s) != nil {
					var pt struct{ Text string }
					_ = json.Unmarshal(e.Text, &pt)
					s = pt.Text
				}
				parts = append(parts, slackText(s))
			}
			add(strings.Join(parts, " · "))
		case "actions":
			var buttons []string
			for _, e := range b.Elements {
				var pt struct{ Text string }
				_ = json.Unmarshal(e.Text, &pt)
				buttons = append(buttons, "[ "+pt.Text+" ]")
			}
			add(strings.Join(buttons, "  "))
		default:
			t.Fatalf("block type %q: teach slackPicture to draw it", b.Type)
		}
	}
	return strings.Join(out, "\n")
}

var (
	slackLinkRE    = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]*)>`)
	slackDateRE    = regexp.MustCompile(`<!date\^[^|>]*\|([^>]*)>`)
	slackMentionRE = regexp.MustCompile(`<(?:!subteam\^|@|!)([A-Za-z0-9]+)>`)
	slackBoldRE    = regexp.MustCompile(`(^|[\s(])\*([^*\n]+)\*`)
	slackItalicRE  = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
)

func slackText(s string) string {
	s = slackLinkRE.ReplaceAllString(s, "[$2]")
	s = slackDateRE.ReplaceAllString(s, "$1")
	s = slackMentionRE.ReplaceAllString(s, "@$1")
	s = slackBoldRE.ReplaceAllString(s, "$1$2")
	s = slackItalicRE.ReplaceAllString(s, "$1$2")
	return slackEmoji(html.UnescapeString(s))
}

func slackEmoji(s string) string {
	return strings.NewReplacer(":rotating_light:", "🚨", ":warning:", "⚠️", ":information_source:", "ℹ️",
		":white_check_mark:", "✅", ":book:", "📖", ":mag:", "🔍", ":hourglass_flowing_sand:", "⏳",
		":bell:", "🔔", ":ocean:", "🌊").Replace(s)
}
