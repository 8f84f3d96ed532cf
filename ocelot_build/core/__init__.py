"""Shared rules and helpers: what every other part of ocelot stands on.

Owns the error types and their exit codes (`errors`), file and path rules (`files`,
`localpaths`), the one subprocess wrapper (`proc`), progress lines (`progress`), safe YAML
(`yamlio`), the closed vocabularies (`model`: architectures), the layer manifest
(`manifest`), the public request and result types (`types`), the Go toolchain (`toolchain`),
Lambda's runtime and layer-name rules (`runtimes`), budgets (`budgets`) and the `//go:build`
reader (`gobuildexpr`).

May import: nothing else in ocelot_build. Everything may import it.
"""
