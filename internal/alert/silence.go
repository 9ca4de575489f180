package alert

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Silence mutes every alert whose labels equal all of its matchers until
// EndsAt. Silences live in the store, shared by every replica, and are
// checked in the same atomic step that would enqueue the notification.
type Silence struct {
	ID string `json:"id"`
	// Matchers map a label (SilenceLabels) to the exact value it must have,
	// e.g. {"room": "8489"}.
	Matchers map[string]string `json:"matchers"`
	Author   string            `json:"author"`
	Comment  string            `json:"comment"`
	StartsAt time.Time         `json:"starts_at"`
	EndsAt   time.Time         `json:"ends_at"`
	// Muted counts the alerts this silence has muted so far.
	Muted int64 `json:"muted"`
}

// SilenceLabels are the labels a silence may match. event is a catalogue
// name (room.exit), reason the short name (timeout), scene the app's scene
// as the rules file declares it (live or call).
func SilenceLabels() []string {
	return []string{"app", "event", "reason", "room", "rule", "scene", "severity", "task", "user"}
}

// Bounds on a silence's length: shorter than MinSilence is a typo (5s rather
// than 5m) that would mute nothing useful; longer than MaxSilence is a mute
// nobody will remember.
const (
	MinSilence = time.Minute
	MaxSilence = 30 * 24 * time.Hour
)

// ErrInvalidSilence marks a silence that cannot be stored.
var ErrInvalidSilence = &Error{Code: EINVALID, Reason: "invalid", Message: "invalid silence"}

// ErrSilenceNotFound marks an unknown or already expired silence id.
var ErrSilenceNotFound = &Error{Code: ENOTFOUND, Reason: "not_found", Message: "silence not found"}

// SilenceRequest is how a silence is asked for, by the CLI, the admin API
// and the Slack buttons alike: either EndsAt or Duration ("1h") says when
// it ends.
type SilenceRequest struct {
	Matchers map[string]string `json:"matchers"`
	Author   string            `json:"author"`
	Comment  string            `json:"comment"`
	EndsAt   time.Time         `json:"ends_at"`
	Duration string            `json:"duration"`
}

// NewSilence turns a request into a silence starting at now and validates
// it: the one check every path to a silence goes through.
func NewSilence(req SilenceRequest, now time.Time) (Silence, error) {
	ends := req.EndsAt
	switch {
	case req.Duration == "" && ends.IsZero():
		return Silence{}, invalidSilence("say when the silence ends: duration (like \"1h\") or ends_at")
	case req.Duration != "" && !ends.IsZero():
		return Silence{}, invalidSilence("give duration (like \"1h\") or ends_at, not both")
	case req.Duration != "":
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d < MinSilence || d > MaxSilence {
			return Silence{}, invalidSilence(fmt.Sprintf("duration %q: give a duration from 1m to %s, like \"1h\"", req.Duration, MaxSilence))
		}
		ends = now.Add(d)
	}
	s := Silence{
		Matchers: make(map[string]string, len(req.Matchers)),
		Author:   strings.TrimSpace(req.Author),
		Comment:  strings.TrimSpace(req.Comment),
		StartsAt: now.UTC(),
		EndsAt:   ends.UTC(),
	}
	for k, v := range req.Matchers {
		s.Matchers[k] = strings.TrimSpace(v)
	}
	if err := s.Validate(now); err != nil {
		return Silence{}, err
	}
	return s, nil
}

func invalidSilence(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidSilence, msg) }

// Validate checks a silence's shape: at least one known, non-empty matcher,
// an author, a comment, and an end between MinSilence and MaxSilence from now.
// Whether its values name real events, reasons and rules is the rules'
// business (they know the catalogue and the rules now serving).
func (s Silence) Validate(now time.Time) error {
	var errs []string
	if len(s.Matchers) == 0 {
		errs = append(errs, "needs at least one matcher (e.g. room=8489); an empty silence would mute everything")
	}
	labels := SilenceLabels()
	for k, v := range s.Matchers {
		if !slices.Contains(labels, k) {
			errs = append(errs, fmt.Sprintf("unknown label %q (use %s)%s", k, strings.Join(labels, ", "), Suggest(k, labels)))
		}
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Sprintf("matcher %s has an empty value", k))
		}
	}
	if strings.TrimSpace(s.Author) == "" {
		errs = append(errs, "needs an author")
	}
	if strings.TrimSpace(s.Comment) == "" {
		errs = append(errs, "needs a comment saying why")
	}
	switch d := s.EndsAt.Sub(now); {
	case d <= 0:
		errs = append(errs, "ends_at must be in the future")
	case d < MinSilence:
		errs = append(errs, fmt.Sprintf("lasts %s: a silence lasts at least 1m", d.Round(time.Second)))
	case d > MaxSilence:
		errs = append(errs, fmt.Sprintf("lasts longer than %s", MaxSilence))
	}
	slices.Sort(errs)
	if len(errs) > 0 {
		return invalidSilence(strings.Join(errs, "; "))
	}
	return nil
}

// IsInvalidSilence reports whether err refuses a silence.
func IsInvalidSilence(err error) bool { return errors.Is(err, ErrInvalidSilence) }
