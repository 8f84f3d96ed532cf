// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension

import (
	"maps"
	"strings"
	"testing"
)

func TestHeadersFromSecret(t *testing.T) {
	tests := []struct {
		name, secret, prefix, key string
		want                      map[string]string
		wantErr                   string
	}{
		{name: "every key is a header",
			secret: `{"Authorization":"Bearer t","X-Api-Key":"k"}`,
			want:   map[string]string{"Authorization": "Bearer t", "X-Api-Key": "k"}},
		{name: "prefix selects and strips",
			secret: `{"header_X-Api-Key":"k","endpoint":"https://e","header_":"ignored"}`, prefix: "header_",
			want: map[string]string{"X-Api-Key": "k"}},
		{name: "header_key in OTLP headers format",
			secret: `{"endpoint":"https://e","auth":"x-api-key=abc, Authorization = Basic%20dXNlcg%3D%3D ,"}`, key: "auth",
			want: map[string]string{"x-api-key": "abc", "Authorization": "Basic dXNlcg=="}},
		{name: "invalid percent-encoding is kept as written",
			secret: `{"auth":"x-token=100%"}`, key: "auth",
			want: map[string]string{"x-token": "100%"}},
		{name: "value may contain =",
			secret: `{"auth":"x-token=a=b"}`, key: "auth",
			want: map[string]string{"x-token": "a=b"}},
		{name: "header_key wins over prefix",
			secret: `{"auth":"X-Api-Key=from-key","h_X-Api-Key":"from-prefix","h_X-Other":"o"}`, prefix: "h_", key: "auth",
			want: map[string]string{"X-Api-Key": "from-key", "X-Other": "o"}},
		{name: "header_key missing", secret: `{"other":"x"}`, key: "auth",
			wantErr: `header_key "auth" is not a key of the secret`},
		{name: "header_key malformed", secret: `{"auth":"justtext"}`, key: "auth",
			wantErr: `name1=value1`},
		{name: "not JSON", secret: `Bearer abc`, wantErr: "not a JSON object"},
		{name: "JSON array", secret: `["a"]`, wantErr: "not a JSON object"},
		{name: "non-string value", secret: `{"port":4318}`, wantErr: `secret key "port" is not a string`},
		{name: "prefix matches nothing", secret: `{"a":"b"}`, prefix: "h_", wantErr: "yields no headers"},
		{name: "invalid header name", secret: `{"Bad Name":"v"}`, wantErr: `"Bad Name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := headersFromSecret(tt.secret, tt.prefix, tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("headers = %v, want %v", got, tt.want)
			}
		})
	}
}

// Errors end up in logs, so they must never contain a secret value.
func TestHeaderErrorsDoNotLeakValues(t *testing.T) {
	cases := []struct{ secret, key string }{
		{`{"auth":"s3cr3t-no-equals"}`, "auth"},
		{`{"Bad Name":"s3cr3t"}`, ""},
		{`{"n":["s3cr3t"]}`, ""},
	}
	for _, c := range cases {
		_, err := headersFromSecret(c.secret, "", c.key)
		if err == nil {
			t.Fatalf("%s: want an error", c.secret)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error leaks the secret value: %v", err)
		}
	}
}
