"""A small IAM policy evaluator: enough of AWS's documented evaluation logic to judge identity and trust
policies of the kind this project generates, and nothing it cannot judge exactly.

Decision (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit ``Deny`` in any matching statement wins; otherwise any matching ``Allow`` allows; otherwise
the request is implicitly denied. A statement matches when its Principal (trust policies only), Action
and Resource match and every condition holds.

Supported, with AWS semantics:

* ``Action``/``NotAction``: ``service:Name``, case-insensitive, ``*`` and ``?`` wildcards.
* ``Resource``/``NotResource``: ``*``, or an ARN matched segment by segment (the six colon-separated parts;
  ``*``/``?`` never cross a ``:`` between segments, but do cross ``/`` inside the resource part).
* ``Principal``: ``"*"`` or ``{"AWS"|"Service"|"Federated": value or list}``.
* Condition operators ``StringEquals``, ``StringNotEquals``, ``StringEqualsIgnoreCase``,
  ``StringNotEqualsIgnoreCase``, ``StringLike``, ``StringNotLike``, ``ArnEquals``, ``ArnLike``,
  ``ArnNotEquals``, ``ArnNotLike``, ``Bool``, ``Null``; the ``...IfExists`` suffix; the
  ``ForAnyValue:`` / ``ForAllValues:`` set prefixes. Condition key names are case-insensitive.
* Missing keys: a positive operator is false; a negated one (``...Not...``) is true; ``...IfExists`` is
  true; ``ForAnyValue`` is false and ``ForAllValues`` true on a missing or empty key; ``Null`` tests presence.
  Several values for one key are ORed, several keys in one operator and several operators are ANDed.

Anything else (policy variables such as ``${aws:username}``, numeric/date/IP operators, unknown statement
elements, a multi-valued context key under a single-valued operator) raises :class:`PolicyError` instead
of guessing, so a test can never pass on an unsupported document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

ContextValue = str | tuple[str, ...]

_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal"}
_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Bool",
    "Null",
}


class PolicyError(ValueError):
    """The document uses something this evaluator does not implement (never silently ignored)."""


@dataclass(frozen=True)
class Request:
    """One authorization request as IAM sees it."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    #: For trust (resource) policies: who asks, e.g. ``{"Service": "pods.eks.amazonaws.com"}``.
    principal: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: ``explicit-deny``, ``allow`` or ``implicit-deny``
    reason: str
    #: ``(policy name, Sid or statement index)`` of the statements that decided
    statements: tuple[tuple[str, str], ...] = ()


def _glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    if "${" in pattern:
        raise PolicyError(f"policy variables are not supported: {pattern!r}")
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` = any run of characters (including none), ``?`` = one character, across the whole string."""
    return _glob(pattern, ignore_case=ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, arn: str) -> bool:
    """ARN matching as in Resource elements and Arn* conditions: six segments, each globbed on its own."""
    if "${" in pattern:
        raise PolicyError(f"policy variables are not supported: {pattern!r}")
    if pattern == "*":
        return True
    p = pattern.split(":", 5)
    a = arn.split(":", 5)
    if len(p) != 6 or len(a) != 6:
        return False
    return all(glob_match(ps, as_) for ps, as_ in zip(p, a))


def action_match(pattern: str, action: str) -> bool:
    if pattern == "*":
        return True
    if ":" not in pattern:
        raise PolicyError(f"action must be service:Name, got {pattern!r}")
    return glob_match(pattern, action, ignore_case=True)


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list) else [v]


def _lookup(context: Mapping[str, ContextValue], key: str) -> ContextValue | None:
    lowered = key.lower()
    for k, v in context.items():
        if k.lower() == lowered:
            return v
    return None


def _value_matches(op: str, value: str, policy_values: list[str]) -> bool:
    """Single context value against the operator's policy values (ORed). Negation is applied by the caller."""
    base = op.replace("Not", "", 1) if op in _NEGATED else op
    if base == "StringEquals":
        return any(value == pv for pv in policy_values)
    if base == "StringEqualsIgnoreCase":
        return any(value.lower() == pv.lower() for pv in policy_values)
    if base == "StringLike":
        return any(glob_match(pv, value) for pv in policy_values)
    if base in ("ArnEquals", "ArnLike"):
        return any(arn_match(pv, value) for pv in policy_values)
    if base == "Bool":
        return any(value.lower() == pv.lower() for pv in policy_values)
    raise PolicyError(f"unsupported condition operator {op!r}")


def _condition_holds(full_op: str, key: str, raw_values: Any, context: Mapping[str, ContextValue]) -> bool:
    set_op = None
    op = full_op
    if ":" in op:
        set_op, op = op.split(":", 1)
        if set_op not in ("ForAnyValue", "ForAllValues"):
            raise PolicyError(f"unsupported set operator {set_op!r}")
    if_exists = op.endswith("IfExists")
    if if_exists:
        op = op[: -len("IfExists")]
    if op not in _OPERATORS:
        raise PolicyError(f"unsupported condition operator {full_op!r}")
    policy_values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(raw_values)]
    for pv in policy_values:
        if "${" in pv:
            raise PolicyError(f"policy variables are not supported: {pv!r}")
    present = _lookup(context, key)

    if op == "Null":
        if set_op is not None or if_exists:
            raise PolicyError(f"{full_op} is not meaningful")
        want_absent = [pv.lower() == "true" for pv in policy_values]
        absent = present is None or present == ()
        return any(absent == w for w in want_absent)

    negated = op in _NEGATED
    if set_op is not None:
        values = () if present is None else (present if isinstance(present, tuple) else (present,))
        if not values:
            return set_op == "ForAllValues"
        results = [_value_matches(op, v, policy_values) != negated for v in values]
        return any(results) if set_op == "ForAnyValue" else all(results)

    if present is None:
        return True if if_exists else negated
    if isinstance(present, tuple):
        if len(present) != 1:
            raise PolicyError(f"multi-valued key {key!r} needs ForAnyValue/ForAllValues with {full_op}")
        present = present[0]
    return _value_matches(op, present, policy_values) != negated


def _principal_matches(principal: Any, who: Mapping[str, str] | None) -> bool:
    if who is None:
        raise PolicyError("statement has a Principal but the request names none (evaluate trust policies with one)")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        raise PolicyError(f"unsupported Principal {principal!r}")
    for kind, values in principal.items():
        if kind not in ("AWS", "Service", "Federated"):
            raise PolicyError(f"unsupported principal type {kind!r}")
        if kind in who and any(v == "*" or v == who[kind] for v in _as_list(values)):
            return True
    return False


def statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    unknown = set(statement) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"unsupported statement elements {sorted(unknown)}")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny: {statement.get('Effect')!r}")
    if "Principal" in statement and not _principal_matches(statement["Principal"], request.principal):
        return False
    if ("Action" in statement) == ("NotAction" in statement):
        raise PolicyError("a statement needs exactly one of Action and NotAction")
    if "Action" in statement:
        if not any(action_match(a, request.action) for a in _as_list(statement["Action"])):
            return False
    elif any(action_match(a, request.action) for a in _as_list(statement["NotAction"])):
        return False
    # identity policies need a Resource; trust policies have none; resource policies (bucket policies) may
    if "Resource" in statement and "NotResource" in statement:
        raise PolicyError("a statement takes Resource or NotResource, not both")
    if "Principal" not in statement and "Resource" not in statement and "NotResource" not in statement:
        raise PolicyError("an identity-policy statement needs exactly one of Resource and NotResource")
    if "Resource" in statement:
        if not any(arn_match(r, request.resource) for r in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement and any(arn_match(r, request.resource) for r in _as_list(statement["NotResource"])):
        return False
    for op, block in (statement.get("Condition") or {}).items():
        if not isinstance(block, dict):
            raise PolicyError(f"condition {op!r} must map keys to values")
        for key, values in block.items():
            if not _condition_holds(op, key, values, request.context):
                return False
    return True


def evaluate(policies: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]], request: Request) -> Decision:
    """Evaluate ``request`` against every policy document (a mapping name → document, or a list)."""
    named: Iterable[tuple[str, Mapping[str, Any]]] = (
        policies.items() if isinstance(policies, Mapping) else ((f"policy{i}", d) for i, d in enumerate(policies))
    )
    allows: list[tuple[str, str]] = []
    denies: list[tuple[str, str]] = []
    for name, doc in named:
        if doc.get("Version") != "2012-10-17":
            raise PolicyError(f"{name}: Version must be 2012-10-17 (policy variables and semantics differ otherwise)")
        for i, st in enumerate(_as_list(doc.get("Statement", []))):
            if statement_matches(st, request):
                (denies if st["Effect"] == "Deny" else allows).append((name, str(st.get("Sid", i))))
    if denies:
        return Decision(False, "explicit-deny", tuple(denies))
    if allows:
        return Decision(True, "allow", tuple(allows))
    return Decision(False, "implicit-deny")


def without_action(doc: Mapping[str, Any], statement_index: int, action: str) -> dict[str, Any]:
    """A copy of ``doc`` with ``action`` removed from one statement (the statement goes when it empties)."""
    statements = [dict(s) for s in _as_list(doc["Statement"])]
    st = statements[statement_index]
    remaining = [a for a in _as_list(st["Action"]) if a != action]
    if len(remaining) == len(_as_list(st["Action"])):
        raise ValueError(f"{action} is not in statement {statement_index}")
    if remaining:
        st["Action"] = remaining if len(remaining) > 1 else remaining[0]
    else:
        statements.pop(statement_index)
    return {**doc, "Statement": statements}


def granted_actions(doc: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """``(statement index, Sid, action)`` for every action an Allow statement grants."""
    out = []
    for i, st in enumerate(_as_list(doc["Statement"])):
        if st.get("Effect") == "Allow":
            for a in _as_list(st.get("Action", [])):
                out.append((i, str(st.get("Sid", i)), a))
    return out
