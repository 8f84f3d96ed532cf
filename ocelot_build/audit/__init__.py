"""Audit tools: what a layer contains and what it costs, for people deciding.

Owns the layer comparison (`diff`: components, modules, versions, cold-start options, sizes,
boot figures; `layer_facts` reads its A and B) and the per-component cost measurement
(`costs`, with `costs_report` writing its page and chart).

May import: `core`, `store`, `stages`, `verify`, and the public `ocelot_build.api`.
"""
