package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookdev/hook/internal/alert"
)

// FloodConfig is flood control, per lane (one receiver channel): when more
// pages wait for a rate-limited channel than Threshold, the lane stops
// sending them one by one. It absorbs them into a digest (each page leaves
// the outbox and is recorded with the digest, no message sent) and posts one
// message counting them, refreshed every Interval, until the flood is over.
// Zero values take the defaults below.
type FloodConfig struct {
	// Off turns flood control off: every page is sent on its own.
	Off bool
	// Threshold is how many pages may wait for one channel before a digest
	// starts (default 20). The dispatcher holds at most MaxInFlight pages,
	// so it must be below that to ever trigger.
	Threshold int
	// Interval is how often the digest is refreshed (default 10s).
	Interval time.Duration
	// Examples is how many of the first pages the digest shows (default 5;
	// negative: none).
	Examples int
}

// Flood control defaults and bounds: the only ones. The rules file's
// delivery.flood section decodes into a FloodConfig (package rules checks it
// against these bounds, where it can say at which line), so a default is
// declared once, here, with the flood control it tunes.
const (
	DefaultFloodThreshold = 20
	DefaultFloodInterval  = 10 * time.Second
	DefaultFloodExamples  = 5
	// MaxFloodThreshold stays below the MaxInFlight pages a replica holds
	// in memory: more can never be seen waiting at once.
	MaxFloodThreshold = 200
	// MinFloodInterval: Slack takes about one message a second per channel,
	// and the digest shares it with pages.
	MinFloodInterval = 2 * time.Second
	MaxFloodInterval = 5 * time.Minute
	MaxFloodExamples = 20
)

// DefaultFloodConfig is flood control as a rules file without a flood:
// section has it, defaults written out.
func DefaultFloodConfig() FloodConfig {
	return FloodConfig{Threshold: DefaultFloodThreshold, Interval: DefaultFloodInterval, Examples: DefaultFloodExamples}
}

func (c *FloodConfig) setDefaults() {
	if c.Threshold == 0 {
		c.Threshold = DefaultFloodThreshold
	}
	if c.Interval == 0 {
		c.Interval = DefaultFloodInterval
	}
	if c.Examples == 0 {
		c.Examples = DefaultFloodExamples
	}
	c.Examples = max(c.Examples, 0)
}

// floodPoll is how long a lane in a flood waits in real time for the outbox
// reader to bring in more pages before it counts the backlog as read.
const floodPoll = 20 * time.Millisecond

// floodControl runs after each page a lane sent: when more pages wait behind
// it than the threshold, the lane digests them until the flood is over, then
// returns to sending pages one by one. r is the lane's receiver.
func (d *Dispatcher) floodControl(ctx context.Context, ch <-chan alert.Delivery, limiter *rate.Limiter, r alert.Receiver) {
	cfg := d.cfg.Flood
	if cfg.Off || ctx.Err() != nil || len(ch) <= cfg.Threshold || limiter.Limit() == rate.Inf {
		return // an unlimited receiver (the console) keeps up with any flood
	}
	store, ok := d.outbox.(DigestStore)
	sender, known := d.senders[r.Kind]
	if !ok || !known {
		return
	}
	f := &flood{d: d, ch: ch, limiter: limiter, store: store, sender: sender, receiver: r,
		rules: map[string]bool{}}
	f.editor, _ = sender.(Editor)
	// The flood is over when an interval brings no more pages than the
	// channel takes one by one in it (one turn goes to the digest itself).
	f.quiet = max(min(cfg.Threshold, int(cfg.Interval.Seconds()*float64(limiter.Limit()))-1), 0)
	f.run(ctx)
}

// flood is one lane's digest mode; it lives in the lane's goroutine.
type flood struct {
	d        *Dispatcher
	ch       <-chan alert.Delivery
	limiter  *rate.Limiter
	store    DigestStore
	sender   Sender
	editor   Editor // nil: every refresh is a new message
	receiver alert.Receiver
	quiet    int

	digest     *digestBuilder
	rules      map[string]bool  // rules in the flood: they have pages in the digest
	incoming   []alert.Delivery // taken from the lane, not yet sorted
	urgent     []alert.Delivery // critical pages of rules not in the flood, sent on their own
	held       []alert.Delivery // sorted to absorb
	ref        string           // the digest's message, for edits
	posted     bool             // the digest has a message
	dirty      bool             // pages were absorbed since the message was last refreshed
	dirtySince time.Time
	attempt    int       // failed refreshes in a row
	due        time.Time // when the digest may be refreshed next
	tick       time.Time // end of the interval whose arrivals are counted
	arrivals   int
	over       bool // the flood is over: post the final refresh, then leave
}

func (f *flood) run(ctx context.Context) {
	d := f.d
	now := d.now()
	f.newDigest(now)
	f.tick = now.Add(d.cfg.Flood.Interval)
	d.log.Warn("flood control: more pages wait for this channel than it takes soon; summarising them in a digest",
		"receiver", f.receiver.Name, "channel", f.receiver.Channel, "waiting", len(f.ch), "threshold", d.cfg.Flood.Threshold)
	for {
		open := f.take()
		f.sort()
		f.absorb(ctx)
		if !open || ctx.Err() != nil {
			f.stop(ctx)
			return
		}
		if len(f.urgent) > 0 {
			del := f.urgent[0]
			f.urgent = f.urgent[1:]
			d.deliver(ctx, del, f.limiter)
			d.release(del.ID)
			continue
		}
		if len(f.held) > 0 {
			continue // absorbing failed; absorb backed off already
		}
		now := d.now()
		if !now.Before(f.tick) {
			f.over = f.arrivals <= f.quiet
			f.arrivals = 0
			f.tick = now.Add(d.cfg.Flood.Interval)
		}
		if f.dirty && now.Sub(f.dirtySince) > d.cfg.MaxAge {
			f.fail(ctx, DeadExpired, fmt.Sprintf("expired: digest undelivered after %s (max age %s)",
				now.Sub(f.dirtySince).Round(time.Second), d.cfg.MaxAge))
			continue
		}
		if f.over {
			if f.finish(ctx) {
				return
			}
			if ctx.Err() != nil {
				continue
			}
		} else if f.dirty && (!now.Before(f.due) || f.early() && f.idle()) {
			// The first message goes out as soon as the backlog is read,
			// so it shows the flood's size at once; refreshes keep time.
			f.refresh(ctx, false)
			continue
		}
		until := f.tick
		if (f.dirty || f.over) && f.due.Before(until) {
			until = f.due
		}
		if del, ok, open := f.awaitPage(ctx, until, f.dirty && f.early()); ok {
			f.incoming = append(f.incoming, del)
		} else if !open {
			f.stop(ctx)
			return
		}
	}
}

// take moves every page waiting in the lane to incoming.
func (f *flood) take() (open bool) {
	for {
		select {
		case del, ok := <-f.ch:
			if !ok {
				return false
			}
			f.incoming = append(f.incoming, del)
		default:
			return true
		}
	}
}

// sort decides the way of each incoming page. A critical page goes out on
// its own when its rule is not in the flood and it is the only page of its
// rule waiting (two at once: the rule floods too), unless the pages going
// out on their own are a flood of their own already. Every other page is
// absorbed, and its rule joins the flood.
func (f *flood) sort() {
	if len(f.incoming) == 0 {
		return
	}
	waiting := map[string]int{}
	for _, del := range f.urgent {
		waiting[del.Notification.Rule]++
	}
	for _, del := range f.incoming {
		waiting[del.Notification.Rule]++
	}
	for _, del := range f.incoming {
		f.arrivals++
		p := del.Notification
		if p.Severity == alert.SeverityCritical && !f.rules[p.Rule] && waiting[p.Rule] == 1 &&
			len(f.urgent) < f.d.cfg.Flood.Threshold {
			f.urgent = append(f.urgent, del)
			continue
		}
		f.rules[p.Rule] = true
		f.held = append(f.held, del)
	}
	f.incoming = f.incoming[:0]
}

// absorb records the held pages in the digest. Pages this consumer no longer
// holds (another replica took them over) are dropped from memory; on a store
// error the pages stay held and the lane backs off.
func (f *flood) absorb(ctx context.Context) {
	if len(f.held) == 0 || ctx.Err() != nil {
		return
	}
	d := f.d
	ids, err := f.store.Absorb(context.WithoutCancel(ctx), d.cfg.Consumer, f.digest.notification(0, false, false, false), f.held)
	if err != nil {
		d.log.Error("could not record pages in the flood digest; retrying", "pages", len(f.held), "err", err)
		d.cfg.Sleep(ctx, d.cfg.BackoffMin)
		return
	}
	now := d.now()
	absorbed := make(map[string]bool, len(ids))
	for _, id := range ids {
		absorbed[id] = true
	}
	if len(ids) > 0 && f.digest.d.Pages == 0 {
		d.cfg.Metrics.digests.WithLabelValues(f.receiver.Name).Inc()
	}
	for _, del := range f.held {
		if absorbed[del.ID] {
			f.digest.add(del.Notification, now)
		} else {
			d.log.Warn("page not digested: another consumer holds it now", "page", del.Notification.PageID())
		}
		d.release(del.ID)
	}
	if len(ids) > 0 {
		d.cfg.Metrics.digested.WithLabelValues(f.receiver.Name).Add(float64(len(ids)))
		if !f.dirty {
			f.dirty, f.dirtySince = true, now
		}
	}
	f.held = f.held[:0]
}

// early reports whether the digest's first message may go out before its
// interval: it has none yet and no attempt failed.
func (f *flood) early() bool { return !f.posted && f.attempt == 0 }

// idle reports whether the lane has nothing waiting and the outbox reader
// found nothing more either: the backlog is all read.
func (f *flood) idle() bool {
	return len(f.ch) == 0 && f.d.caughtUp.Load()
}

// awaitPage waits until the dispatcher's clock reaches until for the lane's
// next page. While the outbox reader is still bringing pages in it waits in
// real time, so the clock does not run ahead of the reading (a test's fake
// clock only moves when someone sleeps); once the backlog is read it sleeps
// on the dispatcher's clock, woken by a page. untilIdle returns as soon as
// the backlog is read.
func (f *flood) awaitPage(ctx context.Context, until time.Time, untilIdle bool) (del alert.Delivery, got, open bool) {
	d := f.d
	for {
		rest := until.Sub(d.now())
		if rest <= 0 || ctx.Err() != nil {
			return alert.Delivery{}, false, true
		}
		if f.idle() {
			if untilIdle {
				return alert.Delivery{}, false, true
			}
			return f.sleepOrPage(ctx, rest)
		}
		t := time.NewTimer(min(rest, floodPoll))
		select {
		case del, ok := <-f.ch:
			t.Stop()
			return del, ok, ok
		case <-ctx.Done():
			t.Stop()
			return alert.Delivery{}, false, true
		case <-t.C:
		}
	}
}

// sleepOrPage sleeps rest on the dispatcher's clock unless a page comes first.
func (f *flood) sleepOrPage(ctx context.Context, rest time.Duration) (del alert.Delivery, got, open bool) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.d.cfg.Sleep(sctx, rest)
	}()
	select {
	case del, ok := <-f.ch:
		cancel()
		<-done
		return del, ok, ok
	case <-done:
		return alert.Delivery{}, false, true
	}
}

// refresh posts the digest or brings its message up to date, at the lane's
// rate. A retryable failure is tried again after a backoff while the lane
// goes on absorbing; a permanent one dead-letters the digest.
func (f *flood) refresh(ctx context.Context, final bool) bool {
	d := f.d
	if !d.waitTurn(ctx, f.limiter) {
		return false
	}
	n := f.digest.notification(d.cfg.Flood.Interval, f.editor != nil, final, !f.posted)
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.SendTimeout)
	retry, err := f.send(sendCtx, n)
	cancel()
	now := d.now()
	log := d.log.With("digest", n.ID, "receiver", f.receiver.Name, "pages", n.Digest.Pages)
	if err == nil {
		f.posted, f.dirty, f.attempt = true, false, 0
		f.due = now.Add(d.cfg.Flood.Interval)
		if err := f.store.SaveDigest(context.WithoutCancel(ctx), n, f.ref); err != nil {
			log.Warn("digest posted but not recorded as shown", "err", err)
		}
		log.Info("flood digest posted", "final", final)
		return true
	}
	if !retry {
		f.fail(ctx, DeadRejected, err.Error())
		return false
	}
	f.attempt++
	wait := backoff(d.cfg.BackoffMin, d.cfg.BackoffMax, f.attempt)
	var ra *RetryAfterError
	if errors.As(err, &ra) && ra.After > wait {
		wait = ra.After
	}
	f.due = now.Add(wait)
	log.Warn("flood digest not posted; will retry", "attempt", f.attempt, "wait", wait, "err", err)
	return false
}

// send posts n through the lane's sender: as an edit of the digest's message
// when the sender can edit, else as a new message.
func (f *flood) send(ctx context.Context, n alert.Notification) (bool, error) {
	if f.editor == nil {
		return f.sender.Send(ctx, n)
	}
	if f.ref != "" {
		retry, err := f.editor.Edit(ctx, f.ref, n)
		if err == nil || retry {
			return retry, err
		}
		f.d.log.Warn("flood digest message cannot be edited; posting it anew", "digest", n.ID, "err", err)
		f.ref = ""
	}
	ref, retry, err := f.editor.PostEditable(ctx, n)
	if err == nil {
		f.ref = ref
	}
	return retry, err
}

// finish posts the final refresh ("flood over", with the final counts) and
// reports whether the lane may leave flood mode: the refresh went out, or
// there was nothing to tell.
func (f *flood) finish(ctx context.Context) bool {
	d := f.d
	if f.dirty || f.posted {
		if d.now().Before(f.due) {
			return false // the last refresh (or failed try) is too recent
		}
		if !f.refresh(ctx, true) {
			return !f.dirty // dead-lettered: nothing left to tell
		}
	}
	d.log.Info("flood over: sending pages one by one again", "receiver", f.receiver.Name, "digest", f.digest.id,
		"digested", f.digest.d.Pages)
	return true
}

// fail dead-letters the digest (its pages stay recorded with it) and hands
// it to the fallback receiver; a new digest takes the flood's next pages.
func (f *flood) fail(ctx context.Context, class, reason string) {
	d := f.d
	n := f.digest.notification(d.cfg.Flood.Interval, false, true, true)
	d.log.Error("flood digest dead-lettered", "digest", n.ID, "receiver", f.receiver.Name, "pages", n.Digest.Pages, "reason", reason)
	d.cfg.Metrics.deadLetter(f.receiver.Name, class)
	if err := f.store.DeadLetterDigest(context.WithoutCancel(ctx), n, reason); err != nil {
		d.log.Error("could not dead-letter the flood digest; its pages are listed with it", "digest", n.ID, "err", err)
	}
	d.sendFallback(ctx, n, reason)
	f.newDigest(d.now())
}

// stop leaves at shutdown: pages not yet absorbed or sent stay in the outbox;
// the digest gets one last refresh if it has news.
func (f *flood) stop(ctx context.Context) {
	d := f.d
	for _, dels := range [][]alert.Delivery{f.urgent, f.held, f.incoming} {
		for _, del := range dels {
			d.release(del.ID)
		}
	}
	f.urgent, f.held, f.incoming = nil, nil, nil
	if f.dirty {
		f.refresh(context.WithoutCancel(ctx), false)
	}
	if f.dirty {
		d.log.Warn("flood digest not refreshed at shutdown; its pages are listed with it (hook outbox digests)",
			"digest", f.digest.id, "pages", f.digest.d.Pages)
	}
}

// newDigest starts an empty digest.
func (f *flood) newDigest(now time.Time) {
	id := fmt.Sprintf("dg-%s-%04x", now.UTC().Format("20060102T150405Z"), rand.N(1<<16))
	f.digest = newDigestBuilder(id, f.receiver, f.d.cfg.Flood.Examples)
	f.ref, f.posted, f.dirty, f.attempt = "", false, false, 0
	f.due = now.Add(f.d.cfg.Flood.Interval)
}
