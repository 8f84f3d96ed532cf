// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

// Package asmauthextension is an HTTP client authenticator that reads request
// headers from an AWS Secrets Manager secret and refreshes them periodically.
// Its configuration is compatible with github.com/dev7a/otelcol-ext-asmauth
// v0.5.x, which no longer builds against current collector releases' tests and
// whose module is not available from the Go module proxy we build with.
package asmauthextension // import "github.com/ocelot-otel/ocelot/components/asmauthextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/ocelot-otel/ocelot/components/asmauthextension/internal/metadata"
)

// NewFactory returns the factory of the asmauthextension extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{RefreshInterval: defaultRefreshInterval}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newAuthenticator(cfg.(*Config), set.Logger), nil
}
