package callback

import (
	"encoding/json"
	"strings"
	"testing"
)

var validCases = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-01`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `True`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`,
	`[1,2,3]`, `[1,]`, `[,1]`, `[1 2]`, ` {"a" : [ 1 , { "b" : null } ] } `, "{\"a\":\"\x01\"}", "\"\x7f\"",
	`"\u00e9\ud83d\ude00"`, `"\u00g0"`, `"\u12"`, `"\x"`, `"\/\b\f\n\r\t\"\\"`, `"abc`, `"\`, "\"\xff\xfe\"",
	`{"a":1}}`, `{"a":1} x`, `1 2`, "\t\r\n{}\t\r\n", "\v{}", `{"a":{"b":{"c":[[[[]]]]}}}`, `[`, `{`, `{"a"`, `{"a":`,
	`{"EventGroupId":1,"EventType":104,"CallbackTs":1,"EventInfo":{"RoomId":"8489"}}`,
	strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting),
	strings.Repeat("[", maxNesting+1) + strings.Repeat("]", maxNesting+1),
	strings.Repeat(`{"a":`, maxNesting) + "1" + strings.Repeat("}", maxNesting),
	strings.Repeat(`{"a":`, maxNesting+1) + "1" + strings.Repeat("}", maxNesting+1),
	strings.Repeat(`[{"a":`, maxNesting/2) + "1" + strings.Repeat("}]", maxNesting/2),
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("%.60q: valid %v, encoding/json says %v", c, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validCases {
		if len(c) < 1000 {
			f.Add([]byte(c))
		}
	}
	for _, b := range benchBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("%q: valid %v, encoding/json says %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	body := []byte(benchBodies["media"])
	b.Run("hook", func(b *testing.B) {
		for b.Loop() {
			validJSON(body)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			json.Valid(body)
		}
	})
}
