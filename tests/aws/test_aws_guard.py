"""The account allow-list against a real moto server (STS GetCallerIdentity over HTTP)."""

from __future__ import annotations

import boto3
import pytest
from motoserver import ACCOUNT

from ocelot_build.core.errors import PublishError, UsageError
from ocelot_build.publish.aws_guard import caller_account, check_account


def test_caller_account_is_read_over_sts(moto):
    assert caller_account(boto3.Session()) == ACCOUNT


def test_allowed_account_passes_and_is_returned(moto):
    assert check_account(["111122223333", ACCOUNT], boto3.Session()) == ACCOUNT


def test_empty_allow_list_allows_any_account(moto):
    assert check_account([], boto3.Session()) == ACCOUNT


def test_other_account_is_refused_with_one_line(moto):
    with pytest.raises(UsageError) as caught:
        check_account(["111122223333"], boto3.Session())
    message = str(caught.value)
    assert "\n" not in message
    assert ACCOUNT in message and "111122223333" in message and "allowedAccountIds" in message


def test_missing_credentials_are_a_usage_error(moto, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(UsageError, match="no AWS credentials"):
        caller_account(boto3.Session())


def test_unreachable_endpoint_is_a_publish_error(moto, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(PublishError, match="GetCallerIdentity failed"):
        caller_account(boto3.Session())
