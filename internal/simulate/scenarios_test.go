package simulate

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestScenariosAreTRTCsCallbacks checks what the scenarios send against
// TRTC's documents (trtc.io/document/39558 and 54913), so the timelines stay
// realistic as they change.
func TestScenariosAreTRTCsCallbacks(t *testing.T) {
	all := map[string][]Step{}
	for _, s := range Scenarios() {
		all["simulate "+s.Name] = s.Steps(8100, "sim-1")
	}
	for _, tl := range Timelines() {
		all[tl.File] = tl.Steps()
	}
	for name, steps := range all {
		t.Run(name, func(t *testing.T) {
			if !slices.IsSortedFunc(steps, func(a, b Step) int { return int(a.At - b.At) }) {
				t.Error("steps are not in time order")
			}
			in := map[string]int{} // room/user -> role, while present
			type relayKey struct{ room, url any }
			repeats := map[relayKey][]time.Duration{} // CONNECTING/RECOVERING run
			for _, st := range steps {
				info := st.Info
				key := fmt.Sprint(info["RoomId"], "/", info["UserId"])
				_, terminal := info["TerminalType"]
				_, userType := info["UserType"]
				switch st.Type {
				case 103:
					if !terminal || !userType || info["Role"] == nil || info["Reason"] == nil {
						t.Errorf("%s: a 103 carries Role, TerminalType, UserType and Reason: %v", st.What, info)
					}
					in[key] = info["Role"].(int)
				case 104:
					if terminal || userType {
						t.Errorf("%s: a 104 carries no TerminalType or UserType: %v", st.What, info)
					}
					role, ok := in[key]
					if strings.HasPrefix(name, "simulate storm") {
						ok, role = true, info["Role"].(int) // the storm starts mid-outage
					}
					if !ok {
						t.Errorf("%s: %s leaves a room they are not in", st.What, key)
					} else if info["Role"] != role {
						t.Errorf("%s: leaves as role %v, entered as %d", st.What, info["Role"], role)
					}
					delete(in, key)
				case 105:
					if _, ok := in[key]; !ok {
						t.Errorf("%s: %s switches role in a room they are not in", st.What, key)
					}
					in[key] = info["Role"].(int)
				case 102:
					for k := range in {
						if strings.HasPrefix(k, fmt.Sprint(info["RoomId"], "/")) {
							t.Errorf("%s: room dismissed while %s is in it", st.What, k)
						}
					}
				case 401:
					p := info["Payload"].(map[string]any)
					k := relayKey{info["RoomId"], p["Url"]}
					switch p["Status"] {
					case relayConnecting, relayRecovering:
						run := repeats[k]
						if len(run) > 0 && st.At-run[len(run)-1] != 5*time.Second {
							t.Errorf("%s: TRTC repeats CONNECTING and RECOVERING every 5 s, this came %s after the last", st.What, st.At-run[len(run)-1])
						}
						if len(run) > 0 && st.At-run[0] >= time.Minute {
							t.Errorf("%s: TRTC gives up after 60 s of retries", st.What)
						}
						repeats[k] = append(run, st.At)
					case relayFailure:
						run := repeats[k]
						if len(run) == 0 || st.At-run[0] != time.Minute {
							t.Errorf("%s: FAILURE comes 60 s after the retries began (%v)", st.What, run)
						}
						if p["ErrorCode"] == nil {
							t.Errorf("%s: FAILURE without its ErrorCode", st.What)
						}
						delete(repeats, k)
					default:
						delete(repeats, k)
					}
				}
			}
			if strings.Contains(name, "call") {
				for _, st := range steps {
					if r, ok := st.Info["Role"]; ok && r != roleAnchor {
						t.Errorf("%s: in a call app everyone is role 20, not %v", st.What, r)
					}
				}
			}
		})
	}
}
