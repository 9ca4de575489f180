package notify

import (
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"
)

// RenderOption changes how RenderSlack draws a page.
type RenderOption func(*renderOptions)

type renderOptions struct {
	buttons bool
	ackedBy string // Slack user who acknowledged the incident, "<@U123>" form
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

// maxButtonValue is Slack's limit on a button's value.
const maxButtonValue = 2000

// actionBlock is the row of buttons on a firing page; resolved pages get none.
func actionBlock(p Page, acked bool) []slack.Block {
	if p.Kind != KindFiring {
		return nil
	}
	v := ActionValue{Page: p.ID, Incident: p.Incident, Rule: p.Rule, App: fieldValue(p, "app"), Room: fieldValue(p, "room")}
	b, _ := json.Marshal(v)
	if len(b) > maxButtonValue {
		return nil // a pathological id; a page without buttons beats a rejected page
	}
	value := string(b)
	btn := func(id, label string, style slack.Style) *slack.ButtonBlockElement {
		e := slack.NewButtonBlockElement(id, value, slack.NewTextBlockObject(slack.PlainTextType, label, true, false))
		if style != "" {
			e = e.WithStyle(style)
		}
		return e
	}
	var elems []slack.BlockElement
	if !acked {
		elems = append(elems, btn(ActionAck, "Acknowledge", slack.StylePrimary))
	}
	if v.App != "" && v.Room != "" {
		elems = append(elems, btn(ActionSilenceRoom, "Silence room 1h", ""))
	}
	if v.Rule != "" {
		elems = append(elems, btn(ActionSilenceRule, "Silence rule 1h", ""))
	}
	return []slack.Block{slack.NewActionBlock(ActionsBlockID, elems...)}
}

func fieldValue(p Page, name string) string {
	for _, f := range p.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// ActedMessage is a page's message after someone used one of its buttons:
// that button removed (a second click would act twice; the others stay, so an
// acknowledged page can still be silenced) and a line saying who did what,
// e.g. "Acknowledged by <@U123>".
func ActedMessage(blocks []slack.Block, text, actionID, note string) Message {
	out := make([]slack.Block, 0, len(blocks)+1)
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok && a.BlockID == ActionsBlockID && a.Elements != nil {
			var keep []slack.BlockElement
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					continue
				}
				keep = append(keep, e)
			}
			if len(keep) == 0 {
				continue
			}
			b = slack.NewActionBlock(ActionsBlockID, keep...)
		}
		out = append(out, b)
	}
	out = append(out, slack.NewContextBlock("", mrkdwn(note)))
	return Message{Blocks: out, Text: text}
}
