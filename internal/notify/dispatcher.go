// Package notify delivers pages and owns their words. The Dispatcher reads
// the outbox (which the store implements, as notify declares it), sends each
// page to its receiver's Sender with retries, rate limits and a fallback,
// acknowledges it or dead-letters it, hands over the pages of a stopped
// replica, turns a flood of pages into one digest, and sends a page's
// follow-up once enrichment's data has landed. The words are what every
// receiver says of a page, a digest or a follow-up (Title, Fields, Saw...);
// the console receiver is here, Slack's in notify/slack.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/hookdev/hook/internal/alert"
)

// Outbox is the durable queue of pages. Entries stay in it until Ack or
// alert.DeadLetter, so a page survives restarts and crashed replicas.
type Outbox interface {
	// Read returns new entries for consumer, waiting up to block for some.
	Read(ctx context.Context, consumer string, count int, block time.Duration) ([]alert.Delivery, error)
	// Reclaim takes over entries another consumer left unacknowledged for minIdle.
	Reclaim(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]alert.Delivery, error)
	// Touch tells the queue consumer is still working on ids, so they are not
	// reclaimed, and returns those consumer no longer holds (another consumer
	// took them over, or they are gone): consumer must drop those unsent.
	// It never takes an entry back from another consumer.
	Touch(ctx context.Context, consumer string, ids ...string) (lost []string, err error)
	Ack(ctx context.Context, id string) error
	DeadLetter(ctx context.Context, d alert.Delivery, reason string) error
}

// DispatcherConfig tunes delivery. Zero values take the defaults below.
type DispatcherConfig struct {
	// Consumer names this process in the outbox's consumer group.
	Consumer string
	// MaxInFlight bounds the pages held in memory, whatever the backlog in Redis:
	// memory stays flat while Slack is down.
	MaxInFlight int
	// ReclaimIdle is how long an entry may sit unacknowledged by a silent
	// consumer before another takes it over. A consumer refreshes an entry
	// (Touch) just before sending it, so it is the lease a send runs under:
	// SendTimeout is kept well below it.
	ReclaimIdle time.Duration
	// MaxAge is how old a page may get before it is dead-lettered instead of sent.
	MaxAge time.Duration
	// PerChannel limits sends to one Slack channel (Slack allows about 1/s).
	PerChannel rate.Limit
	// BackoffMin and BackoffMax bound the exponential backoff between retries.
	// BackoffMax is also how long a failing channel can go unprobed: after an
	// outage, its pages resume within BackoffMax of the receiver's recovery.
	// A Retry-After longer than BackoffMax is still waited out.
	BackoffMin, BackoffMax time.Duration
	// SendTimeout bounds one attempt; a send under way at shutdown may finish
	// within it. It is capped at ReclaimIdle/2 (see ReclaimIdle).
	SendTimeout time.Duration
	// StoreTimeout bounds each outbox call (a blocking read: Block more), so a
	// hung Redis stalls delivery instead of piling up calls.
	StoreTimeout time.Duration
	// Block is how long one outbox read waits for new entries.
	Block time.Duration
	// Fallback, when set, receives once every page that is dead-lettered
	// (unless it was for the fallback itself), with a note saying why.
	Fallback *alert.Receiver
	// Flood is flood control per channel (flood.go); on unless Flood.Off.
	Flood FloodConfig
	// Metrics counts deliveries; nil gets a private registry nobody scrapes.
	Metrics *Metrics
	// Enricher, when set, adds what the client saw to a page before its
	// first send (TRTC's call-quality APIs). It has its own time budget;
	// a failure only means the page goes out without it.
	Enricher Enricher
	// FollowUps, when set and the outbox is a Deferrer, gives delivered
	// pages a follow-up in their thread once TRTC's data has landed
	// (followup.go). FollowUpPoll is how often due follow-ups are moved
	// into the outbox (DefaultFollowUpPoll); they are moved whenever the
	// outbox is a Deferrer, so none is stranded by turning enrichment off.
	FollowUps    FollowUps
	FollowUpPoll time.Duration
	// Sleep waits d or until ctx ends and reports whether the full wait
	// elapsed. nil means a real timer; tests pass one that advances a fake
	// clock, so backoffs, Retry-After and rate limits cost no real time.
	Sleep func(ctx context.Context, d time.Duration) bool
}

// DefaultMaxAge is how old a page may get, undelivered, before it goes to
// the dead letters (and the fallback receiver): the rules file's
// delivery.max_age when it says none.
const DefaultMaxAge = time.Hour

func (c *DispatcherConfig) setDefaults() {
	if c.Consumer == "" {
		c.Consumer = "hook"
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 256
	}
	if c.ReclaimIdle == 0 {
		c.ReclaimIdle = time.Minute
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.PerChannel == 0 {
		c.PerChannel = 1
	}
	if c.BackoffMin == 0 {
		c.BackoffMin = time.Second
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = 10 * time.Second
	}
	c.SendTimeout = min(c.SendTimeout, c.ReclaimIdle/2)
	if c.StoreTimeout == 0 {
		c.StoreTimeout = 2 * time.Second
	}
	if c.Block == 0 {
		c.Block = 500 * time.Millisecond
	}
	if c.FollowUpPoll == 0 {
		c.FollowUpPoll = DefaultFollowUpPoll
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	c.Flood.setDefaults()
}

// Enricher adds what the client saw to a notification (cmd/hook adapts
// internal/enrich). It returns nil for notifications it has nothing for.
type Enricher interface {
	Enrich(ctx context.Context, n alert.Notification) (*alert.Enrichment, error)
}

// Dispatcher moves pages from the outbox to their receivers. Pages for one
// receiver channel go out one at a time, in outbox order, at the channel's rate;
// a failing channel holds up only itself.
type Dispatcher struct {
	outbox  Outbox
	senders map[alert.ReceiverKind]Sender
	cfg     DispatcherConfig
	log     *slog.Logger
	now     func() time.Time

	slots chan struct{} // one per page in memory
	mu    sync.Mutex
	held  map[string]*holding // outbox ids in memory, kept alive by Touch
	lanes map[string]chan alert.Delivery
	wg    sync.WaitGroup
	// caughtUp is set when the last outbox read found no more than it
	// could take: flood control's sign that the backlog is all read.
	caughtUp atomic.Bool
}

// NewDispatcher returns a dispatcher; senders maps each receiver kind to its sender.
func NewDispatcher(outbox Outbox, senders map[alert.ReceiverKind]Sender, cfg DispatcherConfig, log *slog.Logger, now func() time.Time) *Dispatcher {
	cfg.setDefaults()
	return &Dispatcher{
		outbox:  outbox,
		senders: senders,
		cfg:     cfg,
		log:     log,
		now:     now,
		slots:   make(chan struct{}, cfg.MaxInFlight),
		held:    map[string]*holding{},
		lanes:   map[string]chan alert.Delivery{},
	}
}

// Run delivers until ctx is done, then waits for sends under way to finish.
// Pages not yet delivered stay in the outbox for the next run.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.wg.Add(1)
	go d.keepAlive(ctx)
	d.resumeOwn(ctx)
	lastReclaim, lastRelease := time.Time{}, time.Time{}
	readFailed := false
	for ctx.Err() == nil {
		free := d.waitFree(ctx)
		if free == 0 {
			break
		}
		if time.Since(lastRelease) >= d.cfg.FollowUpPoll {
			lastRelease = time.Now()
			d.releaseDue(ctx)
		}
		var batch []alert.Delivery
		var err error
		if time.Since(lastReclaim) >= d.cfg.ReclaimIdle/2 {
			lastReclaim = time.Now()
			storeCtx, cancel := context.WithTimeout(ctx, d.cfg.StoreTimeout)
			batch, err = d.outbox.Reclaim(storeCtx, d.cfg.Consumer, d.cfg.ReclaimIdle, free)
			cancel()
			if len(batch) > 0 {
				d.log.Info("reclaimed pages left by a stopped consumer", "count", len(batch))
			}
		}
		if err == nil && len(batch) == 0 {
			storeCtx, cancel := context.WithTimeout(ctx, d.cfg.Block+d.cfg.StoreTimeout)
			batch, err = d.outbox.Read(storeCtx, d.cfg.Consumer, free, d.cfg.Block)
			cancel()
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			d.log.Error("outbox read failed; retrying", "err", err)
			readFailed = true
			d.cfg.Sleep(ctx, d.cfg.BackoffMin)
			continue
		}
		if readFailed {
			// A read that timed out may still have run once Redis answered
			// again (a hung server runs what was queued): its entries are
			// ours now but never reached us. Take them back at once rather
			// than after ReclaimIdle.
			readFailed = false
			d.resumeOwn(ctx)
		}
		for _, del := range batch {
			d.enqueue(ctx, del)
		}
		d.caughtUp.Store(len(batch) < free)
	}
	d.mu.Lock()
	for _, ch := range d.lanes {
		close(ch)
	}
	d.lanes = map[string]chan alert.Delivery{}
	d.mu.Unlock()
	d.wg.Wait()
	return nil
}

// waitFree blocks until at least one slot is free and returns how many are.
func (d *Dispatcher) waitFree(ctx context.Context) int {
	select {
	case d.slots <- struct{}{}:
		<-d.slots
	case <-ctx.Done():
		return 0
	}
	return cap(d.slots) - len(d.slots)
}

func (d *Dispatcher) enqueue(ctx context.Context, del alert.Delivery) {
	if !d.hold(ctx, del.ID) {
		return // already working on it (reclaimed our own entry)
	}
	d.slots <- struct{}{}

	if del.Err != nil {
		d.deadLetter(ctx, del, DeadUndecodable, fmt.Sprintf("undecodable page: %v", del.Err))
		d.release(del.ID)
		return
	}
	p := del.Notification
	lane := string(p.Receiver.Kind) + "/" + p.Receiver.Channel
	d.mu.Lock()
	ch, ok := d.lanes[lane]
	if !ok {
		ch = make(chan alert.Delivery, cap(d.slots))
		d.lanes[lane] = ch
		limit := rate.Inf
		if p.Receiver.Kind == alert.ReceiverSlack {
			limit = d.cfg.PerChannel
		}
		d.wg.Add(1)
		go d.runLane(ctx, ch, rate.NewLimiter(limit, 1))
	}
	d.mu.Unlock()
	ch <- del
}

func (d *Dispatcher) release(id string) {
	d.mu.Lock()
	if h, ok := d.held[id]; ok {
		h.cancel()
		delete(d.held, id)
	}
	d.mu.Unlock()
	<-d.slots
}

func (d *Dispatcher) runLane(ctx context.Context, ch <-chan alert.Delivery, limiter *rate.Limiter) {
	defer d.wg.Done()
	for del := range ch {
		if ctx.Err() == nil {
			d.deliver(ctx, del, limiter)
		}
		d.release(del.ID)
		d.floodControl(ctx, ch, limiter, del.Notification.Receiver) // digests what waits beyond the threshold
	}
}

// deliver sends one page until it is delivered, dead-lettered, or ctx ends
// (then it stays in the outbox). Retrying in place keeps a channel's order.
// Every send and dead letter is preceded by a check that this consumer still
// holds the page (claim): a page another replica took over is dropped, not
// sent twice.
func (d *Dispatcher) deliver(runCtx context.Context, del alert.Delivery, limiter *rate.Limiter) {
	// ctx ends early when a keep-alive finds the page taken over.
	ctx := d.heldContext(runCtx, del.ID)
	p := del.Notification
	log := d.log.With("page", p.PageID(), "rule", p.Rule, "receiver", p.Receiver.Name)
	sender, ok := d.senders[p.Receiver.Kind]
	if !ok {
		if d.claim(ctx, del.ID, log) {
			d.deadLetter(ctx, del, DeadNoSender, fmt.Sprintf("no sender for receiver kind %q", p.Receiver.Kind))
		}
		return
	}
	if d.waitLonger(ctx, runCtx, del, p) {
		return
	}
	if d.cfg.Enricher != nil && p.Enrichment == nil {
		e, err := d.cfg.Enricher.Enrich(ctx, p)
		if err != nil {
			log.Warn("page goes out without what the client saw", "err", err)
		}
		p.Enrichment = e
	}
	expires := p.Enqueued().Add(d.cfg.MaxAge)
	for attempt := 1; ; attempt++ {
		if now := d.now(); now.After(expires) {
			if d.claim(ctx, del.ID, log) {
				d.deadLetter(ctx, del, DeadExpired, fmt.Sprintf("expired: undelivered after %s (max age %s)",
					now.Sub(p.Enqueued()).Round(time.Second), d.cfg.MaxAge))
			}
			return
		}
		if !d.waitTurn(ctx, limiter) || !d.claim(ctx, del.ID, log) {
			return
		}
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.SendTimeout)
		retry, err := sender.Send(sendCtx, p)
		cancel()
		if err == nil {
			d.settle(runCtx, del.ID, d.followUpOf(ctx, p), log)
			d.cfg.Metrics.page(p.Receiver.Name, PageDelivered)
			log.Info("page delivered", "attempts", attempt)
			return
		}
		if !retry {
			d.deadLetter(ctx, del, DeadRejected, err.Error())
			return
		}
		d.cfg.Metrics.page(p.Receiver.Name, PageRetried)
		wait := backoff(d.cfg.BackoffMin, d.cfg.BackoffMax, attempt)
		var ra *RetryAfterError
		if errors.As(err, &ra) && ra.After > wait {
			wait = ra.After
		}
		// Never sleep past the page's expiry: wake up in time to dead-letter
		// it (and reach the fallback) rather than minutes late.
		if left := expires.Sub(d.now()) + time.Millisecond; left < wait {
			wait = max(left, 0)
		}
		log.Warn("page delivery failed; will retry", "attempt", attempt, "wait", wait, "err", err)
		if !d.cfg.Sleep(ctx, wait) {
			return
		}
	}
}

// waitTurn waits for the lane's rate limiter on the dispatcher's clock (not
// the limiter's own wall-clock Wait), so the limit is testable without delay.
func (d *Dispatcher) waitTurn(ctx context.Context, limiter *rate.Limiter) bool {
	now := d.now()
	r := limiter.ReserveN(now, 1)
	if !r.OK() {
		return false
	}
	if wait := r.DelayFrom(now); wait > 0 && !d.cfg.Sleep(ctx, wait) {
		r.CancelAt(d.now())
		return false
	}
	return true
}

// deadLetter moves a page to the dead letters, counts and logs it, and hands
// it once to the fallback receiver. kind is the bounded metrics label.
func (d *Dispatcher) deadLetter(ctx context.Context, del alert.Delivery, kind, reason string) {
	p := del.Notification
	d.log.Error("page dead-lettered", "page", p.PageID(), "rule", p.Rule, "receiver", p.Receiver.Name, "reason", reason)
	d.cfg.Metrics.deadLetter(p.Receiver.Name, kind)
	storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.StoreTimeout)
	defer cancel()
	if err := d.outbox.DeadLetter(storeCtx, del, reason); err != nil {
		d.log.Error("dead-lettering failed; the page stays in the outbox", "page", p.PageID(), "err", err)
		return // it will be tried again after a reclaim; the fallback gets it then
	}
	if del.Err == nil {
		d.sendFallback(ctx, p, reason)
	}
}

// sendFallback gives a dead-lettered page one chance at the fallback receiver.
// One attempt, no retry and no dead letter of its own: a failing fallback must
// not loop, and the page is already safe in the dead-letter stream.
func (d *Dispatcher) sendFallback(ctx context.Context, p alert.Notification, reason string) {
	fb := d.cfg.Fallback
	if fb == nil || p.ID == "" || (fb.Name == p.Receiver.Name && fb.Kind == p.Receiver.Kind) {
		return
	}
	sender, ok := d.senders[fb.Kind]
	if !ok {
		d.log.Error("fallback receiver has no sender", "fallback", fb.Name, "kind", fb.Kind)
		return
	}
	orig := p.Receiver.Name
	p.Note = fmt.Sprintf("undelivered to %s: %s", orig, reason)
	p.Receiver = *fb
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.SendTimeout)
	defer cancel()
	if _, err := sender.Send(sendCtx, p); err != nil {
		d.cfg.Metrics.page(fb.Name, PageFallbackFailed)
		d.log.Error("fallback receiver failed too; the page is only in the dead letters",
			"page", p.ID, "fallback", fb.Name, "err", err)
		return
	}
	d.cfg.Metrics.page(fb.Name, PageFallbackDelivered)
	d.log.Info("dead-lettered page sent to the fallback receiver", "page", p.ID, "receiver", orig, "fallback", fb.Name)
}

// backoff is exponential with full jitter: min*2^(attempt-1), capped, then a
// random point in its upper half so replicas retrying together spread out.
func backoff(lo, hi time.Duration, attempt int) time.Duration {
	d := lo
	for i := 1; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or ctx; it reports whether the full wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
