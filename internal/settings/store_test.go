package settings

import (
	"strings"
	"testing"

	"github.com/hookdev/hook/internal/state"
)

func TestStoreOptions(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want state.Options
		err  string
	}{
		{nil, state.Options{Partitions: DefaultPartitions}, ""},
		{map[string]string{"HOOK_PARTITIONS": "1"}, state.Options{Partitions: 1}, ""},
		{map[string]string{"HOOK_PARTITIONS": "64", "HOOK_REDIS_WAIT_REPLICAS": "1"}, state.Options{Partitions: 64, WaitReplicas: 1}, ""},
		{map[string]string{"HOOK_PARTITIONS": "0"}, state.Options{}, "HOOK_PARTITIONS"},
		{map[string]string{"HOOK_PARTITIONS": "2000"}, state.Options{}, "between 1 and 1024"},
		{map[string]string{"HOOK_PARTITIONS": "16x"}, state.Options{}, "HOOK_PARTITIONS"},
		{map[string]string{"HOOK_REDIS_WAIT_REPLICAS": "-1"}, state.Options{}, "HOOK_REDIS_WAIT_REPLICAS"},
	}
	for _, tt := range tests {
		got, err := StoreOptions(func(k string) string { return tt.env[k] })
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: error %v, want one naming %s", tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v: %+v, %v; want %+v", tt.env, got, err, tt.want)
		}
	}
}
