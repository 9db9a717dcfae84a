"""Tests for check_values.py. Run with the venv python:  $(tests/airflow/venv.sh) -m pytest tests/airflow"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
CHECKER = HERE / "check_values.py"
FIXTURES = HERE / "fixtures"

GOOD = sorted(p.name for p in FIXTURES.glob("good-*.yaml"))

# fixture -> [(check, path, substring of the message)] that must all be reported as failures
BAD = {
    "bad-kwarg-typo.yaml": [
        (
            "secrets.backend_kwargs",
            "commonEnv[AIRFLOW__SECRETS__BACKEND_KWARGS]",
            "unknown kwarg 'conections_prefix' for SecretsManagerBackend; did you mean connections_prefix?",
        )
    ],
    "bad-class-path.yaml": [
        ("secretBackend", "secretBackend", "cannot import 'airflow.providers.microsoft.azure.secrets.azure_key_vault"),
    ],
    "bad-xcom-scheme.yaml": [
        ("xcom.path", "commonEnv[AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH]", "scheme 'wasb'"),
    ],
    "bad-unknown-option.yaml": [
        (
            "config-option",
            "commonEnv[AIRFLOW__COMMON_IO__XCOM_OBJECTSTORE_THRESHOLD]",
            "unknown Airflow config option AIRFLOW__COMMON_IO__XCOM_OBJECTSTORE_THRESHOLD",
        )
    ],
    "bad-connection-json.yaml": [
        ("connection", "commonEnv[AIRFLOW_CONN_GIT_REPO]", "not a valid Airflow connection JSON"),
    ],
    "bad-bundle-no-tracking-ref.yaml": [
        ("dagBundle", "dagBundleConfigList[git-dags].kwargs", "missing required kwarg 'tracking_ref' for GitDagBundle"),
    ],
    "bad-kwargs-not-json.yaml": [
        ("secrets.backend_kwargs", "commonEnv[AIRFLOW__SECRETS__BACKEND_KWARGS]", "silently use NO kwargs"),
    ],
    "bad-xcom-threshold-compression.yaml": [
        ("xcom.threshold", "commonEnv[AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD]", "'1MB' is not an integer"),
        ("xcom.compression", "commonEnv[AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_COMPRESSION]", "Compression gz is not supported"),
    ],
}


def load(name: str) -> dict:
    return yaml.safe_load((FIXTURES / name).read_text())


def set_env(values: dict, name: str, value, where: str = "commonEnv") -> dict:
    lst = values[where] if where == "commonEnv" else values["workers"][0]["env"]
    for item in lst:
        if item["name"] == name:
            item["value"] = value
            return values
    lst.append({"name": name, "value": value})
    return values


def kwargs_of(values: dict) -> dict:
    return json.loads(next(e["value"] for e in values["commonEnv"] if e["name"] == "AIRFLOW__SECRETS__BACKEND_KWARGS"))


def with_kwargs(values: dict, **changes) -> dict:
    kw = kwargs_of(values)
    for k, v in changes.items():
        if v is None:
            kw.pop(k, None)
        else:
            kw[k] = v
    return set_env(values, "AIRFLOW__SECRETS__BACKEND_KWARGS", json.dumps(kw))


def bundle(values: dict, **kwargs) -> dict:
    values["dagBundleConfigList"] = json.dumps(
        [{"name": "git-dags", "classpath": "airflow.providers.git.bundles.git.GitDagBundle", "kwargs": kwargs}]
    )
    return values


def _variants() -> dict[str, tuple[dict, list[tuple[str, str]]]]:
    """Broken variants built in code: name -> (values, [(path substring, message substring)])."""
    v: dict[str, tuple[dict, list[tuple[str, str]]]] = {}
    v["vault-unknown-kwarg"] = (
        with_kwargs(load("good-vault.yaml"), kv_version=2),
        [("BACKEND_KWARGS]", "unknown kwarg 'kv_version' for VaultBackend")],
    )
    v["vault-token-auth-without-token"] = (
        with_kwargs(load("good-vault.yaml"), auth_type="token", kubernetes_role=None),
        [("BACKEND_KWARGS]", "requires 'token' or 'token_path'")],
    )
    v["azure-sep-underscore"] = (
        with_kwargs(load("good-azure.yaml"), sep="_"),
        [("BACKEND_KWARGS]", "Key Vault secret names allow only")],
    )
    v["azure-bad-vault-url"] = (
        with_kwargs(load("good-azure.yaml"), vault_url="astro-agent-kv"),
        [("BACKEND_KWARGS]", "is not https://<vault-name>.vault.azure.net/")],
    )
    v["gcp-slash-sep"] = (
        with_kwargs(load("good-gcp.yaml"), sep="/"),
        [("BACKEND_KWARGS]", "CloudSecretManagerBackend(**kwargs) raised")],
    )
    v["aws-bad-assume-role-method"] = (
        with_kwargs(load("good-aws.yaml"), assume_role_method="assume_role_with_magic"),
        [("BACKEND_KWARGS]", "SecretsManagerBackend(**kwargs) raised")],
    )
    v["per-key-kwarg-typo"] = (
        set_env(load("good-aws.yaml"), "AIRFLOW__SECRETS__BACKEND_KWARG__REGION", "us-east-1"),
        [("commonEnv[AIRFLOW__SECRETS__BACKEND_KWARG__REGION]", "unknown kwarg 'region' for SecretsManagerBackend")],
    )
    v["worker-override-kwargs-typo"] = (
        set_env(load("good-aws.yaml"), "AIRFLOW__SECRETS__BACKEND_KWARGS", '{"variable_prefix":"x"}', where="worker"),
        [("workers[0](default-worker).env[AIRFLOW__SECRETS__BACKEND_KWARGS]", "unknown kwarg 'variable_prefix'")],
    )
    v["env-value-not-string"] = (
        set_env(load("good-gcp.yaml"), "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD", 0),
        [("[AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD]", "value must be a string")],
    )
    dup = load("good-gcp.yaml")
    dup["commonEnv"].append({"name": "ASTRO_DEPLOYMENT_ID", "value": "other"})
    v["duplicate-env"] = (dup, [("commonEnv[ASTRO_DEPLOYMENT_ID]", "duplicate env name")])
    v["cmd-on-non-sensitive-option"] = (
        set_env(load("good-gcp.yaml"), "AIRFLOW__CORE__PARALLELISM_CMD", "echo 4"),
        [("[AIRFLOW__CORE__PARALLELISM_CMD]", "_CMD only for sensitive options")],
    )
    v["bool-option-not-bool"] = (
        set_env(load("good-gcp.yaml"), "AIRFLOW__CORE__LAZY_LOAD_PLUGINS", "maybe"),
        [("[AIRFLOW__CORE__LAZY_LOAD_PLUGINS]", "expects boolean")],
    )
    v["bundle-unknown-kwarg"] = (
        bundle(load("good-aws.yaml"), tracking_ref="main", git_conn_id="git_repo", branch="main"),
        [("dagBundleConfigList[git-dags].kwargs", "unknown kwarg 'branch' for GitDagBundle")],
    )
    v["bundle-sets-name"] = (
        bundle(load("good-aws.yaml"), tracking_ref="main", git_conn_id="git_repo", name="x"),
        [("dagBundleConfigList[git-dags].kwargs", "must not set ['name']")],
    )
    lst = load("good-gcp.yaml")
    lst["dagBundleConfigList"] = json.loads(lst["dagBundleConfigList"])
    v["bundle-list-not-string"] = (lst, [("dagBundleConfigList", "must be a JSON string")])
    dupb = load("good-gcp.yaml")
    dupb["dagBundleConfigList"] = json.dumps(json.loads(dupb["dagBundleConfigList"]) * 2)
    v["bundle-duplicate-names"] = (dupb, [("dagBundleConfigList", "DagBundlesManager rejected it")])
    nobucket = set_env(load("good-aws.yaml"), "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH", "s3:///xcom")
    v["xcom-no-bucket"] = (nobucket, [("XCOM_OBJECTSTORAGE_PATH]", "has no bucket/container")])
    badconn = set_env(load("good-vault.yaml"), "AIRFLOW_CONN_AWS_DEFAULT", '{"conn_type":"aws","extra":"{not json"}')
    v["connection-extra-not-json"] = (badconn, [("commonEnv[AIRFLOW_CONN_AWS_DEFAULT]", "extra is not valid JSON")])
    uri = set_env(load("good-gcp.yaml"), "AIRFLOW_CONN_PG", "postgresql://user:pass@db.example:notaport/app")
    v["connection-uri-bad-port"] = (uri, [("commonEnv[AIRFLOW_CONN_PG]", "not a valid Airflow connection URI")])
    nosb = load("good-gcp.yaml")
    del nosb["secretBackend"]
    v["missing-secret-backend"] = (nosb, [("secretBackend", "missing")])
    nox = load("good-gcp.yaml")
    nox["commonEnv"] = [e for e in nox["commonEnv"] if e["name"] != "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH"]
    v["xcom-path-missing"] = (nox, [("XCOM_OBJECTSTORAGE_PATH]", "missing")])
    # No repo_url: GitDagBundle clones the connection's host, so a bare host (Astronomer's example
    # connection, written for use with repo_url) is not enough.
    bare = bundle(load("good-aws.yaml"), tracking_ref="main", git_conn_id="git_repo")
    set_env(bare, "AIRFLOW_CONN_GIT_REPO", json.dumps({"conn_type": "git", "host": "github.com", "schema": "https"}))
    v["bundle-no-repo-url-bare-host"] = (
        bare,
        [("dagBundleConfigList[git-dags].kwargs", "host 'github.com', which is not a repository URL")],
    )
    sdup = load("good-aws.yaml")
    sdup["sentinel"] = {"enabled": True, "env": [{"name": "HTTPS_PROXY", "value": "a"}, {"name": "HTTPS_PROXY", "value": "b"}]}
    v["sentinel-env-duplicate"] = (sdup, [("sentinel.env[HTTPS_PROXY]", "duplicate env name")])
    return v


def workload_identity(values: dict, client: str = "00000000-0000-0000-0000-000000000001", label: bool = True) -> dict:
    """The Azure fixture as the program renders it: annotated ServiceAccounts and (optionally) labelled pods."""
    values["serviceAccount"] = {
        "annotations": {
            "azure.workload.identity/client-id": client,
            "azure.workload.identity/tenant-id": "00000000-0000-0000-0000-000000000002",
        }
    }
    if label:
        values["labels"] = {"azure.workload.identity/use": "true"}
    return values


def with_xcom_extra(values: dict, **extra) -> dict:
    conn = json.loads(next(e["value"] for e in values["commonEnv"] if e["name"] == "AIRFLOW_CONN_WASB_XCOM"))
    conn["extra"] = {**conn["extra"], **extra}
    return set_env(values, "AIRFLOW_CONN_WASB_XCOM", json.dumps(conn))


VARIANTS = _variants()
VARIANTS["azure-wi-other-client"] = (
    workload_identity(load("good-azure.yaml"), client="00000000-0000-0000-0000-000000000009"),
    [
        ("XCOM_OBJECTSTORAGE_PATH]", "but the ServiceAccounts are federated for client 00000000-0000-0000-0000-000000000009"),
        ("BACKEND_KWARGS]", "SecretClient authenticates as client 00000000-0000-0000-0000-000000000001"),
    ],
)
VARIANTS["azure-wi-pods-not-labelled"] = (
    workload_identity(load("good-azure.yaml"), label=False),
    [("XCOM_OBJECTSTORAGE_PATH]", "pods are not labelled azure.workload.identity/use")],
)
VARIANTS["azure-xcom-account-key"] = (
    with_xcom_extra(workload_identity(load("good-azure.yaml")), account_key="c2VjcmV0LWtleQ=="),
    [("XCOM_OBJECTSTORAGE_PATH]", "AzureBlobFileSystem carries account_key")],
)

# good variants that must pass
GOOD_VARIANTS = {
    "azure-workload-identity": workload_identity(load("good-azure.yaml")),
    "uri-connection": set_env(load("good-gcp.yaml"), "AIRFLOW_CONN_PG", "postgresql://user:pass@db.example:5432/app"),
    "sensitive-cmd-option": set_env(load("good-gcp.yaml"), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD", "cat /x"),
    "per-key-kwarg": set_env(load("good-aws.yaml"), "AIRFLOW__SECRETS__BACKEND_KWARG__REGION_NAME", "eu-west-1"),
    "public-git-repo": bundle(load("good-gcp.yaml"), tracking_ref="v1.2.0", repo_url="https://github.com/o/r.git"),
    # Astronomer's documented private-repo form: bare host in the connection, URL in repo_url.
    "private-git-repo-url-in-bundle": set_env(
        bundle(load("good-aws.yaml"), tracking_ref="main", git_conn_id="git_repo", repo_url="https://github.com/o/r.git"),
        "AIRFLOW_CONN_GIT_REPO",
        json.dumps({"conn_type": "git", "host": "github.com", "login": "x", "password": "y"}),
    ),
    # LocalDagBundle without kwargs reads Airflow's [core] dags_folder (the chart's own default list).
    "local-bundle-no-path": {
        **load("good-local.yaml"),
        "dagBundleConfigList": json.dumps(
            [{"name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle", "kwargs": {}}]
        ),
    },
}


def run_checker(*paths: Path | str, json_out: bool = True) -> subprocess.CompletedProcess:
    args = [sys.executable, str(CHECKER), *(["--json"] if json_out else []), *map(str, paths)]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> dict[str, dict]:
    """Run the checker once over every fixture and variant (Airflow import costs ~5 s per process)."""
    tmp = tmp_path_factory.mktemp("variants")
    paths: dict[str, Path] = {name: FIXTURES / name for name in [*GOOD, *BAD]}
    for name, (values, _) in VARIANTS.items():
        paths[name] = tmp / f"{name}.yaml"
        paths[name].write_text(yaml.safe_dump(values, sort_keys=False))
    for name, values in GOOD_VARIANTS.items():
        paths[f"good:{name}"] = tmp / f"good-{name}.yaml"
        paths[f"good:{name}"].write_text(yaml.safe_dump(values, sort_keys=False))
    proc = run_checker(*paths.values())
    assert proc.returncode == 1, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    by_file = {f["file"]: f for f in doc["files"]}
    return {name: by_file[str(p)] for name, p in paths.items()}


def fails(report: dict) -> list[dict]:
    return [r for r in report["results"] if r["status"] == "fail"]


def explain(report: dict) -> str:
    return "\n".join(f"{r['status']} [{r['check']}] {r['path']}: {r['message']}" for r in report["results"])


@pytest.mark.parametrize("name", GOOD)
def test_good_fixture_passes(results, name):
    rep = results[name]
    assert rep["ok"] and rep["failed"] == 0, explain(rep)
    checks = {r["check"] for r in rep["results"] if r["status"] == "pass"}
    assert {"secretBackend", "secrets.backend_kwargs", "secrets.backend.instantiate", "xcomBackend", "xcom.path",
            "dagBundleConfigList", "dagBundle"} <= checks, explain(rep)


@pytest.mark.parametrize("name", sorted(GOOD_VARIANTS))
def test_good_variant_passes(results, name):
    rep = results[f"good:{name}"]
    assert rep["ok"], explain(rep)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_fixture_fails_with_clear_message(results, name):
    rep = results[name]
    assert not rep["ok"], explain(rep)
    for check, path, msg in BAD[name]:
        assert any(r["check"] == check and r["path"] == path and msg in r["message"] for r in fails(rep)), (
            f"expected FAIL [{check}] {path}: ...{msg}...\n" + explain(rep)
        )


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_bad_variant_fails_with_clear_message(results, name):
    rep = results[name]
    assert not rep["ok"], explain(rep)
    for path, msg in VARIANTS[name][1]:
        assert any(path in r["path"] and msg in r["message"] for r in fails(rep)), (
            f"expected FAIL at ...{path}...: ...{msg}...\n" + explain(rep)
        )


def test_no_network_attempts(results):
    for name, rep in results.items():
        assert not [r for r in rep["results"] if r["check"] == "network"], f"{name}:\n{explain(rep)}"


def test_text_output_and_exit_codes():
    good = run_checker(FIXTURES / "good-local.yaml", json_out=False)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.rstrip().splitlines()[-1] == "files: 1 passed, 0 failed"
    assert "PASS " in good.stdout
    bad = run_checker(FIXTURES / "good-local.yaml", FIXTURES / "bad-kwarg-typo.yaml", json_out=False)
    assert bad.returncode == 1
    lines = bad.stdout.rstrip().splitlines()
    assert lines[-1] == "files: 1 passed, 1 failed"
    assert any(
        l.startswith("FAIL ") and "commonEnv[AIRFLOW__SECRETS__BACKEND_KWARGS]: unknown kwarg 'conections_prefix'" in l
        for l in lines
    ), bad.stdout
