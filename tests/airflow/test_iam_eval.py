"""Unit tests of the IAM evaluator (iam_eval.py) that judges the permission proof."""
from __future__ import annotations

import pytest

from iam_eval import (
    PolicyError,
    Request,
    arn_match,
    evaluate,
    glob_match,
    granted_actions,
    without_action,
)

BUCKET = "arn:aws:s3:::b"


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def allowed(policy: dict, action: str, resource: str = BUCKET, **context) -> bool:
    return evaluate({"p": policy}, Request(action, resource, context)).allowed


# ----- decision ---------------------------------------------------------------------------------------------


def test_implicit_deny_when_nothing_matches() -> None:
    d = evaluate({"p": doc(allow("s3:GetObject", f"{BUCKET}/*"))}, Request("s3:PutObject", f"{BUCKET}/k"))
    assert (d.allowed, d.reason, d.statements) == (False, "implicit-deny", ())


def test_explicit_deny_wins_over_any_allow_across_policies() -> None:
    policies = {
        "identity": doc(allow("s3:*", f"{BUCKET}/*", Sid="All")),
        "boundary": doc({"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
    }
    d = evaluate(policies, Request("s3:DeleteObject", f"{BUCKET}/k"))
    assert (d.allowed, d.reason, d.statements) == (False, "explicit-deny", (("boundary", "NoDelete"),))
    assert evaluate(policies, Request("s3:GetObject", f"{BUCKET}/k")).statements == (("identity", "All"),)


# ----- actions and resources --------------------------------------------------------------------------------


def test_action_wildcards_are_case_insensitive_and_service_scoped() -> None:
    p = doc(allow("s3:Get*"))
    assert allowed(p, "s3:GetObject")
    assert allowed(p, "S3:getobject")
    assert not allowed(p, "s3:PutObject")
    assert not allowed(p, "s3x:GetObject")
    assert allowed(doc(allow("s3:?etObject")), "s3:GetObject")
    assert allowed(doc(allow("*")), "kms:Decrypt")


def test_not_action_allows_everything_else() -> None:
    p = doc({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"})
    assert allowed(p, "s3:GetObject")
    assert not allowed(p, "s3:DeleteObject")


def test_resource_globs_cross_slashes_but_not_arn_segments() -> None:
    assert arn_match("arn:aws:s3:::b/x/*", "arn:aws:s3:::b/x/a/b.json")
    assert not arn_match("arn:aws:s3:::b/x/*", "arn:aws:s3:::b/xy")
    assert not arn_match("arn:aws:s3:::b/x/*", "arn:aws:s3:::b/x")
    assert not arn_match("arn:aws:s3:::b/x/*", "arn:aws:s3:::b")
    assert arn_match("arn:aws:secretsmanager:eu-west-1:1:secret:p/*", "arn:aws:secretsmanager:eu-west-1:1:secret:p/c-AbCdEf")
    # a wildcard in one segment never matches into the next one
    assert not arn_match("arn:aws:secretsmanager:*:secret:p/*", "arn:aws:secretsmanager:eu-west-1:1:secret:p/c")
    assert arn_match("arn:aws:secretsmanager:*:*:secret:p/*", "arn:aws:secretsmanager:eu-west-1:1:secret:p/c")
    assert arn_match("arn:aws:kms:eu-west-1:1:key/?bc", "arn:aws:kms:eu-west-1:1:key/abc")
    assert not arn_match("arn:aws:kms:eu-west-1:1:key/?bc", "arn:aws:kms:eu-west-1:1:key/bc")
    assert arn_match("*", "arn:aws:iam::1:role/x")
    assert not arn_match("arn:aws:s3:::b", "not-an-arn")


def test_bucket_and_object_arns_are_distinct_resources() -> None:
    p = doc(allow("s3:*", f"{BUCKET}/*"))
    assert allowed(p, "s3:GetObject", f"{BUCKET}/k")
    assert not allowed(p, "s3:ListBucket", BUCKET)


def test_not_resource() -> None:
    p = doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": f"{BUCKET}/private/*"})
    assert allowed(p, "s3:GetObject", f"{BUCKET}/public/k")
    assert not allowed(p, "s3:GetObject", f"{BUCKET}/private/k")


def test_glob_question_mark_and_star() -> None:
    assert glob_match("x?z*", "xyz")
    assert glob_match("x?z*", "xyzzz/q")
    assert not glob_match("x?z", "xz")
    assert glob_match("a.b", "a.b") and not glob_match("a.b", "axb")


# ----- conditions -------------------------------------------------------------------------------------------


PREFIXED = doc(allow("s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["xcom", "xcom/*"]}}))


def test_string_like_matches_patterns_and_a_missing_key_fails() -> None:
    assert allowed(PREFIXED, "s3:ListBucket", **{"s3:prefix": "xcom/dag/run"})
    assert allowed(PREFIXED, "s3:ListBucket", **{"s3:prefix": "xcom"})
    assert not allowed(PREFIXED, "s3:ListBucket", **{"s3:prefix": "other/"})
    # HeadBucket carries no s3:prefix: a prefix-conditioned ListBucket does not allow it
    assert not allowed(PREFIXED, "s3:ListBucket")


def test_condition_key_names_are_case_insensitive_values_are_not() -> None:
    assert allowed(PREFIXED, "s3:ListBucket", **{"S3:Prefix": "xcom/a"})
    assert not allowed(PREFIXED, "s3:ListBucket", **{"s3:prefix": "XCOM/a"})


def test_string_equals_values_are_ored_keys_and_operators_anded() -> None:
    p = doc(
        allow(
            "sts:AssumeRole",
            Condition={
                "StringEquals": {"k1": ["a", "b"], "k2": "c"},
                "StringLike": {"k3": "d*"},
            },
        )
    )
    assert allowed(p, "sts:AssumeRole", k1="b", k2="c", k3="dx")
    assert not allowed(p, "sts:AssumeRole", k1="z", k2="c", k3="dx")
    assert not allowed(p, "sts:AssumeRole", k1="a", k2="x", k3="dx")
    assert not allowed(p, "sts:AssumeRole", k1="a", k2="c", k3="x")
    assert not allowed(p, "sts:AssumeRole", k1="a", k2="c")


def test_negated_operators_are_true_on_a_missing_key() -> None:
    p = doc(allow("s3:GetObject", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))
    assert allowed(p, "s3:GetObject")
    assert allowed(p, "s3:GetObject", **{"aws:SourceVpce": "vpce-2"})
    assert not allowed(p, "s3:GetObject", **{"aws:SourceVpce": "vpce-1"})
    q = doc(allow("s3:GetObject", Condition={"StringNotLike": {"k": "a*"}}))
    assert allowed(q, "s3:GetObject") and not allowed(q, "s3:GetObject", k="ab")


def test_if_exists_passes_a_missing_key_and_judges_a_present_one() -> None:
    p = doc(allow("s3:ListBucket", BUCKET, Condition={"StringLikeIfExists": {"s3:prefix": "xcom/*"}}))
    assert allowed(p, "s3:ListBucket")
    assert allowed(p, "s3:ListBucket", **{"s3:prefix": "xcom/a"})
    assert not allowed(p, "s3:ListBucket", **{"s3:prefix": "other"})


def test_arn_like_and_arn_equals_match_per_segment() -> None:
    p = doc(allow("sts:AssumeRole", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:eks:*:1:cluster/prod-*"}}))
    assert allowed(p, "sts:AssumeRole", **{"aws:SourceArn": "arn:aws:eks:eu-west-1:1:cluster/prod-a"})
    assert not allowed(p, "sts:AssumeRole", **{"aws:SourceArn": "arn:aws:eks:eu-west-1:2:cluster/prod-a"})
    assert not allowed(p, "sts:AssumeRole")
    q = doc(allow("sts:AssumeRole", Condition={"ArnNotEquals": {"aws:SourceArn": "arn:aws:eks:eu-west-1:1:cluster/c"}}))
    assert allowed(q, "sts:AssumeRole") and not allowed(q, "sts:AssumeRole", **{"aws:SourceArn": "arn:aws:eks:eu-west-1:1:cluster/c"})


def test_for_any_value_and_for_all_values() -> None:
    any_ = doc(allow("s3:PutObject", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}))
    assert allowed(any_, "s3:PutObject", **{"aws:TagKeys": ("x", "env")})
    assert not allowed(any_, "s3:PutObject", **{"aws:TagKeys": ("x", "y")})
    assert not allowed(any_, "s3:PutObject")  # missing (or empty) set: ForAnyValue is false
    assert not allowed(any_, "s3:PutObject", **{"aws:TagKeys": ()})
    all_ = doc(allow("s3:PutObject", Condition={"ForAllValues:StringLike": {"aws:TagKeys": ["team", "env*"]}}))
    assert allowed(all_, "s3:PutObject", **{"aws:TagKeys": ("team", "env-x")})
    assert not allowed(all_, "s3:PutObject", **{"aws:TagKeys": ("team", "owner")})
    assert allowed(all_, "s3:PutObject")  # missing set: ForAllValues is (famously) true
    neg = doc(allow("s3:PutObject", Condition={"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}))
    assert allowed(neg, "s3:PutObject", **{"aws:TagKeys": ("team", "x")})
    assert not allowed(neg, "s3:PutObject", **{"aws:TagKeys": ("team",)})


def test_null_tests_presence() -> None:
    absent = doc(allow("s3:ListBucket", BUCKET, Condition={"Null": {"s3:prefix": "true"}}))
    present = doc(allow("s3:ListBucket", BUCKET, Condition={"Null": {"s3:prefix": "false"}}))
    assert allowed(absent, "s3:ListBucket") and not allowed(absent, "s3:ListBucket", **{"s3:prefix": "x"})
    assert allowed(present, "s3:ListBucket", **{"s3:prefix": "x"}) and not allowed(present, "s3:ListBucket")


def test_bool_condition() -> None:
    deny_plain = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    trust_like = doc(deny_plain, {"Effect": "Allow", "Principal": "*", "Action": "s3:*"})
    who = {"AWS": "arn:aws:iam::1:role/agent"}
    assert evaluate({"b": trust_like}, Request("s3:GetObject", f"{BUCKET}/k", {"aws:SecureTransport": "true"}, who)).allowed
    assert not evaluate(
        {"b": trust_like}, Request("s3:GetObject", f"{BUCKET}/k", {"aws:SecureTransport": "false"}, who)
    ).allowed
    # a resource policy's Resource still scopes it: another bucket is not denied by this one's policy
    assert evaluate(
        {"b": trust_like}, Request("s3:GetObject", "arn:aws:s3:::other/k", {"aws:SecureTransport": "false"}, who)
    ).allowed
    assert evaluate(
        {"b": doc(allow("s3:GetObject", Condition={"Bool": {"k": True}}))}, Request("s3:GetObject", "x", {"k": "true"})
    ).allowed


# ----- principals (trust policies) --------------------------------------------------------------------------


def test_principals_must_match_by_type_and_value() -> None:
    trust = doc({"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert evaluate({"t": trust}, Request("sts:AssumeRole", "r", {}, {"Service": "pods.eks.amazonaws.com"})).allowed
    assert not evaluate({"t": trust}, Request("sts:AssumeRole", "r", {}, {"Service": "ec2.amazonaws.com"})).allowed
    assert not evaluate({"t": trust}, Request("sts:AssumeRole", "r", {}, {"AWS": "pods.eks.amazonaws.com"})).allowed
    with pytest.raises(PolicyError, match="names none"):
        evaluate({"t": trust}, Request("sts:AssumeRole", "r"))


# ----- refusing what is not implemented ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement,match",
    [
        (allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), "policy variables"),
        (allow("s3:GetObject", Condition={"NumericLessThan": {"s3:max-keys": "10"}}), "unsupported condition operator"),
        (allow("s3:GetObject", Condition={"ForSomeValues:StringEquals": {"k": "v"}}), "unsupported set operator"),
        (allow("s3:GetObject", Condition={"StringEquals": {"k": "${aws:PrincipalTag/team}"}}), "policy variables"),
        ({**allow("s3:GetObject"), "NotPrincipal": {"AWS": "x"}}, "unsupported statement elements"),
        ({"Effect": "Allow", "Action": "s3:GetObject"}, "Resource"),
        ({**allow("s3:GetObject"), "NotResource": "x"}, "not both"),
        ({"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}, "Effect"),
        (allow("GetObject"), "service:Name"),
    ],
)
def test_unsupported_documents_raise_instead_of_guessing(statement: dict, match: str) -> None:
    with pytest.raises(PolicyError, match=match):
        evaluate({"p": doc(statement)}, Request("s3:GetObject", f"{BUCKET}/k", {"k": "v", "s3:max-keys": "5"}))


def test_multi_valued_key_needs_a_set_operator() -> None:
    with pytest.raises(PolicyError, match="ForAnyValue/ForAllValues"):
        allowed(doc(allow("s3:PutObject", Condition={"StringEquals": {"aws:TagKeys": "a"}})), "s3:PutObject", **{"aws:TagKeys": ("a", "b")})


def test_version_is_required() -> None:
    with pytest.raises(PolicyError, match="Version"):
        evaluate({"p": {"Statement": [allow("s3:GetObject")]}}, Request("s3:GetObject", "x"))


# ----- helpers used by the drop test ------------------------------------------------------------------------


def test_without_action_removes_one_action_and_empty_statements() -> None:
    p = doc(
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
    )
    assert granted_actions(p) == [(0, "A", "s3:GetObject"), (0, "A", "s3:PutObject"), (1, "B", "kms:Decrypt")]
    assert without_action(p, 0, "s3:PutObject")["Statement"][0]["Action"] == "s3:GetObject"
    assert [s["Sid"] for s in without_action(p, 1, "kms:Decrypt")["Statement"]] == ["A"]
    assert p["Statement"][0]["Action"] == ["s3:GetObject", "s3:PutObject"], "the original is not modified"
    with pytest.raises(ValueError):
        without_action(p, 1, "s3:GetObject")
