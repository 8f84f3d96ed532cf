//go:build lambdacomponents.custom && (lambdacomponents.all || lambdacomponents.connector.all || lambdacomponents.connector.signaltometrics)

// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package connector

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/signaltometricsconnector"
	"go.opentelemetry.io/collector/connector"
)

// init adds the signal-to-metrics connector (YAML id signal_to_metrics, alias signaltometrics).
func init() {
	Factories = append(Factories, func(extensionId string) connector.Factory {
		return signaltometricsconnector.NewFactory()
	})
}
