//go:build lambdacomponents.custom && (lambdacomponents.all || lambdacomponents.connector.all || lambdacomponents.connector.spaneventtolog)

// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package connector

import (
	"github.com/ocelot-otel/ocelot/components/spaneventtologconnector"
	"go.opentelemetry.io/collector/connector"
)

// init adds ocelot's span-event-to-log connector (YAML id spaneventtolog).
func init() {
	Factories = append(Factories, func(extensionId string) connector.Factory {
		return spaneventtologconnector.NewFactory()
	})
}
