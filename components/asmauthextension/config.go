// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension // import "github.com/ocelot-otel/ocelot/components/asmauthextension"

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
)

// defaultRefreshInterval is how often the secret is read again. One minute
// keeps Secrets Manager calls cheap while still picking up a rotated key soon.
const defaultRefreshInterval = time.Minute

// Config is the extension's configuration. The option names are those of
// github.com/dev7a/otelcol-ext-asmauth v0.5.x so existing configs load as is.
type Config struct {
	// SecretName is the name or ARN of the secret; its value must be a JSON
	// object whose values are strings.
	SecretName string `mapstructure:"secret_name"`
	// Region is the region of the secret; empty means the SDK's default chain
	// (AWS_REGION in Lambda).
	Region string `mapstructure:"region"`
	// AssumeRole, when its ARN is set, reads the secret with that role's
	// credentials instead of the caller's.
	AssumeRole AssumeRoleConfig `mapstructure:"assume_role"`
	// FallbackHeaders are sent while no secret value has been read yet.
	// They are opaque so that they never show up in logged configs.
	FallbackHeaders map[string]configopaque.String `mapstructure:"fallback_headers"`
	// RefreshInterval is how often the secret is read again; 0 means the
	// default of one minute.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// HeaderPrefix, when set, selects only the secret keys that start with it;
	// the prefix is removed to form the header name.
	HeaderPrefix string `mapstructure:"header_prefix"`
	// HeaderKey, when set, names a secret key whose value holds headers in the
	// OTEL_EXPORTER_OTLP_HEADERS format ("k1=v1,k2=v2").
	HeaderKey string `mapstructure:"header_key"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// AssumeRoleConfig selects an IAM role to assume before reading the secret.
type AssumeRoleConfig struct {
	// ARN of the role to assume.
	ARN string `mapstructure:"arn"`
	// STSRegion is the region of the STS endpoint; empty means the region the
	// secret is read from.
	STSRegion string `mapstructure:"sts_region"`
}

// Validate reports every problem at once, so a user fixes a config in one go.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.SecretName) == "" {
		errs = append(errs, errors.New("secret_name must be set to the name or ARN of a secret"))
	}
	if c.RefreshInterval < 0 {
		errs = append(errs, fmt.Errorf("refresh_interval must not be negative, got %s", c.RefreshInterval))
	}
	if c.AssumeRole.ARN == "" && c.AssumeRole.STSRegion != "" {
		errs = append(errs, errors.New("assume_role.sts_region is set but assume_role.arn is empty"))
	}
	if c.AssumeRole.ARN != "" && !strings.HasPrefix(c.AssumeRole.ARN, "arn:") {
		errs = append(errs, fmt.Errorf("assume_role.arn must be a role ARN (arn:...), got %q", c.AssumeRole.ARN))
	}
	names := make([]string, 0, len(c.FallbackHeaders))
	for name := range c.FallbackHeaders {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !validHeaderName(name) {
			errs = append(errs, fmt.Errorf("fallback_headers: %q is not a valid HTTP header name", name))
		}
	}
	return errors.Join(errs...)
}

// refreshInterval applies the default for an unset (zero) interval, which is
// how dev7a's module treated it too.
func (c *Config) refreshInterval() time.Duration {
	if c.RefreshInterval == 0 {
		return defaultRefreshInterval
	}
	return c.RefreshInterval
}

// fallback returns the fallback headers as plain strings, or nil if none.
func (c *Config) fallback() map[string]string {
	if len(c.FallbackHeaders) == 0 {
		return nil
	}
	out := make(map[string]string, len(c.FallbackHeaders))
	for k, v := range c.FallbackHeaders {
		out[k] = string(v)
	}
	return out
}

// validHeaderName reports whether s is an RFC 9110 token, the only thing
// net/http accepts as a header field name.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
