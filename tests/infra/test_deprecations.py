"""No deprecation warnings in the test output that we could silence at the source: the
program uses no deprecated pulumi_aws resource or property (those warn when used, through
Python and Pulumi's log), and the provider's own import-time warnings about resources we
never use are filtered in pyproject.toml, so they no longer fill the output."""

from __future__ import annotations

import subprocess
import sys
import warnings

from pulumi_harness import FakeBuilder, run_program

from ocelot_build.core.files import PROJECT_ROOT

BIG = 60 * 1024 * 1024  # staged through S3: buckets and their settings are declared too


def test_the_program_uses_nothing_deprecated(tmp_path, base_config):
    config = {**base_config, "ocelot:regions": ["eu-west-1", "us-east-1"], "ocelot:public": True}
    config["aws:allowedAccountIds"] = ["123456789012"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_program(config, root=tmp_path, builder=FakeBuilder(sizes={"tracing": BIG}))
    assert run.names("aws:s3/bucket:Bucket")  # the S3 path ran
    used = [  # a deprecated property set; "has been deprecated in favor of" is import-time
        str(w.message)
        for w in caught
        if issubclass(w.category, DeprecationWarning)
        and "has been deprecated in favor of" not in str(w.message)
    ]
    assert used == []
    # a deprecated resource class says so through Pulumi's log when it is instantiated
    assert [line for line in run.logs if "deprecated" in line.lower()] == []


def test_the_program_tests_print_no_deprecation_warnings():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "big_zip",
         "tests/infra/test_program.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert "DeprecationWarning" not in result.stdout
    assert "warnings summary" not in result.stdout
