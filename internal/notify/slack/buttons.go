package slack

import (
	"cmp"
	"encoding/json"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
)

// RenderOption changes how Render draws a page.
type RenderOption func(*renderOptions)

type renderOptions struct {
	buttons bool
	ackedBy string // Slack user who acknowledged the incident, "<@U123>" form
	// trtcConsole is the base of the TRTC console link ("": notify's default).
	trtcConsole string
}

// WithTRTCConsole links pages to the TRTC console at base, the Monitoring
// Dashboard's address (e.g. https://console.trtc.io/monitor for the
// international site), instead of words.DefaultTRTCConsole.
func WithTRTCConsole(base string) RenderOption {
	return func(o *renderOptions) { o.trtcConsole = base }
}

// WithButtons adds the Acknowledge / Silence buttons to firing pages. Only
// for the Web API with a signing secret: a webhook message cannot be updated,
// and without the secret the clicks could not be verified.
func WithButtons() RenderOption {
	return func(o *renderOptions) { o.buttons = true }
}

// withAcknowledged marks the incident acknowledged by user (a Slack user id):
// the Acknowledge button gives way to a note saying who took it.
func withAcknowledged(user string) RenderOption {
	return func(o *renderOptions) { o.ackedBy = "<@" + user + ">" }
}

// Action ids of the page buttons, and the block that holds them.
const (
	ActionsBlockID    = "hook_actions"
	ActionAck         = "hook_ack"
	ActionSilenceRoom = "hook_silence_room"
	ActionSilenceRule = "hook_silence_rule"
)

// ActionValue is what every page button carries back to /slack/interactions:
// enough to acknowledge the incident or silence its room or rule without
// looking the page up.
type ActionValue struct {
	Page     string `json:"page,omitempty"`
	Incident string `json:"incident,omitempty"`
	Rule     string `json:"rule,omitempty"`
	App      string `json:"app,omitempty"`
	Room     string `json:"room,omitempty"`
}

// actionBlock is the row of buttons on a firing page; resolved pages get none.
func actionBlock(n alert.Notification, acked bool) []goslack.Block {
	if n.Kind != alert.KindFiring {
		return nil
	}
	v, value, ok := buttonValue(n)
	if !ok {
		return nil // a pathological id; a page without buttons beats a rejected page
	}
	btn := func(id, label string, style goslack.Style) *goslack.ButtonBlockElement {
		e := goslack.NewButtonBlockElement(id, value, goslack.NewTextBlockObject(goslack.PlainTextType, fitPlain(label, maxButtonText), true, false))
		if style != "" {
			e = e.WithStyle(style)
		}
		return e
	}
	var elems []goslack.BlockElement
	if !acked {
		elems = append(elems, btn(ActionAck, "Acknowledge", goslack.StylePrimary))
	}
	if v.App != "" && v.Room != "" {
		elems = append(elems, btn(ActionSilenceRoom, "Silence room 1h", ""))
	}
	if v.Rule != "" {
		elems = append(elems, btn(ActionSilenceRule, "Silence rule 1h", ""))
	}
	return []goslack.Block{goslack.NewActionBlock(ActionsBlockID, elems...)}
}

// buttonValue is what the page's buttons carry, within Slack's 2000
// characters. A client's room id can make the whole too long: then the
// room (and the incident, app/room) are left out, which costs the Silence
// room button but keeps Acknowledge (by page) and Silence rule. The room is
// never cut short: a silence must match the room exactly.
func buttonValue(n alert.Notification) (ActionValue, string, bool) {
	full := ActionValue{Page: n.PageID(), Incident: n.Incident, Rule: n.Rule, App: n.Event.App, Room: cmp.Or(n.Event.RoomKey, n.Event.Room)}
	for _, v := range []ActionValue{full, {Page: full.Page, Rule: full.Rule}, {Page: full.Page}} {
		b, err := json.Marshal(v)
		if err == nil && textLen(string(b)) <= maxButtonValue {
			return v, string(b), true
		}
	}
	return ActionValue{}, "", false
}

// ActedMessage is a page's message after someone used one of its buttons:
// that button removed (a second click would act twice; the others stay, so an
// acknowledged page can still be silenced) and a line saying who did what,
// e.g. "Acknowledged by <@U123>".
func ActedMessage(blocks []goslack.Block, text, actionID, note string) Message {
	out := make([]goslack.Block, 0, len(blocks)+1)
	for _, b := range blocks {
		if a, ok := b.(*goslack.ActionBlock); ok && a.BlockID == ActionsBlockID && a.Elements != nil {
			var keep []goslack.BlockElement
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*goslack.ButtonBlockElement); ok && btn.ActionID == actionID {
					continue
				}
				keep = append(keep, e)
			}
			if len(keep) == 0 {
				continue
			}
			b = goslack.NewActionBlock(ActionsBlockID, keep...)
		}
		out = append(out, b)
	}
	out = append(out, goslack.NewContextBlock("", contextText(note)))
	return Message{Blocks: capBlocks(out), Text: fitMrkdwn(text, maxFallbackChars)}
}
