"""The cache: what ocelot keeps between runs, and its housekeeping.

Owns the cache root, its entries (upstream mirrors, clean trees, layers, remembered boot
checks), their locks and atomic writes (`cache`), and the `info` / `prune` maintenance behind
`python -m ocelot_build.cache` (`housekeeping`).

May import: `core`.
"""
