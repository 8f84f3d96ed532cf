// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package asmauthextension // import "github.com/ocelot-otel/ocelot/components/asmauthextension"

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.uber.org/zap"
)

// readTimeout bounds one read of the secret, so a hung endpoint cannot stall
// the collector's start or a Lambda invocation.
const readTimeout = 10 * time.Second

var (
	_ extension.Extension      = (*authenticator)(nil)
	_ extensionauth.HTTPClient = (*authenticator)(nil)
)

// authenticator is an HTTP client authenticator: it adds the headers read from
// a Secrets Manager secret to every outgoing request. It offers no gRPC
// credentials, so a gRPC exporter that names it fails at start, loudly.
type authenticator struct {
	cfg      *Config
	logger   *zap.Logger
	fallback map[string]string
	// newReader is replaced in tests that need no AWS client at all.
	newReader func(context.Context, *Config) (secretReader, error)

	read    secretReader
	headers atomic.Pointer[map[string]string] // last headers read successfully
	lastErr atomic.Pointer[error]             // last read error, for RoundTrip errors

	stop context.CancelFunc
	wg   sync.WaitGroup
}

func newAuthenticator(cfg *Config, logger *zap.Logger) *authenticator {
	return &authenticator{cfg: cfg, logger: logger, fallback: cfg.fallback(), newReader: newSecretsManagerReader}
}

// Start builds the AWS client, reads the secret once and starts the refresh
// loop. A failed first read is not fatal: fallback headers (if any) are used
// until a later read succeeds, as dev7a's module documented.
func (a *authenticator) Start(ctx context.Context, _ component.Host) error {
	read, err := a.newReader(ctx, a.cfg)
	if err != nil {
		return err
	}
	a.read = read
	if err := a.refresh(ctx); err != nil {
		a.logger.Warn("Could not read the secret at start; using fallback_headers until it can be read",
			zap.String("secret_name", a.cfg.SecretName), zap.Bool("fallback", a.fallback != nil), zap.Error(err))
	}
	// The start context is for starting only (component.Component's contract),
	// so the background loop gets its own, cancelled by Shutdown.
	loopCtx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	a.wg.Add(1)
	go a.refreshLoop(loopCtx, a.cfg.refreshInterval())
	return nil
}

// Shutdown stops the refresh loop and waits for it; it is safe without Start.
func (a *authenticator) Shutdown(context.Context) error {
	if a.stop != nil {
		a.stop()
	}
	a.wg.Wait()
	return nil
}

func (a *authenticator) refreshLoop(ctx context.Context, every time.Duration) {
	defer a.wg.Done()
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := a.refresh(ctx); err != nil && ctx.Err() == nil {
				a.logger.Warn("Could not refresh the secret; keeping the previous headers",
					zap.String("secret_name", a.cfg.SecretName), zap.Error(err))
			}
		}
	}
}

// refresh reads the secret and, only if it yields headers, publishes them.
func (a *authenticator) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	secret, err := a.read(ctx)
	if err == nil {
		var headers map[string]string
		if headers, err = headersFromSecret(secret, a.cfg.HeaderPrefix, a.cfg.HeaderKey); err == nil {
			a.headers.Store(&headers)
			a.logger.Debug("Read authentication headers from Secrets Manager",
				zap.String("secret_name", a.cfg.SecretName), zap.Int("headers", len(headers)))
			return nil
		}
		err = fmt.Errorf("secret %q: %w", a.cfg.SecretName, err)
	}
	a.lastErr.Store(&err)
	return err
}

// current returns the headers to send: the last successful read, else the
// fallback headers, else nil.
func (a *authenticator) current() map[string]string {
	if h := a.headers.Load(); h != nil {
		return *h
	}
	return a.fallback
}

// RoundTripper implements extensionauth.HTTPClient.
func (a *authenticator) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	return &roundTripper{base: base, auth: a}, nil
}

type roundTripper struct {
	base http.RoundTripper
	auth *authenticator
}

// RoundTrip sends the request with the secret's headers set on a clone (a
// RoundTripper must not modify its request). Without any headers it fails
// with the reason, rather than sending an unauthenticated request.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	headers := rt.auth.current()
	if headers == nil {
		reason := "it has not been read yet"
		if e := rt.auth.lastErr.Load(); e != nil {
			reason = (*e).Error()
		}
		return nil, fmt.Errorf("asmauthextension: no headers to send: %s, and no fallback_headers are configured", reason)
	}
	out := req.Clone(req.Context())
	for name, value := range headers {
		out.Header.Set(name, value)
	}
	return rt.base.RoundTrip(out)
}
