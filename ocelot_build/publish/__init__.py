"""Publishing: from built layers to AWS, through a Pulumi stack and boto3.

Owns the stack configuration and its rules (`stack_config`, `config_reader`, `naming`), the
CLI's `--stack` bridge (`stack`, over the Automation API in `automation`, gated by
`plan_check`), the sharing rule (`sharing`) and its reconciler (`reconcile`), version pruning
(`prune`) and the account guard (`aws_guard`). The Pulumi program in `infra/` imports these
rules; nothing here imports `infra`, so the two top-level packages depend one way only.

May import: `core`, `stages`, and the public `ocelot_build.api`.
"""
