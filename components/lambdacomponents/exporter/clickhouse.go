//go:build lambdacomponents.custom && (lambdacomponents.all || lambdacomponents.exporter.all || lambdacomponents.exporter.clickhouse)

// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package exporter

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/clickhouseexporter"
	"go.opentelemetry.io/collector/exporter"
)

// init adds the ClickHouse exporter (YAML id clickhouse).
func init() {
	Factories = append(Factories, func(extensionId string) exporter.Factory {
		return clickhouseexporter.NewFactory()
	})
}
