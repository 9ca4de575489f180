package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"

	"github.com/hookdev/hook/internal/adminclient"
	"github.com/hookdev/hook/internal/cli"
	"github.com/hookdev/hook/internal/handler"
	"github.com/hookdev/hook/internal/notify/words"
)

// outboxDigests lists the flood digests, or with an id the pages absorbed
// into one: where the pages went that were summarised, not sent.
func outboxDigests(ctx context.Context, api adminclient.Client, id string, limit int, asJSON bool, stdout io.Writer) error {
	path := fmt.Sprintf("/api/v1/digests?limit=%d", limit)
	if id != "" {
		path = fmt.Sprintf("/api/v1/digests/%s?limit=%d", url.PathEscape(id), limit)
	}
	var raw json.RawMessage
	if err := api.Do(ctx, http.MethodGet, path, nil, &raw); err != nil {
		return cli.Exit{Code: 1, Msg: "hook outbox digests: " + err.Error()}
	}
	if asJSON {
		_, err := fmt.Fprintln(stdout, string(raw))
		return err
	}
	if id != "" {
		var one handler.DigestPagesJSON
		if err := json.Unmarshal(raw, &one); err != nil {
			return cli.Exit{Code: 1, Msg: "hook outbox digests: unexpected answer: " + err.Error()}
		}
		return printDigestPages(stdout, one)
	}
	var list handler.DigestsJSON
	if err := json.Unmarshal(raw, &list); err != nil {
		return cli.Exit{Code: 1, Msg: "hook outbox digests: unexpected answer: " + err.Error()}
	}
	if len(list.Digests) == 0 {
		_, err := fmt.Fprintln(stdout, "no flood digests")
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVER\tCHANNEL\tPAGES\tFIRST\tLATEST\tSTATE\tHEADLINE")
	for _, d := range list.Digests {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", adminclient.Cell(d.ID, 64), adminclient.Cell(d.Receiver, 40), adminclient.Cell(d.Channel, 40),
			words.Thousands(int(d.Pages)), adminclient.Stamp(d.Since), adminclient.Stamp(d.Until), digestState(d), adminclient.Cell(d.Title, 100))
	}
	return tw.Flush()
}

func printDigestPages(w io.Writer, one handler.DigestPagesJSON) error {
	d := one.Digest
	fmt.Fprintf(w, "digest %s: %s pages for %s (%s), %s to %s, %s; %s listed one by one, %d shown\n",
		adminclient.Cell(d.ID, 64), words.Thousands(int(d.Pages)), adminclient.Cell(d.Receiver, 40), adminclient.Cell(d.Channel, 40),
		adminclient.Stamp(d.Since), adminclient.Stamp(d.Until), digestState(d), words.Thousands(int(d.Listed)), len(one.Pages))
	if d.Listed < d.Pages {
		fmt.Fprintf(w, "(only the first %s pages of a digest are listed; the rest are counted)\n", words.Thousands(int(d.Listed)))
	}
	if len(one.Pages) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTBOX ID\tPAGE\tRULE\tSEVERITY\tAPP\tROOM\tUSER\tTASK\tCREATED")
	for _, p := range one.Pages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", adminclient.Cell(p.OutboxID, 40), adminclient.Cell(p.PageID, 80), adminclient.Cell(p.Rule, 60),
			adminclient.Cell(p.Severity, 10), adminclient.Cell(p.App, 20), adminclient.Cell(p.Room, 64), adminclient.Cell(p.User, 64), adminclient.Cell(p.Task, 64), adminclient.Stamp(p.CreatedAt))
	}
	return tw.Flush()
}

func digestState(d handler.DigestJSON) string {
	switch {
	case d.DeadLettered != "":
		return "dead-lettered"
	case d.Final:
		return "over"
	case d.Title == "":
		return "not posted"
	}
	return "open"
}
