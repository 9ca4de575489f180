package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one workload's runs against hook and its ceiling.
type row struct {
	name        string
	distinct    bool   // each request should be a new user or incident
	ceilingName string // "" when there is no ceiling run (Slack down)
	hook        []measurement
	ceiling     []measurement
}

// busyMachine is the share of the CPUs taken by other processes above
// which the report warns that its figures are noisy.
const busyMachine = 0.10

// othersShare is the most other processes took of the CPUs in any run.
func (r row) othersShare() float64 {
	share := 0.0
	for _, m := range slices.Concat(r.hook, r.ceiling) {
		share = max(share, m.othersShare())
	}
	return share
}

// median is the run with the median throughput (the lower middle when the
// count is even): its other figures are reported with it, as one run.
func median(ms []measurement) measurement {
	s := slices.Clone(ms)
	slices.SortFunc(s, func(a, b measurement) int {
		switch {
		case a.res.RPS() < b.res.RPS():
			return -1
		case a.res.RPS() > b.res.RPS():
			return 1
		}
		return 0
	})
	return s[(len(s)-1)/2]
}

func printReport(w io.Writer, header string, rows []row) {
	fmt.Fprintln(w, header)
	fmt.Fprintln(w)
	width := len("workload")
	for _, r := range rows {
		width = max(width, len(r.name))
	}
	left := func(s string) string { return s + strings.Repeat(" ", width-len(s)) }
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, left("workload")+"\thook req/s\tp50\tp99\tpeak RSS\thook CPU\tredis CPU\tceiling\tceiling req/s\tratio\tCPU/req hook | ceiling\tnon-200 hook | ceiling\t")
	for _, r := range rows {
		hm := median(r.hook)
		cols := []string{left(r.name), count(hm.res.RPS()), latency(hm.res.P50), latency(hm.res.P99),
			fmt.Sprintf("%.1f MB", float64(hm.rssKB)/1024), fmt.Sprintf("%.2f s", hm.cpu), fmt.Sprintf("%.2f s", hm.redisCPU)}
		if r.ceilingName == "" {
			cols = append(cols, "-", "-", "-", fmt.Sprintf("%.0f µs | -", hm.cpuPerRequest()), fmt.Sprintf("%s | -", failed(r.hook)))
		} else {
			cm := median(r.ceiling)
			cols = append(cols, r.ceilingName, count(cm.res.RPS()), fmt.Sprintf("%.2f", hm.res.RPS()/cm.res.RPS()),
				fmt.Sprintf("%.0f µs | %.0f µs", hm.cpuPerRequest(), cm.cpuPerRequest()),
				fmt.Sprintf("%s | %s", failed(r.hook), failed(r.ceiling)))
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "What hook did in the median run (hook_callbacks_total by outcome, hook_alert_verdicts_total by verdict, posts to the Slack stand-in):")
	for _, r := range rows {
		hm := median(r.hook)
		fmt.Fprintf(w, "  %s: %s requests; outcomes %s; verdicts %s; Slack posts %s",
			r.name, count(float64(hm.res.Requests)), counts(hm.outcomes), counts(hm.verdicts), slackPosts(hm.slack))
		if len(r.hook) > 1 {
			fmt.Fprintf(w, "; hook req/s per run %s", perRun(r.hook))
			if len(r.ceiling) > 1 {
				fmt.Fprintf(w, ", ceiling %s", perRun(r.ceiling))
			}
		}
		if share := r.othersShare(); share >= 0.005 {
			fmt.Fprintf(w, "; other processes took up to %.0f%% of the CPUs", share*100)
		}
		if r.distinct && hm.wrapped() {
			fmt.Fprintf(w, "; NOTE: %s requests over %s distinct bodies, later ones repeated earlier incidents (raise -pool)",
				count(float64(hm.res.Requests)), count(float64(hm.pool)))
		}
		fmt.Fprintln(w)
	}
	busiest := 0.0
	for _, r := range rows {
		busiest = max(busiest, r.othersShare())
	}
	if busiest > busyMachine {
		fmt.Fprintf(w, "WARNING: other processes took up to %.0f%% of the CPUs during a run: the figures are noisy, rerun on a quiet machine.\n", busiest*100)
	}
	for _, r := range rows {
		for _, ms := range [][]measurement{r.hook, r.ceiling} {
			for _, m := range ms {
				if m.res.Non200 > 0 || m.res.Errors > 0 {
					fmt.Fprintf(w, "  %s: %d non-200 answers, %d connection errors or timeouts\n", r.name, m.res.Non200, m.res.Errors)
					for _, f := range m.failures {
						fmt.Fprintf(w, "    %s\n", f)
					}
				}
			}
		}
	}
}

// count formats a rate with thousands separators.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func latency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// failed sums non-200 answers and connection errors over every run.
func failed(ms []measurement) string {
	n := 0
	for _, m := range ms {
		n += m.res.Non200 + m.res.Errors
	}
	return fmt.Sprint(n)
}

func counts(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%.0f", k, m[k])
	}
	return strings.Join(parts, " ")
}

func slackPosts(s [3]int64) string {
	out := fmt.Sprintf("%d accepted", s[0])
	if s[1] > 0 {
		out += fmt.Sprintf(", %d refused with 500", s[1])
	}
	if s[2] > 0 {
		out += fmt.Sprintf(", %d NOT SLACK MESSAGES", s[2])
	}
	return out
}

func perRun(ms []measurement) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = count(m.res.RPS())
	}
	return strings.Join(parts, " ")
}
