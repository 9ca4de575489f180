package trtcapi

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Environment variable names. The two secrets and the region use the Tencent Cloud
// SDK's standard names, so one set of credentials serves hook and tccli alike.
const (
	EnvSecretID  = "TENCENTCLOUD_SECRET_ID"
	EnvSecretKey = "TENCENTCLOUD_SECRET_KEY"
	EnvRegion    = "TENCENTCLOUD_REGION"
	EnvAPIURL    = "HOOK_TRTC_API_URL"
)

// DefaultRegion is used when TENCENTCLOUD_REGION is unset. The call-quality actions
// accept only ap-beijing, ap-guangzhou, ap-mumbai, ap-singapore and na-toronto.
const DefaultRegion = "ap-guangzhou"

// DefaultEndpoint is the API's domain in mainland China; the international site is
// trtc.intl.tencentcloudapi.com.
const DefaultEndpoint = "trtc.tencentcloudapi.com"

// Config is what the API client needs: credentials, region and where to send requests.
// The caller reads it from the environment (ConfigFromEnv); this package never does.
type Config struct {
	SecretID  string
	SecretKey string
	Region    string // empty: DefaultRegion
	// Endpoint is a host ("trtc.intl.tencentcloudapi.com", HTTPS) or a URL
	// ("http://127.0.0.1:8080" for a test server). Empty: DefaultEndpoint.
	Endpoint string
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in production).
// ok is false when either secret is missing: then hook runs without enrichment.
func ConfigFromEnv(getenv func(string) string) (Config, bool) {
	c := Config{
		SecretID:  strings.TrimSpace(getenv(EnvSecretID)),
		SecretKey: strings.TrimSpace(getenv(EnvSecretKey)),
		Region:    strings.TrimSpace(getenv(EnvRegion)),
		Endpoint:  strings.TrimSpace(getenv(EnvAPIURL)),
	}
	if c.SecretID == "" || c.SecretKey == "" {
		return Config{}, false
	}
	return c, true
}

// String leaves the secret key out, so a Config can be logged.
func (c Config) String() string {
	return fmt.Sprintf("trtc api %s region %s secret id %s", c.endpointOrDefault(), c.regionOrDefault(), c.SecretID)
}

func (c Config) regionOrDefault() string {
	if c.Region == "" {
		return DefaultRegion
	}
	return c.Region
}

func (c Config) endpointOrDefault() string {
	if c.Endpoint == "" {
		return DefaultEndpoint
	}
	return c.Endpoint
}

// endpoint splits Endpoint into the SDK's two settings: the scheme ("http" or
// "https") and the host with an optional path. The SDK builds its URL as
// scheme + "://" + host + path, so a URL has to be taken apart first.
func (c Config) endpoint() (scheme, hostPath string, err error) {
	raw := c.endpointOrDefault()
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("enrich: %s %q: %w", EnvAPIURL, c.Endpoint, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "", fmt.Errorf("enrich: %s %q: scheme must be http or https", EnvAPIURL, c.Endpoint)
	case u.Host == "":
		return "", "", fmt.Errorf("enrich: %s %q: no host", EnvAPIURL, c.Endpoint)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return "", "", fmt.Errorf("enrich: %s %q: only scheme, host, port and path are allowed", EnvAPIURL, c.Endpoint)
	}
	return u.Scheme, u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// Validate reports a configuration the client cannot work with.
func (c Config) Validate() error {
	if c.SecretID == "" || c.SecretKey == "" {
		return errors.New("enrich: " + EnvSecretID + " and " + EnvSecretKey + " are both required")
	}
	_, _, err := c.endpoint()
	return err
}
