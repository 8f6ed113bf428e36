"""Roles, the access policy and demo tokens."""

from __future__ import annotations

import pytest

from app.auth import (
    AccessPolicy,
    Identity,
    Role,
    demo_account,
    issue_token,
    load_policy,
    read_token,
)
from pipelines.errors import PathwaysError


def test_roles_parse_and_print():
    assert Role.parse("london") == Role("london")
    assert Role.parse("borough:E09000007") == Role("borough", "E09000007")
    assert str(Role("borough", "E09000033")) == "borough:E09000033"
    assert Role.parse("borough:E09000007").label == "Borough lead — Camden"
    for bad in ("borough:E09000099", "borough:", "superuser", "borough:E12000007"):
        with pytest.raises(PathwaysError):
            Role.parse(bad)


POLICY = """
[users]
"Ana.Lopez@camden.gov.uk" = "borough:E09000007"
"sub-123" = "admin"

[groups]
"taskforce-members" = "overview"
"gla-analysts" = "london"
"""


def test_policy_maps_users_then_groups(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text(POLICY, encoding="utf-8")
    policy = load_policy(path)
    ana = Identity(subject="x1", email="ana.lopez@CAMDEN.gov.uk", groups=("gla-analysts",))
    assert policy.role_for(ana) == Role("borough", "E09000007")  # a named user wins over groups
    assert policy.role_for(Identity(subject="sub-123")) == Role("admin")
    both = Identity(subject="s", email="b@x.org", groups=("gla-analysts", "taskforce-members"))
    assert policy.role_for(both) == Role("overview")  # first group in the file's order
    assert policy.role_for(Identity(subject="s", email="stranger@x.org")) is None


def test_policy_file_errors_are_plain(tmp_path):
    with pytest.raises(PathwaysError, match="no access policy"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "bad.json"
    bad.write_text('{"users": {"a@b.c": "borough:E09000999"}}', encoding="utf-8")
    with pytest.raises(PathwaysError, match="cannot be read"):
        load_policy(bad)


def test_identity_from_oidc_claims():
    ident = Identity.from_claims(
        {
            "sub": "abc",
            "email": "sam@london.gov.uk",
            "name": "Sam",
            "groups": "g1",
            "is_logged_in": True,
        }
    )
    assert ident == Identity("abc", "sam@london.gov.uk", "Sam", ("g1",))
    assert (
        Identity.from_claims({"sub": "x", "email": "Sam@London.gov.uk"}).email
        == "sam@london.gov.uk"
    )
    assert Identity.from_claims({"sub": "only-sub"}).user_id == "only-sub"


def test_demo_tokens_are_signed_by_this_process():
    token = issue_token("camden-lead")
    assert read_token(token) == "camden-lead"
    assert read_token("london-lead|" + token.partition("|")[2]) is None  # swapped account
    assert read_token("london-lead") is None
    assert read_token(None) is None
    assert demo_account("camden-lead").role == Role("borough", "E09000007")


def test_policy_rejects_unknown_keys():
    with pytest.raises(ValueError):
        AccessPolicy.model_validate({"users": {}, "everyone": "london"})
