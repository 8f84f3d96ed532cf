// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadata declares the component type and stability. It is written by
// hand in the layout mdatagen generates, because build tooling reads a
// component's YAML id from the MustNewType call in this file.
package metadata // import "github.com/ocelot-otel/ocelot/components/asmauthextension/internal/metadata"

import "go.opentelemetry.io/collector/component"

var (
	// Type is the YAML id of the extension. It keeps the id that
	// github.com/dev7a/otelcol-ext-asmauth v0.5.x registered, so existing
	// collector configs keep working.
	Type = component.MustNewType("asmauthextension")
	// ScopeName is the instrumentation scope of the extension's own telemetry.
	ScopeName = "github.com/ocelot-otel/ocelot/components/asmauthextension"
)

// ExtensionStability is the stability level of the extension.
const ExtensionStability = component.StabilityLevelAlpha
