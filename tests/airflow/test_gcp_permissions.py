"""Least privilege of the GCP backend's grants, proven by the calls real Airflow makes.

1. ``scripts/gcp-policy.ts --stack gcp`` runs the Pulumi program offline and prints the IAM grants (role,
   resource, members, condition) and custom roles exactly as the IAM member resources declare them.
2. A local Google Cloud (gcp_recorder.py: fake-gcs-server from the toolchain behind a recording front, a
   GKE-style metadata server for ADC, a gRPC endpoint for Secret Manager and Storage Control) gets what the
   stack creates: the bucket named by the rendered XCom path, secrets under the rendered prefixes.
3. gcp_scenario.py runs the agent's real Airflow code as the worker's Kubernetes ServiceAccount, configured
   only by the rendered chart values, while every call is authorized by gcp_iam.py against the grants.

The stack is rendered with ``backend.taskLogs.enabled=true``, so the scenario also runs Airflow's GCS task
log handler (``GCSRemoteLogIO``: write, append, read) under the task logs grant.

Then: every step works and every call is allowed; the granted bucket permissions are exactly
``XCOM_PERMISSIONS`` (XCom role) and ``TASK_LOG_PERMISSIONS`` (task logs role) and each permission of each
grant is needed by an allowed call under that grant alone; dropping any one makes the evaluator reject a
recorded call *and* makes the real run fail (or leave the XCom object behind); the conditions matter
(another prefix, or a log folder outside the granted one, breaks the run); other ServiceAccounts get nothing.

``GCP_PROOF_REPORT=<file>`` writes the recorded calls and the grant each one needs.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci_guard import cannot_run
from gcp_iam import ROLES, Request, evaluate, misplaced_custom_roles, role_permissions, without_permission
from gcp_recorder import Call, GcpEmulator, env_for, fake_gcs_server_binary

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCENARIO = HERE / "gcp_scenario.py"
STACK = "gcp"
SCENARIO_TIMEOUT = 300
#: The example stack with remote task logs on (the default prefix ``logs``): the proof covers them too.
TASK_LOGS = ("--set", "backend.taskLogs.enabled=true")

#: What the custom role grants on the bucket: not one more, not one fewer.
XCOM_PERMISSIONS = [
    "storage.buckets.get",
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.get",
    "storage.objects.list",
]
#: What the task logs role grants on the logs prefix: read the old log, write the new one, replace it.
TASK_LOG_PERMISSIONS = ["storage.objects.create", "storage.objects.delete", "storage.objects.get"]
#: What the log handler also needs from the XCom grant: listing the folder when it reads logs back.
LOGS_NEED_FROM_XCOM_ROLE = {"storage.objects.list"}

GIT_CONNECTION = {
    "conn_type": "git",
    "login": "bot",
    "password": "proof-pat-7e6d5c4b",
    "host": "https://github.com/example-org/data-platform-dags.git",
}
VARIABLE = ("environment", "production")


def _gcp_policy(*extra: str) -> dict[str, Any]:
    npx = shutil.which("npx")
    if npx is None or not (REPO / "node_modules").is_dir():
        cannot_run("npx or node_modules missing: cannot run scripts/gcp-policy.ts")
    out = subprocess.run(
        [npx, "tsx", "scripts/gcp-policy.ts", "--stack", STACK, *extra],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"},
    )
    assert out.returncode == 0, f"scripts/gcp-policy.ts failed:\n{out.stderr[-3000:]}"
    return json.loads(out.stdout)


def principal(number: str, pool: str, namespace: str, name: str) -> str:
    """Google's documented principal identifier of a Kubernetes ServiceAccount (Workload Identity Federation
    for GKE), written here independently of the TypeScript that generates the grants."""
    return (
        f"principal://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/{pool}"
        f"/subject/ns/{namespace}/sa/{name}"
    )


@dataclass
class Run:
    ok: bool
    steps: list[dict[str, Any]]
    calls: list[Call]
    failures: list[str]
    layout_lookups: int


class Proof:
    """The emulator prepared like the stack, and the scenario runner."""

    def __init__(self, em: GcpEmulator, docs: dict[str, Any]) -> None:
        self.em, self.docs = em, docs
        env = docs["chart"]["commonEnv"]
        self.kwargs = json.loads(env["AIRFLOW__SECRETS__BACKEND_KWARGS"])
        self.project, self.number = self.kwargs["project_id"], docs["projectNumber"]
        self.pool = f"{self.project}.svc.id.goog"
        self.bucket = env["AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH"].split("/")[2]
        self.grants = docs["grants"]
        self.custom_roles = {r["name"]: frozenset(r["permissions"]) for r in docs["customRoles"]}
        self.worker = docs["serviceAccounts"][0]
        em.create_bucket(self.bucket)
        sep = self.kwargs["sep"]
        em.secrets = {
            f"projects/{self.number}/secrets/{self.kwargs['connections_prefix']}{sep}git_data_platform": json.dumps(GIT_CONNECTION).encode(),
            f"projects/{self.number}/secrets/{self.kwargs['variables_prefix']}{sep}{VARIABLE[0]}": VARIABLE[1].encode(),
        }
        self.spec = {
            "env": {
                **{k: v for k, v in env.items() if k.startswith("AIRFLOW__")},
                "AIRFLOW__SECRETS__BACKEND": docs["chart"]["secretBackend"],
                "AIRFLOW__CORE__XCOM_BACKEND": docs["chart"]["xcomBackend"],
                **env_for(em),
            },
            "connection": {"id": "git_data_platform", "expect": GIT_CONNECTION},
            "variable": {"key": VARIABLE[0], "expect": VARIABLE[1]},
            "missing_variable": "not_configured_anywhere",
            "large_bytes": 6 * 2**20,
        }

    def as_pod(self, sa: dict[str, Any]) -> None:
        gsa = sa["annotations"].get("iam.gke.io/gcp-service-account")
        self.em.identity = {
            "namespace": sa["namespace"],
            "name": sa["name"],
            "pool": self.pool,
            "principal": principal(self.number, self.pool, sa["namespace"], sa["name"]),
            **({"gsa": gsa} if gsa else {}),
        }

    def run(self, grants: list[dict[str, Any]] | None, custom_roles: dict[str, frozenset[str]] | None = None,
            sa: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Run:
        for name in self.em.objects(self.bucket):
            self.em.delete_object(self.bucket, name)
        self.as_pod(sa or self.worker)
        self.em.take_calls()
        self.em.grants = grants
        self.em.custom_roles = self.custom_roles if custom_roles is None else custom_roles
        with tempfile.TemporaryDirectory() as tmp:
            spec_path, result_path = Path(tmp, "spec.json"), Path(tmp, "result.json")
            spec_path.write_text(json.dumps({**self.spec, "env": {**self.spec["env"], **(env or {})}}))
            proc = subprocess.run([sys.executable, str(SCENARIO), str(spec_path), str(result_path)],
                                  capture_output=True, text=True, timeout=SCENARIO_TIMEOUT)
            if not result_path.exists():
                raise AssertionError(f"gcp_scenario.py wrote no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
            result = json.loads(result_path.read_text())
        self.em.grants = None
        calls = self.em.take_calls()
        steps = result["steps"]
        failures = [f"{s['name']}: {s['error']}" for s in steps if not s["ok"]]
        for s in steps:
            if s["ok"] and s["name"].startswith("xcom"):
                key = s["path"].split("/", 3)[3]
                if key in self.em.objects(self.bucket):
                    failures.append(f"{s['name']}: the purged XCom object {key} is still in the bucket")
        failures += [f"unmapped call {c.http}" for c in calls if c.operation == "UNMAPPED"]
        return Run(not failures, steps, calls, failures, result["storage_layout_lookups"])


@pytest.fixture(scope="module")
def documents() -> dict[str, Any]:
    return _gcp_policy(*TASK_LOGS)


@pytest.fixture(scope="module")
def emulator(documents: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    binary = fake_gcs_server_binary(REPO)
    project = json.loads(documents["chart"]["commonEnv"]["AIRFLOW__SECRETS__BACKEND_KWARGS"])["project_id"]
    with GcpEmulator(binary, tmp_path_factory.mktemp("gcp-emulator"), project, documents["projectNumber"]) as em:
        yield em


@pytest.fixture(scope="module")
def proof(emulator: GcpEmulator, documents: dict[str, Any]) -> Proof:
    logging.getLogger("grpc").setLevel(logging.ERROR)
    return Proof(emulator, documents)


@pytest.fixture(scope="module")
def baseline(proof: Proof) -> Run:
    run = proof.run(proof.grants)
    report = os.environ.get("GCP_PROOF_REPORT")
    if report:
        Path(report).write_text(_report(proof, run))
    return run


def _report(proof: Proof, run: Run) -> str:
    lines = [f"scenario ok: {run.ok} {run.failures}; storage layout lookups: {run.layout_lookups}"]
    lines += [f"  step {json.dumps({k: v for k, v in s.items() if k != 'trace'})}" for s in run.steps]
    lines += ["", "seq status allowed  call"]
    lines += [f"{c.seq:>3} {c.status} {str(c.allowed):<7} {c.describe()}" for c in run.calls]
    return "\n".join(lines) + "\n"


def _bucket_grant(grants: list[dict[str, Any]]) -> dict[str, Any]:
    """The XCom grant."""
    (g,) = [g for g in grants if g["resource"]["kind"] == "bucket" and g["condition"]["title"] == "xcom-prefix-only"]
    return g


def _logs_grant(grants: list[dict[str, Any]]) -> dict[str, Any]:
    (g,) = [g for g in grants if g["resource"]["kind"] == "bucket" and g["condition"]["title"] == "task-logs-prefix-only"]
    return g


def _failed(run: Run) -> set[str]:
    return {s["name"] for s in run.steps if not s["ok"]}


# ----- the generated grants --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sets",
    [[], ["--set", "backend.xcom.project=storage-project", "--set", "backend.secretManager.project=secrets-project"]],
    ids=["one-project", "stores-in-other-projects"],
)
def test_custom_roles_are_bound_only_in_their_own_project(sets: list[str]) -> None:
    """The custom roles live in the bucket's project (a role of another project cannot be bound there), and
    secret access is granted in the secrets' project: the generated documents, with and without per-store
    projects."""
    docs = _gcp_policy(*sets)
    # A created bucket without a configured name is named by the mock runtime after its logical name.
    buckets = {b.get("name", b["logicalName"]): b["project"] for b in docs["buckets"]}
    assert misplaced_custom_roles(docs["grants"], buckets) == []
    assert [g["role"] for g in docs["grants"] if g["resource"]["kind"] == "bucket"], "no custom role bound"
    kwargs = json.loads(docs["chart"]["commonEnv"]["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    (secrets,) = [g for g in docs["grants"] if g["resource"]["kind"] == "project"]
    assert secrets["resource"]["name"] == kwargs["project_id"]
    if sets:
        assert kwargs["project_id"] == "secrets-project" and set(buckets.values()) == {"storage-project"}
    # the same documents with the roles made in another project than the bucket's are judged misplaced
    elsewhere = {name: "another-project" for name in buckets}
    assert misplaced_custom_roles(docs["grants"], elsewhere)


def test_the_grants_are_exactly_secret_access_and_the_minimal_bucket_roles(proof: Proof) -> None:
    xcom_role, logs_role = _bucket_grant(proof.grants)["role"], _logs_grant(proof.grants)["role"]
    assert [(g["resource"]["kind"], g["role"]) for g in proof.grants] == [
        ("project", "roles/secretmanager.secretAccessor"),
        ("bucket", xcom_role),
        ("bucket", logs_role),
    ]
    assert sorted(proof.custom_roles) == sorted([xcom_role, logs_role])
    assert sorted(proof.custom_roles[xcom_role]) == XCOM_PERMISSIONS
    assert sorted(proof.custom_roles[logs_role]) == TASK_LOG_PERMISSIONS
    env = proof.docs["chart"]["commonEnv"]
    assert env["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"] == f"gs://{proof.bucket}/logs"
    assert "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID" not in env
    assert _logs_grant(proof.grants)["condition"]["expression"] == (
        f'resource.name.startsWith("projects/_/buckets/{proof.bucket}/objects/logs/")'
    )
    assert all("condition" in g for g in proof.grants), "every grant is conditioned"
    members = {principal(proof.number, proof.pool, sa["namespace"], sa["name"]) for sa in proof.docs["serviceAccounts"]}
    for g in proof.grants:
        assert sorted(g["members"]) == sorted(members), g


# ----- the real Airflow run under the generated grants --------------------------------------------------------


def test_airflow_works_under_the_generated_grants(baseline: Run) -> None:
    assert baseline.ok, "\n".join(baseline.failures + [s.get("trace", "") for s in baseline.steps if not s["ok"]])
    assert [s["name"] for s in baseline.steps] == ["secrets", "xcom", "xcom-large", "task-logs"]


def test_the_log_handler_uses_the_pods_workload_identity(proof: Proof, baseline: Run) -> None:
    """No REMOTE_LOG_CONN_ID: no connection is looked up, GCSRemoteLogIO has no hook, and its client's
    credentials are ADC's metadata-server credentials, i.e. the worker's Kubernetes ServiceAccount."""
    (logs,) = [s for s in baseline.steps if s["name"] == "task-logs"]
    assert (logs["conn_id"], logs["conn_found"], logs["hook"]) == ("", False, None), logs
    assert logs["credentials"] == "google.auth.compute_engine.credentials.Credentials", logs
    log_calls = [c for c in baseline.calls if "/objects/logs/" in c.resource or c.operation == "objects.list"
                 and c.attributes.get("storage.googleapis.com/objectListPrefix", "").startswith("logs/")]
    worker = principal(proof.number, proof.pool, proof.worker["namespace"], proof.worker["name"])
    assert log_calls and {c.member for c in log_calls} == {worker}


def test_every_recorded_call_is_allowed(baseline: Run) -> None:
    denied = [c.describe() for c in baseline.calls if c.allowed is not True]
    assert not denied, "denied or unjudged calls:\n" + "\n".join(denied)


def test_the_run_exercises_secrets_push_pull_purge_and_resumable_upload(baseline: Run) -> None:
    ops = {c.operation for c in baseline.calls}
    assert {"AccessSecretVersion", "buckets.get", "GetStorageLayout", "objects.get", "objects.list", "objects.insert",
            "objects.delete"} <= ops, ops
    assert any("resumable" in c.note for c in baseline.calls), "no resumable upload recorded"
    logs = [(c.operation, c.permission, c.status, c.note) for c in baseline.calls if "/objects/logs/" in c.resource]
    assert ("objects.get", "storage.objects.get", 404, "media") in logs, "the first write reads a log that is not there"
    assert ("objects.insert", "storage.objects.delete", 200, "replaces an existing object") in logs, "the append replaces"
    assert any(c.operation == "objects.list" and c.allowed and
               c.attributes.get("storage.googleapis.com/objectListPrefix", "").startswith("logs/") for c in baseline.calls)
    secrets = [c for c in baseline.calls if c.operation == "AccessSecretVersion"]
    assert {c.status for c in secrets} == {200, 404}, "found the seeded ones, and the missing variable is NOT_FOUND"


def test_every_granted_permission_is_needed_by_an_allowed_call(proof: Proof, baseline: Run) -> None:
    used = {c.permission for c in baseline.calls if c.allowed}
    granted = set().union(*(role_permissions(g["role"], proof.custom_roles) for g in proof.grants))
    assert granted == used, f"granted but unused: {granted - used}; used but not granted: {used - granted}"


def test_each_grant_needs_each_of_its_permissions(proof: Proof, baseline: Run) -> None:
    """Per grant: every permission of its role is used by an allowed call that this grant alone allows."""
    numbers = {proof.project: proof.number}
    for g in proof.grants:
        for perm in role_permissions(g["role"], proof.custom_roles):
            assert any(c.allowed and c.permission == perm and evaluate([g], c.request(), proof.custom_roles, numbers).allowed
                       for c in baseline.calls), f"{perm} of {g['role']} ({g.get('condition', {}).get('title')}) is unused"


@pytest.mark.parametrize("permission", XCOM_PERMISSIONS)
def test_dropping_a_bucket_permission_breaks_the_agent(proof: Proof, baseline: Run, permission: str) -> None:
    role = _bucket_grant(proof.grants)["role"]
    reduced = without_permission(proof.grants, proof.custom_roles, role, permission)
    rejected = [
        c for c in baseline.calls
        if c.allowed and not evaluate(proof.grants, c.request(), reduced, {proof.project: proof.number}).allowed
    ]
    assert rejected, f"no recorded call needs {permission}"
    run = proof.run(proof.grants, reduced)
    assert not run.ok, f"Airflow still works without {permission}: the permission is not needed"
    assert ("task-logs" in _failed(run)) == (permission in LOGS_NEED_FROM_XCOM_ROLE), "\n".join(run.failures)
    print(f"without {permission}: {rejected[0].describe()} is denied; the run fails: {run.failures}")


@pytest.mark.parametrize("permission", TASK_LOG_PERMISSIONS)
def test_dropping_a_task_logs_permission_breaks_the_task_logs(proof: Proof, baseline: Run, permission: str) -> None:
    role = _logs_grant(proof.grants)["role"]
    reduced = without_permission(proof.grants, proof.custom_roles, role, permission)
    rejected = [
        c for c in baseline.calls
        if c.allowed and not evaluate(proof.grants, c.request(), reduced, {proof.project: proof.number}).allowed
    ]
    assert rejected and all("/objects/logs/" in c.resource for c in rejected), [c.describe() for c in rejected]
    run = proof.run(proof.grants, reduced)
    assert _failed(run) == {"task-logs"}, f"without {permission}: {run.failures}"
    print(f"without {permission}: {rejected[0].describe()} is denied; the run fails: {run.failures}")


def test_without_the_task_logs_grant_only_the_task_logs_fail(proof: Proof) -> None:
    run = proof.run([g for g in proof.grants if g is not _logs_grant(proof.grants)])
    assert _failed(run) == {"task-logs"}, run.failures
    assert any(c.allowed is False and "/objects/logs/" in c.resource for c in run.calls)


def test_the_task_logs_condition_is_what_scopes_their_grant(proof: Proof) -> None:
    grants = json.loads(json.dumps(proof.grants))
    cond = _logs_grant(grants)["condition"]
    cond["expression"] = cond["expression"].replace("/objects/logs/", "/objects/other/")
    assert _failed(proof.run(grants)) == {"task-logs"}


@pytest.mark.parametrize("folder", ["logs-archive", "airflow/logs"])
def test_a_log_folder_outside_the_granted_prefix_fails(proof: Proof, folder: str) -> None:
    """A hand-written REMOTE_BASE_LOG_FOLDER beside the granted one (config validation refuses it) is refused
    at run time: the grant's prefix ends with '/', so 'logs-archive/' is not under 'logs/'."""
    run = proof.run(proof.grants, env={"AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"gs://{proof.bucket}/{folder}"})
    assert _failed(run) == {"task-logs"}, run.failures
    assert any(c.allowed is False and f"/objects/{folder}/" in c.resource for c in run.calls)


def test_without_secret_access_the_connection_is_not_found(proof: Proof) -> None:
    run = proof.run([g for g in proof.grants if g["resource"]["kind"] != "project"])
    assert [s["name"] for s in run.steps if not s["ok"]] == ["secrets"], run.failures


def test_the_bucket_condition_is_what_scopes_the_grant(proof: Proof) -> None:
    """The same role conditioned to another prefix breaks push, pull and purge: the condition is load-bearing."""
    grants = json.loads(json.dumps(proof.grants))
    cond = _bucket_grant(grants)["condition"]
    cond["expression"] = cond["expression"].replace("/objects/xcom/", "/objects/other/").replace('"xcom/"', '"other/"')
    run = proof.run(grants)
    assert {s["name"] for s in run.steps if not s["ok"]} == {"xcom", "xcom-large"}, run.failures


def test_the_secret_condition_admits_exactly_the_backend_prefixes(proof: Proof) -> None:
    (g,) = [g for g in proof.grants if g["resource"]["kind"] == "project"]
    member = g["members"][0]
    sep = proof.kwargs["sep"]

    def access(secret_id: str) -> bool:
        req = Request(member, "secretmanager.versions.access", f"projects/{proof.number}/secrets/{secret_id}/versions/latest",
                      "secretmanager.googleapis.com/SecretVersion")
        return evaluate(proof.grants, req, proof.custom_roles, {proof.project: proof.number}).allowed

    assert access(f"{proof.kwargs['connections_prefix']}{sep}any_conn")
    assert access(f"{proof.kwargs['variables_prefix']}{sep}any_var")
    assert not access("prod-database-password")
    assert not access(f"{proof.kwargs['connections_prefix']}x{sep}conn"), "a longer prefix is another prefix"
    other = Request(member, "secretmanager.versions.access", f"projects/111111111111/secrets/{proof.kwargs['connections_prefix']}{sep}c/versions/1")
    assert not evaluate(proof.grants, other, proof.custom_roles, {proof.project: proof.number}).allowed, "another project"


def test_other_service_accounts_get_nothing(proof: Proof) -> None:
    sa = {"name": "default", "namespace": "astro-agent", "annotations": {}}
    run = proof.run(proof.grants, sa=sa)
    assert _failed(run) == {"secrets", "xcom", "xcom-large", "task-logs"}, run.failures
    other_ns = {**proof.worker, "namespace": "other"}
    member = principal(proof.number, proof.pool, other_ns["namespace"], other_ns["name"])
    assert not any(member in g["members"] for g in proof.grants)


def test_object_user_is_not_enough_and_grants_what_is_not_needed(proof: Proof, baseline: Run) -> None:
    """Why a custom role: the predefined roles/storage.objectUser, under the same condition, lacks
    storage.buckets.get (gcsfs's mkdir then tries to create the bucket), and holds permissions no call uses."""
    grants = json.loads(json.dumps(proof.grants))
    _bucket_grant(grants)["role"] = "roles/storage.objectUser"
    logs_role = _logs_grant(grants)["role"]
    run = proof.run(grants, {logs_role: proof.custom_roles[logs_role]})
    assert _failed(run) == {"xcom", "xcom-large"}, "\n".join(run.failures)
    assert any(c.permission == "storage.buckets.create" and c.allowed is False for c in run.calls)
    used = {c.permission for c in baseline.calls if c.allowed and c.service in ("storage", "storagecontrol")}
    unused = ROLES["roles/storage.objectUser"] - used
    assert {"storage.objects.update", "storage.multipartUploads.create"} <= unused, sorted(unused)


def test_service_account_identity_impersonates_only_for_the_agent_service_accounts(proof: Proof) -> None:
    docs = _gcp_policy(*TASK_LOGS, "--set", "backend.identity=serviceAccount")
    (gsa,) = docs["googleServiceAccounts"]
    sas = docs["serviceAccounts"]
    assert all(sa["annotations"] == {"iam.gke.io/gcp-service-account": gsa["email"]} for sa in sas)
    (wi,) = [g for g in docs["grants"] if g["resource"]["kind"] == "serviceAccount"]
    assert wi["role"] == "roles/iam.workloadIdentityUser" and "condition" not in wi
    assert sorted(wi["members"]) == sorted(f"serviceAccount:{proof.pool}[{sa['namespace']}/{sa['name']}]" for sa in sas)
    for g in docs["grants"]:
        if g["resource"]["kind"] != "serviceAccount":
            assert g["members"] == [f"serviceAccount:{gsa['email']}"], g
    run = proof.run(docs["grants"], {r["name"]: frozenset(r["permissions"]) for r in docs["customRoles"]}, sa=sas[0])
    assert run.ok, run.failures
    assert any(c.operation == "generateAccessToken" and c.allowed for c in run.calls)
    stranger = {"name": "default", "namespace": sas[0]["namespace"], "annotations": sas[0]["annotations"]}
    run = proof.run(docs["grants"], {r["name"]: frozenset(r["permissions"]) for r in docs["customRoles"]}, sa=stranger)
    assert not run.ok and any(c.operation == "generateAccessToken" and c.allowed is False for c in run.calls)
