package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
)

// checkMessage walks a message as Slack receives it (its JSON) and reports
// every Block Kit limit it breaks, counting as textLen does (UTF-16 units),
// and every text Slack would misparse: a cut entity, an unclosed <…> token,
// an open code span.
func checkMessage(t *testing.T, what string, raw []byte) {
	t.Helper()
	var m struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	text := func(where string, v any, limit int) {
		obj, ok := v.(map[string]any)
		if !ok {
			bad("%s: not a text object: %v", where, v)
			return
		}
		s, _ := obj["text"].(string)
		if s == "" {
			bad("%s: empty text", where)
		}
		if n := textLen(s); n > limit {
			bad("%s: %d characters, limit %d", where, n, limit)
		}
		if obj["type"] == "mrkdwn" {
			if err := mrkdwnIntact(s); err != "" {
				bad("%s: %s: %.200q", where, err, s)
			}
		}
	}
	if n := textLen(m.Text); n > maxFallbackChars || m.Text == "" {
		bad("text: %d characters", n)
	}
	if err := mrkdwnIntact(m.Text); err != "" {
		bad("text: %s", err)
	}
	if len(m.Blocks) > maxBlocks {
		bad("%d blocks", len(m.Blocks))
	}
	for i, b := range m.Blocks {
		where := fmt.Sprintf("blocks[%d] %v", i, b["type"])
		if id, _ := b["block_id"].(string); textLen(id) > maxBlockID {
			bad("%s: block_id of %d", where, textLen(id))
		}
		switch b["type"] {
		case "header":
			text(where, b["text"], maxHeaderChars)
		case "section":
			if b["text"] == nil && b["fields"] == nil {
				bad("%s: neither text nor fields", where)
			}
			if b["text"] != nil {
				text(where, b["text"], maxSectionText)
			}
			fields, _ := b["fields"].([]any)
			if len(fields) > maxFieldsPer {
				bad("%s: %d fields", where, len(fields))
			}
			for j, f := range fields {
				text(fmt.Sprintf("%s field %d", where, j), f, maxFieldChars)
			}
		case "context":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 || len(elems) > maxContextElems {
				bad("%s: %d elements", where, len(elems))
			}
			for j, e := range elems {
				text(fmt.Sprintf("%s element %d", where, j), e, maxContextChars)
			}
		case "actions":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 || len(elems) > 25 {
				bad("%s: %d elements", where, len(elems))
			}
			for j, e := range elems {
				btn, _ := e.(map[string]any)
				w := fmt.Sprintf("%s button %d", where, j)
				text(w, btn["text"], maxButtonText)
				if v, _ := btn["value"].(string); textLen(v) > maxButtonValue {
					bad("%s: value of %d", w, textLen(v))
				}
				if id, _ := btn["action_id"].(string); id == "" || textLen(id) > maxActionID {
					bad("%s: action_id of %d", w, textLen(id))
				}
			}
		default:
			bad("%s: unexpected block type", where)
		}
	}
	if len(errs) > 0 {
		t.Errorf("%s breaks Slack's limits:\n%s", what, strings.Join(errs, "\n"))
	}
}

var entityRE = regexp.MustCompile(`^&(amp|lt|gt);`)

// mrkdwnIntact says what is broken in escaped mrkdwn s, "" if nothing: every
// & starts an entity, every < is closed by a > before the next <, and code
// spans are balanced.
func mrkdwnIntact(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			if !entityRE.MatchString(s[i:]) {
				return fmt.Sprintf("bare & at %d", i)
			}
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 || strings.IndexByte(s[i+1:i+end], '<') >= 0 {
				return fmt.Sprintf("unclosed < at %d", i)
			}
		}
	}
	if strings.Count(s, "`")%2 != 0 {
		return "odd number of backticks"
	}
	return ""
}

// hostile are the pieces adversarial client text is made of: markup, entity
// characters, line breaks and controls, bidi overrides, characters outside
// the BMP (two UTF-16 units each), mention tokens.
var hostile = []string{"<", ">", "&", "`", "*", "_", "~", "\n", "\r\n", "\u2028", "\u2029", "\x00", "\x1b[2J",
	"\u202e", "😀", "🏳️‍🌈", "é", "a", "7", " ", "<!channel>", "&amp;", ":fire:", "*Status*", "> quote", "```",
	"RESOLVED", "<@U999>", "\t"}

// hostileText is client text of up to about limit bytes.
func hostileText(r *rand.Rand, maxPieces, limit int) string {
	n := r.IntN(maxPieces + 1)
	var b strings.Builder
	for range n {
		if b.Len() > limit {
			break
		}
		p := hostile[r.IntN(len(hostile))]
		if r.IntN(8) == 0 { // runs of one piece, e.g. 750 '<'
			p = strings.Repeat(p, 1+r.IntN(800))
		}
		b.WriteString(p)
	}
	return b.String()
}

// operatorWords are what a rules file or the catalogue writes: markup on
// purpose, balanced, and characters to escape.
var operatorWords = []string{"User ", "left room ", "*bold* ", "_it_ ", "`code` ", "é", "😀", "&", "<", "> ", "\n", ":fire: "}

// operatorText is an operator's template output: their words around client
// values made inline, as rules renders titles and texts.
func operatorText(r *rand.Rand, maxPieces int) string {
	var b strings.Builder
	for range r.IntN(maxPieces + 1) {
		if b.Len() > 12000 {
			break
		}
		if r.IntN(3) == 0 {
			b.WriteString(alert.Inline(hostileText(r, 20, 2000)))
			continue
		}
		b.WriteString(operatorWords[r.IntN(len(operatorWords))])
	}
	return b.String()
}

// hostilePage is a notification whose every client-chosen text is hostile
// and, now and then, huge; the operator's texts (rule, title, text) are long.
func hostilePage(r *rand.Rand) alert.Notification {
	size := []int{3, 40, 400, 3000}[r.IntN(4)]
	txt := func() string { return hostileText(r, size, 12000) }
	op := func() string { return operatorText(r, size) }
	p := samplePage()
	p.ID = "p-" + fmt.Sprint(r.IntN(1e6))
	p.Kind = []alert.Kind{alert.KindFiring, alert.KindUpdate, alert.KindResolved, alert.KindFiring}[r.IntN(4)]
	p.Event.App, p.Event.Room, p.Event.User, p.Event.Task = txt(), txt(), txt(), txt()
	p.Event.ErrorCode, p.Event.ErrorMessage, p.Event.URL = txt(), txt(), txt()
	p.Incident = p.Event.App + "/" + p.Event.Room
	p.Rule = strings.Repeat("long-rule-name-", r.IntN(40)) + "r"
	if r.IntN(2) == 0 {
		p.Title, p.Text = op(), op()
	} else {
		p.Title, p.Text = "", ""
	}
	p.Note = op()
	p.Count = r.IntN(100000)
	if p.Kind == alert.KindResolved {
		p.ResolvedBy = &alert.Event{App: txt(), Room: txt(), User: txt(), Task: txt(), Codes: p.Event.Codes[:1]}
	}
	if r.IntN(2) == 0 {
		p.Aggregate, p.MemberKind = true, alert.MembersUsers
		for range r.IntN(600) {
			p.Members = append(p.Members, alert.Member{Name: hostileText(r, 20, 200), Events: r.IntN(5),
				Role: hostileText(r, 3, 40), Reason: hostileText(r, 3, 40)})
		}
		p.MemberCount, p.MembersMore, p.Total, p.TotalMembers = len(p.Members), r.IntN(1000), r.IntN(1e6), r.IntN(1e5)
	}
	// The new parts of a page: why now (any numbers), the rule's runbook
	// (the operator's, long and full of markup), and enrichment whose
	// every text came from a client or TRTC's API.
	if r.IntN(2) == 0 {
		p.Why = &alert.Why{Need: r.IntN(1e6), Share: r.Float64(), Of: []string{"room", "app", ""}[r.IntN(3)],
			Within: time.Duration(r.IntN(1e6)) * time.Millisecond, For: time.Duration(r.IntN(1e6)) * time.Second,
			Dropped: r.IntN(1e9), Away: r.IntN(1e9), Population: r.IntN(1e9)}
	}
	if r.IntN(2) == 0 {
		p.Runbook = &alert.Runbook{Text: op()}
		if r.IntN(2) == 0 {
			p.Runbook.URL = "https://wiki.example.com/" + strings.Repeat("runbook/", r.IntN(200)) + "?q=" + url.QueryEscape(txt())
		}
	}
	if r.IntN(2) == 0 {
		p.Enrichment = &alert.Enrichment{CommID: txt(),
			Client: &alert.ClientInfo{Terminal: txt(), UserType: txt(), SDKVersion: txt(), Device: txt(), OS: txt(), Network: txt()}}
		for range r.IntN(6) {
			p.Enrichment.Missing = append(p.Enrichment.Missing, alert.Missing{Data: txt(), Reason: txt()})
			p.Enrichment.Events = append(p.Enrichment.Events, alert.ClientEvent{ID: r.IntN(1e5), Name: op(), PeerID: txt(),
				Undocumented: r.IntN(2) == 0, Param1: r.Int64(), Param2: -1})
		}
	}
	for range r.IntN(12) { // more codes than any event has, with long words
		p.Event.Codes = append(p.Event.Codes, alert.Code{Field: "x", Label: "Label " + op(), Value: r.IntN(99), Name: op(), Meaning: op()})
	}
	return p
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRenderWithinSlackLimits renders hostile pages every way hook posts
// them (a page, with buttons, a thread parent's edit, acknowledged, after a
// button click) and checks each message against every limit.
func TestRenderWithinSlackLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 2026))
	for i := range 50 {
		p := hostilePage(r)
		what := fmt.Sprintf("page %d", i)
		checkMessage(t, what, marshal(t, Render(p)))
		withButtons := Render(p, WithButtons())
		checkMessage(t, what+" with buttons", marshal(t, withButtons))
		checkMessage(t, what+" parent", marshal(t, renderParent(p, int64(r.IntN(1000)), WithButtons(), withAcknowledged("U"+fmt.Sprint(r.IntN(1e6))))))

		// After a click: the blocks come back from Slack as JSON.
		var blocks goslack.Blocks
		if err := json.Unmarshal(marshal(t, withButtons.Blocks), &blocks); err != nil {
			t.Fatal(err)
		}
		note := ":no_bell: room " + CodeSpan(p.Event.Room) + " silenced for 1h by <@U123>"
		acted := ActedMessage(blocks.BlockSet, withButtons.Text, ActionAck, note)
		checkMessage(t, what+" acted", marshal(t, acted))
		if t.Failed() {
			t.Logf("seed page %d: room %.80q", i, p.Event.Room)
			return
		}
	}
}

// TestRenderLongRoomKeepsThePage is the reported case: a 3,000-character
// room id of '<' is 12,000 characters once escaped; every element still fits,
// and the page keeps its Acknowledge and Silence rule buttons.
func TestRenderLongRoomKeepsThePage(t *testing.T) {
	p := samplePage()
	p.Event.Room = strings.Repeat("<", 3000)
	p.Incident = p.Event.App + "/" + p.Event.Room
	m := Render(p, WithButtons())
	raw := marshal(t, m)
	checkMessage(t, "long room", raw)
	var ids []string
	for _, b := range m.Blocks {
		if a, ok := b.(*goslack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				ids = append(ids, e.(*goslack.ButtonBlockElement).ActionID)
			}
		}
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{ActionAck, ActionSilenceRule}) {
		t.Errorf("buttons %v, want Acknowledge and Silence rule (the room is too long to carry)", ids)
	}
}

// TestRenderWebhookWithinSlackLimits posts hostile pages through the webhook
// sender and checks what reached the fake Slack.
func TestRenderWebhookWithinSlackLimits(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	wh := NewWebhook(srv.URL+secretPath, srv.Client())
	r := rand.New(rand.NewPCG(12, 2026))
	for range 40 {
		if _, err := wh.Send(context.Background(), hostilePage(r)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, b := range bodies {
		checkMessage(t, fmt.Sprintf("webhook post %d", i), b)
	}
}

// TestRenderAPIThreadWithinSlackLimits sends hostile pages of one incident
// through the Web API sender, so that replies and parent edits are posted,
// and checks every call the fake Slack saw.
func TestRenderAPIThreadWithinSlackLimits(t *testing.T) {
	f := &fakeSlack{}
	api, _ := newTestAPI(t, f, newMemThreads(), 5*time.Second)
	api.Buttons = true
	r := rand.New(rand.NewPCG(13, 2026))
	for range 20 {
		p := hostilePage(r)
		p.Incident = "one incident"
		if _, err := api.Send(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	calls := f.Calls()
	updates := 0
	for i, c := range calls {
		if c.method == "chat.update" {
			updates++
		}
		raw := fmt.Sprintf(`{"text":%s,"blocks":%s}`, marshal(t, c.form.Get("text")), c.form.Get("blocks"))
		checkMessage(t, fmt.Sprintf("%s %d", c.method, i), []byte(raw))
	}
	if updates == 0 {
		t.Error("no parent edit was posted")
	}
}

// FuzzRenderWithinSlackLimits checks the limits for any client text (go test
// -fuzz=FuzzRenderWithinSlackLimits ./internal/notify/slack; the seeds run
// with every go test).
func FuzzRenderWithinSlackLimits(f *testing.F) {
	f.Add(strings.Repeat("<", 3000), "u42", "x`\n*Status*\nRESOLVED, no action needed", "", 3)
	f.Add("8489", strings.Repeat("😀", 1600), "t", strings.Repeat("&", 900), 600)
	f.Add(strings.Repeat("`", 2999)+"<", "> quote", "\u2028\u202e", "*b* _i_ ~s~", 0)
	f.Fuzz(func(t *testing.T, room, user, task, errMsg string, members int) {
		p := samplePage()
		p.Event.Room, p.Event.User, p.Event.Task, p.Event.ErrorMessage = room, user, task, errMsg
		p.Incident = "1400000001/" + room
		p.Title = "User " + alert.Inline(user) + " left"
		if members > 0 {
			p.Aggregate = true
			for i := range min(members, 2000) {
				p.Members = append(p.Members, alert.Member{Name: user + fmt.Sprint(i), Events: 1})
			}
		}
		checkMessage(t, "fuzzed page", marshal(t, Render(p, WithButtons())))
		checkMessage(t, "fuzzed parent", marshal(t, renderParent(p, 2, WithButtons())))
	})
}

func TestTextLenCountsUTF16Units(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"é", 1}, {"😀", 2}, {"&lt;", 4}, {"🏳️‍🌈", 6},
	}
	for _, tt := range tests {
		if got := textLen(tt.s); got != tt.want {
			t.Errorf("textLen(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestFitMrkdwn(t *testing.T) {
	tests := []struct {
		name string
		s    string
		max  int
		want string
	}{
		{"fits", "abc", 3, "abc"},
		{"plain cut", "abcdefgh", 6, "abcd…"},
		{"not inside an entity", "ab&lt;&lt;", 6, "ab…"},
		{"after a whole entity", "ab&lt;&lt;", 9, "ab&lt;…"},
		{"not inside a token", "x <!date^1|y> z", 10, "x …"},
		{"closes a code span", "Room `aaaaaaaa`", 12, "Room `aaaa…`"},
		{"not inside a surrogate pair", "😀😀😀", 5, "😀…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitMrkdwn(tt.s, tt.max)
			if got != tt.want {
				t.Errorf("fitMrkdwn(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
			}
			if textLen(got) > tt.max {
				t.Errorf("%q is %d units, over %d", got, textLen(got), tt.max)
			}
		})
	}
}
