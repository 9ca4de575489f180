package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookdev/hook/internal/catalog"
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

// NormalizeSilence checks a silence's values against what alerts can carry
// and writes them the way alerts do, so a silence cannot quietly mute nothing:
// event 308 or recording.upload_error becomes recording.upload_error, reason
// reason.timeout becomes timeout, and rule names must be rules of rs.
func (rs *Ruleset) NormalizeSilence(cat *catalog.Catalog, s Silence) (Silence, error) {
	out := s
	out.Matchers = make(map[string]string, len(s.Matchers))
	var errs []string
	for _, k := range sortedKeys(s.Matchers) {
		v := strings.TrimSpace(s.Matchers[k])
		switch k {
		case "event":
			if n, err := strconv.Atoi(v); err == nil {
				if c := cat.Code(catalog.FieldEvent, 0, n); c.Known {
					v = c.Name
				}
			} else if vals, ok := cat.Values(catalog.FieldEvent, v); ok {
				v = cat.Code(catalog.FieldEvent, 0, vals[0].Value).Name
			} else {
				errs = append(errs, fmt.Sprintf("unknown event %q%s", v, suggest(v, cat.Names(catalog.FieldEvent))))
			}
		case "reason":
			if _, err := strconv.Atoi(v); err == nil {
				errs = append(errs, fmt.Sprintf("reason %s: reason numbers mean different things per event; use a name (timeout, force_closed, ...)", v))
			} else if _, ok := cat.Values(catalog.FieldReason, v); ok {
				v = strings.TrimPrefix(v, "reason.")
			} else {
				errs = append(errs, fmt.Sprintf("unknown reason %q%s", v, suggest(v, cat.Names(catalog.FieldReason))))
			}
		case "severity":
			if !validSeverity(notify.Severity(v)) {
				errs = append(errs, fmt.Sprintf("unknown severity %q%s", v, severityHint(v)))
			}
		case "rule":
			names := make([]string, len(rs.rules))
			for i, cr := range rs.rules {
				names[i] = cr.name
			}
			if !slices.Contains(names, v) {
				errs = append(errs, fmt.Sprintf("no rule named %q%s", v, suggest(v, names)))
			}
		}
		out.Matchers[k] = v
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("%w: %s", ErrInvalidSilence, strings.Join(errs, "; "))
	}
	return out, nil
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
