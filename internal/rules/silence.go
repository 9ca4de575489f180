package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/notify"
)

// Silence mutes every alert whose labels equal all of its matchers until
// EndsAt. Silences live in Redis, shared by every replica; the store checks
// them inside the same script that would enqueue the page.
type Silence struct {
	ID string `json:"id"`
	// Matchers map a label (app, room, user, task, rule, event, reason,
	// severity) to the exact value it must have, e.g. {"room": "8489"}.
	Matchers map[string]string `json:"matchers"`
	Author   string            `json:"author"`
	Comment  string            `json:"comment"`
	StartsAt time.Time         `json:"starts_at"`
	EndsAt   time.Time         `json:"ends_at"`
	// Muted counts the alerts this silence has muted so far.
	Muted int64 `json:"muted"`
}

// SilenceLabels are the labels a silence may match. event is a catalogue
// name (room.exit), reason the short name (timeout).
var SilenceLabels = []string{"app", "event", "reason", "room", "rule", "severity", "task", "user"}

// MaxSilence bounds a silence: a mute nobody remembers must not last forever.
const MaxSilence = 30 * 24 * time.Hour

// ErrInvalidSilence marks a silence that cannot be stored (handler: 400).
var ErrInvalidSilence = errors.New("invalid silence")

// ErrSilenceNotFound marks an unknown or already expired silence id (handler: 404).
var ErrSilenceNotFound = errors.New("silence not found")

// Silences stores silences. Implemented by store.Redis; used by the admin API,
// the CLI (through the API) and Slack buttons.
type Silences interface {
	AddSilence(ctx context.Context, s Silence, now time.Time) (Silence, error)
	Silences(ctx context.Context, now time.Time) ([]Silence, error)
	ExpireSilence(ctx context.Context, id string, now time.Time) error
}

// Validate checks a silence before it is stored.
func (s Silence) Validate(now time.Time) error {
	var errs []string
	if len(s.Matchers) == 0 {
		errs = append(errs, "needs at least one matcher (e.g. room=8489); an empty silence would mute everything")
	}
	for k, v := range s.Matchers {
		if !slices.Contains(SilenceLabels, k) {
			errs = append(errs, fmt.Sprintf("unknown label %q (use %s)%s", k, strings.Join(SilenceLabels, ", "), suggest(k, SilenceLabels)))
		}
		if v == "" {
			errs = append(errs, fmt.Sprintf("matcher %s has an empty value", k))
		}
	}
	if strings.TrimSpace(s.Author) == "" {
		errs = append(errs, "needs an author")
	}
	if strings.TrimSpace(s.Comment) == "" {
		errs = append(errs, "needs a comment saying why")
	}
	switch {
	case !s.EndsAt.After(now):
		errs = append(errs, "ends_at must be in the future")
	case s.EndsAt.Sub(now) > MaxSilence:
		errs = append(errs, fmt.Sprintf("lasts longer than %s", MaxSilence))
	}
	slices.Sort(errs)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidSilence, strings.Join(errs, "; "))
	}
	return nil
}

// alertLabels are what silences match for cr's alert on e.
func alertLabels(cr *compiledRule, e *Facts) map[string]string {
	l := map[string]string{"rule": cr.name, "severity": string(cr.severity)}
	for _, k := range groupFields {
		if v := labelOf(e, k); v != "" {
			l[k] = v
		}
	}
	return l
}

func notifySeverity(s string) notify.Severity { return notify.Severity(s) }
