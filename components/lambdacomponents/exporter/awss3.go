//go:build lambdacomponents.custom && (lambdacomponents.all || lambdacomponents.exporter.all || lambdacomponents.exporter.awss3)

// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package exporter

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/awss3exporter"
	"go.opentelemetry.io/collector/exporter"
)

// init adds the AWS S3 exporter (YAML id awss3).
func init() {
	Factories = append(Factories, func(extensionId string) exporter.Factory {
		return awss3exporter.NewFactory()
	})
}
