#!/usr/bin/env python3
"""The agent's real Airflow code paths against a local AWS, configured only by rendered chart values.

Run by test_aws_permissions.py in a fresh interpreter per run (so no Airflow/s3fs cache outlives a
policy):   python aws_scenario.py SPEC.json RESULT.json

SPEC carries the environment the agent's pods would have (the rendered ``commonEnv`` plus the chart's
``secretBackend``/``xcomBackend`` as ``AIRFLOW__SECRETS__BACKEND`` / ``AIRFLOW__CORE__XCOM_BACKEND``), the
endpoint of the emulator and what the test seeded. Each step uses Airflow's own objects exactly as the
worker does, and records ``ok``/``error`` without stopping the later steps:

* ``secrets``: ``ensure_secrets_backend_loaded()`` (the supervisor's chain) → ``SecretsManagerBackend``
  built from the rendered kwargs → a seeded connection, a seeded variable, and a variable that is not there.
* ``xcom``: ``resolve_xcom_backend()`` → ``XComObjectStorageBackend.serialize_value`` (what ``BaseXCom.set``
  calls: ``exists()`` on a new path, ``mkdir`` of its folder, write), ``deserialize_value`` (pull),
  ``purge`` (what ``BaseXCom.delete`` calls); the test then checks the object is gone.
* ``xcom-multipart``: the same with a value above s3fs's block size, so the write is a multipart upload.
* ``task-logs`` (when the values enable remote logging): the supervisor's remote-log connection lookup,
  then the ``S3RemoteLogIO`` Airflow builds from the config uploads a log, appends to it, and reads it back.
"""
from __future__ import annotations

import base64
import json
import os
import re
import socket
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable


def _loopback_only() -> None:
    """Nothing but 127.0.0.1 may be reached: a call that escaped the emulator would fail loudly."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"aws_scenario.py allows only loopback connections, not {address!r}")
        return real_connect(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost") and not (isinstance(host, str) and re.fullmatch(r"[\d.:]+", host)):
            raise socket.gaierror(f"aws_scenario.py resolves no host names ({host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def main(spec_path: str, result_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    home = tempfile.mkdtemp(prefix="astro-aws-proof-")
    for name in list(os.environ):
        if name.startswith(("AIRFLOW", "AWS_")):
            del os.environ[name]
    os.environ.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": os.path.join(home, "logs"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(home, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-aws-credentials"),
            **spec["env"],
        }
    )
    _loopback_only()
    steps: list[dict[str, Any]] = []

    def step(name: str, fn: Callable[[], dict[str, Any] | None]) -> None:
        try:
            details = fn() or {}
            steps.append({"name": name, "ok": True, "error": None, **details})
        except Exception as e:  # every failure is a result, reported with its traceback tail
            steps.append(
                {"name": name, "ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}
            )

    import fsspec.config

    # A smaller part size (s3fs's default block is 50 MiB) keeps the multipart write quick; the calls are the same.
    fsspec.config.conf.setdefault("s3", {})["default_block_size"] = int(spec["block_size"])

    step("secrets", lambda: _secrets(spec))
    step("xcom", lambda: _xcom(spec, {"rows": [{"id": i, "name": f"row-{i}"} for i in range(50)]}, "extract"))
    big = base64.b64encode(os.urandom(int(spec["large_bytes"]))).decode()
    step("xcom-multipart", lambda: _xcom(spec, {"blob": big}, "export"))
    if spec.get("task_logs"):
        step("task-logs", lambda: _task_logs(spec))
    Path(result_path).write_text(json.dumps({"steps": steps}, indent=2))
    return 0 if all(s["ok"] for s in steps) else 1


def _secrets(spec: dict[str, Any]) -> dict[str, Any]:
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    backends = ensure_secrets_backend_loaded()
    wanted = os.environ["AIRFLOW__SECRETS__BACKEND"]
    backend = next(b for b in backends if f"{type(b).__module__}.{type(b).__qualname__}" == wanted)
    conn = backend.get_connection(spec["connection"]["id"])
    expect = spec["connection"]["expect"]
    got = {"conn_type": conn.conn_type, "login": conn.login, "password": conn.password, "host": conn.host}
    if any(got[k] != expect[k] for k in expect):
        raise AssertionError(f"connection read back as {got}, expected {expect}")
    variable = backend.get_variable(spec["variable"]["key"])
    if variable != spec["variable"]["expect"]:
        raise AssertionError(f"variable read back as {variable!r}")
    if backend.get_variable(spec["missing_variable"]) is not None:
        raise AssertionError("a variable that does not exist was found")
    return {"backend": wanted}


def _xcom(spec: dict[str, Any], value: Any, task_id: str) -> dict[str, Any]:
    from airflow.sdk.execution_time.comms import XComResult
    from airflow.sdk.execution_time.xcom import resolve_xcom_backend

    xcom = resolve_xcom_backend()
    if f"{xcom.__module__}.{xcom.__qualname__}" != os.environ["AIRFLOW__CORE__XCOM_BACKEND"]:
        raise AssertionError(f"configured XCom backend not in use: {xcom}")
    coords = {"key": "return_value", "task_id": task_id, "dag_id": "proof_dag", "run_id": "manual__proof", "map_index": -1}
    stored = xcom.serialize_value(value, **coords)  # push: what BaseXCom.set sends to the API server
    ref = json.loads(stored) if isinstance(stored, str) and stored.startswith('"') else stored
    if not (isinstance(ref, str) and ref.startswith(f"{spec.get('xcom_scheme', 's3')}://")):
        raise AssertionError(f"the value was not written to object storage: {str(stored)[:200]}")
    pulled = xcom.deserialize_value(XComResult(key="return_value", value=stored))  # pull
    if pulled != value:
        raise AssertionError("the pulled value differs from the pushed one")
    xcom.purge(XComResult(key="return_value", value=ref))  # clear: what BaseXCom.delete calls
    return {"path": ref}


def _task_logs(spec: dict[str, Any]) -> dict[str, Any]:
    from remote_logs import round_trip

    return round_trip("S3RemoteLogIO")[1]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
