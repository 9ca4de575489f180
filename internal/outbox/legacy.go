package outbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/alert"
)

// Legacy: removed in the next release (no release is tagged yet; grep
// "Legacy:" when tagging one), once no outbox or dead letter can hold a
// page of a hook from before typed notifications.
//
// legacyPage reads a page queued (or dead-lettered) by a hook from before
// notifications were typed: a rendered page with display fields. Its words
// were chosen then, so they travel as the notification's title and text, and
// the fields that locate the event become the event's.
func legacyPage(b []byte) (alert.Notification, error) {
	var p struct {
		ID       string         `json:"id"`
		Kind     alert.Kind     `json:"kind"`
		Rule     string         `json:"rule"`
		Severity alert.Severity `json:"severity"`
		Title    string         `json:"title"`
		Text     string         `json:"text"`
		Fields   []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
		Codes     []alert.Code   `json:"codes"`
		Incident  string         `json:"incident"`
		Count     int            `json:"count"`
		DedupKey  string         `json:"dedup_key"`
		EventTime time.Time      `json:"event_time"`
		CreatedAt time.Time      `json:"created_at"`
		Receiver  alert.Receiver `json:"receiver"`
		RetriedAt time.Time      `json:"retried_at"`
		Note      string         `json:"note"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return alert.Notification{}, fmt.Errorf("decode page: %w", err)
	}
	n := alert.Notification{
		ID: p.ID, Kind: p.Kind, Rule: p.Rule, Severity: p.Severity, Title: p.Title, Text: p.Text,
		Event: alert.Event{Codes: p.Codes, Time: p.EventTime}, Incident: p.Incident, Count: p.Count,
		DedupKey: p.DedupKey, CreatedAt: p.CreatedAt, RetriedAt: p.RetriedAt, Receiver: p.Receiver, Note: p.Note,
	}
	var extra []string
	for _, f := range p.Fields {
		switch f.Name {
		case "App":
			n.Event.App = f.Value
		case "Room":
			n.Event.Room = f.Value
		case "User":
			n.Event.User = f.Value
		case "Task":
			n.Event.Task = f.Value
		case "Error":
			n.Event.ErrorMessage = f.Value
		case "URL":
			n.Event.URL = f.Value
		case "Event", "Role", "Terminal", "Reason", "Status", "Leave code", "Relay status", "When":
			// Carried by the codes and the event time.
		default:
			extra = append(extra, f.Name+": "+f.Value)
		}
	}
	if len(extra) > 0 {
		n.Text = strings.TrimSpace(n.Text + "\n" + strings.Join(extra, "\n"))
	}
	// The page's id had its receiver and part appended already: take them
	// off again so PageID gives back the same id.
	n.ID, n.Flush = legacyID(p.ID, p.Receiver.Name, p.Kind)
	return n, nil
}

// legacyID splits an old page id "<id>-<receiver>[-resolved|-g<n>]" into the
// notification id and its group flush number.
func legacyID(pageID, receiver string, kind alert.Kind) (string, int) {
	base, part, ok := strings.Cut(pageID, "-"+receiver)
	switch {
	case !ok || receiver == "":
		return pageID, 0
	case part == "" || part == "-resolved" && kind == alert.KindResolved:
		return base, 0
	}
	var seq int
	if _, err := fmt.Sscanf(part, "-g%d", &seq); err == nil {
		return base, seq + 1
	}
	return pageID, 0
}
