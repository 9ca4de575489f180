package alert

import (
	"strings"
	"testing"
	"time"
)

func TestSilenceValidate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ok := Silence{Matchers: map[string]string{"room": "1"}, Author: "a", Comment: "c", EndsAt: now.Add(time.Hour)}
	if err := ok.Validate(now); err != nil {
		t.Fatalf("valid silence: %v", err)
	}
	for name, tc := range map[string]struct {
		s    Silence
		want string
	}{
		"no matchers": {Silence{Author: "a", Comment: "c", EndsAt: now.Add(time.Hour)}, "needs at least one matcher"},
		"bad label":   {Silence{Matchers: map[string]string{"rooom": "1"}, Author: "a", Comment: "c", EndsAt: now.Add(time.Hour)}, `did you mean "room"?`},
		"empty value": {Silence{Matchers: map[string]string{"room": " "}, Author: "a", Comment: "c", EndsAt: now.Add(time.Hour)}, "empty value"},
		"no author":   {Silence{Matchers: map[string]string{"room": "1"}, Comment: "c", EndsAt: now.Add(time.Hour)}, "needs an author"},
		"no comment":  {Silence{Matchers: map[string]string{"room": "1"}, Author: "a", EndsAt: now.Add(time.Hour)}, "needs a comment"},
		"past":        {Silence{Matchers: map[string]string{"room": "1"}, Author: "a", Comment: "c", EndsAt: now}, "in the future"},
		// The same bound whether the end is given as a time or a duration.
		"5 seconds": {Silence{Matchers: map[string]string{"room": "1"}, Author: "a", Comment: "c", EndsAt: now.Add(5 * time.Second)}, "at least 1m"},
		"too long":  {Silence{Matchers: map[string]string{"room": "1"}, Author: "a", Comment: "c", EndsAt: now.Add(31 * 24 * time.Hour)}, "longer than"},
	} {
		err := tc.s.Validate(now)
		if err == nil || !IsInvalidSilence(err) || CodeOf(err) != EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want an invalid-silence error saying %q", name, err, tc.want)
		}
	}
}

func TestNewSilence(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m := map[string]string{"room": " 8489 "}
	for _, tc := range []struct {
		name string
		req  SilenceRequest
		want string // "" means accepted
	}{
		{"duration", SilenceRequest{Matchers: m, Author: "a", Comment: "c", Duration: "1h"}, ""},
		{"ends_at", SilenceRequest{Matchers: m, Author: "a", Comment: "c", EndsAt: now.Add(time.Hour)}, ""},
		{"neither", SilenceRequest{Matchers: m, Author: "a", Comment: "c"}, "say when the silence ends"},
		{"both", SilenceRequest{Matchers: m, Author: "a", Comment: "c", Duration: "1h", EndsAt: now.Add(time.Hour)}, "not both"},
		{"bad duration", SilenceRequest{Matchers: m, Author: "a", Comment: "c", Duration: "soon"}, `duration "soon"`},
		{"5s duration", SilenceRequest{Matchers: m, Author: "a", Comment: "c", Duration: "5s"}, "from 1m"},
		{"5s ends_at", SilenceRequest{Matchers: m, Author: "a", Comment: "c", EndsAt: now.Add(5 * time.Second)}, "at least 1m"},
		{"negative duration", SilenceRequest{Matchers: m, Author: "a", Comment: "c", Duration: "-1h"}, "from 1m"},
	} {
		s, err := NewSilence(tc.req, now)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && (s.Matchers["room"] != "8489" || !s.EndsAt.Equal(now.Add(time.Hour)) || !s.StartsAt.Equal(now)):
			t.Errorf("%s: silence %+v", tc.name, s)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}
