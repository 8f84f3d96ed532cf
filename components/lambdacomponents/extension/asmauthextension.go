//go:build lambdacomponents.custom && (lambdacomponents.all || lambdacomponents.extension.all || lambdacomponents.extension.asmauthextension)

// Copyright The ocelot Authors
// SPDX-License-Identifier: Apache-2.0

package extension

import (
	"github.com/ocelot-otel/ocelot/components/asmauthextension"
	"go.opentelemetry.io/collector/extension"
)

// init adds ocelot's Secrets Manager header authenticator (YAML id asmauthextension).
func init() {
	Factories = append(Factories, func(extensionId string) extension.Factory {
		return asmauthextension.NewFactory()
	})
}
