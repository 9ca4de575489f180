package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/hookdev/hook/internal/alert"
	"github.com/hookdev/hook/internal/redistest"
)

func TestDigestAdmin(t *testing.T) {
	rdb, _ := redistest.Mini(t)
	st := newOutbox(rdb)
	ctx := context.Background()
	r := alert.Receiver{Name: "oncall", Kind: alert.ReceiverSlack, Channel: "#oncall"}
	n := alert.Notification{ID: "p-1", Kind: alert.KindFiring, Rule: "recording-start-failed", Severity: alert.SeverityCritical,
		CreatedAt: time.Now(), Receiver: r, Event: alert.Event{App: "1400000001", Room: "r1"}}
	b, _ := n.Marshal()
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: st.Key(), Values: []any{"n", b}})
	dels, _ := st.Read(ctx, "a", 10, time.Millisecond)
	digest := alert.Notification{ID: "dg-1", Kind: alert.KindDigest, Receiver: r,
		Digest: &alert.Digest{Pages: 1, Final: true, ByRule: []alert.DigestRule{{Rule: "recording-start-failed", Pages: 1}}}}
	if _, err := st.Absorb(ctx, "a", digest, dels); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveDigest(ctx, digest, ""); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	deps := Deps{Outbox: st, Digests: st, Log: log, Now: time.Now}
	outboxRoutes(e, Config{AdminToken: adminToken}, deps)
	digestRoutes(e, Config{AdminToken: adminToken}, deps)

	if rec := call(e, http.MethodGet, "/api/v1/digests", "wrong"); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", rec.Code)
	}
	rec := call(e, http.MethodGet, "/api/v1/digests", adminToken)
	var list DigestsJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Digests) != 1 {
		t.Fatalf("list: %d %s (%v)", rec.Code, rec.Body, err)
	}
	if d := list.Digests[0]; d.ID != "dg-1" || d.Pages != 1 || d.Listed != 1 || !d.Final || d.Receiver != "oncall" ||
		d.Title != "Flood over, 1 page: recording-start-failed" || d.Since.IsZero() {
		t.Errorf("digest = %+v", d)
	}
	rec = call(e, http.MethodGet, "/api/v1/digests/dg-1", adminToken)
	var one DigestPagesJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil || len(one.Pages) != 1 {
		t.Fatalf("one: %d %s (%v)", rec.Code, rec.Body, err)
	}
	if p := one.Pages[0]; p.PageID != "p-1-oncall" || p.OutboxID != dels[0].ID || p.Room != "r1" || p.Severity != "critical" {
		t.Errorf("page = %+v", p)
	}
	for target, code := range map[string]int{
		"/api/v1/digests/dg-2":          http.StatusNotFound,
		"/api/v1/digests/..%2F..":       http.StatusNotFound,
		"/api/v1/digests?limit=0":       http.StatusBadRequest,
		"/api/v1/digests/dg-1?limit=x":  http.StatusBadRequest,
		"/api/v1/digests/dg-1?limit=10": http.StatusOK,
	} {
		if rec := call(e, http.MethodGet, target, adminToken); rec.Code != code {
			t.Errorf("%s: status %d, want %d", target, rec.Code, code)
		}
	}
	var stats OutboxStatsJSON
	_ = json.Unmarshal(call(e, http.MethodGet, "/api/v1/outbox", adminToken).Body.Bytes(), &stats)
	if stats.Digests == nil || *stats.Digests != 1 || stats.Depth != 0 {
		t.Errorf("stats = %+v, want 1 digest and an empty outbox", stats)
	}
}
