package match

import (
	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/callback"
	"github.com/hookdev/hook/internal/catalog"
)

// CodeWords gives a notification's codes back the catalogue's words that
// the wire leaves out (PageEvent, alert.WireCodes): each code's label (from
// the code-field table), name and meaning, as Codes gives them. The outbox
// fills every notification it decodes with it (outbox.Options.Words), so
// every reader, the dispatcher as much as a dead-letter listing, renders
// the same words.
type CodeWords struct {
	cat *catalog.Catalog
}

// NewCodeWords returns the words of cat.
func NewCodeWords(cat *catalog.Catalog) *CodeWords { return &CodeWords{cat: cat} }

// Fill gives the codes of n's events (its own, its clearing event's, its
// digest's examples') that carry only their facts the catalogue's words.
// A code that has words keeps them: a page queued by an earlier hook
// renders as it did. A value the catalogue lacks gets its "unknown" words,
// as it did when the words were written at the callback.
func (w *CodeWords) Fill(n *alert.Notification) {
	w.fill(&n.Event)
	if n.ResolvedBy != nil {
		w.fill(n.ResolvedBy)
	}
	if n.Digest != nil {
		for i := range n.Digest.Examples {
			w.fill(&n.Digest.Examples[i].Event)
		}
	}
}

func (w *CodeWords) fill(e *alert.Event) {
	// Scoped fields (reason, status, ...) are named in their event type,
	// which the event's own code carries; none when the callback had none.
	eventType := callback.Absent
	if ev, ok := e.Code(string(catalog.FieldEvent)); ok {
		eventType = ev.Value
	}
	for i := range e.Codes {
		c := &e.Codes[i]
		if c.Label != "" || c.Name != "" || c.Meaning != "" {
			continue
		}
		cf, ok := codeFieldByKey(c.Field)
		if !ok {
			continue // a field this hook does not know: its facts, shown as they are
		}
		code := w.cat.Code(cf.field, eventType, c.Value)
		c.Label, c.Name, c.Meaning = cf.label, code.Name, code.Title
	}
}
