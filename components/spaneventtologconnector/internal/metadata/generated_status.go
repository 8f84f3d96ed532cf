// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadata declares the component type and stability. It is written by
// hand in the layout mdatagen generates, because build tooling reads a
// component's YAML id from the MustNewType call in this file.
package metadata // import "github.com/ocelot-otel/ocelot/components/spaneventtologconnector/internal/metadata"

import "go.opentelemetry.io/collector/component"

var (
	// Type is the YAML id of the connector, the id that
	// github.com/dev7a/otelcol-con-spaneventtolog registered.
	Type = component.MustNewType("spaneventtolog")
	// ScopeName is the instrumentation scope of the connector's own telemetry.
	ScopeName = "github.com/ocelot-otel/ocelot/components/spaneventtologconnector"
)

// TracesToLogsStability is the stability level of the traces→logs connector.
const TracesToLogsStability = component.StabilityLevelAlpha
