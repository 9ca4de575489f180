package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/outbox"
	"github.com/hookdev/hook/internal/redistest"
)

const adminToken = "s3cret-admin"

// newOutboxServer has one dead letter (page p-1, channel_not_found) and
// returns its id.
func newOutboxServer(t *testing.T, token string) (*echo.Echo, *outbox.Outbox, string) {
	t.Helper()
	rdb, _ := redistest.Mini(t)
	st := newOutbox(rdb)
	ctx := context.Background()
	n := alert.Notification{ID: "p-1", Rule: "user-dropped", Title: "User left", CreatedAt: time.Now().Add(-2 * time.Hour),
		Receiver: alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack}}
	p, _ := n.Marshal()
	oid, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: st.Key(), Values: []any{"page", p}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeadLetter(ctx, alert.Delivery{ID: oid, Notification: n}, "slack chat.postMessage: channel_not_found"); err != nil {
		t.Fatal(err)
	}
	dls, err := st.DeadLetters(ctx, 10)
	if err != nil || len(dls) != 1 {
		t.Fatalf("dead letters: %v, %v", dls, err)
	}
	log := slog.New(slog.DiscardHandler)
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	outboxRoutes(e, Config{AdminToken: token}, Deps{Outbox: st, Log: log, Now: time.Now})
	return e, st, dls[0].ID
}

func call(e *echo.Echo, method, target, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return serve(e, req)
}

func TestOutboxAdminAuth(t *testing.T) {
	e, _, _ := newOutboxServer(t, "")
	if rec := call(e, http.MethodGet, "/api/v1/deadletters", adminToken); rec.Code != http.StatusNotFound {
		t.Errorf("without HOOK_ADMIN_TOKEN: status %d, want 404", rec.Code)
	}
	e, _, _ = newOutboxServer(t, adminToken)
	for _, tok := range []string{"", "wrong", adminToken + "x", strings.ToUpper(adminToken)} {
		if rec := call(e, http.MethodGet, "/api/v1/deadletters", tok); rec.Code != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", tok, rec.Code)
		}
	}
	if rec := call(e, http.MethodGet, "/api/v1/deadletters", adminToken); rec.Code != http.StatusOK {
		t.Errorf("right token: status %d", rec.Code)
	}
}

func TestOutboxAdminListRetryDrop(t *testing.T) {
	e, st, id := newOutboxServer(t, adminToken)
	ctx := context.Background()

	rec := call(e, http.MethodGet, "/api/v1/deadletters", adminToken)
	var list DeadLettersJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.DeadLetters) != 1 {
		t.Fatalf("list: %s (%v)", rec.Body, err)
	}
	dl := list.DeadLetters[0]
	if dl.ID != id || !strings.Contains(dl.Reason, "channel_not_found") || dl.FailedAt.IsZero() ||
		dl.Page.ID != "p-1-oncall" || dl.Page.Rule != "user-dropped" || dl.Page.Receiver != "oncall" {
		t.Errorf("entry = %+v", dl)
	}
	if rec := call(e, http.MethodGet, "/api/v1/deadletters?limit=0", adminToken); rec.Code != http.StatusBadRequest {
		t.Errorf("limit=0: status %d, want 400", rec.Code)
	}

	rec = call(e, http.MethodPost, "/api/v1/deadletters/"+id+"/retry", adminToken)
	if rec.Code != http.StatusOK {
		t.Fatalf("retry: %d %s", rec.Code, rec.Body)
	}
	stats := call(e, http.MethodGet, "/api/v1/outbox", adminToken)
	var s OutboxStatsJSON
	_ = json.Unmarshal(stats.Body.Bytes(), &s)
	if s.Depth != 1 || s.DeadLetters != 0 {
		t.Errorf("after retry: %s, want depth 1 and no dead letters", stats.Body)
	}
	// The requeued page's age counts from the retry, or it would expire at once.
	msgs, _ := st.Read(ctx, "t", 10, time.Millisecond)
	if len(msgs) != 1 {
		t.Fatalf("outbox holds %d pages", len(msgs))
	}
	p, err := msgs[0].Notification, msgs[0].Err
	if err != nil || p.ID != "p-1" || time.Since(p.Enqueued()) > time.Minute {
		t.Errorf("requeued page %+v, %v", p, err)
	}
	if rec := call(e, http.MethodPost, "/api/v1/deadletters/"+id+"/retry", adminToken); rec.Code != http.StatusNotFound {
		t.Errorf("second retry: status %d, want 404", rec.Code)
	}

	// Dead-letter it again, then drop it.
	if err := st.DeadLetter(ctx, msgs[0], "again"); err != nil {
		t.Fatal(err)
	}
	dls, _ := st.DeadLetters(ctx, 10)
	if rec := call(e, http.MethodDelete, "/api/v1/deadletters/"+dls[0].ID, adminToken); rec.Code != http.StatusOK {
		t.Errorf("drop: %d %s", rec.Code, rec.Body)
	}
	for _, bad := range []string{dls[0].ID, "-", "+", "nope"} {
		if rec := call(e, http.MethodDelete, "/api/v1/deadletters/"+bad, adminToken); rec.Code != http.StatusNotFound {
			t.Errorf("drop %q: status %d, want 404", bad, rec.Code)
		}
	}
}
