package alert

import "testing"

func TestClientTextFunctions(t *testing.T) {
	tests := []struct {
		in                     string
		inline, literal, inert string
	}{
		{"u42", "u42", "u42", "u42"},
		{"user_85034614", "user_85034614", "user_85034614", "user_85034614"},
		{"upload failed: can't", "upload failed: can't", "upload failed: can't", "upload failed: can't"},
		{"https://x:8080/a_b", "https://x:8080/a_b", "https://x:8080/a_b", "https://x:8080/a_b"},
		{"x`\n*Status*\nRESOLVED", "x'\uFFFD*Status*\uFFFDRESOLVED", "`x'\uFFFD*Status*\uFFFDRESOLVED`", "x'\uFFFD∗Status∗\uFFFDRESOLVED"},
		{"> quote", "› quote", "› quote", "› quote"},
		{"  >x", "  ›x", "  ›x", "  ›x"},
		{"a>b", "a>b", "a>b", "a>b"},
		{"_it_ ~s~", "_it_ ~s~", "`_it_ ~s~`", "＿it＿ ∼s∼"},
		{":fire:", ":fire:", "`:fire:`", "∶fire∶"},
		{"a\u2028b\u2029c\r\x1b\u202ed", "a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFDd", "a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFDd", "a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFDd"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := Inline(tt.in); got != tt.inline {
			t.Errorf("Inline(%q) = %q, want %q", tt.in, got, tt.inline)
		}
		if got := Literal(tt.in); got != tt.literal {
			t.Errorf("Literal(%q) = %q, want %q", tt.in, got, tt.literal)
		}
		if got := Inert(tt.in); got != tt.inert {
			t.Errorf("Inert(%q) = %q, want %q", tt.in, got, tt.inert)
		}
		if Inline(tt.inline) != tt.inline {
			t.Errorf("Inline is not idempotent on %q", tt.inline)
		}
	}
}

func TestSingleLine(t *testing.T) {
	for in, want := range map[string]string{
		"Users dropping out\n": "Users dropping out",
		"a\nb\r\nc":            "a b c",
		"`code` \x07":          "`code` \uFFFD",
	} {
		if got := SingleLine(in); got != want {
			t.Errorf("SingleLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDescribeQuotesClientValues(t *testing.T) {
	e := Event{User: "x`\n*Status*", Room: "8489", ErrorCode: "70001", ErrorMessage: "*failed*",
		Codes: []Code{{Field: "event", Name: "room.exit", Meaning: "User left room"}}}
	want := "User `x'\uFFFD*Status*` left room `8489` (error 70001 `*failed*`)"
	if got := e.Describe(); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
