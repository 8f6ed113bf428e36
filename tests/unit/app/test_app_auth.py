"""Roles, the access policy and demo tokens."""

from __future__ import annotations

import pytest

from app.auth import (
    REFUSALS,
    AccessPolicy,
    Identity,
    Role,
    demo_account,
    issue_token,
    load_policy,
    read_token,
)
from contract.errors import PathwaysError


def test_roles_parse_and_print():
    assert Role.parse("london") == Role("london")
    assert Role.parse("borough:E09000007") == Role("borough", "E09000007")
    assert str(Role("borough", "E09000033")) == "borough:E09000033"
    assert Role.parse("borough:E09000007").label == "Borough lead — Camden"
    for bad in ("borough:E09000099", "borough:", "superuser", "borough:E12000007"):
        with pytest.raises(PathwaysError):
            Role.parse(bad)


ISSUER = "https://login.example.gov.uk"
POLICY = f"""
issuer = "{ISSUER}"

[[people]]
subject = "ana-0001"
email = "ana.lopez@camden.gov.uk"
organisation = "Camden Council"
role = "borough:E09000007"

[[people]]
email = "Ian.Gold@london.gov.uk"
organisation = "Greater London Authority"
role = "admin"

[[app_roles]]
value = "Pathways.Overview"
organisation = "London Rough Sleeping Taskforce"
role = "overview"

[[groups]]
id = "taskforce-members"
organisation = "London Rough Sleeping Taskforce"
role = "overview"

[[groups]]
id = "gla-analysts"
organisation = "Greater London Authority"
role = "london"
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def claims(**extra):
    return Identity.from_claims({"iss": ISSUER, **extra})


def test_a_person_is_named_by_subject_and_the_email_is_a_label(policy):
    ana = policy.decide(claims(sub="ana-0001", groups=["gla-analysts"]))
    assert ana.role == Role("borough", "E09000007")  # the named person wins over their groups
    assert (ana.user, ana.organisation, ana.via) == (
        "ana.lopez@camden.gov.uk", "Camden Council", "person",
    )  # fmt: skip


def test_a_person_named_only_by_email_matches_only_when_verified(policy):
    verified = claims(sub="s9", email="ian.gold@LONDON.gov.uk", email_verified=True)
    assert policy.role_for(verified) == Role("admin")  # addresses compare without case
    unverified = claims(sub="s9", email="Ian.Gold@london.gov.uk", email_verified=False)
    assert policy.decide(unverified).role is None
    assert "not verified" in policy.decide(unverified).reason
    assert policy.role_for(claims(sub="s9", email="Ian.Gold@london.gov.uk")) is None


SPOOFS = {
    "a named person's email, unverified, another subject": dict(
        sub="mallory", email="ana.lopez@camden.gov.uk", email_verified=False
    ),
    "a named person's email, verified, another subject": dict(
        sub="mallory", email="ana.lopez@camden.gov.uk", email_verified=True
    ),
    "the address as preferred_username, no email": dict(
        sub="mallory", preferred_username="ian.gold@london.gov.uk"
    ),
    "the address in another case, unverified": dict(
        sub="mallory", email="IAN.GOLD@london.gov.uk", email_verified="false"
    ),
    "a subject in another case": dict(sub="ANA-0001"),
}


@pytest.mark.parametrize("spoof", list(SPOOFS))
def test_spoofed_claims_get_no_role(policy, spoof):
    assert policy.role_for(claims(**SPOOFS[spoof])) is None


def test_a_named_persons_verified_address_on_another_subject_is_simply_unknown(policy):
    decision = policy.decide(SPOOFS_AS_CLAIMS["a named person's email, verified, another subject"])
    assert decision.reason == REFUSALS["unknown"] and decision.user == "sub:mallory"


SPOOFS_AS_CLAIMS = {k: claims(**v) for k, v in SPOOFS.items()}


def test_another_issuer_or_missing_claims_get_nothing(policy):
    foreign = Identity.from_claims(
        {"iss": "https://elsewhere.example", "sub": "ana-0001", "email": "ian.gold@london.gov.uk",
         "email_verified": True, "groups": ["gla-analysts"], "roles": ["Pathways.Overview"]}
    )  # fmt: skip
    assert policy.decide(foreign).role is None
    assert "not accept" in policy.decide(foreign).reason
    for missing in ({"sub": "ana-0001"}, {"iss": ISSUER}, {}):
        decision = policy.decide(Identity.from_claims(missing))
        assert decision.role is None and "did not say which account" in decision.reason


def test_entra_people_are_named_by_object_id_within_the_pinned_tenant():
    tenant = "11111111-2222-4333-8444-555555555555"
    policy = AccessPolicy.model_validate(
        {"issuer": f"https://login.microsoftonline.com/{tenant}/v2.0", "tenant": tenant,
         "people": [{"object_id": "oid-1", "organisation": "GLA", "role": "london"}]}
    )  # fmt: skip
    token = {"iss": policy.issuer, "sub": "pairwise-x", "tid": tenant, "oid": "oid-1"}
    assert policy.role_for(Identity.from_claims(token)) == Role("london")
    other_tenant = {**token, "tid": "99999999-2222-4333-8444-555555555555"}
    assert policy.role_for(Identity.from_claims(other_tenant)) is None


def test_app_roles_and_groups_give_roles_in_the_files_order(policy):
    by_app_role = policy.decide(claims(sub="t1", roles=["Pathways.Overview"]))
    assert (by_app_role.role, by_app_role.via) == (Role("overview"), "app role")
    both = claims(sub="s", groups=["gla-analysts", "taskforce-members"])
    assert policy.role_for(both) == Role("overview")  # first group in the file's order
    assert policy.decide(claims(sub="s", email="x@y.org")).reason.startswith(
        "The access policy gives this account no role"
    )


def test_groups_that_overflowed_the_token_are_named_in_the_refusal(policy):
    overflowed = claims(sub="big", hasgroups=True)
    assert "too many groups" in policy.decide(overflowed).reason
    distributed = claims(sub="big", _claim_names={"groups": "src1"})
    assert "too many groups" in policy.decide(distributed).reason


def test_policy_file_errors_are_plain(tmp_path):
    with pytest.raises(PathwaysError, match="no access policy"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"issuer": "https://x", "people": [{"subject": "a", "organisation": "B", '
        '"role": "borough:E09000999"}]}',
        encoding="utf-8",
    )
    with pytest.raises(PathwaysError, match="cannot be read"):
        load_policy(bad)
    for no_issuer in ('{"people": []}', '{"issuer": "https://x", "users": {"a@b.c": "london"}}'):
        bad.write_text(no_issuer, encoding="utf-8")
        with pytest.raises(PathwaysError, match="cannot be read"):
            load_policy(bad)


def test_identity_from_oidc_claims():
    ident = Identity.from_claims(
        {"iss": ISSUER, "sub": "abc", "email": "sam@london.gov.uk", "email_verified": True,
         "name": "Sam", "groups": "g1", "roles": ["R"], "is_logged_in": True}
    )  # fmt: skip
    assert (ident.subject, ident.email, ident.groups, ident.roles) == (
        "abc", "sam@london.gov.uk", ("g1",), ("R",),
    )  # fmt: skip
    assert ident.user_id == "sam@london.gov.uk"
    assert Identity.from_claims({"sub": "x", "email": "sam@london.gov.uk"}).user_id == "sub:x"
    assert Identity.from_claims({"sub": "x", "preferred_username": "a@b.c"}).email is None


def test_demo_tokens_are_signed_by_this_process():
    token = issue_token("camden-lead")
    assert read_token(token) == "camden-lead"
    assert read_token("london-lead|" + token.partition("|")[2]) is None  # swapped account
    assert read_token("london-lead") is None
    assert read_token(None) is None
    assert demo_account("camden-lead").role == Role("borough", "E09000007")


def test_policy_rejects_unknown_keys():
    with pytest.raises(ValueError):
        AccessPolicy.model_validate({"issuer": "https://x", "everyone": "london"})
