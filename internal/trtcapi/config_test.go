package trtcapi

import (
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		want   Config
		wantOK bool
	}{
		{"no credentials: no enrichment", map[string]string{EnvRegion: "ap-beijing"}, Config{}, false},
		{"only the id", map[string]string{EnvSecretID: "AKID1"}, Config{}, false},
		{"only the key", map[string]string{EnvSecretKey: "k"}, Config{}, false},
		{"blank values count as unset", map[string]string{EnvSecretID: " ", EnvSecretKey: "k"}, Config{}, false},
		{"credentials", map[string]string{EnvSecretID: "AKID1", EnvSecretKey: "k"}, Config{SecretID: "AKID1", SecretKey: "k"}, true},
		{"everything", map[string]string{EnvSecretID: "AKID1", EnvSecretKey: "k", EnvRegion: "ap-singapore",
			EnvAPIURL: "https://trtc.intl.tencentcloudapi.com"},
			Config{SecretID: "AKID1", SecretKey: "k", Region: "ap-singapore", Endpoint: "https://trtc.intl.tencentcloudapi.com"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ConfigFromEnv = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestConfigEndpoint(t *testing.T) {
	tests := []struct {
		endpoint, scheme, hostPath, err string
	}{
		{"", "https", "trtc.tencentcloudapi.com", ""},
		{"trtc.intl.tencentcloudapi.com", "https", "trtc.intl.tencentcloudapi.com", ""},
		{"https://trtc.intl.tencentcloudapi.com/", "https", "trtc.intl.tencentcloudapi.com", ""},
		{"http://127.0.0.1:8080", "http", "127.0.0.1:8080", ""},
		{"http://localhost:9000/trtc", "http", "localhost:9000/trtc", ""},
		{"ftp://example.com", "", "", "scheme"},
		{"http://", "", "", "no host"},
		{"http://user:pw@example.com", "", "", "only scheme"},
		{"http://example.com/?a=b", "", "", "only scheme"},
		{"http://exa mple.com", "", "", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			c := Config{SecretID: "id", SecretKey: "key", Endpoint: tt.endpoint}
			scheme, hostPath, err := c.endpoint()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), EnvAPIURL) {
					t.Errorf("err = %v, want one naming %s and saying %q", err, EnvAPIURL, tt.err)
				}
				if _, err := NewClient(c); err == nil {
					t.Error("NewClient accepted it")
				}
				return
			}
			if err != nil || scheme != tt.scheme || hostPath != tt.hostPath {
				t.Errorf("endpoint() = %q, %q, %v; want %q, %q", scheme, hostPath, err, tt.scheme, tt.hostPath)
			}
		})
	}
}

func TestNewClientNeedsCredentials(t *testing.T) {
	for _, c := range []Config{{}, {SecretID: "id"}, {SecretKey: "key"}} {
		if _, err := NewClient(c); err == nil || !strings.Contains(err.Error(), EnvSecretKey) {
			t.Errorf("NewClient(%+v) err = %v, want one naming the variables", c, err)
		}
	}
}

func TestConfigStringHidesTheKey(t *testing.T) {
	c := Config{SecretID: "AKIDvisible", SecretKey: "s3cr3t-value"}
	s := c.String()
	if strings.Contains(s, "s3cr3t") || !strings.Contains(s, "AKIDvisible") || !strings.Contains(s, DefaultRegion) {
		t.Errorf("String() = %q", s)
	}
}
