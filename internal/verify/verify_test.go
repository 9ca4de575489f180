package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
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
		// One captured body must not verify again under another spelling of its app.
		{"leading zero", "01400000001", vectorSign, vectorBody, ErrBadApp},
		{"plus sign", "+1400000001", vectorSign, vectorBody, ErrBadApp},
		{"decimal point", "1400000001.0", vectorSign, vectorBody, ErrBadApp},
		{"prefix", "x1400000001", vectorSign, vectorBody, ErrBadApp},
		{"space", " 1400000001", vectorSign, vectorBody, ErrBadApp},
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

func TestCanonicalApp(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"1400000001", nil},
		{"1", nil},
		{"20000123", nil},
		{"18446744073709551615", nil}, // the largest uint64
		{"", ErrMissingApp},
		{"0", ErrBadApp},
		{"01400000001", ErrBadApp},
		{"+1400000001", ErrBadApp},
		{"-1400000001", ErrBadApp},
		{"1400000001.0", ErrBadApp},
		{"1.4e9", ErrBadApp},
		{"x1400000001", ErrBadApp},
		{"1400000001 ", ErrBadApp},
		{"1400000001\n", ErrBadApp},
		{"１４００", ErrBadApp}, // full-width digits
		{"18446744073709551616", ErrBadApp},
		{"123456789012345678901", ErrBadApp},
	}
	for _, tt := range tests {
		got, err := CanonicalApp(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("CanonicalApp(%q) = %q, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		if err == nil && got != tt.in {
			t.Errorf("CanonicalApp(%q) = %q", tt.in, got)
		}
	}
	_, err := CanonicalApp("01400000001")
	if want := `SdkAppId must be a decimal number like 1400000001, not "01400000001"`; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestLoggable(t *testing.T) {
	long := strings.Repeat("<", 1<<20)
	tests := []struct{ in, want string }{
		{"1400000001", "1400000001"},
		{"", ""},
		{"01400000001", `"01400000001"`},
		{"a\nforged=line\x1b[31m", `"a\nforged=line\x1b[31m"`},
		{long, `"` + strings.Repeat("<", 32) + `"...`},
		{strings.Repeat("é", 20), `"` + strings.Repeat("é", 16) + `"...`},
	}
	for _, tt := range tests {
		if got := Loggable(tt.in); got != tt.want {
			t.Errorf("Loggable(%.40q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The error of a refused app carries the same bounded text, never the header.
	_, err := CanonicalApp(long)
	if err == nil || len(err.Error()) > 120 {
		t.Errorf("error for a 1 MB header is %d bytes", len(err.Error()))
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

// A Verifier reuses HMACs per key: a reloaded key must take effect at once,
// checks may run concurrently, and past the pooled-key bound every key still
// verifies.
func TestVerifierReusesHMACs(t *testing.T) {
	keys := keyMap{"1400000001": vectorKey}
	v := NewVerifier(keys)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if err := v.Check("1400000001", vectorSign, []byte(vectorBody)); err != nil {
					t.Error(err)
					return
				}
				if err := v.Check("1400000001", vectorSign, []byte(vectorBody+" ")); !errors.Is(err, ErrBadSignature) {
					t.Errorf("a changed body verified: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()

	keys["1400000001"] = "rotated"
	if err := v.Check("1400000001", vectorSign, []byte(vectorBody)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("the old key still verifies after a reload: %v", err)
	}
	if err := v.Check("1400000001", Sign([]byte("rotated"), []byte(vectorBody)), []byte(vectorBody)); err != nil {
		t.Fatalf("the new key does not verify: %v", err)
	}

	for i := range maxPooledKeys + 10 {
		key := fmt.Sprintf("key%d", i)
		keys["1400000001"] = key
		if err := v.Check("1400000001", Sign([]byte(key), []byte(vectorBody)), []byte(vectorBody)); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	if n := len(v.macs); n > maxPooledKeys {
		t.Fatalf("%d keys pooled, bound %d", n, maxPooledKeys)
	}
}

func BenchmarkVerifier(b *testing.B) {
	v := NewVerifier(keyMap{"1400000001": vectorKey})
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Check("1400000001", vectorSign, []byte(vectorBody)); err != nil {
			b.Fatal(err)
		}
	}
}
