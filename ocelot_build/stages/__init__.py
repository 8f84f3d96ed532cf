"""The build stages: one module per step of `engine.run`'s sequence.

resolve (`config` with its rules in `config_rules`, `registry`, `upstream`, `catalogue`,
`resolve`) → plan (`plan`) → build the cache misses (`builder`: `overlay`, `gobuild`,
`buildinfo`, `collector_config`, `package`, `sbom`) → write (`outputs`) → check (`checks`:
budgets and the boot check). Each stage is a function from typed input to typed output; only
`ocelot_build.engine` sequences them.

May import: `core`, `store`, `verify`.
"""
