package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Response is an answer to a button click, posted to the click's response_url.
type Response struct {
	Message
	// Replace edits the message the button was on; otherwise Text is shown
	// only to the person who clicked.
	Replace bool
}

// Responder posts to interaction response_urls. Those URLs come from
// requests whose Slack signature was verified, and work without a token.
type Responder struct {
	client *http.Client
}

// NewResponder returns a responder using client (e.g. with a timeout).
func NewResponder(client *http.Client) *Responder {
	return &Responder{client: client}
}

// Respond sends r to responseURL.
func (s *Responder) Respond(ctx context.Context, responseURL string, r Response) error {
	body := map[string]any{"text": r.Text}
	if r.Replace {
		body["replace_original"] = true
		body["blocks"] = r.Blocks
	} else {
		body["replace_original"] = false
		body["response_type"] = "ephemeral"
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("slack response: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("slack response: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		// A response_url is a capability: whoever has it can post. Keep it out
		// of the error (and so of the logs), as the webhook sender does.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("slack response (%s): %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("slack response: status %d: %s", resp.StatusCode, bytes.TrimSpace(reply))
	}
	return nil
}
