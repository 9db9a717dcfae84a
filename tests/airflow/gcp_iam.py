"""A small Google Cloud IAM evaluator: enough of IAM's allow-policy semantics to judge the grants the GCP
backend generates, and nothing it cannot judge exactly.

Decision (https://cloud.google.com/iam/docs/overview, allow policies; no deny policies are generated):
a request ``(member, permission, resource name, API attributes)`` is allowed when some grant names the
member, its role contains the permission, the grant's resource contains the requested resource, and its
condition (if any) evaluates to true. Grants are the documents ``scripts/gcp-policy.ts`` prints
(``{resource: {kind, name}, role, members, condition?}``).

* Resource containment: a ``bucket`` grant on ``B`` covers ``projects/_/buckets/B`` and every
  ``projects/_/buckets/B/objects/...``; a ``project`` grant covers resources of that project (Secret
  Manager names carry the project **number**, so the grant's project is matched by id *or* number);
  a ``serviceAccount`` grant covers that account.
* Roles: :data:`ROLES` (predefined roles, with the permissions Google documents for them) and custom roles
  handed in as ``{name: permissions}``. An unknown role raises.
* Conditions: the CEL subset this project writes — ``resource.name.startsWith("…")``,
  ``resource.name == "…"``, ``resource.type == "…"``,
  ``api.getAttribute("<attribute>", "<default>").startsWith("…")``, ``||``, ``&&``, ``!`` and
  parentheses. Anything else raises :class:`ConditionError` instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

#: Predefined roles and their permissions, transcribed from Google's IAM roles reference ("Cloud Storage
#: roles", "Secret Manager roles", "Service Accounts roles"); a role not listed here raises.
ROLES: dict[str, frozenset[str]] = {
    # https://cloud.google.com/storage/docs/access-control/iam-roles (Storage Object User)
    "roles/storage.objectUser": frozenset(
        {
            "orgpolicy.policy.get",
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
            "storage.managedFolders.create",
            "storage.managedFolders.delete",
            "storage.managedFolders.get",
            "storage.managedFolders.list",
            "storage.multipartUploads.abort",
            "storage.multipartUploads.create",
            "storage.multipartUploads.list",
            "storage.multipartUploads.listParts",
            "storage.objects.create",
            "storage.objects.delete",
            "storage.objects.get",
            "storage.objects.list",
            "storage.objects.restore",
            "storage.objects.update",
        }
    ),
    # https://cloud.google.com/secret-manager/docs/access-control (Secret Manager Secret Accessor)
    "roles/secretmanager.secretAccessor": frozenset({"secretmanager.versions.access"}),
    # https://cloud.google.com/iam/docs/service-account-permissions (Workload Identity User)
    "roles/iam.workloadIdentityUser": frozenset(
        {"iam.serviceAccounts.get", "iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.getOpenIdToken",
         "iam.serviceAccounts.list"}
    ),
}


class ConditionError(ValueError):
    """The condition uses CEL this evaluator does not implement (never silently accepted)."""


@dataclass(frozen=True)
class Request:
    """One permission check as IAM performs it."""

    member: str
    permission: str
    #: full resource name, e.g. ``projects/_/buckets/b/objects/xcom/k`` or ``projects/123/secrets/s/versions/1``
    resource: str
    #: ``resource.type`` (``storage.googleapis.com/Object``, ``…/Bucket``, ``secretmanager.googleapis.com/SecretVersion``)
    resource_type: str = ""
    #: API attributes, e.g. ``{"storage.googleapis.com/objectListPrefix": "xcom/"}``
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: indexes of the grants that allowed it
    grants: tuple[int, ...] = ()


# ----- CEL subset ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>\|\||&&|==|!=|!|\(|\)|,|\.)|(?P<name>[A-Za-z_][A-Za-z0-9_]*))'
)


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ConditionError(f"cannot parse condition at {expr[pos:pos + 30]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, expr: str, req: Request) -> None:
        self.toks = _tokens(expr)
        self.i = 0
        self.req = req

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value) or (kind is not None and tok[0] != kind):
            raise ConditionError(f"expected {value or kind}, got {tok}")
        self.i += 1
        return tok[1]

    def parse(self) -> bool:
        v = self.or_()
        if self.peek() is not None:
            raise ConditionError(f"unexpected {self.peek()}")
        return v

    def or_(self) -> bool:
        v = self.and_()
        while self.peek() == ("op", "||"):
            self.take("||")
            v = self.and_() or v  # both sides are parsed whatever the value
        return v

    def and_(self) -> bool:
        v = self.unary()
        while self.peek() == ("op", "&&"):
            self.take("&&")
            v = self.unary() and v
        return v

    def unary(self) -> bool:
        if self.peek() == ("op", "!"):
            self.take("!")
            return not self.unary()
        if self.peek() == ("op", "("):
            self.take("(")
            v = self.or_()
            self.take(")")
            return v
        return self.comparison()

    def string(self) -> str:
        raw = self.take(kind="str")
        import json

        return json.loads(raw)

    def value(self) -> str:
        """``resource.name``, ``resource.type`` or ``api.getAttribute("k", "default")``."""
        head = self.take(kind="name")
        self.take(".")
        if head == "resource":
            attr = self.take(kind="name")
            if attr == "name":
                return self.req.resource
            if attr == "type":
                return self.req.resource_type
            raise ConditionError(f"resource.{attr} is not supported")
        if head == "api":
            self.take("getAttribute")
            self.take("(")
            key = self.string()
            self.take(",")
            default = self.string()
            self.take(")")
            return self.req.attributes.get(key, default)
        raise ConditionError(f"{head}.… is not supported")

    def comparison(self) -> bool:
        left = self.value()
        tok = self.peek()
        if tok == ("op", "."):
            self.take(".")
            fn = self.take(kind="name")
            if fn not in ("startsWith", "endsWith"):
                raise ConditionError(f".{fn}() is not supported")
            self.take("(")
            arg = self.string()
            self.take(")")
            return left.startswith(arg) if fn == "startsWith" else left.endswith(arg)
        if tok in (("op", "=="), ("op", "!=")):
            op = self.take()
            right = self.string()
            return (left == right) if op == "==" else (left != right)
        raise ConditionError(f"expected a comparison after a value, got {tok}")


def condition_holds(expression: str, req: Request) -> bool:
    return _Parser(expression, req).parse()


# ----- grants ---------------------------------------------------------------------------------------------------


def role_permissions(role: str, custom_roles: Mapping[str, Iterable[str]]) -> frozenset[str]:
    if role in custom_roles:
        return frozenset(custom_roles[role])
    if role in ROLES:
        return ROLES[role]
    raise KeyError(f"unknown role {role!r}: add it to ROLES or pass it as a custom role")


def misplaced_custom_roles(grants: list[Mapping[str, Any]], bucket_projects: Mapping[str, str]) -> list[str]:
    """Grants IAM would refuse at ``up``: a custom role (``projects/<p>/roles/<id>``) is project-scoped and
    can only be bound on its own project or a resource of it (a bucket of ``<p>``). ``bucket_projects``
    maps bucket names to their projects; a bucket missing from it cannot be judged and is reported."""
    out = []
    for g in grants:
        role, kind, name = g["role"], g["resource"]["kind"], g["resource"]["name"]
        if not role.startswith("projects/"):
            continue
        owner = role.split("/")[1]
        where = name if kind == "project" else bucket_projects.get(name) if kind == "bucket" else None
        if where != owner:
            out.append(f"{role} bound on {kind} {name} (project {where or 'unknown'})")
    return out


def covers(grant: Mapping[str, Any], req: Request, project_numbers: Mapping[str, str]) -> bool:
    kind, name = grant["resource"]["kind"], grant["resource"]["name"]
    if kind == "bucket":
        base = f"projects/_/buckets/{name}"
        return req.resource == base or req.resource.startswith(base + "/objects/")
    if kind == "project":
        ids = {name, project_numbers.get(name, name)}
        return any(req.resource == f"projects/{p}" or req.resource.startswith(f"projects/{p}/") for p in ids)
    if kind == "serviceAccount":
        return req.resource in (name, f"projects/-/serviceAccounts/{name}")
    raise ValueError(f"unknown grant resource kind {kind!r}")


def evaluate(
    grants: list[Mapping[str, Any]],
    req: Request,
    custom_roles: Mapping[str, Iterable[str]] | None = None,
    project_numbers: Mapping[str, str] | None = None,
) -> Decision:
    custom_roles = custom_roles or {}
    project_numbers = project_numbers or {}
    hits = []
    for i, g in enumerate(grants):
        if req.member not in g["members"]:
            continue
        if req.permission not in role_permissions(g["role"], custom_roles):
            continue
        if not covers(g, req, project_numbers):
            continue
        cond = g.get("condition")
        if cond is not None and not condition_holds(cond["expression"], req):
            continue
        hits.append(i)
    return Decision(bool(hits), tuple(hits))


def without_permission(
    grants: list[Mapping[str, Any]], custom_roles: Mapping[str, Iterable[str]], role: str, permission: str
) -> dict[str, frozenset[str]]:
    """The custom roles with ``permission`` removed from ``role`` (a predefined role is copied as custom)."""
    perms = role_permissions(role, custom_roles)
    assert permission in perms, (role, permission)
    out = {k: frozenset(v) for k, v in custom_roles.items()}
    out[role] = perms - {permission}
    return out
