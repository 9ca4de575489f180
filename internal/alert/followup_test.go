package alert

import (
	"testing"
	"time"
)

func TestFollowUpOfAPage(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 5, 0, 0, time.UTC)
	page := Notification{ID: "a1", Kind: KindFiring, Rule: "r", Incident: "1400000001/s:12345", Flush: 2, Note: "n",
		CreatedAt: at.Add(-5 * time.Minute), RetriedAt: at.Add(-time.Minute), Enrichment: &Enrichment{CommID: "x"},
		Receiver: Receiver{Name: "oncall", Kind: ReceiverSlack, Channel: "#oncall", Mentions: []string{"<!here>"}}}
	f := page.FollowUp(at)
	if f.Kind != KindFollowUp || !f.CreatedAt.Equal(at) || !f.RetriedAt.IsZero() || f.Enrichment != nil || f.Note != "" ||
		len(f.Receiver.Mentions) != 0 || f.Incident != page.Incident || f.Receiver.Channel != "#oncall" {
		t.Errorf("follow-up %+v", f)
	}
	if f.PageID() != "a1-oncall-g1-followup" || page.PageID() != "a1-oncall-g1" {
		t.Errorf("page ids %q, %q", page.PageID(), f.PageID())
	}
	if len(page.Receiver.Mentions) != 1 {
		t.Error("making the follow-up changed the page")
	}
	// It survives the outbox.
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalNotification(b)
	if err != nil || back.Kind != KindFollowUp || back.PageID() != f.PageID() || !back.CreatedAt.Equal(at) {
		t.Errorf("decoded %+v, %v", back, err)
	}
}
