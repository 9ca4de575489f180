package notify

import (
	"context"

	"github.com/hookdev/hook/internal/alert"
)

// DigestStore is an Outbox that can absorb pages into digests (outbox.Outbox
// implements it). Flood control needs it: without it every page is sent.
type DigestStore interface {
	// Absorb moves pages from the outbox into digest n's record, each in one
	// step (acknowledged and deleted from the outbox, and recorded with the
	// digest), so a page is never in both nor in neither. Only pages consumer
	// still holds are absorbed; it returns their outbox ids.
	Absorb(ctx context.Context, consumer string, n alert.Notification, dels []alert.Delivery) (absorbed []string, err error)
	// SaveDigest records digest n as last shown, and the message that shows
	// it ("" if it cannot be edited), for operators.
	SaveDigest(ctx context.Context, n alert.Notification, message string) error
	// DeadLetterDigest moves a digest that could not be delivered to the dead
	// letters, with why; its pages stay recorded with it.
	DeadLetterDigest(ctx context.Context, n alert.Notification, reason string) error
}

// Editor is a Sender that can also edit a message it posted (the Slack Web
// API): a digest then stays one message, kept up to date, instead of a new
// one at every refresh.
type Editor interface {
	// PostEditable posts n on its own (never threaded) and returns a
	// reference to the message for Edit.
	PostEditable(ctx context.Context, n alert.Notification) (ref string, retry bool, err error)
	// Edit replaces the message ref with n. A permanent failure (the message
	// was deleted) makes the caller post anew.
	Edit(ctx context.Context, ref string, n alert.Notification) (retry bool, err error)
}
