package words

import (
	"strconv"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// The words of a page, shared by every renderer (console here, Block Kit and
// webhook text in notify/slack): each is derived from the notification's
// typed fields, never parsed back out of display text.
//
// Values that TRTC clients chose (app, room, user, task, error, URL, member
// names) enter the words only through alert.Quoted (inside a sentence) or
// alert.Literal (as a value of its own), so they cannot add lines or markup
// to a page. The rule's own title and text are the operator's words; the
// client values they interpolate were made inline when they were rendered
// (rules), and a title is further kept to one line (alert.SingleLine).

// Field is one labelled fact shown on a page.
type Field struct {
	Name  string
	Value string
}

// Title is the page's headline, on one line: the rule's own title, else the
// event's headline ("User left room: Timeout"), else the rule's name. Never
// "": Slack refuses a header without text.
func Title(n alert.Notification) string {
	if n.Kind == alert.KindDigest {
		return DigestTitle(n)
	}
	t := alert.SingleLine(FillCount(n, n.Title))
	if strings.TrimSpace(t) == "" {
		t = headline(n)
	}
	if strings.TrimSpace(t) == "" {
		t = n.Rule
	}
	if strings.TrimSpace(t) == "" {
		t = "page"
	}
	if n.Kind == alert.KindUpdate {
		t = "Update: " + t
	}
	return t
}

// Text is the page's body: for a resolved page who recovered; otherwise the
// rule's own text, else a sentence about the event (or, for an aggregate,
// about the room).
func Text(n alert.Notification) string {
	switch {
	case n.Kind == alert.KindResolved && n.ResolvedBy != nil:
		return "Recovered: " + n.ResolvedBy.Describe()
	case n.Text != "":
		return FillCount(n, n.Text)
	case n.Event.Room == "" && len(n.Event.Codes) == 0:
		return "" // nothing known to say
	case n.Aggregate:
		s := n.Event.Meaning("event")
		if r := aggregateTrait(n, "reason"); r != "" {
			s += " (" + r + ")"
		}
		return s + " in room " + alert.Quoted(n.Event.Room)
	}
	return n.Event.Describe()
}

// headline is the default title: the event's headline, e.g. "User left
// room: Timeout". An aggregate's members may have left for different
// reasons: then the opening event's reason is not the page's, and the
// headline names the event alone.
func headline(n alert.Notification) string {
	if n.Aggregate && traitKnown(n.Members, "reason") && aggregateTrait(n, "reason") == "" {
		return n.Event.Meaning("event")
	}
	return n.Event.Headline()
}

// aggregateTrait is an aggregate's role or reason (field "role" or
// "reason"): the one every listed member shares when members carry their
// own, "" when they differ; else, for a reason, the opening event's (a
// role or a terminal is one user's, never an aggregate's).
func aggregateTrait(n alert.Notification, field string) string {
	if traitKnown(n.Members, field) {
		return commonTrait(n.Members, field)
	}
	if field == "reason" {
		return n.Event.Meaning("reason")
	}
	return ""
}

// trait is a member's role or reason.
func trait(m alert.Member, field string) string {
	if field == "role" {
		return m.Role
	}
	return m.Reason
}

// traitKnown reports whether any member carries its own role or reason.
func traitKnown(ms []alert.Member, field string) bool {
	for _, m := range ms {
		if trait(m, field) != "" {
			return true
		}
	}
	return false
}

// commonTrait is the role or reason every member shares, "" if they differ
// or one is not known.
func commonTrait(ms []alert.Member, field string) string {
	if len(ms) == 0 {
		return ""
	}
	c := trait(ms[0], field)
	for _, m := range ms[1:] {
		if trait(m, field) != c {
			return ""
		}
	}
	return c
}

// SeverityWord is the page's urgency in one word: CRITICAL, WARNING, INFO,
// RESOLVED, or ALERT when the rule gave none.
func SeverityWord(n alert.Notification) string {
	switch {
	case n.Kind == alert.KindResolved:
		return "RESOLVED"
	case n.Severity == "":
		return "ALERT"
	}
	return strings.ToUpper(string(n.Severity))
}

// Fields lists the page's facts in display order: where, who, the codes (in
// the code-field table's order, the group left out as the event names it),
// the task, the error, and when; an aggregate lists its members instead of
// one user and one time.
func Fields(n alert.Notification) []Field {
	var fs []Field
	add := func(name, value string) {
		if value != "" {
			fs = append(fs, Field{Name: name, Value: value})
		}
	}
	// client is a value a TRTC client chose.
	client := func(name, value string) { add(name, alert.Literal(value)) }
	e := n.Event
	client("App", e.App)
	client("Room", e.Room)
	if !n.Aggregate {
		client("User", e.User)
	}
	for _, c := range e.Codes {
		if codeShown(n, c) {
			value := c.Meaning
			if n.Aggregate && (c.Field == "role" || c.Field == "reason") {
				value = aggregateTrait(n, c.Field)
			}
			add(c.Label, value)
		}
	}
	client("Task", e.Task)
	add("Error", strings.TrimSpace(alert.Literal(e.ErrorCode)+" "+alert.Literal(e.ErrorMessage)))
	client("URL", e.URL)
	if !n.Aggregate && !e.Time.IsZero() {
		add("When", e.Time.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	add("Client", ClientLine(n))
	if n.Aggregate && len(n.Members) > 0 {
		kind := string(n.MemberKind)
		if kind == "" {
			kind = "alerts"
		}
		// The count is the list's: the names shown plus "and N more".
		count := strconv.Itoa(PageCount(n))
		list := Members(n.Members, n.MembersMore)
		if n.Kind == alert.KindUpdate {
			add("New "+kind+" ("+count+")", list)
			add("Total so far", strconv.Itoa(n.Total)+" events, "+strconv.Itoa(n.TotalMembers)+" "+kind)
		} else {
			add(strings.ToUpper(kind[:1])+kind[1:]+" ("+count+")", list)
		}
	}
	return fs
}

// codeShown reports whether Fields shows code c. Left out: the group (the
// event names it), a numeric room type (the usual case), and on an
// aggregate what describes one user (the opening event's role, terminal,
// user type; a role or reason its members share is shown instead).
func codeShown(n alert.Notification, c alert.Code) bool {
	switch {
	case c.Label == "" || c.Meaning == "":
		return false // nothing to show as a field: the codes block has it
	case c.Field == "group":
		return false
	case c.Field == "room_type" && c.Value == 0:
		return false
	case n.Aggregate && (c.Field == "role" || c.Field == "reason"):
		return aggregateTrait(n, c.Field) != ""
	case n.Aggregate && perUser[c.Field]:
		return false
	}
	return true
}

// CodeLines are the codes the codes block lists: only what the page does
// not already say. A code shown as a field, the group (the event names
// it), a numeric room type, and an aggregate's per-user codes (its opening
// event's, not the members', who carry their own) are left out; what
// remains is a code without words of its own. Nil when the fields say it
// all, as they do on every page the rules make today.
func CodeLines(n alert.Notification) []alert.Code {
	var out []alert.Code
	for _, c := range n.Event.Codes {
		switch {
		case codeShown(n, c), c.Field == "group", c.Field == "room_type" && c.Value == 0:
		case n.Aggregate && (c.Field == "reason" || perUser[c.Field]) && c.Meaning != "":
		default:
			out = append(out, c)
		}
	}
	return out
}

// perUser are code fields that describe one user: an aggregate, standing for
// many, does not show the first one's.
var perUser = map[string]bool{"role": true, "terminal": true, "user_type": true}

// Members writes who an aggregate stands for, each with their own role and
// reason where the members differ in them (a role or reason all share is
// a field of its own) and their events when more than one:
// "u1 (Anchor, Timeout, 3 events), u2 (Audience, Timeout) and 12 more".
// Names are client values, each made literal.
func Members(ms []alert.Member, more int) string {
	perRole := commonTrait(ms, "role") == "" && traitKnown(ms, "role")
	perReason := commonTrait(ms, "reason") == "" && traitKnown(ms, "reason")
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		name := alert.Literal(m.Name)
		if name == "" {
			name = "(none)"
		}
		var about []string
		if perRole && m.Role != "" {
			about = append(about, alert.Inline(m.Role))
		}
		if perReason && m.Reason != "" {
			about = append(about, alert.Inline(m.Reason))
		}
		if m.Events > 1 {
			if len(about) == 0 {
				about = append(about, strconv.Itoa(m.Events))
			} else {
				about = append(about, strconv.Itoa(m.Events)+" events")
			}
		}
		if len(about) > 0 {
			name += " (" + strings.Join(about, ", ") + ")"
		}
		parts = append(parts, name)
	}
	s := strings.Join(parts, ", ")
	if more > 0 {
		s += " and " + strconv.Itoa(more) + " more"
	}
	return s
}

// Where is "app X room Y user Z": what locates the event, for one-line texts.
func Where(n alert.Notification) string {
	var parts []string
	for _, f := range []struct{ name, value string }{{"app", n.Event.App}, {"room", n.Event.Room}, {"user", n.Event.User}} {
		if f.value != "" && (f.name != "user" || !n.Aggregate) {
			parts = append(parts, f.name+" "+alert.Literal(f.value))
		}
	}
	return strings.Join(parts, " ")
}

// CodeLine is "reason 2 reason.timeout: Timeout"; quote wraps the machine
// name (Slack puts it in backticks).
func CodeLine(c alert.Code, quote func(string) string) string {
	s := strings.TrimSpace(c.Field + " " + strconv.Itoa(c.Value))
	if c.Name != "" {
		s += " " + quote(c.Name)
	}
	if c.Meaning != "" {
		s += ": " + c.Meaning
	}
	return s
}

// Timestamp is how pages write a time for readers whose client cannot
// localise it.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// Saw lists what the client saw, one line an item: "12:00:03 5005 Connection
// to CVM timed out" for a client event, "experience 1 Room entry was slow:
// 1013 The room entry request timed out" for an abnormal experience.
func Saw(e *alert.Enrichment) []string {
	if e.Empty() {
		return nil
	}
	var lines []string
	for _, ev := range e.Events {
		s := ev.Time.UTC().Format("15:04:05") + " " + strconv.Itoa(ev.ID) + " " + ev.Name
		if ev.Undocumented {
			// The catalogue had no row for these parameters: the name is
			// the id's general meaning, and the page must not read as
			// documented.
			if ev.Param1 != -1 || ev.Param2 != -1 {
				s += " [parameters " + strconv.FormatInt(ev.Param1, 10) + ", " + strconv.FormatInt(ev.Param2, 10) + " not documented]"
			} else {
				s += " [not documented]"
			}
		}
		if ev.PeerID != "" {
			s += " (from " + alert.Literal(ev.PeerID) + ")"
		}
		lines = append(lines, s)
	}
	if e.EventsOmitted > 0 {
		lines = append(lines, "and "+strconv.Itoa(e.EventsOmitted)+" more events")
	}
	for _, x := range e.Experiences {
		s := "experience " + strconv.Itoa(x.ID) + " " + x.Name
		if x.UserID != "" {
			s += " (user " + alert.Literal(x.UserID) + ")"
		}
		for i, c := range x.Causes {
			sep := ", "
			if i == 0 {
				sep = ": "
			}
			s += sep + strconv.Itoa(c.ID) + " " + c.Name
		}
		if x.Count > 1 {
			s += " (" + strconv.Itoa(x.Count) + " times)"
		}
		lines = append(lines, s)
	}
	if e.ExperiencesOmitted > 0 {
		lines = append(lines, "and "+strconv.Itoa(e.ExperiencesOmitted)+" more experiences")
	}
	if e.DismissalPending {
		lines = append(lines, "room-dismissal events follow once the room is dismissed")
	}
	return lines
}
