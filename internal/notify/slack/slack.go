package slack

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/hookdev/hook/internal/alert"
)

// DefaultThreadTTL is how long an incident keeps replying in the same thread
// after its last page. Past it, a new page starts a fresh parent, which is what
// a reader expects of an incident that went quiet for a day.
const DefaultThreadTTL = 24 * time.Hour

// ThreadStore remembers, per incident, the Slack message that heads its thread.
// It is shared by all replicas (Redis), so whichever replica delivers the next
// page of an incident replies under the same parent.
//
// The incident argument is an opaque key: API passes
// "<receiver channel>:<Page.Incident>", so that one incident paging two
// channels gets a thread in each.
type ThreadStore interface {
	// Thread returns the parent message of an incident's thread; ok is false
	// when there is none (first page, or expired).
	Thread(ctx context.Context, incident string) (ts, channel string, ok bool, err error)
	// SetThread records the parent of a new thread, counting it as one page.
	SetThread(ctx context.Context, incident, channel, ts string, ttl time.Duration) error
	// AddPage counts one more page in the thread, extends its life by ttl and
	// returns the number of pages so far, parent included, for the parent's
	// summary line.
	AddPage(ctx context.Context, incident string, ttl time.Duration) (pages int64, err error)
	// ClaimParent lets one page be an incident's first message: it is true
	// for one owner (a page ID) until hold passes, again for that owner (its
	// retries), and false for every other. Those wait for Thread to show the
	// parent and reply under it.
	ClaimParent(ctx context.Context, incident, owner string, hold time.Duration) (bool, error)
	// ReleaseParent gives the claim up if owner still holds it: its post
	// failed, and another page of the incident may open the thread now.
	ReleaseParent(ctx context.Context, incident, owner string) error
}

// Waiting for another replica's parent: how long the claim holds, how long a
// loser waits for the parent to appear, and how often it looks.
const (
	parentHold  = 15 * time.Second
	parentWait  = 5 * time.Second
	parentCheck = 100 * time.Millisecond
)

// AckReader says who acknowledged an incident (threads.Store implements it).
type AckReader interface {
	Acknowledged(ctx context.Context, incident string) (user string, at time.Time, ok bool, err error)
}

// API posts pages with a bot token through the Web API. Unlike a webhook
// it can thread: pages of one incident reply under the first one, whose
// message is edited to show the incident's current state.
type API struct {
	client  *goslack.Client
	threads ThreadStore
	log     *slog.Logger
	// ThreadTTL is passed to the ThreadStore; zero means DefaultThreadTTL.
	ThreadTTL time.Duration
	// Acks, when set, tells the parent edit who acknowledged the incident
	// (the Acknowledge button), so the thread's head shows it to everyone.
	Acks AckReader
	// Buttons adds Acknowledge / Silence buttons to firing pages; set it only
	// when /slack/interactions can verify the clicks (SLACK_SIGNING_SECRET).
	Buttons bool
	// TRTCConsole is the base of the pages' TRTC console link (see
	// WithTRTCConsole); "" is words.DefaultTRTCConsole.
	TRTCConsole string
}

// NewAPI returns a Web API sender. client is typically
// goslack.New(token, goslack.OptionAPIURL(apiURL)). A nil threads disables
// threading: every page is posted on its own.
func NewAPI(client *goslack.Client, threads ThreadStore, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{client: client, threads: threads, log: log, ThreadTTL: DefaultThreadTTL}
}

// Send posts p to its receiver's channel, as a thread reply when its incident
// already has a parent. Only the post decides the result: thread bookkeeping
// and the parent edit are best effort, because a page that arrives unthreaded
// is fine and a page lost over threading is not.
func (s *API) Send(ctx context.Context, p alert.Notification) (bool, error) {
	if p.Kind == alert.KindFollowUp {
		return s.sendFollowUp(ctx, p) // followup.go
	}
	m := Render(p, s.renderOptions()...)
	opts := []goslack.MsgOption{
		goslack.MsgOptionBlocks(m.Blocks...),
		// Already escaped by the renderer; escaping again would show &amp;lt;.
		goslack.MsgOptionText(m.Text, false),
		goslack.MsgOptionDisableLinkUnfurl(),
	}

	key := s.threadKey(p)
	var parentTS, parentChannel string
	if key != "" {
		parentTS, parentChannel = s.parent(ctx, p, key)
	}

	if parentTS == "" {
		ch, ts, err := s.client.PostMessageContext(ctx, p.Receiver.Channel, opts...)
		if err != nil {
			if key != "" {
				// Let the incident's other pages open the thread meanwhile
				// instead of waiting on a parent that may never come.
				if rerr := s.threads.ReleaseParent(ctx, key, p.PageID()); rerr != nil {
					s.log.WarnContext(ctx, "slack thread claim not released", "incident", logged(p.Incident), "err", rerr)
				}
			}
			return classify("chat.postMessage", err)
		}
		if key != "" {
			// Store the channel ID Slack answered with: the receiver may name
			// the channel ("#alerts"), but replies and edits need the ID.
			if err := s.threads.SetThread(ctx, key, ch, ts, s.ttl()); err != nil {
				s.log.WarnContext(ctx, "slack thread not recorded; next page of this incident starts a new thread",
					"page", p.PageID(), "incident", logged(p.Incident), "err", err)
			}
		}
		return false, nil
	}

	opts = append(opts, goslack.MsgOptionTS(parentTS))
	if _, _, err := s.client.PostMessageContext(ctx, parentChannel, opts...); err != nil {
		return classify("chat.postMessage", err)
	}
	s.updateParent(ctx, p, key, parentChannel, parentTS)
	return false, nil
}

// parent finds the thread to reply in, "" for none: then this page becomes
// the parent. When two replicas page the same new incident at once, one
// claims the parent and the other waits for it, so the incident gets one
// thread, not two.
func (s *API) parent(ctx context.Context, p alert.Notification, key string) (ts, channel string) {
	for deadline := time.Now().Add(parentWait); ; {
		ts, ch, ok, err := s.threads.Thread(ctx, key)
		if err != nil {
			s.log.WarnContext(ctx, "slack thread lookup failed; posting unthreaded",
				"page", p.PageID(), "incident", logged(p.Incident), "err", err)
			return "", ""
		}
		if ok {
			return ts, ch
		}
		claimed, err := s.threads.ClaimParent(ctx, key, p.PageID(), parentHold)
		if err != nil || claimed {
			return "", "" // ours to open (or the store is down: open one anyway)
		}
		if time.Now().After(deadline) {
			s.log.WarnContext(ctx, "another replica's thread parent did not appear; posting a new parent",
				"page", p.PageID(), "incident", logged(p.Incident))
			return "", ""
		}
		select {
		case <-ctx.Done():
			return "", ""
		case <-time.After(parentCheck):
		}
	}
}

// updateParent edits the thread's parent to show the incident as it stands:
// the latest page's state and how many pages the thread holds. It runs after
// the reply has landed and only logs failures: the dispatcher must not resend
// a delivered reply because a cosmetic edit failed.
func (s *API) updateParent(ctx context.Context, p alert.Notification, key, channel, ts string) {
	pages, err := s.threads.AddPage(ctx, key, s.ttl())
	if err != nil {
		s.log.WarnContext(ctx, "slack thread page count failed", "page", p.PageID(), "incident", logged(p.Incident), "err", err)
	}
	opts := s.renderOptions()
	if s.Acks != nil {
		user, at, ok, err := s.Acks.Acknowledged(ctx, p.Incident)
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "slack ack state unavailable; parent shown without it", "incident", logged(p.Incident), "err", err)
		case ok && !at.Before(slackTime(ts)):
			// Only an ack given since this thread began: one from an earlier
			// incident in the same room must not claim the new one.
			opts = append(opts, withAcknowledged(user))
		}
	}
	m := renderParent(p, pages, opts...)
	if _, _, _, err := s.client.UpdateMessageContext(ctx, channel, ts,
		goslack.MsgOptionBlocks(m.Blocks...), goslack.MsgOptionText(m.Text, false)); err != nil {
		s.log.WarnContext(ctx, "slack thread parent not updated", "page", p.PageID(), "incident", logged(p.Incident), "err", err)
	}
}

// slackTime reads a Slack message timestamp ("1700000000.000100", seconds)
// as the time the message was posted; zero if it is not one.
func slackTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}

// renderParent is the parent message after a reply: the latest page without
// mentions (an edit does not notify, and stale pings only clutter) plus a line
// saying how many pages the thread holds.
func renderParent(p alert.Notification, pages int64, opts ...RenderOption) Message {
	note := "Latest update in thread"
	if pages > 0 {
		note = fmt.Sprintf(":thread: %d pages in thread, latest shown", pages)
	}
	var o renderOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.ackedBy != "" && p.Kind == alert.KindFiring {
		note += " · :eyes: Acknowledged by " + o.ackedBy
	}
	blocks := renderBlocks(p, nil, note, o.trtcConsole)
	if o.buttons {
		blocks = append(blocks, actionBlock(p, o.ackedBy != "")...)
	}
	return Message{Blocks: capBlocks(blocks), Text: FallbackText(p)}
}

// logged is client text (an incident names a client's room) for a log line:
// one line, at most 128 characters.
func logged(s string) string { return fitPlain(alert.Inline(s), 128) }

func (s *API) renderOptions() []RenderOption {
	opts := []RenderOption{WithTRTCConsole(s.TRTCConsole)}
	if s.Buttons {
		opts = append(opts, WithButtons())
	}
	return opts
}

// threadKey scopes an incident to the receiver's channel: the same incident
// can page #oncall (critical) and #alerts (warning), and each must thread in
// its own channel. "" means no threading for this page.
func (s *API) threadKey(p alert.Notification) string {
	if s.threads == nil || p.Incident == "" {
		return ""
	}
	return p.Receiver.Channel + ":" + p.Incident
}

func (s *API) ttl() time.Duration {
	if s.ThreadTTL > 0 {
		return s.ThreadTTL
	}
	return DefaultThreadTTL
}
