package engine

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/catalog"
	"github.com/hookdev/hook/internal/match"
	"github.com/hookdev/hook/internal/rules"
)

// NormalizeSilence checks a silence's values against what alerts can carry
// and writes them the way alerts do, so a silence cannot quietly mute nothing:
// event 308 or recording.upload_error becomes recording.upload_error, reason
// reason.timeout becomes timeout, and rule names must be rules of rs. The
// silence's shape is alert.Silence.Validate's to check.
func NormalizeSilence(rs *rules.Ruleset, cat *catalog.Catalog, s alert.Silence) (alert.Silence, error) {
	out := s
	out.Matchers = make(map[string]string, len(s.Matchers))
	var errs []string
	for _, k := range slices.Sorted(maps.Keys(s.Matchers)) {
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
				errs = append(errs, fmt.Sprintf("unknown event %q%s", v, alert.Suggest(v, cat.Names(catalog.FieldEvent))))
			}
		case "reason":
			if _, err := strconv.Atoi(v); err == nil {
				errs = append(errs, fmt.Sprintf("reason %s: reason numbers mean different things per event; use a name (timeout, force_closed, ...)", v))
			} else if _, ok := cat.Values(catalog.FieldReason, v); ok {
				v = strings.TrimPrefix(v, "reason.")
			} else {
				errs = append(errs, fmt.Sprintf("unknown reason %q%s", v, alert.Suggest(v, cat.Names(catalog.FieldReason))))
			}
		case "scene":
			if !match.ValidScene(v) {
				errs = append(errs, fmt.Sprintf("scene %q is neither live nor call%s", v, match.SceneHint(v)))
			}
		case "severity":
			if !alert.Severity(v).Valid() {
				errs = append(errs, fmt.Sprintf("unknown severity %q%s", v, rules.SeverityHint(v)))
			}
		case "rule":
			names := make([]string, len(rs.Rules()))
			for i, cr := range rs.Rules() {
				names[i] = cr.Name
			}
			if !slices.Contains(names, v) {
				errs = append(errs, fmt.Sprintf("no rule named %q%s", v, alert.Suggest(v, names)))
			}
		}
		out.Matchers[k] = v
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("%w: %s", alert.ErrInvalidSilence, strings.Join(errs, "; "))
	}
	return out, nil
}

// alertLabels are what silences match for cr's alert on e.
func alertLabels(cr *rules.CompiledRule, e *match.Facts) map[string]string {
	l := map[string]string{"rule": cr.Name, "severity": string(cr.Severity)}
	for _, k := range match.Labels() {
		if v := match.Label(e, k); v != "" {
			l[k] = v
		}
	}
	return l
}
