package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// With HOOK_RECORD=off a server keeps nothing (and says so), and its admin
// API serves an empty record.
func TestRecordOff(t *testing.T) {
	srv := startServe(t, map[string]string{"TRTC_CALLBACK_KEY": "k", "HOOK_RECORD": "off", "HOOK_ADMIN_TOKEN": "a"})
	if code, _ := postBody(t, srv.url, "1400000001", "k", callbackBody(1, 103, map[string]any{"RoomId": 1, "UserId": "u"})); code != 200 {
		t.Fatal(code)
	}
	_, m := get(t, srv.url+"/metrics")
	if strings.Contains(m, "hook_record_written_total") {
		t.Error("the record's metrics are exported while it is off")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.url+"/api/v1/record", nil)
	req.Header.Set("Authorization", "Bearer a")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != `{"end":true,"callbacks":0}`+"\n" {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if !strings.Contains(srv.stderr.String(), "HOOK_RECORD=off") {
		t.Errorf("the log does not say the record is off:\n%s", srv.stderr.String())
	}
}
