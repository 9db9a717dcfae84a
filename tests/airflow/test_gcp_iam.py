"""The GCP IAM evaluator: grants, roles, resources and the CEL subset, and what it refuses to guess."""
from __future__ import annotations

import pytest

from gcp_iam import ConditionError, Request, condition_holds, evaluate, misplaced_custom_roles, without_permission

BUCKET = "projects/_/buckets/b"
M = "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p.svc.id.goog/subject/ns/n/sa/w"
GRANTS = [
    {
        "resource": {"kind": "bucket", "name": "b"},
        "role": "projects/p/roles/x",
        "members": [M],
        "condition": {"title": "t", "expression": f'resource.name == "{BUCKET}" || resource.name.startsWith("{BUCKET}/objects/xcom/")'},
    },
    {
        "resource": {"kind": "project", "name": "p"},
        "role": "roles/secretmanager.secretAccessor",
        "members": [M],
        "condition": {"title": "s", "expression": 'resource.name.startsWith("projects/7/secrets/conn-")'},
    },
]
ROLES = {"projects/p/roles/x": frozenset({"storage.objects.get", "storage.objects.list", "storage.buckets.get"})}
NUMBERS = {"p": "7"}


def allowed(member: str, perm: str, resource: str, grants=GRANTS, roles=ROLES, **attrs: str) -> bool:
    return evaluate(grants, Request(member, perm, resource, "", attrs), roles, NUMBERS).allowed


def test_member_permission_resource_and_condition_must_all_match() -> None:
    assert allowed(M, "storage.objects.get", f"{BUCKET}/objects/xcom/a")
    assert allowed(M, "storage.objects.list", BUCKET)
    assert not allowed(M, "storage.objects.get", f"{BUCKET}/objects/other/a"), "condition"
    assert not allowed(M, "storage.objects.delete", f"{BUCKET}/objects/xcom/a"), "permission not in the role"
    assert not allowed(M.replace("/sa/w", "/sa/default"), "storage.objects.get", f"{BUCKET}/objects/xcom/a"), "member"
    assert not allowed(M, "storage.objects.get", "projects/_/buckets/bb/objects/xcom/a"), "another bucket"


def test_project_grants_match_by_id_or_number() -> None:
    assert allowed(M, "secretmanager.versions.access", "projects/7/secrets/conn-x/versions/latest")
    assert not allowed(M, "secretmanager.versions.access", "projects/7/secrets/var-x/versions/latest")
    assert not allowed(M, "secretmanager.versions.access", "projects/8/secrets/conn-x/versions/latest")


def test_cel_subset() -> None:
    r = Request(M, "x", "projects/_/buckets/b/objects/k", "storage.googleapis.com/Object", {"a/b": "xcom/1"})
    assert condition_holds('!(resource.name == "x") && resource.type == "storage.googleapis.com/Object"', r)
    assert condition_holds('api.getAttribute("a/b", "").startsWith("xcom/")', r)
    assert not condition_holds('api.getAttribute("missing", "").startsWith("xcom/")', r)
    assert condition_holds('resource.name.endsWith("/k") || resource.name == "nope"', r)
    for bad in ('request.time < timestamp("2030-01-01T00:00:00Z")', 'resource.name.matches("x")', "resource.service == 'x'"):
        with pytest.raises(ConditionError):
            condition_holds(bad, r)


def test_unknown_roles_raise_and_permissions_can_be_dropped() -> None:
    with pytest.raises(KeyError):
        allowed(M, "x", BUCKET, grants=[{**GRANTS[0], "role": "roles/unknown"}])
    reduced = without_permission(GRANTS, ROLES, "projects/p/roles/x", "storage.objects.list")
    assert not allowed(M, "storage.objects.list", BUCKET, roles=reduced)
    assert allowed(M, "storage.objects.get", f"{BUCKET}/objects/xcom/a", roles=reduced)
    with pytest.raises(AssertionError):
        without_permission(GRANTS, ROLES, "projects/p/roles/x", "storage.objects.delete")


def test_a_custom_role_binds_only_in_its_own_project() -> None:
    assert misplaced_custom_roles(GRANTS, {"b": "p"}) == []
    assert misplaced_custom_roles(GRANTS, {"b": "storage"}) == ["projects/p/roles/x bound on bucket b (project storage)"]
    assert misplaced_custom_roles(GRANTS, {}) == ["projects/p/roles/x bound on bucket b (project unknown)"]
    on_project = [{**GRANTS[0], "resource": {"kind": "project", "name": "q"}}]
    assert misplaced_custom_roles(on_project, {}) == ["projects/p/roles/x bound on project q (project q)"]
