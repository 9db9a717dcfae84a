"""The Azure backend at run time: real Airflow pushes, pulls and purges XComs through the rendered path.

1. ``scripts/azure-documents.ts --stack azure`` runs the Pulumi program offline and prints what the
   Azure example stack federates and grants, and the chart's Airflow settings.
2. Workload identity cannot run here (no Microsoft Entra). So the proof is in two parts:
   a. ``identity``: with only the rendered env (plus the token file the AKS webhook would project), real
      Airflow builds the filesystem of the rendered ``abfs://`` path from the rendered connection: it must
      carry no key, SAS or connection string, and its credential chain must hold a
      ``WorkloadIdentityCredential`` for exactly the client and tenant the ServiceAccounts are annotated with.
   b. ``xcom``: Azurite (loopback, started and stopped here) holds the rendered account; **the test** adds
      the emulator's account key and the proxy's host to the rendered connection (the one thing that
      differs from AKS), and real Airflow pushes, pulls and purges XComs, small and multi-block.
3. Every Blob REST call goes through a recording proxy that maps it to the RBAC permission it needs and
   enforces the permissions of the role the stack assigns (Storage Blob Data Contributor). Checks: nothing
   is denied or unmapped; the permissions used are exactly ``EXPECTED_USED``; the role's other permissions
   (``EXPECTED_UNUSED``) are never needed; dropping any used permission breaks the agent.

Key Vault has no emulator reachable here: the secrets side is checked offline (kwargs, client identity,
secret names) by check_values.py and below, not by a running vault; real ``AzureKeyVaultBackend`` reads
through a stand-in client that allows exactly what the rendered Key Vault Secrets User scopes cover
(``readScope: listedSecrets``: a listed secret is read, an unlisted one is refused).
``AZURE_PROOF_REPORT=<file>`` writes the recorded calls and the permission each one needs.
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

from azure_recorder import BLOBS, STORAGE, AzureBlobEmulator, Call
from ci_guard import cannot_run

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCENARIO = HERE / "azure_scenario.py"
STACK = "azure"
TIMEOUT = 180
WI_CLIENT = "azure.workload.identity/client-id"
WI_TENANT = "azure.workload.identity/tenant-id"

#: What real Airflow + adlfs needs for push, pull, purge and a multi-block push: each entry must survive
#: the drop test. A change in the calls must change this set.
EXPECTED_NEEDED = {f"{BLOBS}/read", f"{BLOBS}/write", f"{BLOBS}/delete"}
#: Called, but the agent works when it is denied: adlfs checks the container with Get Container
#: Properties before a write and carries on when that check is refused.
EXPECTED_CALLED_NOT_NEEDED = {f"{STORAGE}/containers/read"}
#: What Storage Blob Data Contributor grants on top (on the container only), never needed by the agent.
EXPECTED_UNUSED = {
    f"{STORAGE}/containers/write",
    f"{STORAGE}/containers/delete",
    f"{STORAGE}/generateUserDelegationKey/action",
    f"{BLOBS}/move/action",
    f"{BLOBS}/add/action",
}


def _documents(*extra: str) -> dict[str, Any]:
    npx = shutil.which("npx")
    if npx is None or not (REPO / "node_modules").is_dir():
        cannot_run("npx or node_modules missing: cannot run scripts/azure-documents.ts")
    out = subprocess.run(
        [npx, "tsx", "scripts/azure-documents.ts", "--stack", STACK, *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "true"},
    )
    assert out.returncode == 0, f"scripts/azure-documents.ts failed:\n{out.stderr[-3000:]}"
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def documents() -> dict[str, Any]:
    return _documents()


@dataclass
class Run:
    ok: bool
    steps: list[dict[str, Any]]
    calls: list[Call]
    failures: list[str]


def _scenario(spec: dict[str, Any]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        spec_path, result_path = Path(tmp, "spec.json"), Path(tmp, "result.json")
        spec_path.write_text(json.dumps(spec))
        proc = subprocess.run(
            [sys.executable, str(SCENARIO), str(spec_path), str(result_path)], capture_output=True, text=True, timeout=TIMEOUT
        )
        if not result_path.exists():
            raise AssertionError(f"azure_scenario.py wrote no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        return json.loads(result_path.read_text())["steps"]


class Proof:
    """The rendered settings, and Azurite holding the rendered account and container."""

    def __init__(self, em: AzureBlobEmulator, docs: dict[str, Any]) -> None:
        self.em = em
        env = docs["chart"]["commonEnv"]
        self.path = env["AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH"]
        self.conn_id = self.path.split("://", 1)[1].split("@", 1)[0]
        self.container = self.path.split("@", 1)[1].split("/", 1)[0]
        self.conn_env = f"AIRFLOW_CONN_{self.conn_id.upper()}"
        self.rendered_env = {
            **{k: v for k, v in env.items() if k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))},
            "AIRFLOW__CORE__XCOM_BACKEND": docs["chart"]["xcomBackend"],
        }
        (assignment,) = [a for a in docs["roleAssignments"] if a["role"] == "storageBlobDataContributor"]
        role = docs["rolePermissions"]["storageBlobDataContributor"]
        self.granted = set(role["actions"]) | set(role["dataActions"])
        self.assignment = assignment
        from azure.storage.blob import BlobServiceClient

        self.admin = BlobServiceClient.from_connection_string(em.connection_string)
        self.admin.create_container(self.container)

    def objects(self) -> list[str]:
        return [b.name for b in self.admin.get_container_client(self.container).list_blobs()]

    def emulator_env(self) -> dict[str, str]:
        """The rendered env with the emulator's credentials injected into the rendered connection (test only)."""
        conn = json.loads(self.rendered_env[self.conn_env])
        conn["extra"] = {**conn["extra"], "account_key": self.em.key, "account_host": self.em.account_host}
        return {**self.rendered_env, self.conn_env: json.dumps(conn), "SSL_CERT_FILE": str(self.em.cert)}

    def run(self, permissions: set[str] | None) -> Run:
        for name in self.objects():
            self.admin.get_container_client(self.container).delete_blob(name)
        self.em.take_calls()
        self.em.permissions = permissions
        steps = _scenario(
            {"mode": "xcom", "env": self.emulator_env(), "xcom_scheme": "abfs", "large_bytes": 3 * 2**20, "block_size": 2**20}
        )
        self.em.permissions = None
        calls = self.em.take_calls()
        failures = [f"{s['name']}: {s['error']}" for s in steps if not s["ok"]]
        left = self.objects()
        if left:
            failures.append(f"objects left after purge: {left}")
        failures += [f"unmapped call {c.describe()}" for c in calls if c.operation.endswith("UNMAPPED")]
        return Run(not failures, steps, calls, failures)


@pytest.fixture(scope="module")
def proof(documents: dict[str, Any]) -> Any:
    logging.getLogger("azure").setLevel(logging.ERROR)
    account = documents["storageAccounts"][0]["accountName"]
    with AzureBlobEmulator(account) as em:
        yield Proof(em, documents)


@pytest.fixture(scope="module")
def baseline(proof: Proof) -> Run:
    run = proof.run(proof.granted)
    report = os.environ.get("AZURE_PROOF_REPORT")
    if report:
        lines = [f"scenario ok: {run.ok} {run.failures}"]
        lines += [f"  step {json.dumps({k: v for k, v in s.items() if k != 'trace'})}" for s in run.steps]
        lines += ["", "seq status allowed operation -> permission"]
        lines += [f"{c.seq:>3} {c.status} {str(c.allowed):<7} {c.describe()}" for c in run.calls]
        used = {c.permission for c in run.calls}
        lines += ["", "granted by Storage Blob Data Contributor, never used:"] + sorted(proof.granted - used)
        Path(report).write_text("\n".join(lines) + "\n")
    return run


# ----- what the stack federates and grants ----------------------------------------------------------------


def test_each_service_account_is_federated_exactly(documents: dict[str, Any]) -> None:
    sas = documents["serviceAccounts"]
    fics = documents["federatedCredentials"]
    (identity,) = documents["identities"]
    assert sorted(f["subject"] for f in fics) == sorted(f"system:serviceaccount:{sa['namespace']}:{sa['name']}" for sa in sas)
    assert {f["resourceName"] for f in fics} == {identity["resourceName"]}
    assert all(f["audiences"] == ["api://AzureADTokenExchange"] for f in fics)
    issuers = {f["issuer"] for f in fics}
    assert len(issuers) == 1 and next(iter(issuers)).startswith("https://") and next(iter(issuers)).endswith("/")


def test_roles_are_key_vault_secrets_user_on_the_vault_and_blob_contributor_on_the_container_only(
    documents: dict[str, Any], proof: Proof
) -> None:
    roles = sorted((a["role"], a["scope"]) for a in documents["roleAssignments"])
    (vault,) = documents["vaults"]
    (account,) = documents["storageAccounts"]
    sub = documents["roleAssignments"][0]["roleDefinitionId"].split("/")[2]
    rg = account["resourceGroupName"]
    assert roles == [
        (
            "keyVaultSecretsUser",
            f"/subscriptions/{sub}/resourceGroups/{vault['resourceGroupName']}/providers/Microsoft.KeyVault/vaults/{vault['vaultName']}",
        ),
        (
            "storageBlobDataContributor",
            f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{account['accountName']}/blobServices/default/containers/{proof.container}",
        ),
    ]
    assert all(a["principalType"] == "ServicePrincipal" for a in documents["roleAssignments"])


def test_seeded_secret_names_are_the_names_azure_key_vault_backend_looks_up() -> None:
    from airflow.providers.microsoft.azure.secrets.key_vault import AzureKeyVaultBackend

    ids = {"connections": ["git_data_platform", "warehouse-prod_2"], "variables": ["environment_name"]}
    sets = ["environment=dev", "backend.keyVault.readScope=vault"]
    sets += [f"backend.keyVault.connections.{c}=postgres://db:5432/x" for c in ids["connections"]]
    sets += [f"backend.keyVault.variables.{v}=value" for v in ids["variables"]]
    docs = _documents(*[x for s in sets for x in ("--set", s)])
    kwargs = json.loads(docs["chart"]["commonEnv"]["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    backend = AzureKeyVaultBackend(**kwargs)
    expected = sorted(
        [AzureKeyVaultBackend.build_path(backend.connections_prefix, c, backend.sep) for c in ids["connections"]]
        + [AzureKeyVaultBackend.build_path(backend.variables_prefix, v, backend.sep) for v in ids["variables"]]
    )
    assert sorted(s["name"] for s in docs["secrets"]) == expected
    assert "airflow-connections-warehouse-prod-2" in expected


class ScopedKeyVault:
    """Stands in for ``SecretClient`` behind real ``AzureKeyVaultBackend``: holds secrets by name and answers
    ``get_secret`` as Key Vault RBAC does for the identity: only when a Key Vault Secrets User assignment's
    scope is the vault or that secret (ARM ids compare case-insensitively), else 403 Forbidden."""

    def __init__(self, vault_id: str, scopes: list[str], secrets: dict[str, str]) -> None:
        self.vault_id, self.scopes, self.secrets = vault_id.lower(), [s.lower() for s in scopes], secrets
        self.asked: list[tuple[str, str]] = []

    def get_secret(self, name: str) -> Any:
        from types import SimpleNamespace

        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        secret_id = f"{self.vault_id}/secrets/{name.lower()}"
        if not any(secret_id == s or secret_id.startswith(f"{s}/") for s in self.scopes):
            self.asked.append((name, "forbidden"))
            raise HttpResponseError(message=f"(Forbidden) caller is not authorized to get secret {name}")
        self.asked.append((name, "allowed"))
        if name not in self.secrets:
            raise ResourceNotFoundError(message=f"(SecretNotFound) {name}")
        return SimpleNamespace(value=self.secrets[name])


def _key_vault_reads(read_scope: str) -> tuple[Any, ScopedKeyVault]:
    """Real AzureKeyVaultBackend with the rendered kwargs, its client answering by the rendered scopes."""
    from airflow.providers.microsoft.azure.secrets.key_vault import AzureKeyVaultBackend

    sets = [
        "environment=dev",
        "backend.keyVault.existing=true",
        "backend.keyVault.resourceGroupName=rg-shared",
        f"backend.keyVault.readScope={read_scope}",
    ]
    if read_scope == "listedSecrets":
        sets.append('backend.keyVault.readSecrets={"connections":["git_data_platform"],"variables":["environment_name"]}')
    docs = _documents(*[x for s in sets for x in ("--set", s)])
    kwargs = json.loads(docs["chart"]["commonEnv"]["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    sub = docs["roleAssignments"][0]["roleDefinitionId"].split("/")[2]
    vault_name = kwargs["vault_url"].removeprefix("https://").split(".")[0]
    vault_id = f"/subscriptions/{sub}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/{vault_name}"
    scopes = [a["scope"] for a in docs["roleAssignments"] if a["role"] == "keyVaultSecretsUser"]
    # The team's vault holds more than the agent may read.
    vault = ScopedKeyVault(
        vault_id,
        scopes,
        {
            "airflow-connections-git-data-platform": "git://listed",
            "airflow-variables-environment-name": "prod",
            "airflow-connections-payroll-db": "postgres://not-listed",
            "airflow-variables-payroll-key": "not-listed",
        },
    )
    backend = AzureKeyVaultBackend(**kwargs)
    backend.__dict__["client"] = vault  # the cached_property's slot: no credential, no network
    return backend, vault


def test_listed_secrets_only_are_readable_on_a_shared_vault() -> None:
    from azure.core.exceptions import HttpResponseError

    backend, vault = _key_vault_reads("listedSecrets")
    assert backend.get_conn_value("git_data_platform") == "git://listed"
    assert backend.get_variable("environment_name") == "prod"
    with pytest.raises(HttpResponseError, match="Forbidden"):
        backend.get_conn_value("payroll_db")
    with pytest.raises(HttpResponseError, match="Forbidden"):
        backend.get_variable("payroll_key")
    assert vault.asked == [
        ("airflow-connections-git-data-platform", "allowed"),
        ("airflow-variables-environment-name", "allowed"),
        ("airflow-connections-payroll-db", "forbidden"),
        ("airflow-variables-payroll-key", "forbidden"),
    ]


def test_a_vault_wide_read_scope_reads_the_unlisted_secret_too() -> None:
    # The same vault and reads with readScope: vault: the refusals above come from the per-secret scopes.
    backend, vault = _key_vault_reads("vault")
    assert backend.get_conn_value("payroll_db") == "postgres://not-listed"
    assert vault.asked == [("airflow-connections-payroll-db", "allowed")]


# ----- the rendered connection: workload identity, no key -------------------------------------------------


def test_rendered_connection_builds_a_workload_identity_filesystem_without_any_key(
    documents: dict[str, Any], proof: Proof, tmp_path: Path
) -> None:
    token = tmp_path / "azure-identity-token"
    token.write_text("projected ServiceAccount token (never sent here)")
    webhook = {"AZURE_FEDERATED_TOKEN_FILE": str(token), "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/"}
    (step,) = _scenario({"mode": "identity", "env": {**proof.rendered_env, **webhook}})
    assert step["ok"], step.get("trace")
    annotations = documents["chart"]["serviceAccountAnnotations"]
    assert step["filesystem"] == "AzureBlobFileSystem"
    assert (step["conn_id"], step["container"]) == (proof.conn_id, proof.container)
    assert step["account_name"] == documents["storageAccounts"][0]["accountName"]
    assert step["anon"] is False and step["secrets"] == []
    assert step["workload_identity"] == {
        "client_id": annotations[WI_CLIENT],
        "tenant_id": annotations[WI_TENANT],
        "token_file": str(token),
    }
    assert documents["chart"]["labels"]["azure.workload.identity/use"] == "true"
    assert documents["storageAccounts"][0]["allowSharedKeyAccess"] is False  # the injected key only works on Azurite


# ----- the real XCom round trip against Azurite --------------------------------------------------------------


def test_airflow_pushes_pulls_and_purges_through_the_rendered_path(baseline: Run, proof: Proof) -> None:
    assert baseline.ok, "\n".join(baseline.failures + [s.get("trace", "") for s in baseline.steps if not s["ok"]])
    assert [s["name"] for s in baseline.steps] == ["xcom", "xcom-multiblock"]
    for s in baseline.steps:
        assert s["path"].startswith(f"{proof.path}/proof_dag/manual__proof/"), s["path"]


def test_every_call_is_mapped_and_allowed_by_the_assigned_role(baseline: Run) -> None:
    bad = [c.describe() for c in baseline.calls if c.allowed is not True]
    assert not bad, "denied or unmapped:\n" + "\n".join(bad)
    ops = {c.operation for c in baseline.calls}
    for op in ("Get Container Properties", "Put Block", "Put Block List", "Get Blob", "Get Blob Properties", "List Blobs"):
        assert op in ops, f"no {op} recorded: {sorted(ops)}"
    assert any("Delete Blob" in op for op in ops), sorted(ops)


def test_used_permissions_are_exactly_the_expected_and_the_rest_of_the_role_is_unused(baseline: Run, proof: Proof) -> None:
    used = {c.permission for c in baseline.calls}
    assert used == EXPECTED_NEEDED | EXPECTED_CALLED_NOT_NEEDED
    assert proof.granted - used == EXPECTED_UNUSED


def test_the_container_check_is_called_but_not_needed(proof: Proof) -> None:
    """Without containers/read the Get Container Properties call is refused and the agent still works."""
    run = proof.run(proof.granted - EXPECTED_CALLED_NOT_NEEDED)
    assert run.ok, run.failures
    assert any(c.status == 403 and c.operation == "Get Container Properties" for c in run.calls)


def test_the_needed_data_actions_alone_are_enough(proof: Proof) -> None:
    """The least set: a role with only these three data actions runs the whole scenario."""
    run = proof.run(set(EXPECTED_NEEDED))
    assert run.ok, run.failures


@pytest.mark.parametrize("permission", sorted(EXPECTED_NEEDED), ids=lambda p: p.rsplit("/", 1)[-1])
def test_dropping_a_used_permission_breaks_the_agent(proof: Proof, baseline: Run, permission: str) -> None:
    assert any(c.permission == permission for c in baseline.calls)
    run = proof.run(proof.granted - {permission})
    assert not run.ok, f"Airflow still works without {permission}"
    assert any(c.status == 403 and c.permission == permission for c in run.calls)


# ----- task logs: Airflow's real WASB handler against Azurite ------------------------------------------------

#: What ``WasbRemoteLogIO`` needs to upload (check, read, append, overwrite) and read back a task log: each
#: entry must survive the drop test. A change in the calls must change this set.
LOG_NEEDED = {f"{BLOBS}/read", f"{BLOBS}/write"}


@pytest.fixture(scope="module")
def log_documents() -> dict[str, Any]:
    return _documents("--set", "backend.taskLogs.enabled=true")


def _granted_containers(docs: dict[str, Any]) -> set[str]:
    """The containers the storage role assignments are scoped to (what the proxy lets the identity reach)."""
    scopes = [a["scope"] for a in docs["roleAssignments"] if a["role"] == "storageBlobDataContributor"]
    assert all("/blobServices/default/containers/" in s for s in scopes), scopes
    return {s.rsplit("/", 1)[1] for s in scopes}


def _log_run(proof: Proof, docs: dict[str, Any], permissions: set[str] | None, **override: str) -> Run:
    """One task-log scenario with the rendered settings; the test adds the emulator's endpoint and key only."""
    env = {k: v for k, v in docs["chart"]["commonEnv"].items() if k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    conn_env = f"AIRFLOW_CONN_{env['AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID'].upper()}"
    conn = json.loads(env[conn_env])
    conn["host"] = f"https://{proof.em.account_host}"  # WasbHook's account URL: the recording proxy
    conn["extra"] = {**conn["extra"], "account_key": proof.em.key}
    cert = str(proof.em.cert)
    env = {**env, conn_env: json.dumps(conn), "SSL_CERT_FILE": cert, "REQUESTS_CA_BUNDLE": cert, **override}
    for container in proof.admin.list_containers():
        client = proof.admin.get_container_client(container.name)
        for name in [b.name for b in client.list_blobs()]:
            client.delete_blob(name)
    proof.em.take_calls()
    proof.em.permissions, proof.em.containers = permissions, _granted_containers(docs)
    try:
        steps = _scenario({"mode": "task-logs", "env": env})
    finally:
        proof.em.permissions, proof.em.containers = None, None
    calls = proof.em.take_calls()
    failures = [f"{s['name']}: {s['error']}" for s in steps if not s["ok"]]
    failures += [f"unmapped call {c.describe()}" for c in calls if c.operation.endswith("UNMAPPED")]
    return Run(not failures, steps, calls, failures)


@pytest.fixture(scope="module")
def log_baseline(proof: Proof, log_documents: dict[str, Any]) -> Run:
    role = log_documents["rolePermissions"]["storageBlobDataContributor"]
    return _log_run(proof, log_documents, set(role["actions"]) | set(role["dataActions"]))


def test_task_logs_render_the_wasb_folder_in_the_xcom_container_with_an_expiry_rule(
    log_documents: dict[str, Any], proof: Proof
) -> None:
    env = log_documents["chart"]["commonEnv"]
    assert {k: v for k, v in env.items() if "REMOTE" in k} == {
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": "wasb://logs",
        "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID": proof.conn_id,
        "AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER": proof.container,
    }
    assert _granted_containers(log_documents) == {proof.container}
    (rule,) = [r for r in log_documents["lifecycleRules"] if r["name"] == "expire-task-logs"]
    assert rule["definition"]["filters"]["prefixMatch"] == [f"{proof.container}/logs/"]


def test_airflow_writes_and_reads_a_task_log_with_the_granted_role(log_baseline: Run, proof: Proof) -> None:
    assert log_baseline.ok, "\n".join(log_baseline.failures + [s.get("trace", "") for s in log_baseline.steps])
    (step,) = log_baseline.steps
    assert step["container"] == proof.container and step["conn_id"] == proof.conn_id
    assert step["blob"] == "logs/dag_id=proof_dag/run_id=manual__proof/task_id=extract/attempt=1.log"
    bad = [c.describe() for c in log_baseline.calls if c.allowed is not True]
    assert not bad, "denied or unmapped:\n" + "\n".join(bad)
    assert {c.permission for c in log_baseline.calls} == LOG_NEEDED
    assert all(c.path.startswith(f"/{proof.em.account}/{proof.container}") for c in log_baseline.calls)


def test_the_needed_log_data_actions_alone_are_enough(proof: Proof, log_documents: dict[str, Any]) -> None:
    run = _log_run(proof, log_documents, set(LOG_NEEDED))
    assert run.ok, run.failures


@pytest.mark.parametrize("permission", sorted(LOG_NEEDED), ids=lambda p: p.rsplit("/", 1)[-1])
def test_dropping_a_log_permission_breaks_task_logs(
    proof: Proof, log_documents: dict[str, Any], log_baseline: Run, permission: str
) -> None:
    assert any(c.permission == permission for c in log_baseline.calls)
    run = _log_run(proof, log_documents, LOG_NEEDED - {permission})
    assert not run.ok, f"task logs still work without {permission}"
    assert any(c.status == 403 and c.permission == permission for c in run.calls)


def test_a_log_folder_outside_the_granted_container_is_refused(proof: Proof, log_documents: dict[str, Any]) -> None:
    """Airflow's default log container (what a hand-written REMOTE_BASE_LOG_FOLDER writes to) is not granted."""
    other = "airflow-logs"
    if other not in [c.name for c in proof.admin.list_containers()]:
        proof.admin.create_container(other)
    run = _log_run(
        proof, log_documents, set(LOG_NEEDED), AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER=other
    )
    assert not run.ok, "a task log was written outside the granted container"
    assert run.calls and all(c.status == 403 and c.path.startswith(f"/{proof.em.account}/{other}") for c in run.calls)
