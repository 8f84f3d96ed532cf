// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

// Package spaneventtologconnector is a traces→logs connector that turns span
// events into log records. Its configuration is compatible with
// github.com/dev7a/otelcol-con-spaneventtolog v0.6.x, whose module is not
// available from the Go module proxy we build with.
package spaneventtologconnector // import "github.com/ocelot-otel/ocelot/components/spaneventtologconnector"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/ocelot-otel/ocelot/components/spaneventtologconnector/internal/metadata"
)

// NewFactory returns the factory of the spaneventtolog connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(metadata.Type, createDefaultConfig,
		connector.WithTracesToLogs(createTracesToLogs, metadata.TracesToLogsStability))
}

// createDefaultConfig matches dev7a's defaults: span context on, event and
// resource attributes copied, and exception events logged as errors.
func createDefaultConfig() component.Config {
	return &Config{
		IncludeSpanContext:  true,
		LogAttributesFrom:   []string{sourceEvent, sourceResource},
		SeverityByEventName: map[string]string{"exception": "error"},
	}
}

func createTracesToLogs(_ context.Context, _ connector.Settings, cfg component.Config, next consumer.Logs) (connector.Traces, error) {
	return newSpanEventToLog(cfg.(*Config), next), nil
}
