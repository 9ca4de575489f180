package rules

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/yamlpos"
)

// Runbook limits. A runbook is a pointer, not the procedure: a text longer
// than a tweet belongs behind the link, and a page must stay readable.
const (
	MaxRunbookText = 300
	MaxRunbookURL  = 1000
)

// Runbook is a rule's `runbook:`, what on-call should do next: a string
// that is an http(s) URL (a link), any other string (a short text), or
// {url: ..., text: ...} for both. It is the operator's, never a client's:
// pages escape it, and nothing of an event is interpolated into it.
type Runbook struct {
	URL  string `yaml:"url"`
	Text string `yaml:"text"`
}

// runbookKeys are the keys of a runbook mapping.
var runbookKeys = []string{"text", "url"}

// schemeRE reads a URL's scheme: a string starting with one is meant as a
// link, and must be one a page can open.
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

func (r *Runbook) DecodeNode(n *yaml.Node) error {
	switch n.Kind {
	case yaml.AliasNode:
		return r.DecodeNode(n.Alias)
	case yaml.ScalarNode:
		if n.Tag != "!!str" {
			return fmt.Errorf("expected a URL or a short text, got %s (quote it if you mean the text)", yamlpos.DescribeNode(n))
		}
		if schemeRE.MatchString(strings.TrimSpace(n.Value)) {
			r.URL = strings.TrimSpace(n.Value)
			return runbookURLError(n, r.URL)
		}
		r.Text = n.Value
		return runbookTextError(n, r.Text, "runbook")
	case yaml.MappingNode:
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if first, dup := seen[k.Value]; dup {
				return &yamlpos.Error{Pos: yamlpos.PosOf(k), Msg: fmt.Sprintf("runbook.%s: key given twice (first at line %d)", k.Value, first.Line)}
			}
			seen[k.Value] = k
			if k.Value != "url" && k.Value != "text" {
				return &yamlpos.Error{Pos: yamlpos.PosOf(k), Msg: fmt.Sprintf("unknown field `%s` in runbook%s", k.Value, yamlpos.SuggestField(k.Value, runbookKeys, "runbook"))}
			}
			if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
				return &yamlpos.Error{Pos: yamlpos.PosOf(v), Msg: fmt.Sprintf("runbook.%s: expected a string, got %s", k.Value, yamlpos.DescribeNode(v))}
			}
			if k.Value == "url" {
				r.URL = strings.TrimSpace(v.Value)
				if !schemeRE.MatchString(r.URL) {
					return &yamlpos.Error{Pos: yamlpos.PosOf(v), Msg: fmt.Sprintf("runbook.url: %q is not a link: write it whole, e.g. https://wiki.example.com/runbooks/room-outage", r.URL)}
				}
				if err := runbookURLError(v, r.URL); err != nil {
					return err
				}
				continue
			}
			r.Text = v.Value
			if err := runbookTextError(v, r.Text, "runbook.text"); err != nil {
				return err
			}
		}
		if r.URL == "" && r.Text == "" {
			return fmt.Errorf("give url, text or both, e.g. {url: https://wiki.example.com/runbooks/x, text: \"Check the CDN first\"}")
		}
		return nil
	}
	return fmt.Errorf("expected a URL, a short text or {url: ..., text: ...}, got %s", yamlpos.DescribeNode(n))
}

// runbookURLError checks a runbook link: http or https, with a host, and
// nothing a page could not carry as a link.
func runbookURLError(n *yaml.Node, s string) error {
	fail := func(format string, args ...any) error {
		return &yamlpos.Error{Pos: yamlpos.PosOf(n), Msg: "runbook: " + fmt.Sprintf(format, args...)}
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fail("bad URL %q: %v", s, strings.TrimPrefix(err.Error(), "parse "+`"`+s+`": `))
	case u.Scheme != "http" && u.Scheme != "https":
		return fail("%q: a runbook link must be http or https", s)
	case u.Host == "":
		return fail("%q has no host", s)
	case len(s) > MaxRunbookURL:
		return fail("the URL is %d characters long, more than %d", len(s), MaxRunbookURL)
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>|`", r)
	}); i >= 0 {
		c := []rune(s[i:])[0]
		return fail("the URL holds %q, which a page cannot link: percent-encode it (%s)", c, url.PathEscape(string(c)))
	}
	return nil
}

// runbookTextError checks a runbook text (what names it in messages): not
// empty, and short.
func runbookTextError(n *yaml.Node, s, what string) error {
	if strings.TrimSpace(s) == "" {
		return &yamlpos.Error{Pos: yamlpos.PosOf(n), Msg: what + " is empty: give a URL or a short text, or leave runbook out"}
	}
	if c := utf8.RuneCountInString(s); c > MaxRunbookText {
		return &yamlpos.Error{Pos: yamlpos.PosOf(n), Msg: fmt.Sprintf("%s is %d characters long, more than %d: put the procedure behind a link ({url: ..., text: ...})", what, c, MaxRunbookText)}
	}
	return nil
}

// notification is the runbook as pages carry it; nil for none.
func (r *Runbook) notification() *alert.Runbook {
	if r == nil || r.URL == "" && r.Text == "" {
		return nil
	}
	return &alert.Runbook{URL: r.URL, Text: strings.TrimSpace(r.Text)}
}
