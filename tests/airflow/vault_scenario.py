"""Real Airflow's VaultBackend against a Vault-compatible server, configured only by rendered values.

Driven by tests/e2e/vault.test.ts (the OpenBao proof). Reads one JSON document on stdin:

    {"secretBackend": <class path from the chart values>,
     "kwargs": <AIRFLOW__SECRETS__BACKEND_KWARGS from the chart values, pod paths mapped to local files>,
     "cases": [{"name", "token", "kwargs": {<overrides>}, "read": [["connection"|"variable"|"metadata", <key>], ...]}]}

For each case it writes the case's ServiceAccount token (when it has one: AppRole cases log in with the
``role_id``/``secret_id`` kwargs) where ``kubernetes_jwt_path`` points, loads the
backend the way Airflow does (``[secrets] backend`` + ``backend_kwargs`` from the environment, through
Airflow's own configuration code), and performs the reads. It prints one JSON document: per case and
read, either the value Airflow got or the error (type, message, and the cause's), so the caller judges.
Only loopback connections are made (the server and the API server it asks run on 127.0.0.1).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any


def _clean_env() -> None:
    for name in list(os.environ):
        if name.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "VAULT_", "BAO_")):
            del os.environ[name]
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="vault-scenario-")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"


def _error(exc: BaseException) -> dict[str, Any]:
    cause = exc.__cause__ or exc.__context__
    return {
        "error": type(exc).__name__,
        "message": str(exc)[:500],
        "cause": None if cause is None else f"{type(cause).__name__}: {str(cause)[:500]}",
    }


def _load_backend(class_path: str, kwargs: dict[str, Any]):
    """The backend exactly as Airflow builds it from `[secrets] backend` and `backend_kwargs`."""
    os.environ["AIRFLOW__SECRETS__BACKEND"] = class_path
    os.environ["AIRFLOW__SECRETS__BACKEND_KWARGS"] = json.dumps(kwargs)
    from airflow.configuration import conf

    backend = conf._get_custom_secret_backend()  # Airflow's own loader (import_string + json kwargs)
    if backend is None or type(backend).__module__ + "." + type(backend).__name__ != class_path:
        raise RuntimeError(f"Airflow did not build {class_path} from the rendered settings: {backend!r}")
    return backend


def _read(backend, kind: str, key: str) -> dict[str, Any]:
    try:
        if kind == "connection":
            conn = backend.get_connection(key)
            if conn is None:
                return {"value": None}
            return {
                "value": {
                    "conn_type": conn.conn_type,
                    "host": conn.host,
                    "login": conn.login,
                    "password": conn.password,
                    "port": conn.port,
                    "extra": conn.extra_dejson,
                }
            }
        if kind == "variable":
            return {"value": backend.get_variable(key)}
        if kind == "metadata":
            # KV v2 metadata of a secret the role may read: the policy grants nothing on metadata/.
            return {"value": backend.vault_client.get_secret_metadata(key)}
        raise ValueError(f"unknown read kind {kind}")
    except Exception as exc:  # noqa: BLE001 (every failure is reported to the caller, which judges it)
        return _error(exc)


def main() -> int:
    spec = json.load(sys.stdin)
    _clean_env()
    results = []
    for case in spec["cases"]:
        kwargs = {**spec["kwargs"], **case.get("kwargs", {})}
        if "token" in case:  # Kubernetes auth: the case's ServiceAccount token (AppRole cases have none)
            with open(kwargs["kubernetes_jwt_path"], "w", encoding="utf-8") as fh:
                fh.write(case["token"])
        try:
            backend = _load_backend(spec["secretBackend"], kwargs)
        except Exception as exc:  # noqa: BLE001
            results.append({"case": case["name"], "load": _error(exc), "reads": []})
            continue
        reads = [{"kind": kind, "key": key, **_read(backend, kind, key)} for kind, key in case["read"]]
        results.append({"case": case["name"], "reads": reads})
    with open(sys.argv[1], "w", encoding="utf-8") as fh:
        json.dump({"results": results}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
