package verify

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The official known-answer vector from TRTC's signature documentation (Java and Python samples).
const (
	vectorKey  = "123654"
	vectorBody = "{\n\t\"EventGroupId\":\t2,\n\t\"EventType\":\t204,\n\t\"CallbackTs\":\t1664209748188,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t8489,\n\t\t\"EventTs\":\t1664209748,\n\t\t\"EventMsTs\":\t1664209748180,\n\t\t\"UserId\":\t\"user_85034614\",\n\t\t\"Reason\":\t0\n\t}\n}"
	vectorSign = "kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA="
)

func TestSignKnownAnswer(t *testing.T) {
	if len(vectorBody) != 207 {
		t.Fatalf("vector body is %d bytes, want 207", len(vectorBody))
	}
	if got := Sign([]byte(vectorKey), []byte(vectorBody)); got != vectorSign {
		t.Fatalf("Sign = %s, want %s", got, vectorSign)
	}
}

func TestCheck(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal([]byte(vectorBody), &v); err != nil {
		t.Fatal(err)
	}
	remarshalled, _ := json.Marshal(v)
	compacted := strings.NewReplacer("\n", "", "\t", "").Replace(vectorBody)

	keys := keyMap{"1400000001": vectorKey}
	tests := []struct {
		name string
		app  string
		sign string
		body string
		want error
	}{
		{"known answer", "1400000001", vectorSign, vectorBody, nil},
		{"trailing newline", "1400000001", vectorSign, vectorBody + "\n", ErrBadSignature},
		{"compacted", "1400000001", vectorSign, compacted, ErrBadSignature},
		{"re-marshalled", "1400000001", vectorSign, string(remarshalled), ErrBadSignature},
		{"missing sign", "1400000001", "", vectorBody, ErrMissingSign},
		{"missing app", "", vectorSign, vectorBody, ErrMissingApp},
		{"unknown app", "1400000002", vectorSign, vectorBody, ErrUnknownApp},
		{"not base64", "1400000001", "%%%", vectorBody, ErrBadSignature},
		{"truncated sign", "1400000001", vectorSign[:20], vectorBody, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(keys, tt.app, tt.sign, []byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), vectorSign) {
				t.Fatalf("error %q reveals the expected signature", err)
			}
		})
	}
}

// keyMap is a fixed Keys: one key per app, nothing for any other.
type keyMap map[string]string

func (m keyMap) Key(app string) ([]byte, bool) {
	k, ok := m[app]
	return []byte(k), ok
}

func BenchmarkCheck(b *testing.B) {
	keys := keyMap{"1": vectorKey}
	body := []byte(vectorBody)
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(keys, "1", vectorSign, body); err != nil {
			b.Fatal(err)
		}
	}
}
