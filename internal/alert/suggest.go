package alert

import (
	"fmt"
	"strings"
)

// Suggest returns `, did you mean "x"?` for the candidate closest to s, or ""
// when nothing is close enough to be a plausible typo.
func Suggest(s string, candidates []string) string {
	if best := Closest(s, candidates); best != "" {
		return fmt.Sprintf(", did you mean %q?", best)
	}
	return ""
}

// Closest returns the candidate nearest to s by edit distance (comparing
// catalogue names with and without their namespace), or "" when none is near.
func Closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/2+2
	for _, c := range candidates {
		d := distance(s, c)
		if short, ok := strings.CutPrefix(c, prefixOf(c)); ok && short != c {
			d = min(d, distance(s, short))
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// prefixOf returns the namespace of a catalogue name: "reason." for "reason.timeout".
func prefixOf(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[:i+1]
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
