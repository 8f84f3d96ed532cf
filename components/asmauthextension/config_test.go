// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr []string // substrings; nil means valid
	}{
		{name: "minimal", cfg: Config{SecretName: "s"}},
		{name: "full", cfg: Config{
			SecretName: "arn:aws:secretsmanager:eu-west-1:1:secret:s", Region: "eu-west-1",
			AssumeRole:      AssumeRoleConfig{ARN: "arn:aws:iam::1:role/r", STSRegion: "us-east-1"},
			FallbackHeaders: map[string]configopaque.String{"X-Api-Key": "k"}, RefreshInterval: time.Hour,
			HeaderPrefix: "header_", HeaderKey: "otlp_headers",
		}},
		{name: "no secret", cfg: Config{}, wantErr: []string{"secret_name must be set"}},
		{name: "blank secret", cfg: Config{SecretName: "  "}, wantErr: []string{"secret_name must be set"}},
		{name: "negative refresh", cfg: Config{SecretName: "s", RefreshInterval: -time.Second},
			wantErr: []string{"refresh_interval must not be negative"}},
		{name: "sts region without arn", cfg: Config{SecretName: "s", AssumeRole: AssumeRoleConfig{STSRegion: "us-east-1"}},
			wantErr: []string{"assume_role.arn is empty"}},
		{name: "arn not an arn", cfg: Config{SecretName: "s", AssumeRole: AssumeRoleConfig{ARN: "my-role"}},
			wantErr: []string{`got "my-role"`}},
		{name: "bad fallback header name", cfg: Config{SecretName: "s", FallbackHeaders: map[string]configopaque.String{"Bad Name": "v"}},
			wantErr: []string{`"Bad Name" is not a valid HTTP header name`}},
		{name: "all errors at once", cfg: Config{RefreshInterval: -1, AssumeRole: AssumeRoleConfig{ARN: "x"}},
			wantErr: []string{"secret_name", "refresh_interval", "assume_role.arn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors containing %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate() = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

// TestUnmarshalDev7aOptions loads every option dev7a's README documents.
func TestUnmarshalDev7aOptions(t *testing.T) {
	cm := confmap.NewFromStringMap(map[string]any{
		"secret_name":      "otel/vendor/auth-headers",
		"region":           "us-west-2",
		"refresh_interval": "5m",
		"header_prefix":    "header_",
		"header_key":       "otlp_headers",
		"fallback_headers": map[string]any{"User-Agent": "otel-collector"},
		"assume_role":      map[string]any{"arn": "arn:aws:iam::123456789012:role/my-role", "sts_region": "us-east-1"},
	})
	cfg := createDefaultConfig().(*Config)
	if err := cm.Unmarshal(cfg); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if cfg.SecretName != "otel/vendor/auth-headers" || cfg.Region != "us-west-2" ||
		cfg.RefreshInterval != 5*time.Minute || cfg.HeaderPrefix != "header_" || cfg.HeaderKey != "otlp_headers" ||
		cfg.AssumeRole.ARN != "arn:aws:iam::123456789012:role/my-role" || cfg.AssumeRole.STSRegion != "us-east-1" ||
		cfg.FallbackHeaders["User-Agent"] != "otel-collector" {
		t.Fatalf("unexpected config: %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestUnmarshalRejectsUnknownOption(t *testing.T) {
	cm := confmap.NewFromStringMap(map[string]any{"secret_name": "s", "secret_nmae": "typo"})
	err := cm.Unmarshal(createDefaultConfig())
	if err == nil || !strings.Contains(err.Error(), "secret_nmae") {
		t.Fatalf("Unmarshal = %v, want an error naming secret_nmae", err)
	}
}

func TestRefreshIntervalDefault(t *testing.T) {
	if got := (&Config{}).refreshInterval(); got != time.Minute {
		t.Errorf("zero refresh_interval gives %s, want 1m", got)
	}
	if got := (&Config{RefreshInterval: time.Second}).refreshInterval(); got != time.Second {
		t.Errorf("refresh_interval 1s gives %s", got)
	}
}
