// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

// backend records the headers of the requests that reach it.
type backend struct {
	mu   sync.Mutex
	seen []http.Header
}

func newBackend(t *testing.T) (*backend, *httptest.Server) {
	b := &backend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.seen = append(b.seen, r.Header.Clone())
		b.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return b, srv
}

func (b *backend) last() http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.seen) == 0 {
		return nil
	}
	return b.seen[len(b.seen)-1]
}

// startExtension creates the extension through its factory, as the collector
// does (Validate first), starts it and returns an HTTP client using it.
func startExtension(t *testing.T, cfg *Config) (*authenticator, *http.Client) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	f := NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	rt, err := ext.(extensionauth.HTTPClient).RoundTripper(http.DefaultTransport)
	if err != nil {
		t.Fatalf("RoundTripper: %v", err)
	}
	return ext.(*authenticator), &http.Client{Transport: rt}
}

func get(t *testing.T, c *http.Client, url string) error {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("X-Original", "kept")
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func newConfig(secret string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.SecretName = secret
	return cfg
}

func TestAddsSecretHeadersSignedForConfiguredRegion(t *testing.T) {
	aws, awsSrv := newFakeAWS(t, map[string]string{"vendor/auth": `{"Authorization":"Bearer t1","X-Api-Key":"k1"}`})
	isolateAWS(t, awsSrv.URL)
	b, srv := newBackend(t)
	cfg := newConfig("vendor/auth")
	cfg.Region = "ap-southeast-2"
	_, client := startExtension(t, cfg)

	if err := get(t, client, srv.URL); err != nil {
		t.Fatal(err)
	}
	h := b.last()
	if h.Get("Authorization") != "Bearer t1" || h.Get("X-Api-Key") != "k1" || h.Get("X-Original") != "kept" {
		t.Fatalf("backend saw headers %v", h)
	}
	calls := aws.secretCalls()
	if len(calls) != 1 || !strings.Contains(calls[0], "Credential=AKIAFAKECALLER/") ||
		!strings.Contains(calls[0], "/ap-southeast-2/secretsmanager/aws4_request") {
		t.Fatalf("GetSecretValue calls signed as %q", calls)
	}
}

func TestHeaderKeyEndToEnd(t *testing.T) {
	_, awsSrv := newFakeAWS(t, map[string]string{
		"fwd": `{"endpoint":"https://otlp.example","auth":"x-api-key=abc,Authorization=Basic%20dXNlcg%3D%3D"}`,
	})
	isolateAWS(t, awsSrv.URL)
	b, srv := newBackend(t)
	cfg := newConfig("fwd")
	cfg.HeaderKey = "auth"
	_, client := startExtension(t, cfg)

	if err := get(t, client, srv.URL); err != nil {
		t.Fatal(err)
	}
	h := b.last()
	if h.Get("X-Api-Key") != "abc" || h.Get("Authorization") != "Basic dXNlcg==" || h.Get("Endpoint") != "" {
		t.Fatalf("backend saw headers %v", h)
	}
}

func TestRefreshPicksUpRotatedSecret(t *testing.T) {
	aws, awsSrv := newFakeAWS(t, map[string]string{"s": `{"X-Api-Key":"old"}`})
	isolateAWS(t, awsSrv.URL)
	b, srv := newBackend(t)
	cfg := newConfig("s")
	cfg.RefreshInterval = 20 * time.Millisecond
	_, client := startExtension(t, cfg)

	aws.setSecret("s", `{"X-Api-Key":"new"}`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := get(t, client, srv.URL); err != nil {
			t.Fatal(err)
		}
		if b.last().Get("X-Api-Key") == "new" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rotated value never used; last headers %v", b.last())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFallbackHeadersWhenSecretCannotBeRead(t *testing.T) {
	_, awsSrv := newFakeAWS(t, map[string]string{})
	isolateAWS(t, awsSrv.URL)
	b, srv := newBackend(t)
	cfg := newConfig("missing")
	cfg.FallbackHeaders = map[string]configopaque.String{"User-Agent": "otel-collector"}
	_, client := startExtension(t, cfg)

	if err := get(t, client, srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := b.last().Get("User-Agent"); got != "otel-collector" {
		t.Fatalf("User-Agent = %q, want the fallback", got)
	}
}

func TestNoHeadersFailsTheRequestWithTheReason(t *testing.T) {
	_, awsSrv := newFakeAWS(t, map[string]string{})
	isolateAWS(t, awsSrv.URL)
	b, srv := newBackend(t)
	_, client := startExtension(t, newConfig("missing"))

	err := get(t, client, srv.URL)
	if err == nil || !strings.Contains(err.Error(), `secret "missing"`) ||
		!strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("err = %v, want the secret name and the AWS error", err)
	}
	if b.last() != nil {
		t.Fatal("an unauthenticated request reached the backend")
	}
}

func TestFailedRefreshKeepsPreviousHeaders(t *testing.T) {
	aws, awsSrv := newFakeAWS(t, map[string]string{"s": `{"X-Api-Key":"good"}`})
	isolateAWS(t, awsSrv.URL)
	b, srv := newBackend(t)
	cfg := newConfig("s")
	cfg.FallbackHeaders = map[string]configopaque.String{"X-Api-Key": "fallback"}
	a, client := startExtension(t, cfg)

	aws.deleteSecret("s")
	if err := a.refresh(context.Background()); err == nil {
		t.Fatal("refresh of a deleted secret succeeded")
	}
	aws.setSecret("s", `not json`)
	if err := a.refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Fatalf("refresh of a malformed secret = %v", err)
	}
	if err := get(t, client, srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := b.last().Get("X-Api-Key"); got != "good" {
		t.Fatalf("X-Api-Key = %q, want the last good value", got)
	}
}

func TestAssumeRoleSignsWithAssumedCredentials(t *testing.T) {
	aws, awsSrv := newFakeAWS(t, map[string]string{"s": `{"X-Api-Key":"k"}`})
	isolateAWS(t, awsSrv.URL)
	_, srv := newBackend(t)
	cfg := newConfig("s")
	cfg.AssumeRole = AssumeRoleConfig{ARN: "arn:aws:iam::123456789012:role/reader", STSRegion: "us-east-2"}
	_, client := startExtension(t, cfg)

	if err := get(t, client, srv.URL); err != nil {
		t.Fatal(err)
	}
	aws.mu.Lock()
	defer aws.mu.Unlock()
	if len(aws.stsRoles) != 1 || aws.stsRoles[0] != cfg.AssumeRole.ARN {
		t.Fatalf("AssumeRole calls for %q", aws.stsRoles)
	}
	if !strings.Contains(aws.stsAuth[0], "Credential=AKIAFAKECALLER/") || !strings.Contains(aws.stsAuth[0], "/us-east-2/sts/") {
		t.Fatalf("AssumeRole signed as %q", aws.stsAuth[0])
	}
	if len(aws.smAuth) != 1 || !strings.Contains(aws.smAuth[0], "Credential=ASIAFAKEASSUMED/") ||
		!strings.Contains(aws.smAuth[0], "/eu-west-1/secretsmanager/") {
		t.Fatalf("GetSecretValue signed as %q", aws.smAuth)
	}
}

func TestShutdownStopsRefreshing(t *testing.T) {
	aws, awsSrv := newFakeAWS(t, map[string]string{"s": `{"X-Api-Key":"k"}`})
	isolateAWS(t, awsSrv.URL)
	cfg := newConfig("s")
	cfg.RefreshInterval = 5 * time.Millisecond
	a, _ := startExtension(t, cfg)

	deadline := time.Now().Add(5 * time.Second)
	for len(aws.secretCalls()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d reads in 5s with a 5ms refresh interval", len(aws.secretCalls()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := len(aws.secretCalls())
	time.Sleep(50 * time.Millisecond)
	if m := len(aws.secretCalls()); m != n {
		t.Fatalf("%d reads after Shutdown", m-n)
	}
}

func TestShutdownWithoutStart(t *testing.T) {
	f := NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), newConfig("s"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown without Start = %v", err)
	}
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "asmauthextension" {
		t.Errorf("type = %q, want asmauthextension (dev7a's id)", f.Type())
	}
	cfg := f.CreateDefaultConfig().(*Config)
	if cfg.RefreshInterval != time.Minute {
		t.Errorf("default refresh_interval = %s", cfg.RefreshInterval)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "secret_name") {
		t.Errorf("default config must require secret_name, Validate() = %v", err)
	}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), newConfig("s"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ext.(extensionauth.GRPCClient); ok {
		t.Error("the extension must not claim to be a gRPC authenticator")
	}
}
