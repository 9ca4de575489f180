package hook

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Docker cannot run in the test environment; these tests read the packaging
// files for the properties the issue asks for.

func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       string            `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			DependsOn   map[string]any    `yaml:"depends_on"`
			Ports       []string          `yaml:"ports"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("compose.yaml is not valid YAML: %v", err)
	}
	hook, ok := compose.Services["hook"]
	if !ok {
		t.Fatal("no hook service")
	}
	if _, ok := compose.Services["redis"]; !ok {
		t.Fatal("no redis service")
	}
	if hook.Build != "." {
		t.Errorf("hook builds from %q, want the repository's Dockerfile (.)", hook.Build)
	}
	if got := hook.Environment["HOOK_REDIS_URL"]; got != "redis://redis:6379/0" {
		t.Errorf("HOOK_REDIS_URL = %q", got)
	}
	if got := hook.Environment["HOOK_RULES"]; got != "/etc/hook/rules.yaml" {
		t.Errorf("HOOK_RULES = %q", got)
	}
	for _, v := range []string{"TRTC_CALLBACK_KEY", "SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_SIGNING_SECRET", "HOOK_ADMIN_TOKEN"} {
		if !strings.Contains(hook.Environment[v], "${"+v) {
			t.Errorf("%s is not passed from the host: %q", v, hook.Environment[v])
		}
	}
	if !contains(hook.Volumes, "./rules.example.yaml:/etc/hook/rules.yaml:ro") {
		t.Errorf("rules not mounted at /etc/hook/rules.yaml: %v", hook.Volumes)
	}
	if _, ok := hook.DependsOn["redis"]; !ok {
		t.Error("hook does not wait for redis")
	}
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM golang:\S+ AS build$`),
		regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static\S*$`),
		regexp.MustCompile(`CGO_ENABLED=0 go build`),
		regexp.MustCompile(`(?m)^COPY rules\.example\.yaml /etc/hook/rules\.yaml$`),
		regexp.MustCompile(`HOOK_RULES=/etc/hook/rules\.yaml`),
		regexp.MustCompile(`(?m)^USER 65532:65532$`),
		regexp.MustCompile(`(?s)HEALTHCHECK .*"/usr/local/bin/hook", "health", "--url", "http://127\.0\.0\.1:8080/healthz"`),
	} {
		if !want.MatchString(df) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}

	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		switch strings.TrimSpace(line) {
		case "*.yaml", "rules.example.yaml", "internal", "**/data", "*.go", "go.sum":
			t.Errorf(".dockerignore excludes %q, which the build needs", line)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
